// How a fine-tuning (finetune.h) is shown: text after the advice, the JSON object under
// "finetune", and the summary page's section.
#include <fmt/format.h>

#include <cmath>
#include <string_view>
#include <vector>

#include "hwnas/advise/finetune.h"
#include "hwnas/base/printable.h"

namespace hwnas::advise {
namespace {

/// A metric of the task as it is shown: its name, the key in hwnas-train's metrics object,
/// and whether it is a fraction shown in percent (else a value in [0, 1] with 4 decimals).
struct MetricKey {
  std::string_view name, key;
  bool percent;
};

std::vector<MetricKey> metric_keys(std::string_view task) {
  if (task == "detection") return {{"mAP@0.5", "map_50", false}, {"mAP@[.5:.95]", "map_50_95", false}};
  if (task == "segmentation") return {{"mIoU", "miou", false}, {"pixel accuracy", "pixel_accuracy", false}};
  return {{"top-1", "top1", true}, {"top-5", "top5", true}};
}

/// {name, before, after, change} of each metric both measurements have.
std::vector<std::vector<std::string>> metric_rows(const FinetuneResult& r) {
  std::vector<std::vector<std::string>> rows;
  for (const MetricKey& m : metric_keys(r.baseline.task)) {
    const auto b = r.baseline.before.metrics.find(m.key), a = r.after.metrics.find(m.key);
    if (b == r.baseline.before.metrics.end() || a == r.after.metrics.end() || !b->is_number() || !a->is_number())
      continue;
    const double before = b->get<double>(), after = a->get<double>();
    if (m.percent)
      rows.push_back({std::string(m.name), fmt::format("{:.2f}%", 100 * before), fmt::format("{:.2f}%", 100 * after),
                      fmt::format("{:+.2f} points", 100 * (after - before))});
    else
      rows.push_back({std::string(m.name), fmt::format("{:.4f}", before), fmt::format("{:.4f}", after),
                      fmt::format("{:+.4f}", after - before)});
  }
  return rows;
}

/// "1 epoch at lr 0.01 (SGD, weight decay 4e-05), 600 training images at 32x32, 1 thread: 1.1 s, 486 images/s"
std::string training_text(const FinetuneResult& r) {
  return fmt::format("{} at lr {:g} (SGD, weight decay {:g}), {} at {}x{}, {}: {:.1f} s, {:.0f} images/s",
                     plural(r.epochs, "epoch"), r.lr, r.weight_decay,
                     plural(r.train_images, r.baseline.task == "classification" ? "training image" : "training scene"),
                     r.resolution, r.resolution, plural(r.threads, "thread"), r.train_seconds, r.images_per_s);
}

/// "48 tensors copied, 203 by leading channels, 156378 of 372378 parameters (42.0%); 9 tensors at default init"
std::string init_text(const nlohmann::json& init) {
  if (!init.is_object()) return "";
  const std::int64_t copied = init.value("copied_params", std::int64_t{0}), all = init.value("network_params", std::int64_t{0});
  const auto size = [&](const char* key) {
    const auto it = init.find(key);
    return it != init.end() && it->is_array() ? static_cast<std::int64_t>(it->size()) : 0;
  };
  return fmt::format("{} copied, {} by leading channels, {} of {} parameters ({:.1f}%); {} at default init",
                     plural(init.value("copied_tensors", std::int64_t{0}), "tensor"),
                     init.value("sliced_tensors", std::int64_t{0}), copied, all,
                     all > 0 ? 100.0 * double(copied) / double(all) : 0.0, plural(size("skipped"), "tensor"));
}

std::string images_measured(const FinetuneResult& r) {
  const nlohmann::json& m = r.after.metrics;
  if (const auto it = m.find("test_images"); it != m.end() && it->is_number_integer())
    return fmt::format(" on {} test {}", it->get<std::int64_t>(), r.baseline.task == "classification" ? "images" : "scenes");
  return "";
}

}  // namespace

std::string finetune_text(const FinetuneResult& r, const FinetuneOptions& o) {
  std::string s = fmt::format("fine-tuned from {}: {}\n", printable(o.weights), training_text(r));
  if (const std::string init = init_text(r.init_from); !init.empty()) s += "  initialised: " + init + "\n";
  std::string metrics;
  for (const std::vector<std::string>& row : metric_rows(r))
    metrics += fmt::format("{}{} {} -> {} ({})", metrics.empty() ? "" : ", ", row[0], row[1], row[2], row[3]);
  return s + fmt::format("  {}{}\n", metrics, images_measured(r));
}

nlohmann::ordered_json finetune_json(const FinetuneResult& r, const FinetuneOptions& o) {
  const auto measured = [](const TaskMetrics& m) { return nlohmann::ordered_json{{"accuracy", m.accuracy}, {"metrics", m.metrics}}; };
  return {{"weights", o.weights},
          {"save", o.save},
          {"task", r.baseline.task},
          {"resolution", r.resolution},
          {"epochs", r.epochs},
          {"lr", r.lr},
          {"weight_decay", r.weight_decay},
          {"subset", o.subset},
          {"threads", r.threads},
          {"seed", o.seed},
          {"train_images", r.train_images},
          {"before", measured(r.baseline.before)},
          {"after", measured(r.after)},
          // Rounded as the accuracies are (hwnas-train counts correct images): 0.87, not 0.8700000000000045.
          {"change_points", std::round((r.after.accuracy - r.baseline.before.accuracy) * 1e4) / 1e4},
          {"init_from", r.init_from},
          {"seconds", r.train_seconds},
          {"images_per_s", r.images_per_s},
          {"evaluate_seconds", r.baseline.seconds}};
}

SummarySection finetune_section(const FinetuneResult& r, const FinetuneOptions& o) {
  SummarySection s{"Fine-tuning"};
  s.paragraphs.push_back(fmt::format("The combined model was trained from the baseline's weights {} (hwnas train "
                                     "--init-from, docs/training.md): {}. Its weights: {}.",
                                     o.weights, training_text(r), o.save));
  if (const std::string init = init_text(r.init_from); !init.empty())
    s.paragraphs.push_back("Initialisation: " + init + ".");
  s.paragraphs.push_back(fmt::format("Measured{}: the baseline with its own weights (no training), the combination "
                                     "with the fine-tuned ones.",
                                     images_measured(r)));
  s.header = {"metric", "baseline (" + o.weights + ")", "fine-tuned (" + o.save + ")", "change"};
  s.rows = metric_rows(r);
  return s;
}

}  // namespace hwnas::advise

#include "hwnas/cli/train_output.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/train/data/fashion_mnist.h"

namespace hwnas::cli {
namespace {

nlohmann::ordered_json header(const std::string& model, train::Task task, bool failed, const std::string& failure) {
  nlohmann::ordered_json j{{"model", model}, {"task", train::task_name(task)}, {"status", failed ? "failed" : "ok"}};
  if (failed) j["failure"] = failure;
  return j;
}

template <class Run>
void add_facts(nlohmann::ordered_json& j, const Run& r, bool trained) {
  j["resolution"] = r.resolution;
  j["channels"] = r.channels;
  j["threads"] = r.threads;
  if (trained) {
    j["train_images"] = r.train_images;
    j["epochs_done"] = r.epochs_done;
    j["resumed_from_epoch"] = r.resumed_from_epoch;
    j["images_trained"] = r.images_trained;
    j["train_seconds"] = r.train_seconds;
    j["resumed_train_seconds"] = r.resumed_train_seconds;
    j["images_per_s"] = r.images_per_s;
  }
  j["eval_seconds"] = r.eval_seconds;
  j["peak_rss_bytes"] = peak_rss_bytes();
}

nlohmann::ordered_json optional_list(const std::vector<std::optional<double>>& values) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const std::optional<double>& v : values) list.push_back(v ? nlohmann::ordered_json(*v) : nullptr);
  return list;
}

std::string optional_text(const std::vector<std::optional<double>>& values) {
  std::string s;
  for (const std::optional<double>& v : values) s += v ? fmt::format(" {:.3f}", *v) : " -";
  return s;
}

template <class Run>
std::string images_per_epoch_note(const Run& r) {
  if (r.failed) return "";
  const std::optional<std::int64_t> per_epoch =
      images_an_epoch_if_fewer(r.epochs_done - r.resumed_from_epoch, r.images_trained, r.train_images);
  if (!per_epoch) return "";
  return fmt::format(" ({} an epoch: whole batches only, the last {} of each epoch's shuffled order left out)",
                     *per_epoch, r.train_images - *per_epoch);
}

template <class Run>
void print_header(const Run& r, const std::string& data) {
  fmt::print("model {} ({}, {} at {}x{}, {}, {})\n", printable(r.model), data, plural(r.train_images, "training image"),
             r.resolution, r.resolution, plural(r.channels, "channel"), plural(r.threads, "thread"));
  fmt::print("{}\n", epochs_text(r.epochs_done, r.resumed_from_epoch, r.resumed_train_seconds,
                                  fmt::format("{} in {:.2f} s{}, {:.1f} images/s", plural(r.images_trained, "image"),
                                              r.train_seconds, images_per_epoch_note(r), r.images_per_s)));
}

// --init-from's record: the JSON object, and one text line.
nlohmann::ordered_json init_json(const train::WeightTransfer& t) {
  nlohmann::ordered_json skipped = nlohmann::ordered_json::array();
  for (const train::SkippedTensor& s : t.skipped) skipped.push_back({{"tensor", s.name}, {"reason", s.reason}});
  return {{"path", t.path},
          {"source_model", t.source_model},
          {"copied_tensors", t.copied_tensors},
          {"sliced_tensors", t.sliced_tensors},
          {"copied_params", t.copied_params},
          {"network_params", t.network_params},
          {"skipped", skipped},
          {"unused", t.unused}};
}

void print_init(const train::WeightTransfer& t) {
  constexpr std::size_t kShown = 3;
  std::string skipped;
  for (std::size_t i = 0; i < std::min(kShown, t.skipped.size()); ++i)
    skipped += fmt::format("{}{} ({})", i == 0 ? ": " : ", ", printable(t.skipped[i].name), t.skipped[i].reason);
  if (t.skipped.size() > kShown) skipped += fmt::format(", +{} more", t.skipped.size() - kShown);
  const auto size = [](const auto& list) { return static_cast<std::int64_t>(list.size()); };
  fmt::print("initialised from {} (model {}): {} copied, {} by leading channels, {} of {} parameters ({:.1f}%); {} at "
             "default init{}; {} unused\n",
             printable(t.path), printable(t.source_model), plural(t.copied_tensors, "tensor"), t.sliced_tensors,
             t.copied_params, t.network_params,
             t.network_params > 0 ? 100.0 * double(t.copied_params) / double(t.network_params) : 0.0,
             plural(size(t.skipped), "tensor"), skipped, plural(size(t.unused), "file tensor"));
}

void print_footer(const std::string& save) {
  fmt::print("peak RSS {:.0f} MiB\n", static_cast<double>(peak_rss_bytes()) / (1 << 20));
  if (!save.empty()) fmt::print("weights written to {}\n", printable(save));
}

}  // namespace

std::optional<std::int64_t> images_an_epoch_if_fewer(std::int64_t epochs, std::int64_t images_trained,
                                                     std::int64_t train_images) {
  if (epochs <= 0 || images_trained % epochs != 0) return std::nullopt;
  const std::int64_t per_epoch = images_trained / epochs;
  if (per_epoch >= train_images) return std::nullopt;
  return per_epoch;
}

std::string epochs_text(std::int32_t epochs_done, std::int32_t resumed_from_epoch, double resumed_train_seconds,
                        const std::string& this_session) {
  if (resumed_from_epoch > 0 && epochs_done == resumed_from_epoch)
    return fmt::format("{}, all in the checkpoint (its training took {:.2f} s): nothing left to train",
                       plural(epochs_done, "epoch"), resumed_train_seconds);
  if (resumed_from_epoch > 0)
    return fmt::format("{} (resumed after epoch {}, {:.2f} s of training before): {}", plural(epochs_done, "epoch"),
                       resumed_from_epoch, resumed_train_seconds, this_session);
  return fmt::format("{}: {}", plural(epochs_done, "epoch"), this_session);
}

std::int64_t peak_rss_bytes() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return std::int64_t{usage.ru_maxrss} * 1024;
}

nlohmann::ordered_json run_json(const train::ClassificationRun& r, bool trained) {
  nlohmann::ordered_json j = header(r.model, train::Task::classification, r.failed, r.failure);
  if (!r.failed) {
    j["accuracy"] = percent_of_images(r.top1, r.test_images);
    j["metrics"] = {{"top1", r.top1}, {"top5", r.top5}, {r.validation ? "validation_images" : "test_images", r.test_images}};
  }
  add_facts(j, r, trained);
  if (trained && r.init) j["init_from"] = init_json(*r.init);
  return j;
}

nlohmann::ordered_json run_json(const train::SceneRun& r, bool trained) {
  nlohmann::ordered_json j = header(r.model, r.task, r.failed, r.failure);
  if (!r.failed) {
    j["accuracy"] = r.accuracy();
    if (r.task == train::Task::detection)
      j["metrics"] = {{"map_50", r.map_50},   {"map_50_95", r.map_50_95},          {"map_75", r.map_75},
                      {"ap_50", optional_list(r.ap_50)}, {"baseline_map_50", r.baseline}, {"test_images", r.test_images}};
    else
      j["metrics"] = {{"miou", r.miou},
                      {"pixel_accuracy", r.pixel_accuracy},
                      {"iou", optional_list(r.iou)},
                      {"baseline_miou", r.baseline},
                      {"test_images", r.test_images}};
    if (r.measured_on_train) j["metrics"]["on_training_scenes"] = true;
    if (!r.curve.empty()) {
      nlohmann::ordered_json curve = nlohmann::ordered_json::array();
      for (const train::EpochMetric& e : r.curve)
        curve.push_back({{"epoch", e.epoch}, {"loss", e.loss}, {"metric", e.metric}, {"train_seconds", e.seconds}});
      j["curve"] = curve;
    }
  }
  j["scenes"] = {{"size", r.scene_size}, {"labels", r.scene_labels}};
  if (!r.cache_note.empty()) j["scenes"]["cache_note"] = r.cache_note;
  add_facts(j, r, trained);
  if (r.task == train::Task::detection) j["decode_seconds"] = r.decode_seconds;
  if (trained && r.init) j["init_from"] = init_json(*r.init);
  return j;
}

void print_metrics(const train::ClassificationRun& r) {
  fmt::print("top-1 {:.2f}%, top-5 {:.2f}% on {} {} images ({:.2f} s)\n", 100 * r.top1, 100 * r.top5,
             r.test_images, r.validation ? "held-out training (--validation)" : "test", r.eval_seconds);
}

void print_metrics(const train::SceneRun& r) {
  const char* scenes = r.measured_on_train ? "training scenes (--test-on-train)" : "test scenes";
  if (r.task == train::Task::detection) {
    fmt::print("mAP@0.5 {:.4f} (prior-box baseline {:.4f}), COCO mAP@[.5:.95] {:.4f} on {} {} ({:.2f} s, "
               "of which decoding and matching {:.2f} s)\n",
               r.map_50, r.baseline, r.map_50_95, r.test_images, scenes, r.eval_seconds, r.decode_seconds);
    fmt::print("AP@0.5 by class:{}\n", optional_text(r.ap_50));
  } else {
    fmt::print("mIoU {:.4f} (all-background baseline {:.4f}), pixel accuracy {:.4f} on {} {} ({:.2f} s)\n",
               r.miou, r.baseline, r.pixel_accuracy, r.test_images, scenes, r.eval_seconds);
    fmt::print("IoU by class (background first):{}\n", optional_text(r.iou));
  }
}

void print_trained(const train::ClassificationRun& r, const std::string& save) {
  if (r.init) print_init(*r.init);
  print_header(r, "classification, Fashion-MNIST");
  print_metrics(r);
  print_footer(save);
}

void print_trained(const train::SceneRun& r, const std::string& save) {
  if (!r.cache_note.empty()) fmt::print("{}\n", printable(r.cache_note));
  if (r.init) print_init(*r.init);
  print_header(r, fmt::format("{}, {}x{} {} scenes", train::task_name(r.task), r.scene_size, r.scene_size,
                              r.scene_labels));
  for (const train::EpochMetric& e : r.curve)
    fmt::print("after epoch {}: loss {:.4f}, {} {:.4f} ({:.1f} s of training)\n", e.epoch, e.loss,
               r.task == train::Task::detection ? "mAP@0.5" : "mIoU", e.metric, e.seconds);
  print_metrics(r);
  print_footer(save);
}

train::ProgressCallback training_progress(ProgressBar& bar) {
  using Clock = std::chrono::steady_clock;
  struct Pace {
    Clock::time_point first;  // the first report's time and steps: the rate leaves out start-up
    std::int64_t first_done = -1;
    bool judged = false;
  };
  return [&bar, started = false, pace = Pace{}](const train::StepProgress& p) mutable {
    if (!p.note.empty()) {
      bar.note(p.note);
      return;
    }
    const std::int64_t done = p.epoch * p.steps + p.step, total = p.epochs * p.steps;
    const bool epoch_end = p.step == p.steps;
    const std::string detail = fmt::format("epoch {}/{}{}, loss {:.4f}, {:.0f} images/s", p.epoch + 1, p.epochs,
                                           epoch_end ? " done" : "", p.loss, p.images_per_s);
    if (bar.on_terminal()) bar.update(done, total, detail);
    else if (epoch_end || (p.step == 1 && !started)) bar.line(done, total, detail);
    started = true;
    // Once the pace is known (10 s or 1% of the steps after the first report), a run that
    // would take hours says how to try the commands in minutes.
    const Clock::time_point now = Clock::now();
    if (pace.first_done < 0) pace = {now, done, false};
    const double seconds = std::chrono::duration<double>(now - pace.first).count();
    if (pace.judged || done <= pace.first_done || (seconds < 10 && 100 * (done - pace.first_done) < total)) return;
    pace.judged = true;
    const double left = seconds / double(done - pace.first_done) * double(total - done);
    if (left > kLongTrainingSeconds)
      bar.note(fmt::format("at this pace the training needs about {} more; to check that everything works, "
                           "fewer --epochs and a --subset (e.g. --epochs 1 --subset 0.02) take minutes",
                           duration_text(left)));
  };
}

void check_classification_data(const std::string& dir) {
  if (dir.empty()) return;
  try {
    train::fashion_mnist_files(dir, train::Split::train);
    train::fashion_mnist_files(dir, train::Split::test);
  } catch (const UserError& e) {
    const std::string what = e.what(), prefix = fmt::format("Fashion-MNIST directory {}: ", dir);
    throw UserError(fmt::format("--data {}: {}", dir, what.starts_with(prefix) ? what.substr(prefix.size()) : what));
  }
}

}  // namespace hwnas::cli

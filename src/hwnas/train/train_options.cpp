#include "hwnas/train/train_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <cmath>
#include <thread>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/data/idx.h"
#include "hwnas/train/data/scene_cache.h"
#include "hwnas/train/sampling.h"

namespace hwnas::train {

std::string_view optimizer_name(OptimizerKind kind) { return kind == OptimizerKind::sgd ? "sgd" : "adamw"; }

OptimizerKind parse_optimizer(std::string_view text, std::string_view option) {
  if (text == "sgd") return OptimizerKind::sgd;
  if (text == "adamw") return OptimizerKind::adamw;
  throw UserError(fmt::format("{} '{}' is not an optimizer; use sgd or adamw", option, printable(text, 40)));
}

Task parse_task(std::string_view text, std::string_view option) {
  for (Task t : {Task::classification, Task::detection, Task::segmentation})
    if (text == task_name(t)) return t;
  throw UserError(fmt::format("{} '{}' is not a task; use classification, detection or segmentation", option,
                              printable(text, 40)));
}

SceneLabels parse_scene_labels(std::string_view text, std::string_view option) {
  if (text == "items") return SceneLabels::items;
  if (text == "presence") return SceneLabels::presence;
  throw UserError(fmt::format("{} '{}' is not a scene labelling; use items or presence", option, printable(text, 40)));
}

std::string_view scene_labels_name(SceneLabels labels) {
  return labels == SceneLabels::items ? "items" : "presence";
}

SceneOptions scene_options(const TrainOptions& options) {
  SceneOptions s;
  const double scale = options.scene_size / 96.0;
  s.height = s.width = options.scene_size;
  s.item_min = std::max(1, static_cast<std::int32_t>(std::lround(s.item_min * scale)));
  s.item_max = std::max(s.item_min, static_cast<std::int32_t>(std::lround(s.item_max * scale)));
  s.labels = options.scene_labels;
  return s;
}

OptimizerConfig default_optimizer(OptimizerKind kind) {
  OptimizerConfig c;
  c.kind = kind;
  if (kind == OptimizerKind::adamw) {
    c.lr = 0.002;
    c.weight_decay = 0.05;
  }
  return c;
}

namespace {

void check_range(bool ok, std::string_view option, double value, std::string_view range) {
  if (!ok) throw UserError(fmt::format("{} {} is out of range {}", option, value, range));
}

}  // namespace

void check_train_options(const TrainOptions& o) {
  check_range(o.epochs >= 1 && o.epochs <= 10'000, "--epochs", o.epochs, "[1, 10000]");
  check_range(o.subset > 0 && o.subset <= 1, "--subset", o.subset, "(0, 1]");
  check_range(o.resolution == 0 || (o.resolution >= 8 && o.resolution <= 1024), "--res", o.resolution,
              "[8, 1024]");
  if (o.threads != 0) check_threads(o.threads, "--threads");  // 0: the cores
  // Batch norm normalises over the batch: one image gives it no variance to learn from.
  check_range(o.batch >= 2 && o.batch <= 65'536, "--batch", o.batch, "[2, 65536]");
  check_range(o.optimizer.lr > 0 && o.optimizer.lr <= 1e9, "--lr", o.optimizer.lr, "(0, 1e9]");
  check_range(o.optimizer.weight_decay >= 0 && o.optimizer.weight_decay <= 1, "--weight-decay",
              o.optimizer.weight_decay, "[0, 1]");
  check_range(o.optimizer.momentum >= 0 && o.optimizer.momentum < 1, "--momentum", o.optimizer.momentum,
              "[0, 1)");
  check_range(o.label_smoothing >= 0 && o.label_smoothing <= kMaxLabelSmoothing, "--label-smoothing",
              o.label_smoothing, fmt::format("[0, {}]", kMaxLabelSmoothing));
  check_range(o.warmup >= 0 && o.warmup <= 1, "--warmup", o.warmup, "[0, 1]");
  check_range(o.validation >= 0 && o.validation <= 30'000, "--validation", static_cast<double>(o.validation),
              "[0, 30000]");
  if (o.validation > 0 && o.task != Task::classification)
    throw UserError("--validation holds out Fashion-MNIST training images for classification; detection and "
                    "segmentation are measured on --test-scenes (scenes of test items): drop --validation");
  const TrainOptions defaults;
  if (o.task == Task::classification) {
    const char* scene_option = o.scenes != defaults.scenes               ? "--scenes"
                               : o.test_scenes != defaults.test_scenes   ? "--test-scenes"
                               : o.scene_size != defaults.scene_size     ? "--scene-size"
                               : o.scene_labels != defaults.scene_labels ? "--scene-labels"
                                                                         : nullptr;
    if (scene_option != nullptr)
      throw UserError(fmt::format("{} sets the scenes of detection and segmentation; classification trains on "
                                  "Fashion-MNIST: drop it, or give --task detection or segmentation",
                                  scene_option));
    if (o.test_on_train || o.measure_each_epoch)
      throw UserError(fmt::format("{} is a diagnostic of detection and segmentation; classification measures on "
                                  "Fashion-MNIST's test set: drop it, or give --task detection or segmentation",
                                  o.test_on_train ? "--test-on-train" : "--measure-each-epoch"));
  } else {
    if (o.label_smoothing != defaults.label_smoothing)
      throw UserError(fmt::format("--label-smoothing {} smooths class labels of classification; detection and "
                                  "segmentation train without it: drop it",
                                  o.label_smoothing));
    check_range(o.scenes >= 2 && o.scenes <= 1'000'000, "--scenes", static_cast<double>(o.scenes), "[2, 1000000]");
    check_range(o.test_scenes >= 1 && o.test_scenes <= 1'000'000, "--test-scenes", static_cast<double>(o.test_scenes),
                "[1, 1000000]");
    check_range(o.scene_size >= 32 && o.scene_size <= 1024, "--scene-size", o.scene_size, "[32, 1024]");
  }
  if (o.resume && o.checkpoint.empty())
    throw UserError("--resume continues the run saved in --checkpoint FILE; give --checkpoint");
}

std::int32_t resolve_threads(std::int32_t threads) {
  if (threads > 0) return threads;
  return static_cast<std::int32_t>(std::max(1u, std::thread::hardware_concurrency()));
}

std::map<std::int32_t, std::int64_t> training_class_sizes(const std::string& dir) {
  const std::filesystem::path where = dir.empty() ? default_fashion_mnist_dir() : std::filesystem::path(dir);
  const FashionMnistFiles files = fashion_mnist_files(where, Split::train);
  const IdxArray labels = read_idx_file(files.labels);
  std::map<std::int32_t, std::int64_t> sizes;
  for (const std::uint8_t label : labels.data) {
    if (label >= kFashionMnistClasses.size())
      throw UserError(fmt::format("{}: label {} is outside 0-9; reinstall dataset-fashion-mnist",
                                  files.labels.string(), label));
    ++sizes[label];
  }
  return sizes;
}

std::int64_t training_images(const std::map<std::int32_t, std::int64_t>& class_sizes, std::int64_t validation,
                             double fraction) {
  // The split and the subset themselves, on a label list with those class sizes: their
  // counts depend on the class sizes alone, not on the images' order or any seed.
  std::vector<std::int32_t> labels;
  for (const auto& [label, size] : class_sizes) labels.insert(labels.end(), static_cast<std::size_t>(size), label);
  std::vector<std::int32_t> kept;
  if (validation > 0) {
    for (const std::int64_t i : validation_split(labels, validation).training)
      kept.push_back(labels[static_cast<std::size_t>(i)]);
  } else {
    kept = labels;
  }
  return static_cast<std::int64_t>(training_subset(kept, fraction, 0).size());
}

void check_subset_fills_batch(const std::map<std::int32_t, std::int64_t>& class_sizes, std::int64_t validation,
                              double subset, std::int64_t batch, std::string_view subset_name,
                              std::string_view batch_name) {
  const std::int64_t images = training_images(class_sizes, validation, subset);
  if (images >= batch) return;
  const std::string what = fmt::format("{} {} leaves {} training image{}, fewer than one batch of {} ({})",
                                       subset_name, subset, images, images == 1 ? "" : "s", batch, batch_name);
  const std::int64_t most = training_images(class_sizes, validation, 1);
  if (most < batch)
    throw UserError(fmt::format("{}; give a smaller {} (at most {})", what, batch_name, most));
  double lo = subset, hi = 1;  // images(lo) < batch <= images(hi)
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (training_images(class_sizes, validation, mid) >= batch ? hi : lo) = mid;
  }
  const double step = std::pow(10.0, std::floor(std::log10(hi)) - 2);  // 3 significant digits, rounded up
  double least = std::min(1.0, std::ceil(hi / step) * step);
  if (training_images(class_sizes, validation, least) < batch) least = std::min(1.0, least + step);
  throw UserError(fmt::format("{}; give {} at least {:g}", what, subset_name, least));
}

void check_subset_fills_batch(const TrainOptions& options, std::string_view subset_name, std::string_view batch_name) {
  check_subset_fills_batch(training_class_sizes(options.data_dir), options.validation, options.subset, options.batch,
                           subset_name, batch_name);
}

std::int32_t max_threads() { return std::min(1024, 4 * resolve_threads(0)); }

void check_threads(std::int64_t threads, std::string_view name) {
  const std::int32_t most = max_threads();
  const std::string what = name.empty() ? std::to_string(threads) : fmt::format("{} {}", name, threads);
  if (threads > most)
    throw UserError(fmt::format("{} is more than 4 × the {} cores of this machine (torch would only oversubscribe "
                                "them); give 1 to {}",
                                what, resolve_threads(0), most));
  if (threads < 1) throw UserError(fmt::format("{} is out of range [1, {}]", what, most));
}

std::map<std::string, std::string> run_identity(const TrainOptions& o) {
  std::map<std::string, std::string> identity = {{"--task", std::string(task_name(o.task))},
          {"--epochs", std::to_string(o.epochs)},
          {"--subset", fmt::format("{}", o.subset)},
          {"--res", std::to_string(o.resolution)},
          {"--threads", std::to_string(resolve_threads(o.threads))},
          {"--seed", std::to_string(o.seed)},
          {"--batch", std::to_string(o.batch)},
          {"--optimizer", std::string(optimizer_name(o.optimizer.kind))},
          {"--lr", fmt::format("{}", o.optimizer.lr)},
          {"--momentum", fmt::format("{}", o.optimizer.momentum)},
          {"--nesterov", o.optimizer.nesterov ? "on" : "off"},
          {"--weight-decay", fmt::format("{}", o.optimizer.weight_decay)},
          {"--label-smoothing", fmt::format("{}", o.label_smoothing)},
          {"--warmup", fmt::format("{}", o.warmup)},
          {"--augment", o.augment ? "on" : "off"}};
  if (o.validation > 0) identity["--validation"] = std::to_string(o.validation);
  if (!o.init_from.empty()) identity["--init-from"] = o.init_from;
  if (o.task != Task::classification) {
    identity["--scenes"] = std::to_string(o.scenes);
    identity["--scene-size"] = std::to_string(o.scene_size);
    identity["--scene-labels"] = std::string(scene_labels_name(o.scene_labels));
  }
  return identity;
}

void check_not_in_dataset_dir(const std::string& path, std::string_view what, Task task, const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = fs::weakly_canonical(fs::absolute(path, ec).parent_path(), ec);
  if (ec) return;  // check_output_path reports what is wrong with the path itself
  std::vector<fs::path> datasets = {default_fashion_mnist_dir()};
  if (!data_dir.empty())
    datasets.push_back(data_dir);
  else if (task != Task::classification)
    datasets.push_back(default_scene_cache_dir());
  for (const fs::path& d : datasets) {
    std::error_code e;
    if (fs::equivalent(dir, d, e))
      throw UserError(fmt::format("{}: the {} would be written into the dataset directory {} (a file named like one "
                                  "of its files would replace it); write it elsewhere",
                                  printable(path, 120), what, printable(d.string(), 120)));
  }
}

void check_pickle_output_name(const std::string& path, std::string_view what, std::string_view suffix) {
  const std::filesystem::path p(path);
  std::string extension = p.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* text : {".yaml", ".yml", ".json", ".onnx", ".csv"})
    if (extension == text)
      throw UserError(fmt::format("{}: the {} is a torch pickle, not a model or config file; name it e.g. {}{} (a {} "
                                  "name would replace a model, space or experiment file)",
                                  printable(path, 120), what, printable(p.stem().string(), 60), suffix, extension));
}

void check_fresh_checkpoint(const TrainOptions& options) {
  std::error_code ec;
  if (!options.checkpoint.empty() && !options.resume && std::filesystem::exists(options.checkpoint, ec))
    throw UserError(fmt::format("{} exists: give --resume to continue it, or remove it",
                                printable(options.checkpoint, 120)));
  // No such file (a dangling symlink included): no epoch of the run was saved.
  if (!options.checkpoint.empty() && options.resume && !std::filesystem::exists(options.checkpoint, ec) &&
      !ec)
    throw UserError(fmt::format("{}: no such checkpoint (--checkpoint, --resume): a run writes it after its first "
                                "epoch; drop --resume to start the run",
                                printable(options.checkpoint, 120)));
}

void check_run_outputs(const TrainOptions& options, const std::string& model_file) {
  const FileRole model{model_file, "model file (MODEL)"}, init{options.init_from, "weights file (--init-from)"};
  const FileRole checkpoint{options.checkpoint, "checkpoint (--checkpoint)"};
  if (!options.save.empty()) check_output_path(options.save, "weights file (--save)", {model, init, checkpoint});
  if (!options.checkpoint.empty()) check_output_path(options.checkpoint, checkpoint.role, {model, init});
  if (!options.save.empty()) check_pickle_output_name(options.save, "weights file (--save)", ".pt");
  if (!options.checkpoint.empty()) check_pickle_output_name(options.checkpoint, checkpoint.role, ".ckpt");
  check_fresh_checkpoint(options);
  if (!options.save.empty())
    check_not_in_dataset_dir(options.save, "weights file (--save)", options.task, options.data_dir);
  if (!options.checkpoint.empty()) check_not_in_dataset_dir(options.checkpoint, checkpoint.role, options.task, options.data_dir);
}

}  // namespace hwnas::train


#include "hwnas/train/scene_sets.h"

#include <fmt/format.h>

#include <chrono>
#include <optional>

#include "hwnas/base/elapsed.h"
#include "hwnas/base/error.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/sampling.h"
#include "hwnas/train/scene_plan.h"
#include "hwnas/train/tasks/baselines.h"
#include "hwnas/train/tasks/detection_task.h"
#include "hwnas/train/tasks/segmentation_task.h"

namespace hwnas::train {
namespace {

// The scenes `indices` of `set`, in that order (--test-on-train: the training subset).
ImageSet pick(const ImageSet& set, std::span<const std::int64_t> indices) {
  const auto plane = static_cast<std::size_t>(set.height) * static_cast<std::size_t>(set.width);
  const auto image = plane * static_cast<std::size_t>(set.channels);
  ImageSet r{set.channels, set.height, set.width, {}, {}, {}, {}, set.classes};
  for (const std::int64_t i : indices) {
    const auto at = static_cast<std::ptrdiff_t>(static_cast<std::size_t>(i));
    r.pixels.insert(r.pixels.end(), set.pixels.begin() + at * static_cast<std::ptrdiff_t>(image),
                    set.pixels.begin() + (at + 1) * static_cast<std::ptrdiff_t>(image));
    if (!set.masks.empty())
      r.masks.insert(r.masks.end(), set.masks.begin() + at * static_cast<std::ptrdiff_t>(plane),
                     set.masks.begin() + (at + 1) * static_cast<std::ptrdiff_t>(plane));
    if (!set.boxes.empty()) r.boxes.push_back(set.boxes[static_cast<std::size_t>(i)]);
  }
  return r;
}

// The first `count` scenes of `set` (the reference scenes, when the training scenes hold them).
ImageSet first_scenes(const ImageSet& set, std::int64_t count) {
  const auto plane = static_cast<std::ptrdiff_t>(count * set.height * set.width);
  ImageSet r{set.channels, set.height, set.width, {}, {}, {}, {}, set.classes};
  r.pixels.assign(set.pixels.begin(), set.pixels.begin() + plane * set.channels);
  r.masks.assign(set.masks.begin(), set.masks.begin() + plane);
  r.boxes.assign(set.boxes.begin(), set.boxes.begin() + count);
  return r;
}

// The boxes of `set` scaled to the network's input.
std::vector<std::vector<Box>> boxes_at(const ImageSet& set, std::int32_t resolution) {
  const float sx = static_cast<float>(resolution) / static_cast<float>(set.width),
              sy = static_cast<float>(resolution) / static_cast<float>(set.height);
  std::vector<std::vector<Box>> out = set.boxes;
  for (auto& image : out)
    for (Box& b : image) b = {b.x0 * sx, b.y0 * sy, b.x1 * sx, b.y1 * sy, b.label};
  return out;
}

}  // namespace

// The scene cache: --data DIR when given, which must exist (a typo would make a new cache
// and generate every scene there) and must not be Fashion-MNIST's directory (the scenes
// would be written beside its files), else the default one, created when absent.
std::filesystem::path scene_cache_dir(const std::string& dir) {
  if (dir.empty()) {
    const std::filesystem::path fallback = default_scene_cache_dir();
    refuse_fashion_mnist_as_scene_cache(fallback);
    return fallback;
  }
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
    throw UserError(fmt::format("--data {}: is a file, not a directory; give the directory that keeps the scene "
                                "cache, or leave out --data for the default cache ({})",
                                dir, default_scene_cache_dir().string()));
  if (!std::filesystem::is_directory(dir, ec))
    throw UserError(fmt::format("--data {}: no such directory; create it (mkdir -p {}) to keep the scene cache "
                                "there, or leave out --data for the default cache ({})",
                                dir, dir, default_scene_cache_dir().string()));
  if (holds_fashion_mnist(dir))
    throw UserError(fmt::format("--data {}: holds Fashion-MNIST's files; for detection and segmentation --data is "
                                "the scene cache directory (the scenes are drawn from {}): leave out --data for the "
                                "default cache ({}), or give another directory",
                                dir, fashion_mnist_dir_text(default_fashion_mnist_dir()),
                                default_scene_cache_dir().string()));
  return dir;
}

SceneReader::SceneReader(const SceneOptions& scenes, const std::string& dir, std::string& cache_note,
                         ProgressCallback progress)
    : scenes_(scenes), dir_(scene_cache_dir(dir)), cache_note_(cache_note), progress_(std::move(progress)) {}

ImageSet SceneReader::all(Split split, std::int64_t count) {
  return keep(make_cached_scenes(scenes_, split, count, default_fashion_mnist_dir(), dir_,
                                 generating(split == Split::train ? "training" : "test", "")));
}

ImageSet SceneReader::picked(std::int64_t count, std::span<const std::int64_t> indices) {
  return keep(make_cached_scenes(scenes_, Split::train, count, indices, default_fashion_mnist_dir(), dir_,
                                 generating("training", fmt::format(" of {}", count))));
}

ImageSet SceneReader::keep(CachedScenes c) {
  if (!c.note.empty()) cache_note_ += (cache_note_.empty() ? "" : "; ") + c.note;
  return std::move(c.scenes);
}

std::function<void(std::int64_t)> SceneReader::generating(std::string what, std::string of) {
  if (!progress_) return {};
  return [this, what, of](std::int64_t n) {
    StepProgress note;
    note.note = fmt::format("generating {}{} {} scenes of {}x{} pixels into the scene cache {} (once: later runs "
                            "read them)",
                            n, of, what, scenes_.width, scenes_.height, dir_.string());
    progress_(note);
  };
}

HeldScenes read_training_scenes(const TrainOptions& options, SceneReader& read) {
  const ScenePlan plan = scene_plan(options);
  HeldScenes h;
  h.subset = training_subset(std::vector<std::int32_t>(static_cast<std::size_t>(options.scenes), 0), options.subset,
                             options.seed);
  HWNAS_CHECK(static_cast<std::int64_t>(h.subset.size()) == plan.trained);
  if (plan.source == TrainingScenes::reference) {
    h.reference = read.all(Split::train, plan.reference);
    h.train = pick(h.reference, h.subset);
  } else if (plan.source == TrainingScenes::all) {
    h.train = read.all(Split::train, options.scenes);
    h.reference = first_scenes(h.train, plan.reference);
  } else {
    h.train = read.picked(options.scenes, h.subset);
    h.reference = read.all(Split::train, plan.reference);
  }
  return h;
}

torch::Tensor scene_images(Batch& b) {
  return torch::from_blob(b.pixels.data(), {b.n, b.channels, b.height, b.width}, torch::kFloat32).clone();
}


// The test metric and the baseline's, into `run`.
void measure_scenes(Network& network, const SceneModel& m, const ImageSet& test, const ImageSet& reference,
             const BatchOptions& options, std::int32_t batch, SceneRun& run) {
  const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  network->eval();
  const bool detection = run.task == Task::detection;
  std::optional<SsdEvaluator> map;
  std::optional<MeanAveragePrecision> baseline_map;
  std::vector<Detection> prior;
  if (detection) {
    map.emplace(m.layout);
    baseline_map.emplace(test.classes);
    prior = prior_box_baseline(boxes_at(reference, m.input.resolution), m.layout.anchors);
  }
  ConfusionMatrix confusion(test.classes + 1), background(test.classes + 1);
  std::vector<std::int64_t> indices;
  for (std::int64_t first = 0; first < test.size(); first += batch) {
    indices.clear();
    for (std::int64_t i = first; i < std::min(test.size(), first + batch); ++i) indices.push_back(i);
    Batch b = make_batch(test, indices, options);
    const std::vector<torch::Tensor> out = network->forward(scene_images(b));
    if (detection) {
      const std::chrono::steady_clock::time_point decode = std::chrono::steady_clock::now();
      map->add(out, b.boxes);
      for (const std::vector<Box>& truth : b.boxes) baseline_map->add_image(truth, prior);
      run.decode_seconds += seconds_since(decode);
    } else {
      add_segmentation(confusion, out.at(0), b.masks, b.height, b.width);
      background.add(std::vector<std::int32_t>(b.masks.size(), 0), b.masks);
    }
  }
  run.test_images = test.size();
  if (detection) {
    const DetectionMap r = map->result();
    run.map_50 = r.map_50;
    run.map_50_95 = r.map_50_95;
    run.map_75 = r.map_75;
    run.ap_50 = r.ap_50;
    run.baseline = baseline_map->result().map_50;
  } else {
    run.miou = confusion.mean_iou();
    run.pixel_accuracy = confusion.pixel_accuracy();
    for (std::int32_t c = 0; c < confusion.classes(); ++c) run.iou.push_back(confusion.iou(c));
    run.baseline = background.mean_iou();
  }
  run.eval_seconds = seconds_since(start);
}


}  // namespace hwnas::train

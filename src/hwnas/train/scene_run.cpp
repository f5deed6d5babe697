#include "hwnas/train/scene_run.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/scene_cache.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/network.h"
#include "hwnas/train/sampling.h"
#include "hwnas/train/scene_plan.h"
#include "hwnas/train/tasks/baselines.h"
#include "hwnas/train/tasks/detection_task.h"
#include "hwnas/train/tasks/segmentation_task.h"
#include "hwnas/train/trainer.h"
#include "hwnas/train/weight_transfer.h"

namespace hwnas::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The scene cache: --data DIR when given, which must exist (a typo would make a new cache
// and generate every scene there) and must not be Fashion-MNIST's directory (the scenes
// would be written beside its files), else the default one, created when absent.
std::filesystem::path cache_dir_of(const std::string& dir) {
  if (dir.empty()) return default_scene_cache_dir();
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

// Reads scene sets from the cache, saying on `progress` when it generates one.
class SceneReader {
 public:
  SceneReader(const SceneOptions& scenes, const std::string& dir, SceneRun& run, ProgressCallback progress)
      : scenes_(scenes), dir_(cache_dir_of(dir)), run_(run), progress_(std::move(progress)) {}

  // The first `count` scenes of `split`.
  ImageSet all(Split split, std::int64_t count) {
    return keep(make_cached_scenes(scenes_, split, count, default_fashion_mnist_dir(), dir_,
                                   generating(split == Split::train ? "training" : "test", "")));
  }
  // The training scenes `indices` of the first `count`.
  ImageSet picked(std::int64_t count, std::span<const std::int64_t> indices) {
    return keep(make_cached_scenes(scenes_, Split::train, count, indices, default_fashion_mnist_dir(), dir_,
                                   generating("training", fmt::format(" of {}", count))));
  }

 private:
  const SceneOptions& scenes_;
  std::filesystem::path dir_;
  SceneRun& run_;
  ProgressCallback progress_;

  ImageSet keep(CachedScenes c) {
    if (!c.note.empty()) run_.cache_note += (run_.cache_note.empty() ? "" : "; ") + c.note;
    return std::move(c.scenes);
  }
  std::function<void(std::int64_t)> generating(std::string what, std::string of) {
    if (!progress_) return {};
    return [this, what, of](std::int64_t n) {
      StepProgress note;
      note.note = fmt::format("generating {}{} {} scenes of {}x{} pixels into the scene cache {} (once: later runs "
                              "read them)",
                              n, of, what, scenes_.width, scenes_.height, dir_.string());
      progress_(note);
    };
  }
};

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

BatchOptions batch_options(const InputShape& in, const ImageSet& reference) {
  return network_batches(in.resolution, in.channels, reference.pixels);
}

torch::Tensor images_of(Batch& b) {
  return torch::from_blob(b.pixels.data(), {b.n, b.channels, b.height, b.width}, torch::kFloat32).clone();
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

// The test metric and the baseline's, into `run`.
void measure(Network& network, const SceneModel& m, const ImageSet& test, const ImageSet& reference,
             const BatchOptions& options, std::int32_t batch, SceneRun& run) {
  const Clock::time_point start = Clock::now();
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
    const std::vector<torch::Tensor> out = network->forward(images_of(b));
    if (detection) {
      const Clock::time_point decode = Clock::now();
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

// The task's loss of one batch.
torch::Tensor task_loss(const SceneModel& m, Task task, Network& network, Batch& b) {
  const std::vector<torch::Tensor> out = network->forward(images_of(b));
  return task == Task::detection ? ssd_loss(m.layout, out, b.boxes).total : segmentation_loss(out.at(0), mask_tensor(b));
}

SceneRun run_header(const SceneModel& m, Task task, std::int32_t threads, const SceneOptions& scenes) {
  SceneRun run;
  run.model = m.graph.name();
  run.task = task;
  run.threads = resolve_threads(threads);
  torch::set_num_threads(run.threads);
  run.resolution = m.input.resolution;
  run.channels = m.input.channels;
  run.scene_size = scenes.width;
  run.scene_labels = std::string(scene_labels_name(scenes.labels));
  return run;
}

void refuse_test_scenes_without_boxes(Task task, const ImageSet& test) {
  if (task != Task::detection) return;
  for (const std::vector<Box>& b : test.boxes)
    if (!b.empty()) return;
  throw UserError(fmt::format("the {} test scenes hold no object box, so mAP is undefined; give more --test-scenes",
                              test.size()));
}

// The scene model `model` is for the weights `w`: when it cannot do their task and they
// are another model's, the weights are named as another model's (s32 fresh-user finding 8:
// an SSD detector's weights given with a segmenter blamed the segmenter's output).
SceneModel scene_model_of_weights(const graph::Graph& model, const WeightsFile& w, const SceneEvaluateOptions& options,
                                  SceneLabels labels) {
  try {
    return scene_model(model, w.stamp.resolution, options.task, labels);
  } catch (const UserError& e) {
    if (w.stamp.model == model.name()) throw;
    throw UserError(fmt::format("{}: weights of model '{}' ({}), not of '{}' (which cannot do {}: {}); give the MODEL "
                                "they were trained for, or weights of '{}'",
                                options.base.weights, w.stamp.model, w.stamp.task, model.name(),
                                task_name(options.task), e.what(), model.name()));
  }
}

}  // namespace

SceneRun train_scenes(const graph::Graph& model, const std::string& model_file, const TrainOptions& options,
                      const ProgressCallback& progress) {
  check_train_options(options);
  const SceneOptions scenes = scene_options(options);
  check_scene_options(scenes);
  const SceneKnobNames knobs{"--scenes", "--test-scenes", "--scene-size", "--subset"};
  check_training_scenes(options, knobs);
  if (const std::string why = scene_memory_problem(options, physical_memory_bytes(), knobs); !why.empty())
    throw UserError(fmt::format("--scenes {} at --scene-size {}: {}", options.scenes, options.scene_size, why));
  const SceneModel m = scene_model(model, options.resolution, options.task, options.scene_labels);
  check_run_outputs(options, model_file);
  check_scene_cache_dir(cache_dir_of(options.data_dir));
  const ModelStamp stamp{m.graph.name(),
                         graph_hash_text(m.graph),
                         std::string(task_name(options.task)),
                         m.input.resolution,
                         scenes.width,
                         std::string(scene_labels_name(scenes.labels))};
  if (options.resume)  // fit() reads it again; here so that a refused resume writes no scenes
    check_resumable(read_checkpoint(options.checkpoint), stamp, run_identity(options), options.checkpoint);
  Network network(m.graph, options.seed);
  // Before the scenes, so that a refused file writes none.
  std::optional<WeightTransfer> init;
  if (!options.init_from.empty()) init = init_from_weights(*network, options.init_from);

  SceneRun run = run_header(m, options.task, options.threads, scenes);
  run.init = std::move(init);
  // The scenes scene_plan.h names: of a subset of many scenes, only those trained on are drawn.
  const ScenePlan plan = scene_plan(options);
  const std::vector<std::int64_t> subset = training_subset(
      std::vector<std::int32_t>(static_cast<std::size_t>(options.scenes), 0), options.subset, options.seed);
  HWNAS_CHECK(static_cast<std::int64_t>(subset.size()) == plan.trained);
  SceneReader read(scenes, options.data_dir, run, progress);
  ImageSet train_set, reference;
  if (plan.source == TrainingScenes::reference) {
    reference = read.all(Split::train, plan.reference);
    train_set = pick(reference, subset);
  } else if (plan.source == TrainingScenes::all) {
    train_set = read.all(Split::train, options.scenes);
    reference = first_scenes(train_set, plan.reference);
  } else {
    train_set = read.picked(options.scenes, subset);
    reference = read.all(Split::train, plan.reference);
  }
  run.train_images = plan.trained;
  // --test-on-train: the metric on the scenes trained on (an overfitting check), no test scenes.
  run.measured_on_train = options.test_on_train;
  ImageSet test_scenes;
  if (!options.test_on_train) test_scenes = read.all(Split::test, options.test_scenes);
  const ImageSet& test_set = options.test_on_train ? train_set : test_scenes;
  refuse_test_scenes_without_boxes(options.task, test_set);

  const BatchOptions test_batches = batch_options(m.input, reference);
  BatchOptions train_batches = test_batches;
  train_batches.augment = options.augment;
  train_batches.pad = std::max(1, m.input.resolution / 12);
  train_batches.draw_index = subset;  // train_set holds scene subset[i] at i, augmented as it
  const BatchLoss loss = [&](std::span<const std::int64_t> positions, std::uint64_t seed) {
    BatchOptions o = train_batches;
    o.seed = seed;
    Batch b = make_batch(train_set, positions, o);
    return task_loss(m, options.task, network, b);
  };
  // --measure-each-epoch: the metric after each epoch's last step but the last epoch's (measured
  // below), in eval mode without gradients or random draws, so that the training goes on as it
  // would have; its time is taken out of the training's.
  double measuring_seconds = 0;
  Clock::time_point fit_start = Clock::now();
  const std::int32_t eval_batch = std::max(options.batch, 64);
  const ProgressCallback on_step = [&](const StepProgress& p) {
    if (progress) progress(p);
    if (!options.measure_each_epoch || p.step != p.steps || p.epoch + 1 == p.epochs) return;
    const Clock::time_point start = Clock::now();
    SceneRun after = run;
    measure(network, m, test_set, reference, test_batches, eval_batch, after);
    network->train();
    run.curve.push_back({p.epoch + 1, p.loss, after.accuracy() / 100,
                         std::chrono::duration<double>(start - fit_start).count() - measuring_seconds});
    measuring_seconds += seconds_since(start);
  };
  fit_start = Clock::now();
  TrainableModel trainable_model = trainable(network);
  const FitResult trained = refusing_out_of_memory(run.model, options.batch, m.input.resolution, [&] {
    return fit(trainable_model, run.train_images, loss, options, stamp, on_step);
  });
  record_fit(trained, run);
  run.resumed_train_seconds = trained.seconds_before;
  if (run.failed) return run;
  run.train_seconds = std::max(0.0, run.train_seconds - measuring_seconds);
  run.images_per_s = run.train_seconds > 0 ? static_cast<double>(run.images_trained) / run.train_seconds : 0;
  refusing_out_of_memory(run.model, eval_batch, m.input.resolution,
                         [&] { measure(network, m, test_set, reference, test_batches, eval_batch, run); });
  if (options.measure_each_epoch)
    run.curve.push_back({run.epochs_done, trained.final_loss, run.accuracy() / 100, run.train_seconds});
  if (!options.save.empty()) write_weights(options.save, WeightsFile{stamp, network->named_state()});
  return run;
}

SceneRun evaluate_scenes(const graph::Graph& model, const SceneEvaluateOptions& options) {
  cache_dir_of(options.base.data_dir);  // a --data typo is refused before the weights are read
  const WeightsFile w = read_weights(options.base.weights);
  check_weights_task(w, options.task, options.base.weights);
  TrainOptions knobs;
  knobs.task = options.task;
  knobs.test_scenes = options.test_scenes;
  knobs.scene_size = options.scene_size;
  knobs.scene_labels = options.scene_labels;
  if (w.stamp.scene_size > 0) {  // the scenes the weights were trained on
    if (options.scene_size_given && options.scene_size != w.stamp.scene_size)
      throw UserError(fmt::format("{}: trained on {}x{} scenes, not {}: drop --scene-size, or give {}",
                                  options.base.weights, w.stamp.scene_size, w.stamp.scene_size, options.scene_size,
                                  w.stamp.scene_size));
    const SceneLabels trained = parse_scene_labels(w.stamp.scene_labels, options.base.weights);
    if (options.scene_labels_given && options.scene_labels != trained)
      throw UserError(fmt::format("{}: trained on '{}' scene labels, not '{}': drop --scene-labels, or give {}",
                                  options.base.weights, w.stamp.scene_labels, scene_labels_name(options.scene_labels),
                                  w.stamp.scene_labels));
    knobs.scene_size = w.stamp.scene_size;
    knobs.scene_labels = trained;
  }
  check_train_options(knobs);
  const SceneOptions scenes = scene_options(knobs);
  check_scene_options(scenes);
  if (const std::string why = evaluation_memory_problem(options.test_scenes, knobs.scene_size,
                                                        physical_memory_bytes(), "--test-scenes");
      !why.empty())
    throw UserError(fmt::format("--test-scenes {}: {}", options.test_scenes, why));
  const SceneModel m = scene_model_of_weights(model, w, options, knobs.scene_labels);
  Network network(m.graph, 0);
  network->load_state(w.tensors, options.base.weights);
  check_weights_graph(w, m.graph, options.base.weights);

  SceneRun run = run_header(m, options.task, options.base.threads, scenes);
  SceneReader read(scenes, options.base.data_dir, run, {});
  const ImageSet test_set = read.all(Split::test, options.test_scenes);
  refuse_test_scenes_without_boxes(options.task, test_set);
  const ImageSet reference = read.all(Split::train, reference_scene_count(scenes.width));
  refusing_out_of_memory(run.model, options.base.batch, m.input.resolution, [&] {
    measure(network, m, test_set, reference, batch_options(m.input, reference), options.base.batch, run);
  });
  return run;
}

Task weights_task(const std::string& path) { return parse_task(read_weights(path).stamp.task, path); }

}  // namespace hwnas::train

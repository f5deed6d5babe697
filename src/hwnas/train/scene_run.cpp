#include "hwnas/train/scene_run.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "hwnas/base/elapsed.h"
#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/scene_cache.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/network.h"
#include "hwnas/train/sampling.h"
#include "hwnas/train/scene_plan.h"
#include "hwnas/train/scene_sets.h"
#include "hwnas/train/tasks/baselines.h"
#include "hwnas/train/tasks/detection_task.h"
#include "hwnas/train/tasks/segmentation_task.h"
#include "hwnas/train/trainer.h"
#include "hwnas/train/weight_transfer.h"

namespace hwnas::train {
namespace {

using Clock = std::chrono::steady_clock;


// The task's loss of one batch.
torch::Tensor task_loss(const SceneModel& m, Task task, Network& network, Batch& b) {
  const std::vector<torch::Tensor> out = network->forward(scene_images(b));
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
  check_scene_cache_dir(scene_cache_dir(options.data_dir));
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
  SceneReader read(scenes, options.data_dir, run.cache_note, progress);
  HeldScenes held = read_training_scenes(options, read);
  ImageSet& train_set = held.train;
  const ImageSet& reference = held.reference;
  const std::vector<std::int64_t>& subset = held.subset;
  run.train_images = static_cast<std::int64_t>(subset.size());
  // --test-on-train: the metric on the scenes trained on (an overfitting check), no test scenes.
  run.measured_on_train = options.test_on_train;
  ImageSet test_scenes;
  if (!options.test_on_train) test_scenes = read.all(Split::test, options.test_scenes);
  const ImageSet& test_set = options.test_on_train ? train_set : test_scenes;
  refuse_test_scenes_without_boxes(options.task, test_set);

  const BatchOptions test_batches = network_batches(m.input.resolution, m.input.channels, reference.pixels);
  BatchOptions train_batches = test_batches;
  train_batches.augment = options.augment;
  train_batches.pad = std::max(1, m.input.resolution / 12);
  train_batches.draw_index = subset;  // train_set holds scene subset[i] at i, augmented as it
  const BatchLoss loss = [&](std::span<const std::int64_t> positions, std::uint64_t seed, RunStep) {
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
    measure_scenes(network, m, test_set, reference, test_batches, eval_batch, after);
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
                         [&] { measure_scenes(network, m, test_set, reference, test_batches, eval_batch, run); });
  if (options.measure_each_epoch)
    run.curve.push_back({run.epochs_done, trained.final_loss, run.accuracy() / 100, run.train_seconds});
  if (!options.save.empty()) write_weights(options.save, WeightsFile{stamp, network->named_state()});
  return run;
}

SceneRun evaluate_scenes(const graph::Graph& model, const SceneEvaluateOptions& options) {
  scene_cache_dir(options.base.data_dir);  // a --data typo is refused before the weights are read
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
  SceneReader read(scenes, options.base.data_dir, run.cache_note, {});
  const ImageSet test_set = read.all(Split::test, options.test_scenes);
  refuse_test_scenes_without_boxes(options.task, test_set);
  const ImageSet reference = read.all(Split::train, reference_scene_count(scenes.width));
  refusing_out_of_memory(run.model, options.base.batch, m.input.resolution, [&] {
    measure_scenes(network, m, test_set, reference,
                   network_batches(m.input.resolution, m.input.channels, reference.pixels), options.base.batch, run);
  });
  return run;
}

Task weights_task(const std::string& path) { return parse_task(read_weights(path).stamp.task, path); }

}  // namespace hwnas::train

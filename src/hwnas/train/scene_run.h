// `hwnas train` and `hwnas evaluate` for detection and segmentation on the scenes
// (data/scenes.h): the checks that refuse bad input before any work (one-line UserErrors,
// nothing written), the scenes from the disk cache, the network and its head, the loop
// (trainer.h fit with tasks/detection_task.h's SSD loss or tasks/segmentation_task.h's
// per-pixel cross-entropy), the test metrics beside the trivial baseline's
// (tasks/baselines.h), and the weights. Torch-free header, so the CLI compiles without
// torch. docs/training.md, "Detection and segmentation".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/train/classification_run.h"
#include "hwnas/train/train_options.h"
#include "hwnas/train/weight_transfer.h"

namespace hwnas::train {

/// The metric after one epoch (TrainOptions::measure_each_epoch).
struct EpochMetric {
  std::int32_t epoch = 0;   // 1-based
  double loss = 0;          // the epoch's mean training loss
  double metric = 0;        // mAP@0.5 or mIoU, a fraction, on the scenes measured
  double seconds = 0;       // training time until then, measuring excluded
};

/// What a detection or segmentation training or evaluation did.
struct SceneRun {
  std::string model;                  // the graph's name
  Task task = Task::detection;
  bool failed = false;                // the training diverged: `failure` says where; no metrics
  std::string failure;
  // detection (COCO box AP, metrics/detection_map.h), fractions
  double map_50 = 0, map_50_95 = 0, map_75 = 0;
  std::vector<std::optional<double>> ap_50;      // per object class; nullopt: no truth box of it
  // segmentation (metrics/segmentation.h), fractions
  double miou = 0, pixel_accuracy = 0;
  std::vector<std::optional<double>> iou;        // per class, background (0) first; nullopt: absent
  /// The trivial baseline's mAP@0.5 (prior boxes of the commonest class) or mIoU (every
  /// pixel background) on the same test scenes.
  double baseline = 0;
  std::int64_t test_images = 0;
  bool measured_on_train = false;     // TrainOptions::test_on_train: test_images are training scenes
  std::vector<EpochMetric> curve;     // TrainOptions::measure_each_epoch: every epoch, the last included
  std::int32_t resolution = 0, channels = 0, threads = 0, scene_size = 0;
  std::string scene_labels;           // "items" or "presence"
  std::int64_t train_images = 0;      // training scenes after --subset (0 for evaluate)
  std::int32_t epochs_done = 0, resumed_from_epoch = 0;
  std::int64_t images_trained = 0;    // in this session
  double train_seconds = 0, images_per_s = 0;  // train_seconds: this session's
  double resumed_train_seconds = 0;   // resumed: the training time of the sessions before (checkpoint)
  double eval_seconds = 0;            // the test scenes' evaluation, all of it
  double decode_seconds = 0;          // of which detection's decoding, NMS and mAP matching
  std::string cache_note;             // a corrupt cache file that was generated again, else ""
  std::optional<WeightTransfer> init; // with TrainOptions::init_from: what the network started from

  /// The search's one accuracy figure, in [0, 100]: 100 × mAP@0.5 or 100 × mIoU.
  double accuracy() const { return 100 * (task == Task::detection ? map_50 : miou); }
};

/// Trains `model` for options.task (detection or segmentation; InternalError otherwise) on
/// options.subset (by seed) of options.scenes training scenes of scene_options(options),
/// only those drawn (scene_plan.h says which sets are held), read from the scene cache
/// options.data_dir (default_scene_cache_dir() when empty; generated and written there when
/// absent, from Fashion-MNIST's default directory, with a StepProgress::note on `progress`
/// first), then measures the metric on options.test_scenes test scenes and writes
/// options.save. Images are resized to options.resolution (the model's own when 0),
/// replicated to the model's input channels, normalised by the pixel mean and standard
/// deviation of the reference scenes (scene_plan.h reference_scene_count), and augmented
/// (crop after padding by res/12 pixels, horizontal flip; boxes and masks follow). Before any
/// work, UserError for: bad knobs (check_train_options), fewer than 2 training scenes or
/// scenes that cannot fit in memory (scene_plan.h), a --data that holds Fashion-MNIST's
/// files or a cache directory that cannot be made, a model whose outputs are not an
/// SSD head for the scenes' classes (task_heads.h ssd_head_layout: "use a model with
/// classes=11") or not a segmenter of classes + 1 (check_segmenter), or that the network
/// builder cannot express, an input of other than 1 or 3 channels, --save or --checkpoint
/// paths that cannot be written, a missing Fashion-MNIST, a checkpoint that cannot be
/// resumed, and an --init-from file that cannot be read or shares no parameter with the
/// model (checked before any scene is generated). With options.init_from the network starts
/// from that file's tensors (weight_transfer.h; a classifier's backbone too), as
/// train_classification. A diverging run returns failed with the reason and writes no weights.
/// Diagnostics: options.test_on_train measures on the training scenes trained on (not
/// augmented; no test scenes are made) instead, options.measure_each_epoch also after every
/// epoch (SceneRun::curve; in eval mode, no gradients or random draws, so the training is the
/// same as without it; its time is left out of train_seconds).
SceneRun train_scenes(const graph::Graph& model, const std::string& model_file, const TrainOptions& options,
                      const ProgressCallback& progress);

/// What evaluate_scenes measures on: EvaluateOptions (data_dir: the scene cache) and the
/// test scenes (the training scenes' knobs of TrainOptions).
struct SceneEvaluateOptions {
  EvaluateOptions base;
  Task task = Task::detection;
  std::int64_t test_scenes = 1'000;
  std::int32_t scene_size = 96;
  SceneLabels scene_labels = SceneLabels::items;
  /// Whether --scene-size / --scene-labels were given: otherwise the weights' own are used
  /// (the scenes they were trained on); given and different from those is a UserError.
  bool scene_size_given = false, scene_labels_given = false;
};

/// Loads `weights` into `model` (rebuilt at the weights' resolution) and measures the
/// task's metric on test scenes of the size and labels the weights were trained on. UserError as evaluate_classification, and for weights
/// trained for another task than options.task (naming both and the --task to give).
SceneRun evaluate_scenes(const graph::Graph& model, const SceneEvaluateOptions& options);

/// The task a weights file was trained for (its stamp); UserError as read_weights.
Task weights_task(const std::string& path);

}  // namespace hwnas::train

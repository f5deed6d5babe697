// The batch data-dependent proxies see (issue 13 §1: "proxies that need data use
// Fashion-MNIST or scenes batches"). Classification: Fashion-MNIST; there is no CIFAR on
// this project's machines, so a NAS-Bench-201 network (3×32×32 input) is scored on
// Fashion-MNIST images resized to 32×32 (bilinear) with the grey channel repeated to 3 — a
// documented departure from the reference, which feeds the benchmark's own dataset
// (docs/proxies.md). Detection and segmentation: scenes (data/scenes.h) with their boxes or
// masks, drawn from the reference scenes that `hwnas train` normalises by (scene_plan.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "hwnas/graph/graph.h"
#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/image_set.h"
#include "hwnas/train/proxies/proxy.h"
#include "hwnas/train/train_options.h"

namespace hwnas::train::proxies {

struct ProxyDataOptions {
  Task task = Task::classification;
  /// classification: Fashion-MNIST's directory (empty: default_fashion_mnist_dir()); scene
  /// tasks: the scene cache (scene_sets.h scene_cache_dir: empty for the default cache).
  std::string dir;
  std::int32_t batch = 64;
  std::uint64_t seed = 0;
  std::int32_t scene_size = 96;                    // scene tasks: the canvas (TrainOptions' range)
  SceneLabels scene_labels = SceneLabels::items;   // scene tasks
  ProgressCallback progress;                       // scene tasks: told when scenes are generated
};

/// input_for's checks of `graph`'s input alone, before any data is read: UserError naming
/// the model when it takes other than 1 or 3 channels or a non-square input.
void check_proxy_input(const graph::Graph& graph, Task task);

/// The classes of the batch's targets (ProxyInput::classes): Fashion-MNIST's 10, or the
/// scenes' object classes (task_heads.h object_classes).
std::int32_t proxy_classes(Task task, SceneLabels labels);

class ProxyData {
 public:
  /// The set one batch is drawn from, and the batch: the first `batch` of
  /// epoch_order(set size, seed, 0) — a seeded random batch, as the reference takes the
  /// first batch of a shuffled loader. Classification: Fashion-MNIST's training split from
  /// options.dir (load_fashion_mnist's UserErrors when it is missing or corrupt), batch
  /// 1…60,000. Scene tasks: the reference_scene_count(scene_size) first training scenes of
  /// the scene options `hwnas train --scene-size --scene-labels` draws (scene_options), read
  /// from the scene cache (generated there when absent, said on options.progress); UserError
  /// for a bad --data (scene_cache_dir), bad scene knobs (check_train_options) or a batch
  /// above the reference scenes ("give --batch R or fewer").
  explicit ProxyData(const ProxyDataOptions& options);

  /// The batch for `graph`'s input: resized to its resolution, channels 1 or 3 (replicated),
  /// normalised by the set's pixel mean and deviation (network_batches), not augmented.
  /// Classification: labels int64 in 0…9, classes 10. Detection: each scene's boxes, scaled
  /// to the input; segmentation: masks [N, H, W] (nearest-resized); classes the scenes'
  /// object classes (10, or 1 for presence). Throws UserError naming the model when it takes
  /// other than 1 or 3 channels or a non-square input.
  ProxyInput input_for(const graph::Graph& graph) const;

  /// `count` inputs [count, 1, size, size] for TE-NAS's thin copy (te_nas_linear_regions.h;
  /// the reference's RandomCrop(3) of shuffled training images): of each of the first
  /// `count` images of epoch_order(60000, seed, 1), the size × size crop at an offset drawn
  /// uniformly in each axis (SplitMix of the seed, the image's draw), pixels normalised as
  /// input_for's; labels theirs, classes 10. HWNAS_CHECK: classification, count in
  /// 1…60,000, size in 1…28.
  ProxyInput crops(std::int32_t count, std::int32_t size) const;

 private:
  ImageSet set_;
  Task task_ = Task::classification;
  std::uint64_t seed_ = 0;
  std::vector<std::int64_t> indices_;
  BatchOptions normalisation_;  // the set's pixel mean and deviation
};

}  // namespace hwnas::train::proxies

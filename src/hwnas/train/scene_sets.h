// The scene sets a detection or segmentation run holds (the training subset, the reference
// scenes that normalise the pixels, the test scenes), read from the scene cache, and the
// task's metric on a set: what `hwnas train` and `hwnas evaluate` for the scene tasks
// (scene_run.h) and a supernet of a scene space (supernet/supernet_data.h) share.
// docs/training.md, "Detection and segmentation".
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/scene_cache.h"
#include "hwnas/train/network.h"
#include "hwnas/train/scene_run.h"
#include "hwnas/train/tasks/task_heads.h"

namespace hwnas::train {

/// The scene cache: `dir` when given, which must be an existing directory that does not
/// hold Fashion-MNIST's files (UserError naming --data and the fix), else
/// default_scene_cache_dir(), which must not hold them either (UserError naming
/// $HWNAS_SCENE_CACHE_DIR when it gave the directory).
std::filesystem::path scene_cache_dir(const std::string& dir);

/// Reads scene sets from the cache, generating (and writing) them when absent and saying so
/// on `progress`; a corrupt cache file generated again is noted in `cache_note`.
class SceneReader {
 public:
  SceneReader(const SceneOptions& scenes, const std::string& dir, std::string& cache_note, ProgressCallback progress);
  /// The first `count` scenes of `split`.
  ImageSet all(Split split, std::int64_t count);
  /// The training scenes `indices` of the first `count`.
  ImageSet picked(std::int64_t count, std::span<const std::int64_t> indices);

 private:
  const SceneOptions& scenes_;
  std::filesystem::path dir_;
  std::string& cache_note_;
  ProgressCallback progress_;
  ImageSet keep(CachedScenes c);
  std::function<void(std::int64_t)> generating(std::string what, std::string of);
};

/// What a training run on the scenes holds.
struct HeldScenes {
  ImageSet train;                      // the training subset: scene subset[i] at i
  ImageSet reference;                  // scene_plan.h reference_scene_count training scenes
  std::vector<std::int64_t> subset;    // indices into the first options.scenes training scenes
};
/// The training subset (options.subset of options.scenes by options.seed, as scene_plan.h
/// plans it) and the reference scenes of `options`' scenes. Errors: the cache's.
HeldScenes read_training_scenes(const TrainOptions& options, SceneReader& read);

/// The test metric of `network` (of scene model `m`) on `test`, and the trivial baseline's
/// (the prior boxes of the commonest class in `reference`, or every pixel background), into
/// run: map_50, map_50_95, map_75, ap_50, or miou, pixel_accuracy, iou; baseline,
/// test_images, eval_seconds, decode_seconds. In eval mode, without gradients, in batches of
/// `batch` made with `options` (not augmented).
void measure_scenes(Network& network, const SceneModel& m, const ImageSet& test, const ImageSet& reference,
                    const BatchOptions& options, std::int32_t batch, SceneRun& run);

/// A made batch's pixels as a float tensor [N, C, H, W] (a copy).
torch::Tensor scene_images(Batch& b);

}  // namespace hwnas::train

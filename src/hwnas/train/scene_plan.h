// Which scene sets a detection or segmentation training holds in memory, decided from its
// options alone (scene_run.cpp reads exactly these), and about how much memory they take,
// so that `hwnas train` and a search's accuracy.train refuse, before any work, scenes that
// cannot fit (s29 fresh-user finding 1: 10,000 scenes of 1000×1000 pixels, 0.02 of them
// trained on, were killed by the kernel's out-of-memory killer at 22 GB). Torch-free.
// docs/training.md, "Detection and segmentation".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hwnas/train/train_options.h"

namespace hwnas::train {

/// The training scenes whose pixels set the normalisation (mean and standard deviation) and
/// whose boxes the prior-box baseline: the first 1,000 of the training split, fewer on
/// canvases above 96 pixels, as many as hold 1,000 × 96 × 96 pixels, at least 100 (100 at
/// 320 and above). Fixed by the canvas alone, so that hwnas evaluate normalises as the
/// training did.
std::int64_t reference_scene_count(std::int32_t scene_size);

/// The training scenes a run trains on: options.subset of options.scenes as
/// sampling.h training_subset keeps them (one class: max(1, round(subset × scenes))).
std::int64_t training_scene_count(const TrainOptions& options);

/// Where a run's training scenes come from.
enum class TrainingScenes : std::uint8_t {
  reference,  // scenes ≤ the reference: picked from the reference scenes (one cache file)
  all,        // every one of the scenes, read as one file (the reference is its start)
  picked,     // a subset of more scenes than the reference: only those are generated and read
};

struct ScenePlan {
  std::int64_t trained = 0;        // training_scene_count
  std::int64_t reference = 0;      // reference_scene_count
  std::int64_t test = 0;           // test scenes held (0 with test_on_train: the trained ones are)
  TrainingScenes source = TrainingScenes::reference;
  /// About the most memory the scenes take at once: each scene's pixels and mask (2 bytes a
  /// pixel, plus its boxes) for every set held, plus 1.5 times the largest set while it is
  /// read from the cache or generated and written (its uncompressed and gzip'd bytes).
  std::uint64_t bytes = 0;
};

/// The plan of a detection or segmentation run's options.
ScenePlan scene_plan(const TrainOptions& options);

/// The plan of an evaluation (hwnas evaluate): `test_scenes` and the reference scenes of a
/// `scene_size` canvas, no training scenes (source: reference).
ScenePlan evaluation_plan(std::int64_t test_scenes, std::int32_t scene_size);

/// This machine's physical memory in bytes (sysconf; 0 when unknown).
std::uint64_t physical_memory_bytes();

/// The names of the scene knobs in messages: options ("--scenes") or keys ("scenes"), and
/// what sets the number of trainings at once (a search's "parallel.workers").
struct SceneKnobNames {
  std::string_view scenes, test_scenes, scene_size, subset;
  std::string_view trainings = "";
};

/// "" when scene_plan(options).bytes, times `trainings` (runs at once on this machine, each
/// holding its own scenes: a search's parallel.workers), is at most half of `memory_bytes`
/// (the rest is left to the network, torch and the machine's other processes; 0: unknown,
/// never refused), else one line "T training scenes (SUBSET F of N), R reference and X test
/// scenes of SxS pixels need about B GB of memory, more than half of this machine's M GB;
/// lower SCENE_SIZE, SCENES or SUBSET (or TEST_SCENES)"; with trainings > 1 "K trainings at
/// once (TRAININGS), each of T training scenes ..., need about B GB of memory in all (E GB
/// each), ...; lower TRAININGS, SCENE_SIZE, ...".
std::string scene_memory_problem(const TrainOptions& options, std::uint64_t memory_bytes,
                                 const SceneKnobNames& names, std::int32_t trainings = 1);

/// The same for an evaluation_plan: "" or "R reference and X test scenes of SxS pixels need
/// about B GB of memory, more than half of this machine's M GB; lower TEST_SCENES".
std::string evaluation_memory_problem(std::int64_t test_scenes, std::int32_t scene_size, std::uint64_t memory_bytes,
                                      std::string_view test_scenes_name);

/// Throws UserError "SUBSET F of N SCENES leaves T training scene; give a larger SUBSET or
/// more SCENES" when a run would train on fewer than 2 scenes (batch norm needs 2).
void check_training_scenes(const TrainOptions& options, const SceneKnobNames& names);

}  // namespace hwnas::train

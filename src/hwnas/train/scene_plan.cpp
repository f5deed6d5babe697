#include "hwnas/train/scene_plan.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"

namespace hwnas::train {
namespace {

constexpr std::int64_t kReferenceScenes = 1'000;      // at the default canvas, 96 pixels
constexpr std::int64_t kMinReferenceScenes = 100;
constexpr std::int64_t kReferencePixels = kReferenceScenes * 96 * 96;
constexpr std::uint64_t kBoxBytes = 128;  // a scene's vector of up to 4 boxes of 20 bytes

std::string gigabytes(std::uint64_t bytes) { return fmt::format("{:.1f} GB", static_cast<double>(bytes) / 1e9); }

/// `held` scenes of a side `scene_size`, `largest` of them in one set read or written.
std::uint64_t scene_bytes(std::int32_t scene_size, std::int64_t held, std::int64_t largest) {
  const std::uint64_t scene = 2 * static_cast<std::uint64_t>(scene_size) * static_cast<std::uint64_t>(scene_size) +
                              kBoxBytes;
  return scene * static_cast<std::uint64_t>(held) + scene * static_cast<std::uint64_t>(largest) * 3 / 2;
}

/// ", more than half of this machine's M GB" when `bytes` is, else "".
/// `each`: with several trainings, `bytes` is their total and each holds `each`.
std::string over_half(std::uint64_t bytes, std::uint64_t memory_bytes, std::uint64_t each = 0) {
  if (memory_bytes == 0 || bytes <= memory_bytes / 2) return "";
  return fmt::format("need about {} of memory{}, more than half of this machine's {}", gigabytes(bytes),
                     each > 0 ? fmt::format(" in all ({} each)", gigabytes(each)) : "", gigabytes(memory_bytes));
}

}  // namespace

std::int64_t reference_scene_count(std::int32_t scene_size) {
  const std::int64_t pixels = std::int64_t{scene_size} * scene_size;
  return std::clamp(kReferencePixels / std::max<std::int64_t>(pixels, 1), kMinReferenceScenes, kReferenceScenes);
}

std::int64_t training_scene_count(const TrainOptions& options) {
  if (options.subset >= 1) return options.scenes;
  return std::max<std::int64_t>(1, std::llround(options.subset * static_cast<double>(options.scenes)));
}

ScenePlan scene_plan(const TrainOptions& options) {
  ScenePlan plan;
  plan.trained = training_scene_count(options);
  plan.reference = reference_scene_count(options.scene_size);
  plan.test = options.test_on_train ? 0 : options.test_scenes;
  std::int64_t held = 0, largest = plan.test;
  if (options.scenes <= plan.reference) {
    plan.source = TrainingScenes::reference;
    held = plan.reference + plan.trained;  // the trained ones copied out of the reference
    largest = std::max(largest, plan.reference);
  } else if (plan.trained == options.scenes) {
    plan.source = TrainingScenes::all;
    held = plan.trained + plan.reference;  // the reference copied out of the training scenes
    largest = std::max(largest, plan.trained);
  } else {
    plan.source = TrainingScenes::picked;
    held = plan.trained + plan.reference;
    largest = std::max({largest, plan.trained, plan.reference});
  }
  plan.bytes = scene_bytes(options.scene_size, held + plan.test, largest);
  return plan;
}

ScenePlan evaluation_plan(std::int64_t test_scenes, std::int32_t scene_size) {
  ScenePlan plan;
  plan.reference = reference_scene_count(scene_size);
  plan.test = test_scenes;
  plan.bytes = scene_bytes(scene_size, plan.reference + plan.test, std::max(plan.reference, plan.test));
  return plan;
}

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
}

std::string scene_memory_problem(const TrainOptions& options, std::uint64_t memory_bytes,
                                 const SceneKnobNames& names, std::int32_t trainings) {
  const ScenePlan plan = scene_plan(options);
  const bool several = trainings > 1;
  const std::string over = over_half(plan.bytes * static_cast<std::uint64_t>(std::max(trainings, 1)), memory_bytes,
                                     several ? plan.bytes : 0);
  if (over.empty()) return "";
  const std::string of = options.subset < 1
                             ? fmt::format(" ({} {} of {})", names.subset, options.subset, options.scenes)
                             : "";
  return fmt::format("{}{}{}, {} reference and {} test scenes of {}x{} pixels{} {}; lower {}{}, {} or {}{}",
                     several ? fmt::format("{} trainings at once ({}), each of ", trainings, names.trainings) : "",
                     plural(plan.trained, "training scene"), of, plan.reference, plan.test, options.scene_size,
                     options.scene_size, several ? "," : "", over,
                     several ? fmt::format("{}, ", names.trainings) : "", names.scene_size, names.scenes,
                     names.subset, options.test_on_train ? "" : fmt::format(" (or {})", names.test_scenes));
}

std::string evaluation_memory_problem(std::int64_t test_scenes, std::int32_t scene_size, std::uint64_t memory_bytes,
                                      std::string_view test_scenes_name) {
  const ScenePlan plan = evaluation_plan(test_scenes, scene_size);
  const std::string over = over_half(plan.bytes, memory_bytes);
  if (over.empty()) return "";
  return fmt::format("{} reference and {} test scenes of {}x{} pixels {}; lower {}", plan.reference, plan.test,
                     scene_size, scene_size, over, test_scenes_name);
}

void check_training_scenes(const TrainOptions& options, const SceneKnobNames& names) {
  const std::int64_t trained = training_scene_count(options);
  if (trained >= 2) return;
  throw UserError(fmt::format("{} {} of {} scenes leaves {}; give a larger {} or more {}", names.subset,
                              options.subset, options.scenes, plural(trained, "training scene"), names.subset,
                              names.scenes));
}

}  // namespace hwnas::train

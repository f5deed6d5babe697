// Profiling: measure sampled kernels on a target and keep them in the measurement store.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "hwnas/estimate/kernel_sampler.h"
#include "hwnas/hw/store/measurement_store.h"
#include "hwnas/hw/target.h"

namespace hwnas::estimate {

struct ProfileResult {
  std::int64_t measured = 0;     // newly measured and stored
  std::int64_t reused = 0;       // already in the store for this target identity
  std::int64_t unsupported = 0;  // kernels the target cannot run (skipped, not stored)
  std::string first_unsupported;  // the first of those: the target's message; empty if none
};

/// A kernel's measurement, and whether it came from the store.
struct StoredMeasurementOf {
  hw::Measurement measurement;
  bool reused = false;
};

/// The kernel's measurement for the target's identity from `store`, or measured now and
/// stored at once with its features. Throws what measure() throws (then nothing is
/// stored): e.g. hw::UnsupportedKernel.
StoredMeasurementOf measure_once(hw::Target& target, hw::MeasurementStore& store, const hw::Kernel& kernel);

/// Called after every kernel with (kernels done, kernels asked for).
using Progress = std::function<void(std::int64_t, std::int64_t)>;

/// Samples `kernels` kernels (deterministic for `seed`), measures those the store lacks
/// for the target's identity, and stores each as soon as it is measured, so an
/// interrupted run keeps what it measured. A failed measurement (UserError) stops the
/// run with nothing stored for that kernel.
ProfileResult profile(hw::Target& target, hw::MeasurementStore& store, std::int64_t kernels,
                      std::uint64_t seed, const Progress& progress = {});

}  // namespace hwnas::estimate

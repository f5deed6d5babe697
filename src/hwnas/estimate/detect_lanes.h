// Detecting a black-box target's lane counts by measurement.
//
// An accelerator that computes P output channels at once takes as long for P·k + 1
// channels as for P·(k + 1): its latency over the channel count is a staircase with
// period P (docs/hardware-npu.md). Three sweeps of channel counts 1 … 130 find the periods
// of a 3x3 convolution's output channels (the parallelism factor), of its input channels
// (the reduction lanes) and of an activation's channels (the storage alignment). Their
// folds ⌈C / P⌉ become features of every kernel (features.h), so an estimator learns a
// P = 24 device as well as a power-of-two one. A sweep without a clear staircase (a CPU's
// timing noise, a bandwidth-bound unit) gives no period.
#pragma once

#include <cstdint>
#include <span>

#include <nlohmann/json.hpp>

#include "hwnas/estimate/features.h"
#include "hwnas/hw/store/measurement_store.h"
#include "hwnas/hw/target.h"

namespace hwnas::estimate {

struct LaneDetection {
  Lanes lanes;
  nlohmann::json evidence;  // per sweep: period, channel counts after which latency jumps
};

/// Channel counts each sweep measures: 1 … kLaneSweep.
inline constexpr std::int32_t kLaneSweep = 130;
/// Distinct kernels the three sweeps measure: the 32 → 32 convolution is in two of them.
inline constexpr std::int64_t kLaneSweepKernels = 3 * kLaneSweep - 1;

/// Measures the three sweeps (reusing and extending `store`, whose rows they become) and
/// returns the periods found.
LaneDetection detect_lanes(hw::Target& target, hw::MeasurementStore& store);

/// The period of a staircase: latency[i] is the latency at i + 1 channels. 0 when the
/// curve has no clear period of 2 to 64.
std::int32_t staircase_period(std::span<const double> latency, nlohmann::json* jumps = nullptr);

}  // namespace hwnas::estimate

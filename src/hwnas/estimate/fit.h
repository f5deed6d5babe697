// Fitting an estimator from kernel measurements, with adaptive sampling.
//
// 1. The target's fusion rules: stated by the target, or detected by measurement
//    (detect_fusion.h).
// 2. The target's lanes, detected by channel sweeps (detect_lanes.h).
// 3. An initial design: half the budget of kernels from KernelSampler, measured (or
//    reused from the measurement store).
// 4. Rounds of query-by-committee, each adding the remaining budget over the remaining
//    rounds: k-fold models per kernel type give cross-validated errors; among many fresh
//    candidate kernels (ordinary and wide, see KernelSampler), those the fold models
//    disagree on most (largest spread of predicted log-latency) are measured next — the
//    configurations where the estimator is least sure, which are where its error is largest.
// 5. Stop at the budget or when the cross-validated share of kernels within ±5% reaches
//    the target; train the final model of each type on everything: a roofline prior
//    (roofline.h) and boosted trees on its residuals.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "hwnas/estimate/estimator.h"
#include "hwnas/estimate/xgb_regressor.h"
#include "hwnas/hw/store/measurement_store.h"
#include "hwnas/hw/target.h"

namespace hwnas::estimate {

struct FitOptions {
  std::int64_t budget = 20000;  // kernels measured for this target, the store's included
  std::uint64_t seed = 1;
  int rounds = 3;               // adaptive rounds after the initial design
  int folds = 4;
  double target_within_5pct = 0.99;  // stop early when cross-validation reaches it
  XgbParams xgb;
};

/// (stage, done, total) for progress bars.
using FitProgress = std::function<void(const std::string&, std::int64_t, std::int64_t)>;

/// Fits an estimator for `target`, measuring into and reusing `store`. The estimator's
/// metrics() hold per-type and overall cross-validated errors and the sampling record.
Estimator fit_estimator(hw::Target& target, hw::MeasurementStore& store, const FitOptions& options,
                        const FitProgress& progress = {});

}  // namespace hwnas::estimate

// Fitting an estimator from kernel measurements, with adaptive sampling.
//
// 1. The target's fusion rules: stated by the target, or detected by measurement
//    (detect_fusion.h).
// 2. The target's lanes, detected by channel sweeps (detect_lanes.h).
// 3. A coverage design: kMinPerType kernels of every kernel type the target's fusion
//    forms (features.h's kernel_types) at every batch size fitted for, drawn from
//    KernelSampler, so no type is left without a model however the sampler's mix falls.
//    Then an initial design: half the budget of kernels from KernelSampler at the fitted
//    batch sizes (batch is a model feature), measured (or reused from the measurement store).
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
#include <vector>

#include "hwnas/estimate/estimator.h"
#include "hwnas/estimate/xgb_regressor.h"
#include "hwnas/hw/store/measurement_store.h"
#include "hwnas/hw/target.h"

namespace hwnas::estimate {

/// Kernels of each kernel type and batch size the coverage design measures: enough for
/// 4-fold cross-validation (8) with a few rows per fold to spare.
inline constexpr std::int64_t kMinPerType = 20;

struct FitOptions {
  std::int64_t budget = 20000;  // kernels measured for this target, the store's included
  std::vector<std::int32_t> batches = {1};  // batch sizes fitted for: sorted, distinct, positive
  std::uint64_t seed = 1;
  int rounds = 3;               // adaptive rounds after the initial design
  int folds = 4;
  double target_within_5pct = 0.99;  // stop early when cross-validation reaches it
  XgbParams xgb;
};

/// The smallest budget that fits a model of every kernel type for `target`: the lane
/// sweeps (detect_lanes.h) plus kMinPerType kernels of each kernel type its fusion forms
/// (all types, se included, when the target's fusion is detected by measurement) at each
/// batch size of `options`. `why` says so in words, for the error of a smaller budget.
struct MinimumBudget {
  std::int64_t kernels = 0;
  std::string why;
};
MinimumBudget minimum_budget(const hw::Target& target, const FitOptions& options);
/// Throws a UserError naming the minimum and why when options.budget is below it.
void check_budget(const hw::Target& target, const FitOptions& options);

/// (stage, done, total) for progress bars.
using FitProgress = std::function<void(const std::string&, std::int64_t, std::int64_t)>;

/// Fits an estimator for `target`, measuring into and reusing `store`. The estimator's
/// metrics() hold per-type, per-batch and overall cross-validated errors and the sampling
/// record. Throws check_budget()'s UserError for too small a budget.
Estimator fit_estimator(hw::Target& target, hw::MeasurementStore& store, const FitOptions& options,
                        const FitProgress& progress = {});

}  // namespace hwnas::estimate

// A roofline prior per kernel type, fitted to the measurements before the trees.
//
// Trees approximate max(compute, memory) + overhead only with many axis-aligned splits,
// because which term wins is a diagonal in (work, bytes). The prior fits that shape
// directly on the lane features (features.h):
//     ln latency ≈ offset + ln(max(W, B·e^−k) + e^c)
// where W is the array work over the detected lanes (log2_lane_work), B the bytes moved
// (log2_lane_bytes), k the target's work-per-byte balance and e^c its fixed cost per
// kernel in work units. k and c come from a grid search, offset by least squares. The
// trees then learn the residual, so fewer of them reach a given accuracy — and a search
// predicts faster (bench/estimator_bench.cpp).
#pragma once

#include <cstddef>
#include <span>

#include <nlohmann/json.hpp>

namespace hwnas::estimate {

struct Roofline {
  double k = 0, c = 0, offset = 0;

  /// Fits to model-feature rows `x` (rows × model_feature_names().size()) against `y`
  /// (ln latency in seconds).
  static Roofline fit(std::span<const float> x, std::span<const float> y);
  /// ln latency of one model-feature row.
  double predict(std::span<const float> row) const;

  nlohmann::json to_json() const { return {{"k", k}, {"c", c}, {"offset", offset}}; }
};

}  // namespace hwnas::estimate

// Gradient-boosted trees through XGBoost's C API (Debian libxgboost-dev).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/estimate/forest.h"

namespace hwnas::estimate {

struct XgbParams {
  int rounds = 100;
  int max_depth = 8;
  double eta = 0.3;
  double subsample = 0.9;
  double colsample_bytree = 0.9;
  double min_child_weight = 1.0;
  double lambda = 1.0;
  int threads = 1;
  unsigned seed = 0;
};

/// A trained regressor; move-only (owns an XGBoost booster).
class XgbRegressor {
 public:
  /// Trains on `x` (row-major, rows × cols) against `y`.
  static XgbRegressor train(std::span<const float> x, std::size_t cols, std::span<const float> y,
                            const XgbParams& params);
  /// Loads a model saved by save() whose rows have `cols` features; throws a one-line
  /// UserError for a corrupt or truncated model (XGBoost's message without its stack
  /// trace) or one that reads more features.
  static XgbRegressor load(std::string_view bytes, std::size_t cols);

  XgbRegressor(XgbRegressor&& other) noexcept;
  XgbRegressor& operator=(XgbRegressor&& other) noexcept;
  XgbRegressor(const XgbRegressor&) = delete;
  XgbRegressor& operator=(const XgbRegressor&) = delete;
  ~XgbRegressor();

  /// Predictions for `x` (row-major, rows × cols), one per row, by the compiled forest.
  /// Features the model reads.
  std::size_t features() const { return forest_.features(); }
  std::vector<float> predict(std::span<const float> x, std::size_t cols) const;
  /// The same through XGBoost's own predictor (the reference the forest is tested against).
  std::vector<float> predict_xgboost(std::span<const float> x, std::size_t cols) const;
  const Forest& forest() const { return forest_; }
  /// The model as XGBoost's UBJSON bytes.
  std::string save() const;

 private:
  explicit XgbRegressor(void* booster) : booster_(booster) {}
  void compile();

  void* booster_ = nullptr;
  Forest forest_;
};

}  // namespace hwnas::estimate

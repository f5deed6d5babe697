// Ridge regression with leave-one-out model selection, for learning from few rows.
#pragma once

#include <cstddef>
#include <vector>

namespace hwnas::estimate {

/// y ≈ intercept + Σ w_j · x_j on standardised columns; the intercept is not penalised.
struct RidgeModel {
  std::vector<double> mean, scale, weights;
  double intercept = 0;
  double lambda = 0;
  double loo_mse = 0;                // leave-one-out mean squared error on the training rows
  std::vector<double> loo_residuals;  // y_i − (prediction without row i)
  double predict(const std::vector<double>& x) const;
};

/// Fits `x` (rows of equal length) to `y` for each λ in `lambdas` and keeps the one with
/// the smallest leave-one-out error (closed form: e_i / (1 − h_ii)), weighting row i's
/// squared residual by `row_weight[i]` when given (e.g. 1/y² for relative error).
RidgeModel fit_ridge(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                     const std::vector<double>& lambdas, const std::vector<double>& row_weight = {});

}  // namespace hwnas::estimate

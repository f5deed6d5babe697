// Ridge regression with leave-one-out model selection, for learning from few rows.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <vector>

namespace hwnas::estimate {

/// y ≈ intercept + Σ w_j · x_j on standardised columns; the intercept is not penalised.
struct RidgeModel {
  std::vector<double> mean, scale, weights;
  double intercept = 0;
  double lambda = 0;
  double loo_loss = 0;                // mean leave-one-out loss on the training rows
  double df = 0;                      // effective degrees of freedom: the hat matrix's trace
  std::vector<double> loo_residuals;  // y_i − (prediction without row i)
  double predict(const std::vector<double>& x) const;
};

/// The loss of row i's leave-one-out residual; squared error when none is given.
using RowLoss = std::function<double(std::size_t row, double residual)>;

/// Fits `x` (rows of equal length) to `y` for each λ in `lambdas` and keeps the one with
/// the smallest mean leave-one-out loss (residuals in closed form: e_i / (1 − h_ii)).
/// Choosing λ by the loss the caller scores models with matters on noisy data: squared
/// error lets a few outlying rows pick λ for all the others.
/// λs whose effective degrees of freedom exceed `max_df` are passed over (the largest λ is
/// kept if all do): with about as many features as rows, leave-one-out error is too noisy
/// to trust a barely regularised fit that happens to score well.
RidgeModel fit_ridge(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                     const std::vector<double>& lambdas, const RowLoss& loss = {},
                     double max_df = std::numeric_limits<double>::infinity());

}  // namespace hwnas::estimate

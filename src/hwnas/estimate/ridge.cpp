#include "hwnas/estimate/ridge.h"

#include <cmath>
#include <limits>

#include "hwnas/base/error.h"

namespace hwnas::estimate {
namespace {

using Matrix = std::vector<std::vector<double>>;

// Inverse of a symmetric positive definite matrix by Cholesky.
Matrix spd_inverse(Matrix a) {
  const std::size_t n = a.size();
  Matrix l(n, std::vector<double>(n, 0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      double s = a[i][j];
      for (std::size_t k = 0; k < j; ++k) s -= l[i][k] * l[j][k];
      if (i == j) l[i][i] = std::sqrt(std::max(s, 1e-12));
      else l[i][j] = s / l[j][j];
    }
  Matrix inv(n, std::vector<double>(n, 0));
  for (std::size_t c = 0; c < n; ++c) {
    std::vector<double> z(n, 0);
    for (std::size_t i = 0; i < n; ++i) {  // L z = e_c
      double s = i == c ? 1.0 : 0.0;
      for (std::size_t k = 0; k < i; ++k) s -= l[i][k] * z[k];
      z[i] = s / l[i][i];
    }
    for (std::size_t i = n; i-- > 0;) {  // Lᵀ x = z
      double s = z[i];
      for (std::size_t k = i + 1; k < n; ++k) s -= l[k][i] * inv[k][c];
      inv[i][c] = s / l[i][i];
    }
  }
  return inv;
}

}  // namespace

double RidgeModel::predict(const std::vector<double>& x) const {
  double y = intercept;
  for (std::size_t j = 0; j < weights.size(); ++j) y += weights[j] * (x[j] - mean[j]) / scale[j];
  return y;
}

RidgeModel fit_ridge(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                     const std::vector<double>& lambdas, const RowLoss& loss, double max_df) {
  HWNAS_CHECK(!x.empty() && x.size() == y.size() && !lambdas.empty());
  const std::size_t n = x.size(), d = x[0].size();
  RidgeModel base;
  base.mean.assign(d, 0);
  base.scale.assign(d, 1);
  for (std::size_t j = 0; j < d; ++j) {
    double m = 0, v = 0;
    for (const auto& row : x) m += row[j];
    m /= double(n);
    for (const auto& row : x) v += (row[j] - m) * (row[j] - m);
    base.mean[j] = m;
    base.scale[j] = v > 1e-18 ? std::sqrt(v / double(n)) : 1.0;
  }
  double ymean = 0;
  for (double v : y) ymean += v;
  ymean /= double(n);
  Matrix z(n, std::vector<double>(d));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) z[i][j] = (x[i][j] - base.mean[j]) / base.scale[j];
  Matrix gram(d, std::vector<double>(d, 0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t a = 0; a < d; ++a)
      for (std::size_t b = 0; b <= a; ++b) gram[a][b] += z[i][a] * z[i][b];
  for (std::size_t a = 0; a < d; ++a)
    for (std::size_t b = 0; b < a; ++b) gram[b][a] = gram[a][b];

  RidgeModel best;
  best.loo_loss = std::numeric_limits<double>::infinity();
  bool best_within = false;
  for (double lambda : lambdas) {
    Matrix reg = gram;
    for (std::size_t a = 0; a < d; ++a) reg[a][a] += lambda;
    const Matrix inv = spd_inverse(reg);
    std::vector<double> zty(d, 0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t a = 0; a < d; ++a) zty[a] += z[i][a] * (y[i] - ymean);
    std::vector<double> w(d, 0);
    for (std::size_t a = 0; a < d; ++a)
      for (std::size_t b = 0; b < d; ++b) w[a] += inv[a][b] * zty[b];
    double total = 0, df = 0;
    std::vector<double> residuals(n);
    for (std::size_t i = 0; i < n; ++i) {
      double pred = ymean, h = 1.0 / double(n);  // the intercept's leverage
      for (std::size_t a = 0; a < d; ++a) {
        pred += w[a] * z[i][a];
        double t = 0;
        for (std::size_t b = 0; b < d; ++b) t += inv[a][b] * z[i][b];
        h += z[i][a] * t;
      }
      df += h;
      const double e = (y[i] - pred) / std::max(1e-6, 1 - h);
      residuals[i] = e;
      total += loss ? loss(i, e) : e * e;
    }
    const double mean_loss = total / double(n);
    // Past max_df, a λ is taken only while nothing within the limit has been found (the
    // λs are tried smallest first, so the largest one is then kept).
    const bool within = df <= max_df;
    if (!within && best_within) continue;
    if ((within && !best_within) || mean_loss < best.loo_loss || (!within && lambda > best.lambda)) {
      best_within = within;
      best = base;
      best.df = df;
      best.weights = w;
      best.intercept = ymean;
      best.lambda = lambda;
      best.loo_loss = mean_loss;
      best.loo_residuals = residuals;
    }
  }
  return best;
}

}  // namespace hwnas::estimate

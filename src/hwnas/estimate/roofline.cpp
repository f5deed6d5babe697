#include "hwnas/estimate/roofline.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "hwnas/estimate/features.h"

namespace hwnas::estimate {
namespace {

std::size_t column(const std::string& name) {
  const auto& names = model_feature_names();
  return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

struct Columns {
  std::size_t work = column("log2_lane_work"), bytes = column("log2_lane_bytes");
};
const Columns& columns() {
  static const Columns c;
  return c;
}

double shape(double ln_work, double ln_bytes, double k, double c) {
  const double m = std::max(ln_work, ln_bytes - k);
  // ln(e^m + e^c) without overflow.
  return std::max(m, c) + std::log1p(std::exp(-std::fabs(m - c)));
}

}  // namespace

Roofline Roofline::fit(std::span<const float> x, std::span<const float> y) {
  const std::size_t cols = model_feature_names().size(), n = y.size();
  Roofline best;
  if (n == 0) return best;
  std::vector<double> w(n), b(n);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < n; ++i) {
    w[i] = x[i * cols + columns().work] * std::numbers::ln2;
    b[i] = x[i * cols + columns().bytes] * std::numbers::ln2;
    lo = std::min(lo, w[i]);
    hi = std::max(hi, w[i]);
  }
  // Rows subsampled for the grid search; every row for the final offset.
  const std::size_t stride = std::max<std::size_t>(1, n / 2000);
  double best_sse = std::numeric_limits<double>::infinity();
  const auto sse = [&](double k, double c, std::size_t step, double* offset) {
    double sum = 0, sum_sq = 0;
    std::size_t m = 0;
    for (std::size_t i = 0; i < n; i += step, ++m) {
      const double r = y[i] - shape(w[i], b[i], k, c);
      sum += r;
      sum_sq += r * r;
    }
    if (offset != nullptr) *offset = sum / double(m);
    return sum_sq - sum * sum / double(m);
  };
  const auto search = [&](double k0, double k1, double dk, double c0, double c1, double dc) {
    for (double k = k0; k <= k1; k += dk)
      for (double c = c0; c <= c1; c += dc)
        if (const double e = sse(k, c, stride, nullptr); e < best_sse) {
          best_sse = e;
          best.k = k;
          best.c = c;
        }
  };
  search(-12, 12, 0.5, lo - 2, hi + 2, 0.5);  // coarse
  const double k = best.k, c = best.c;
  search(k - 0.5, k + 0.5, 0.05, c - 0.5, c + 0.5, 0.05);  // fine
  sse(best.k, best.c, 1, &best.offset);
  return best;
}

double Roofline::predict(std::span<const float> row) const {
  return offset + shape(row[columns().work] * std::numbers::ln2, row[columns().bytes] * std::numbers::ln2, k, c);
}

}  // namespace hwnas::estimate

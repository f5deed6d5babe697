#include "hwnas/estimate/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace hwnas::estimate {
namespace {

std::vector<double> ranks(std::span<const double> v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (std::size_t k = i; k <= j; ++k) r[order[k]] = (double(i) + double(j)) / 2 + 1;
    i = j + 1;
  }
  return r;
}

}  // namespace

double pearson(std::span<const double> a, std::span<const double> b) {
  const double n = double(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n, mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

double spearman(std::span<const double> a, std::span<const double> b) {
  if (a.size() < 2) return 0;
  return pearson(ranks(a), ranks(b));
}

double kendall(std::span<const double> a, std::span<const double> b) {
  double concordant = 0, discordant = 0, ties_a = 0, ties_b = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = i + 1; j < a.size(); ++j) {
      const double da = a[i] - a[j], db = b[i] - b[j];
      if (da == 0 && db == 0) continue;
      if (da == 0) ++ties_a;
      else if (db == 0) ++ties_b;
      else if ((da > 0) == (db > 0)) ++concordant;
      else ++discordant;
    }
  const double denom = std::sqrt((concordant + discordant + ties_a) * (concordant + discordant + ties_b));
  return denom > 0 ? (concordant - discordant) / denom : 0.0;
}

nlohmann::json agreement(std::span<const double> measured, std::span<const double> predicted) {
  std::size_t w10 = 0, w5 = 0;
  double se = 0, ape = 0;
  for (std::size_t i = 0; i < measured.size(); ++i) {
    const double e = measured[i] > 0 ? std::fabs(predicted[i] / measured[i] - 1) : (predicted[i] == 0 ? 0 : 1);
    w10 += e <= 0.10;
    w5 += e <= 0.05;
    ape += e;
    se += (predicted[i] - measured[i]) * 1e3 * (predicted[i] - measured[i]) * 1e3;
  }
  const double n = double(std::max<std::size_t>(1, measured.size()));
  return {{"count", measured.size()},
          {"spearman", spearman(measured, predicted)},
          {"kendall", kendall(measured, predicted)},
          {"within_10pct", double(w10) / n},
          {"within_5pct", double(w5) / n},
          {"rmse_ms", std::sqrt(se / n)},
          {"mean_abs_pct_error", 100 * ape / n}};
}

}  // namespace hwnas::estimate

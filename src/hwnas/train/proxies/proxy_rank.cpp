#include "hwnas/train/proxies/proxy_rank.h"

#include <algorithm>
#include <numeric>

namespace hwnas::train::proxies {
namespace {

/// -1 when a ranks below b, 0 tied, 1 above (undefined below every defined value).
int compare(const ProxyScore& a, const ProxyScore& b) {
  if (!a.defined || !b.defined) return int{a.defined} - int{b.defined};
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

}  // namespace

std::vector<double> proxy_ranks(std::span<const ProxyScore> scores) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return compare(scores[a], scores[b]) < 0; });
  std::vector<double> ranks(scores.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && compare(scores[order[i]], scores[order[j]]) == 0) ++j;
    const double mean_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k) ranks[order[k]] = mean_rank;
    i = j;
  }
  return ranks;
}

double proxy_percentile(const ProxyScore& score, std::span<const ProxyScore> reference) {
  if (reference.empty()) return 50;
  double below = 0;
  for (const ProxyScore& r : reference) {
    const int c = compare(r, score);
    below += c < 0 ? 1 : c == 0 ? 0.5 : 0;
  }
  return 100 * below / static_cast<double>(reference.size());
}

}  // namespace hwnas::train::proxies

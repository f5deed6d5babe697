#include "hwnas/search/pareto.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "hwnas/base/error.h"

namespace hwnas::search {

bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  HWNAS_CHECK(a.size() == b.size());
  bool better = false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k] < b[k]) return false;
    better = better || a[k] > b[k];
  }
  return better;
}

std::vector<std::vector<std::size_t>> non_dominated_sort(
    std::size_t n, const std::function<bool(std::size_t, std::size_t)>& dominates) {
  std::vector<std::vector<std::size_t>> dominated(n);  // dominated[p]: items p dominates
  std::vector<std::size_t> count(n, 0);                // how many items dominate each
  for (std::size_t p = 0; p < n; ++p)
    for (std::size_t q = 0; q < n; ++q)
      if (p != q && dominates(p, q)) {
        dominated[p].push_back(q);
        ++count[q];
      }
  std::vector<std::vector<std::size_t>> fronts;
  std::vector<std::size_t> current;
  for (std::size_t p = 0; p < n; ++p)
    if (count[p] == 0) current.push_back(p);
  while (!current.empty()) {
    std::vector<std::size_t> next;
    for (const std::size_t p : current)
      for (const std::size_t q : dominated[p])
        if (--count[q] == 0) next.push_back(q);
    std::sort(next.begin(), next.end());
    fronts.push_back(std::move(current));
    current = std::move(next);
  }
  return fronts;
}

std::vector<std::vector<std::size_t>> non_dominated_sort(const std::vector<std::vector<double>>& points) {
  return non_dominated_sort(points.size(), [&](std::size_t a, std::size_t b) { return dominates(points[a], points[b]); });
}

std::vector<std::size_t> pareto_front(const std::vector<std::vector<double>>& points) {
  std::vector<std::size_t> front;
  for (std::size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < points.size() && !dominated; ++j) dominated = dominates(points[j], points[i]);
    if (!dominated) front.push_back(i);
  }
  return front;
}

std::vector<double> crowding_distance(const std::vector<std::vector<double>>& points,
                                      const std::vector<std::size_t>& front) {
  const std::size_t n = front.size();
  std::vector<double> distance(n, 0.0);
  if (n == 0) return distance;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::size_t> order(n);
  for (std::size_t k = 0; k < points[front[0]].size(); ++k) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return points[front[a]][k] < points[front[b]][k]; });
    const double lo = points[front[order.front()]][k], hi = points[front[order.back()]][k];
    distance[order.front()] = distance[order.back()] = inf;
    if (hi <= lo) continue;
    for (std::size_t i = 1; i + 1 < n; ++i)
      distance[order[i]] += (points[front[order[i + 1]]][k] - points[front[order[i - 1]]][k]) / (hi - lo);
  }
  return distance;
}

namespace {

// 2-D sweep over points already known to exceed the reference.
double area(std::vector<std::vector<double>> points, const std::vector<double>& reference) {
  std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a[0] > b[0]; });
  double total = 0, top = reference[1];
  for (const auto& p : points)
    if (p[1] > top) {
      total += (p[0] - reference[0]) * (p[1] - top);
      top = p[1];
    }
  return total;
}

}  // namespace

double hypervolume(const std::vector<std::vector<double>>& points, const std::vector<double>& reference) {
  const std::size_t m = reference.size();
  if (m < 1 || m > 3)
    throw UserError("the hypervolume is computed for 1 to 3 objectives, not " + std::to_string(m));
  std::vector<std::vector<double>> inside;
  for (const auto& p : points) {
    HWNAS_CHECK(p.size() == m);
    bool exceeds = true;
    for (std::size_t k = 0; k < m; ++k) exceeds = exceeds && p[k] > reference[k];
    if (exceeds) inside.push_back(p);
  }
  if (inside.empty()) return 0;
  if (m == 1) {
    double best = reference[0];
    for (const auto& p : inside) best = std::max(best, p[0]);
    return best - reference[0];
  }
  if (m == 2) return area(std::move(inside), reference);
  // 3-D: slabs between consecutive distinct third coordinates, highest first; each slab's
  // cross-section is the 2-D area of the points reaching at least its top.
  std::sort(inside.begin(), inside.end(), [](const auto& a, const auto& b) { return a[2] > b[2]; });
  double total = 0;
  std::vector<std::vector<double>> active;
  for (std::size_t i = 0; i < inside.size(); ++i) {
    active.push_back(inside[i]);
    const double bottom = i + 1 < inside.size() ? inside[i + 1][2] : reference[2];
    if (bottom < inside[i][2]) total += area(active, reference) * (inside[i][2] - bottom);
  }
  return total;
}

}  // namespace hwnas::search

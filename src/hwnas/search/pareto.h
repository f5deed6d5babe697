// Pareto dominance, non-dominated sorting, crowding distance and the hypervolume of
// points whose every coordinate is to be MAXIMISED (e.g. accuracy and −latency_ms).
//
// Sources: the fast non-dominated sort and crowding distance of NSGA-II (Deb, Pratap,
// Agarwal, Meyarivan, "A fast and elitist multiobjective genetic algorithm: NSGA-II",
// IEEE TEC 6(2), 2002, §III-A and §III-B); the hypervolume indicator (Zitzler and Thiele
// 1998): the measure of the region that the points dominate and that dominates the
// reference point, computed exactly by a sweep in 2-D and by slicing along the third
// objective in 3-D (Lebesgue measure by slices, While et al. 2006's HSO idea).
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace hwnas::search {

/// True when `a` is at least as good as `b` in every coordinate and better in one
/// (maximisation). Both have the same size.
bool dominates(const std::vector<double>& a, const std::vector<double>& b);

/// Deb's fast non-dominated sort of items 0..n-1 under any strict dominance relation:
/// fronts[0] holds the items no other dominates, fronts[1] those dominated only by items of
/// fronts[0], ... Items keep their index order within a front. O(n²) calls of `dominates`.
std::vector<std::vector<std::size_t>> non_dominated_sort(
    std::size_t n, const std::function<bool(std::size_t, std::size_t)>& dominates);

/// The same for points under Pareto dominance (dominates() above).
std::vector<std::vector<std::size_t>> non_dominated_sort(const std::vector<std::vector<double>>& points);

/// Indices of the non-dominated points (equal points are all kept), in index order.
std::vector<std::size_t> pareto_front(const std::vector<std::vector<double>>& points);

/// NSGA-II's crowding distance of each item of `front` (indices into `points`), in the
/// front's order: per objective, the items at either end get +infinity and the others the
/// gap between their neighbours divided by the objective's range over the front.
std::vector<double> crowding_distance(const std::vector<std::vector<double>>& points,
                                      const std::vector<std::size_t>& front);

/// The exact hypervolume of `points` with respect to `reference` (a point worse than the
/// interesting ones in every coordinate): the volume of {x : reference < x ≤ some point},
/// in the product of the objectives' units. Points that do not exceed the reference in
/// every coordinate add nothing. 1, 2 or 3 objectives (2-D: O(n log n) sweep; 3-D:
/// O(n² log n) slices); more throws UserError.
double hypervolume(const std::vector<std::vector<double>>& points, const std::vector<double>& reference);

}  // namespace hwnas::search

// Best-so-far curves of search_nb201 (docs/strategies.md): per strategy, the median over
// seeds of the best feasible accuracy after k accuracy evaluations, k = 1..evaluations, as
// an SVG line chart with the exhaustive optimum and the 0.2-point target drawn across.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "search_nb201_landscape.h"

namespace hwnas::bench {

/// The median of `v` (the mean of the middle two when their number is even); `v` not empty.
double median(std::vector<double> v);

/// Writes the chart for one latency source to `path` (atomically). `runs` pairs a
/// strategy's name with its replays (target none, at most `evaluations` each); a run that
/// ended early (every cell tried) keeps its last best. Before a run's first feasible
/// evaluation its best is undefined and it does not count towards that k's median.
void write_best_so_far_curves(const std::string& path, const std::string& source, double optimum, double tolerance,
                              const std::vector<std::pair<std::string, std::vector<Replay>>>& runs,
                              std::int64_t evaluations);

}  // namespace hwnas::bench

#include "search_nb201_curves.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "hwnas/report/svg_plot.h"

namespace hwnas::bench {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void write_best_so_far_curves(const std::string& path, const std::string& source, double optimum, double tolerance,
                              const std::vector<std::pair<std::string, std::vector<Replay>>>& runs,
                              std::int64_t evaluations) {
  std::vector<report::Series> series;
  for (const auto& [strategy, replays] : runs) {
    report::Series s{.label = strategy, .step = true};
    std::vector<double> best(replays.size(), NAN);
    for (std::int64_t k = 1; k <= evaluations; ++k) {
      std::vector<double> at_k;
      for (std::size_t r = 0; r < replays.size(); ++r) {
        const auto& fitness = replays[r].fitness;
        if (k <= static_cast<std::int64_t>(fitness.size()))
          best[r] = std::isnan(best[r]) ? fitness[k - 1][0] : std::max(best[r], fitness[k - 1][0]);
        if (!std::isnan(best[r])) at_k.push_back(best[r]);
      }
      if (at_k.size() * 2 <= replays.size()) continue;  // most runs have no feasible trial yet
      s.x.push_back(static_cast<double>(k));
      s.y.push_back(median(at_k));
    }
    series.push_back(std::move(s));
  }
  const auto flat = [&](std::string label, double y, std::string color) {
    return report::Series{.label = std::move(label), .x = {1.0, double(evaluations)}, .y = {y, y}, .color = color};
  };
  series.push_back(flat(fmt::format("optimum {:.2f} %", optimum), optimum, "#333"));
  series.push_back(flat(fmt::format("optimum - {:g} pt", tolerance), optimum - tolerance, "#aaa"));
  report::Axes axes{.title = fmt::format("{}: median of {} seeds", source,
                                         runs.empty() ? 0 : runs.front().second.size()),
                    .x_label = "accuracy evaluations",
                    .y_label = "best feasible acc_cifar10 (%)",
                    .y_from_zero = false,
                    .legend_outside = true,
                    .y_min = optimum - 2.0,
                    .y_max = optimum + 0.1};
  report::write_svg(path, report::line_chart(axes, series));
}

}  // namespace hwnas::bench

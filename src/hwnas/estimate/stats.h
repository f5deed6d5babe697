// Agreement between predicted and measured latencies.
#pragma once

#include <span>

#include <nlohmann/json.hpp>

namespace hwnas::estimate {

/// Pearson's correlation; 0 when either side is constant.
double pearson(std::span<const double> a, std::span<const double> b);
/// Spearman's ρ (Pearson correlation of average ranks; ties share their mean rank).
double spearman(std::span<const double> a, std::span<const double> b);
/// Kendall's τ-b (tie-corrected), O(n²): fine for the tens of thousands hwnas compares.
double kendall(std::span<const double> a, std::span<const double> b);

/// {"spearman", "kendall", "within_10pct", "within_5pct", "rmse_ms", "mean_abs_pct_error",
///  "count"} of `predicted` against `measured` (both in seconds).
nlohmann::json agreement(std::span<const double> measured, std::span<const double> predicted);

}  // namespace hwnas::estimate

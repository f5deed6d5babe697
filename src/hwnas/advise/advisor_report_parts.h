// Pieces shared by the advisor's text (advisor_report.cpp), JSON (advisor_report_json.cpp)
// and summary page (advisor_summary.cpp): how a change, a limit and the list are shown.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/advise/advisor.h"

namespace hwnas::advise::report_parts {

/// The estimated gain of a change in seconds (positive: faster).
double gain_s(const Change& c);
/// A limit's value or figure: "0.052 ms", "381.0 kB".
std::string limit_value_text(std::string_view key, double v);
/// "features.2 (ibn) ibn_to_fused p=16"
std::string rule_at(const Change& c);
/// " [breaks weight_bytes]" for each limit the change breaks.
std::string breaks_text(const Change& c);
/// How well estimated latencies match the measured ones (a target's advice only).
std::string error_text(const Advice& a);
/// Estimated gains rank like the measured ones when Spearman's ρ reaches this; an estimate
/// off by more than kLargeError of the measured latency (after a candidate that gains, else
/// any) asks for a refit.
constexpr double kRankAlike = 0.9, kLargeError = 0.05;
/// The verdict on the estimator (a.spearman set): "estimated and measured gains rank alike:
/// Spearman 0.999 over 79 candidates; <error_text>", and the refit advice when ρ <
/// kRankAlike or the error exceeds kLargeError.
std::string agreement_text(const Advice& a);
/// The ranked candidates a listing of `top` shows (every one for top == 0).
std::vector<std::size_t> shown(const Advice& a, std::size_t top);

}  // namespace hwnas::advise::report_parts

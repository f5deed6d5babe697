// The advisor's text (advice_text) and the pieces its JSON and summary share.
#include "hwnas/advise/advisor_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "hwnas/advise/advisor_explain.h"
#include "hwnas/advise/advisor_menu.h"
#include "hwnas/advise/advisor_report_parts.h"
#include "hwnas/base/printable.h"

namespace hwnas::advise {
namespace report_parts {

double gain_s(const Change& c) { return c.before.latency_s - c.after.latency_s; }

// Three decimals of a ms and kB/MB in the usual range; beyond it (a limit of 1e-06 ms or
// 1e+30 bytes) three significant digits, so that no figure reads as 0.000 or as 25 digits.
std::string limit_value_text(std::string_view key, double v) {
  const double a = std::abs(v);
  if (key == "latency_ms") return a == 0 || (a >= 0.01 && a < 1e6) ? fmt::format("{:.3f} ms", v) : fmt::format("{:.3g} ms", v);
  return a == 0 || (a >= 1 && a < 1e12) ? bytes_text(v) : fmt::format("{:.3g} B", v);
}

// "features.2 (ibn) ibn_to_fused"
std::string rule_at(const Change& c) {
  std::string s = printable(c.site);
  if (!c.kind.empty()) s += fmt::format(" ({})", c.kind);
  s += " " + c.pass;
  if (!c.params.empty()) s += " " + printable(params_text(c.params));
  return s;
}

std::string breaks_text(const Change& c) {
  std::string s;
  for (const std::string& b : c.breaks) s += fmt::format(" [breaks {}]", b);
  return s;
}

// "estimated latencies within 2.1% of the measured ones after the 27 candidates that gain,
// 6.2% over all"
std::string error_text(const Advice& a) {
  const auto n = std::count_if(a.ranked.begin(), a.ranked.end(), [](const Change& c) { return gains(c); });
  if (!a.max_error_gains)
    return fmt::format("estimated latencies within {:.1f}% of the measured ones (no candidate gains)", *a.max_error * 100);
  return fmt::format("estimated latencies within {:.1f}% of the measured ones after the {} candidate{} that gain{}, "
                     "{:.1f}% over all",
                     *a.max_error_gains * 100, n, n == 1 ? "" : "s", n == 1 ? "s" : "", *a.max_error * 100);
}

std::string agreement_text(const Advice& a) {
  const bool alike = *a.spearman >= kRankAlike;
  const double error = a.max_error_gains.value_or(*a.max_error);
  std::string s = fmt::format("estimated and measured gains {}: Spearman {:.3f}{} over {} candidates; {}",
                              alike ? "rank alike" : "rank differently", *a.spearman,
                              alike ? "" : fmt::format(" (below {})", kRankAlike), a.ranked.size(), error_text(a));
  if (!alike || error > kLargeError)
    s += fmt::format("; the estimator misjudges this model{}: refit it with a larger --budget ('hwnas fit --target T "
                     "--db T.db --out T.est --budget N', docs/estimator.md)",
                     error > kLargeError ? fmt::format(" (off by more than {:.0f}%)", kLargeError * 100) : "");
  return s;
}

// The ranked candidates a listing of `top` shows: the first `top` that do not hurt, then
// the last top/4 that hurt; every one for top == 0 or a short list.
std::vector<std::size_t> shown(const Advice& a, std::size_t top) {
  std::vector<std::size_t> out;
  const std::size_t n = a.ranked.size();
  if (top == 0 || n <= top + top / 4) {
    for (std::size_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  std::size_t hurts = 0;
  while (hurts < n && advise::hurts(a.ranked[n - 1 - hurts])) ++hurts;
  for (std::size_t i = 0; i < std::min(top, n - hurts); ++i) out.push_back(i);
  for (std::size_t i = n - std::min(hurts, top / 4); i < n; ++i) out.push_back(i);
  return out;
}

}  // namespace report_parts

namespace {

using namespace report_parts;

std::string figures_text(const Figures& f) {
  std::string s = fmt::format("latency {:.3f} ms estimated", f.latency_s * 1e3);
  if (f.measured_s) s += fmt::format(", {:.3f} ms measured", *f.measured_s * 1e3);
  return s + fmt::format("; {:.1f} M MACs, {} params, weights {}, peak activations {}", static_cast<double>(f.macs) / 1e6,
                         f.params, bytes_text(static_cast<double>(f.weight_bytes)),
                         bytes_text(static_cast<double>(f.peak_activation_bytes)));
}

std::string flags(const Change& c) { return (c.lossy ? " [lossy]" : "") + breaks_text(c); }

std::string ranked_line(std::size_t i, const Change& c) {
  std::string s = fmt::format("  {:>3}. {}: {}", i + 1, rule_at(c), delta_ms(c.before.latency_s, c.after.latency_s));
  if (c.after.measured_s && c.before.measured_s)
    s += fmt::format(", measured {}", delta_ms(*c.before.measured_s, *c.after.measured_s));
  return s + fmt::format("{}: {}", flags(c), printable(c.explanation));
}

std::string result_lines(const Advice& a) {
  std::string s = fmt::format("result: latency {:.3f} -> {:.3f} ms estimated ({:+.1f}%)", a.baseline.latency_s * 1e3,
                              a.final.latency_s * 1e3, (a.final.latency_s / a.baseline.latency_s - 1) * 100);
  if (a.final.measured_s && a.baseline.measured_s)
    s += fmt::format(", {:.3f} -> {:.3f} ms measured ({:+.1f}%)", *a.baseline.measured_s * 1e3, *a.final.measured_s * 1e3,
                     (*a.final.measured_s / *a.baseline.measured_s - 1) * 100);
  s += fmt::format("; MACs {}, weights {}, peak activations {}\n", delta_count(a.baseline.macs, a.final.macs, ""),
                   delta_count(a.baseline.weight_bytes, a.final.weight_bytes, "B"),
                   delta_count(a.baseline.peak_activation_bytes, a.final.peak_activation_bytes, "B"));
  if (a.final.latency_s > a.baseline.latency_s)
    s += fmt::format("warning: the result is estimated slower than the model ({:+.1f}%)\n",
                     (a.final.latency_s / a.baseline.latency_s - 1) * 100);
  if (a.limits.empty()) return s;
  std::string met, missed;
  for (const LimitStatus& l : a.limits) {
    std::string& into = l.met ? met : missed;
    into += fmt::format("{}{} {} {} {}", into.empty() ? "" : ", ", l.given.key, limit_value_text(l.given.key, l.final),
                        l.met ? "<=" : ">", limit_value_text(l.given.key, l.limit));
  }
  if (!missed.empty()) s += "limits not met: " + missed + (met.empty() ? "" : "; met: " + met) + "\n";
  else s += "limits met: " + met + "\n";
  return s;
}

}  // namespace

std::string advice_text(const Advice& a, const AdviceSource& src, std::size_t top) {
  std::string s = fmt::format("advise {} with the estimator {} (fitted for {}, P = {}){}\n", printable(a.model),
                              printable(src.estimator), printable(src.estimator_target), a.parallelism,
                              src.target.empty() ? "" : ", measured on " + printable(src.target));
  s += "baseline: " + figures_text(a.baseline) + "\n";
  if (a.ranked.empty() && !a.refusals.empty()) {
    s += "\n0 candidates: no pass applies anywhere on the model\n";
    for (const Refusal& r : a.refusals)
      s += r.reasons.empty() ? fmt::format("  {}: no site (the model has no block this pass takes)\n", r.pass)
                             : fmt::format("  {} ({} site{}): {}\n", r.pass, r.sites, r.sites == 1 ? "" : "s",
                                           printable(fmt::format("{}", fmt::join(r.reasons, "; "))));
  } else if (!a.ranked.empty()) {
    const std::vector<std::size_t> rows = shown(a, top);
    std::size_t hurts = 0;
    for (const Change& c : a.ranked) hurts += advise::hurts(c) ? 1 : 0;
    s += fmt::format("\n{} candidates, largest estimated gain first ({} hurt){}:\n", a.ranked.size(), hurts,
                     rows.size() < a.ranked.size() ? fmt::format("; {} shown, --all lists every one", rows.size()) : "");
    bool hurt_header = false;
    for (std::size_t i : rows) {
      if (advise::hurts(a.ranked[i]) && !hurt_header) s += "  hurts:\n", hurt_header = true;
      s += ranked_line(i, a.ranked[i]) + "\n";
    }
    if (a.spearman) s += agreement_text(a) + "\n";
  }
  s += fmt::format("\ncombination: {} step{}", a.steps.size(), a.steps.size() == 1 ? "" : "s");
  if (!a.dropped.empty()) s += fmt::format(" ({} more dropped by the backward pass)", a.dropped.size());
  s += "\n";
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    const Change& c = a.steps[i];
    s += fmt::format("  {:>3}. {}: {:.3f} ms, {}{}: {}{}\n", i + 1, rule_at(c), c.after.latency_s * 1e3,
                     delta_ms(c.before.latency_s, c.after.latency_s), flags(c), printable(c.explanation),
                     c.why.empty() ? "" : " (why: " + printable(c.why) + ")");
  }
  for (const Skipped& k : a.skipped)
    s += fmt::format("  skipped {} at {}{}: {}\n", printable(k.step.pass), printable(k.step.site),
                     k.step.params.empty() ? "" : " " + printable(params_text(k.step.params)), printable(k.why_not));
  s += result_lines(a);
  return s;
}

}  // namespace hwnas::advise

// How `hwnas advise` shows its advice: human text (stdout), one JSON object (--json), and
// a summary page in markdown or self-contained HTML (--summary); docs/advisor.md shows them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/advise/advisor.h"

namespace hwnas::advise {

/// A section of the summary page: a title, paragraphs, a preformatted listing (after the
/// paragraphs) and a table (no table when `header` is empty).
struct SummarySection {
  std::string title;
  std::vector<std::string> paragraphs;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string pre;
};

/// What the advice was computed with, for the headers.
struct AdviceSource {
  std::string estimator;         // the estimator file
  std::string estimator_target;  // the target it was fitted for
  std::string target;            // the measuring target's name; "" without --target
  std::string out, summary;      // the files written; "" when none
  std::string from;              // --from: the experiment directory; "" without
  std::string patterns;          // --from: its patterns (patterns_text), for the summary
  bool whole_plan = false;       // --whole-plan
  std::vector<SummarySection> sections;  // the summary page ends with these (--finetune: finetune.h)
};

/// The ranked list (the first `top` candidates with a gain and, when the list is cut, the
/// worst top/4 that hurt; every one for top == 0), the gains' Spearman ρ with a target,
/// the combination step by step and the result against the baseline and the limits.
std::string advice_text(const Advice& advice, const AdviceSource& source, std::size_t top);

/// {"model", "estimator": {"file", "target", "parallelism"}, "target", "baseline": FIGURES,
/// "limits": [{"key", "value", "percent", "limit", "baseline", "final", "met"}],
/// "candidates": [CHANGE], "spearman", "max_error", "max_error_gains", "steps": [CHANGE],
/// "dropped": [STEP],
/// "skipped": [{"pass", "site", "params", "why", "why_not"}], "final": FIGURES, "limits_met",
/// "evaluated", "out", "summary"}; FIGURES {"latency_ms", "measured_latency_ms", "macs",
/// "params", "weight_bytes", "peak_activation_bytes"}; CHANGE {"pass", "site", "kind",
/// "params", "lossy", "what", "latency_ms_before", "latency_ms_after", "gain_ms",
/// "gain_percent", "measured_ms_before", "measured_ms_after", "macs_after", "params_after",
/// "weight_bytes_after", "peak_activation_bytes_after", "breaks", "explanation", "why"}.
/// Values the evaluator did not measure are null. gain_ms = latency_ms_before −
/// latency_ms_after (positive: faster; the text prints the opposite, the latency change);
/// params values are strings (--param k=v).
nlohmann::ordered_json advice_json(const Advice& advice, const AdviceSource& source);

/// The summary: baseline, the recommendations (the first 20 and the hurts), the
/// combination, the result and the limits, then source.sections; markdown, or for `html`
/// one self-contained page.
std::string advice_summary(const Advice& advice, const AdviceSource& source, bool html);

}  // namespace hwnas::advise

// The advisor (issue 12 §2; docs/advisor.md): every pass at every eligible site, valued by
// an estimator (and measured by a target), ranked by latency gain and explained in the
// hardware's terms; then a greedy combination that meets the limits, pruned by one
// backward pass. apply_plan values a given plan (the transfer planner's) the same way.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/advise/advisor_eval.h"
#include "hwnas/advise/advisor_menu.h"
#include "hwnas/advise/pass.h"
#include "hwnas/advise/plan.h"
#include "hwnas/graph/graph.h"

namespace hwnas::advise {

struct AdviseOptions {
  std::vector<const Pass*> passes;  // the passes to try; empty: every pass
  std::vector<Limit> limits;        // as given (percentages of the baseline allowed)
  bool lossy = false;               // lossy rewrites in every step, not only while a limit is violated
  std::int32_t steps = 50;          // at most this many greedy steps
  /// Progress lines (for stderr); may be empty.
  std::function<void(const std::string&)> progress;
};

/// One rewrite applied to a graph: a ranked candidate (applied to the model) or a step of
/// the combination (applied to the graph the steps before it left).
struct Change {
  std::string pass, site, kind;  // kind: the site block's ("" for the graph)
  Params params;                 // resolved
  bool lossy = false;
  std::string what;              // the record's one line
  Figures before, after;         // measured_s set when the evaluator has a target
  std::string explanation;       // explain()
  std::vector<std::string> breaks;  // limit keys the model met and the graph after does not
  std::string why;               // a planned step's reason (apply_plan); "" otherwise
};

/// A change gains (hurts) when it lowers (raises) the estimated latency by at least
/// 0.0005 ms, what the text shows as -0.001 ms (+0.001 ms) or more; between, it is neutral.
constexpr double kShownChange_s = 5e-7;
inline bool gains(const Change& c) { return c.before.latency_s - c.after.latency_s >= kShownChange_s; }
inline bool hurts(const Change& c) { return c.after.latency_s - c.before.latency_s >= kShownChange_s; }

/// A planned step that could not be applied, and why.
struct Skipped {
  PlannedStep step;
  std::string why_not;
};

struct LimitStatus {
  Limit given;     // as given (maybe a percentage)
  double limit = 0;  // absolute: ms or bytes
  double baseline = 0, final = 0;
  bool met = false;
};

struct Advice {
  std::string model;
  std::int32_t parallelism = 8;  // P of the menu
  Figures baseline;
  std::vector<Change> ranked;   // every candidate on the model, largest estimated gain first
  std::vector<Refusal> refusals;  // when ranked is empty: why each pass has no candidate
  std::vector<Change> steps;    // the combination, in order
  std::vector<PlannedStep> dropped;  // greedy steps the backward pass removed
  std::vector<Skipped> skipped;      // apply_plan: planned steps not applied
  Figures final;
  graph::Graph final_graph;
  std::vector<LimitStatus> limits;
  bool limits_met = true;
  /// With a target: Spearman's ρ of estimated vs measured gains over the ranked candidates
  /// (at least 3); the largest |estimated − measured| / measured latency of the model and
  /// after any candidate, and after a candidate that gains() (none when none gains).
  std::optional<double> spearman, max_error, max_error_gains;
  std::int64_t evaluated = 0;  // candidate graphs valued
};

/// Ranks every candidate on `graph`, combines them and describes the result. Throws what
/// the passes and the estimator throw (UserError for a kernel the estimator has no model for).
Advice advise(const graph::Graph& graph, const Evaluator& evaluator, const AdviseOptions& options);

/// How apply_plan treats a plan's steps.
struct PlanOptions {
  std::vector<Limit> limits;  // as given (percentages of the baseline allowed)
  bool lossy = false;         // lossy steps also while every limit is met
  bool whole_plan = false;    // every step that can apply, whatever its estimate
};

/// Applies `plan` in order from `graph`, skipping a step that cannot apply (unknown pass,
/// site or parameter, or not eligible on the graph so far) with its reason, and describes
/// each applied step and the result as advise() does (ranked stays empty). Unless
/// `whole_plan`, a step is also skipped, with its reason, by the combination's rules: a
/// lossy step while every limit is met (unless `lossy`), and a step whose estimate makes
/// the objective worse (more limit violation, or as much and a higher latency).
Advice apply_plan(const graph::Graph& graph, const std::vector<PlannedStep>& plan, const Evaluator& evaluator,
                  const PlanOptions& options = {});

/// The combination's backward pass: from the last step to the first, drops a step when
/// replaying the remaining ones in order from `graph` (all still eligible) gives an
/// objective no worse than the current combination's; `dropped` receives them.
std::vector<PlannedStep> drop_useless_steps(const graph::Graph& graph, std::vector<PlannedStep> steps,
                                            const Evaluator& evaluator, const std::vector<Limit>& absolute,
                                            std::vector<PlannedStep>* dropped);

}  // namespace hwnas::advise

#include "hwnas/advise/advisor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "hwnas/advise/advisor_explain.h"
#include "hwnas/advise/advisor_menu.h"
#include "hwnas/base/error.h"
#include "hwnas/estimate/stats.h"

namespace hwnas::advise {
namespace {

// The greedy stops when the best candidate gains less than this fraction of the latency
// (and reduces no violation).
constexpr double kMinGain = 0.001;

// What a lossy step takes from the network, as a proxy of the accuracy it costs: the
// relative decrease of its MACs plus that of its parameters (increases count 0).
double capacity_loss(const Figures& before, const Figures& after) {
  const auto drop = [](std::int64_t b, std::int64_t a) {
    return b > 0 && a < b ? static_cast<double>(b - a) / static_cast<double>(b) : 0.0;
  };
  return drop(before.macs, after.macs) + drop(before.params, after.params);
}

void say(const AdviseOptions& o, const std::string& line) {
  if (o.progress) o.progress(line);
}

std::vector<std::string> broken(const std::vector<Limit>& absolute, const Figures& model, const Figures& after) {
  std::vector<std::string> out;
  for (const Limit& l : absolute)
    if (limited_value(l.key, model) <= l.value && limited_value(l.key, after) > l.value) out.push_back(l.key);
  return out;
}

Change change_of(const RewriteRecord& r, const Params& params, bool lossy, const Evaluation& before,
                 const Evaluation& after) {
  Change c{r.rule, r.site, r.kind, params, lossy, r.what, before.figures, after.figures, explain(r, before, after)};
  return c;
}

// One planned step applied to `g`: the result, or why_not naming what is wrong.
struct Applied {
  PassResult result;
  const Pass* pass = nullptr;
  Params params;
};
Applied apply_step(const graph::Graph& g, const PlannedStep& s) {
  Applied a;
  try {
    a.pass = &find_pass(s.pass);
    a.params = resolve_params(*a.pass, s.params);
    a.result = apply_pass(g, *a.pass, find_site(g, *a.pass, s.site), a.params);
  } catch (const UserError& e) {
    a.result = PassResult{};
    a.result.why_not = e.what();
  }
  return a;
}

// The steps replayed from `g`; nullopt when one is no longer eligible.
std::optional<graph::Graph> replay(const graph::Graph& g, const std::vector<PlannedStep>& steps) {
  std::optional<graph::Graph> cur = g;
  for (const PlannedStep& s : steps) {
    Applied a = apply_step(*cur, s);
    if (!a.result.graph) return std::nullopt;
    cur = std::move(*a.result.graph);
  }
  return cur;
}

// Fills the limit statuses, the final figures and Spearman of the ranked candidates.
void conclude(Advice& advice, const std::vector<Limit>& given, const std::vector<Limit>& absolute,
              const Evaluator& evaluator) {
  advice.final = evaluator.figures(advice.final_graph, true);
  advice.limits_met = true;
  for (std::size_t i = 0; i < given.size(); ++i) {
    const double final = limited_value(absolute[i].key, advice.final);
    const bool met = final <= absolute[i].value;
    advice.limits.push_back({given[i], absolute[i].value, limited_value(absolute[i].key, advice.baseline), final, met});
    advice.limits_met = advice.limits_met && met;
  }
  if (!evaluator.has_target()) return;
  std::vector<double> est, meas;
  double worst = std::abs(advice.baseline.latency_s / *advice.baseline.measured_s - 1);
  std::optional<double> worst_gain;
  for (const Change& c : advice.ranked) {
    est.push_back(advice.baseline.latency_s - c.after.latency_s);
    meas.push_back(*advice.baseline.measured_s - *c.after.measured_s);
    const double error = std::abs(c.after.latency_s / *c.after.measured_s - 1);
    worst = std::max(worst, error);
    if (gains(c)) worst_gain = std::max(worst_gain.value_or(0), error);
  }
  advice.max_error = worst;
  advice.max_error_gains = worst_gain;
  if (est.size() >= 3) advice.spearman = estimate::spearman(est, meas);
}

// Why the combination's rules refuse a planned step valued from `cur` to `next` ("" when
// they accept it): a lossy step while every limit is met (unless `o.lossy`), a step that
// makes the objective worse.
std::string refusal(const PlanOptions& o, bool lossy, const Objective& cur, const Objective& next) {
  if (o.whole_plan) return "";
  if (lossy && !o.lossy && cur.violation <= 0)
    return "lossy (it changes what the network computes) while every limit is met: skipped; --lossy applies it";
  if (next.violation > cur.violation + 1e-9)
    return fmt::format("estimated to exceed the limits by {:.1f}% (was {:.1f}%): skipped, it moves the model away "
                       "from its limits",
                       next.violation * 100, cur.violation * 100);
  if (next.violation >= cur.violation - 1e-9 && next.latency_s > cur.latency_s)
    return fmt::format("estimated {}: skipped, it makes the model slower", delta_ms(cur.latency_s, next.latency_s));
  return "";
}

// Describes `plan` applied from `g` into advice.steps (skipping what cannot apply, and
// what `o`'s rules refuse).
void describe_plan(Advice& advice, const graph::Graph& g, const std::vector<PlannedStep>& plan,
                   const Evaluator& evaluator, const std::vector<Limit>& absolute, const PlanOptions& o) {
  graph::Graph cur = g;
  Evaluation cur_eval = evaluator.evaluate(cur);
  for (const PlannedStep& s : plan) {
    Applied a = apply_step(cur, s);
    if (!a.result.graph) {
      advice.skipped.push_back({s, a.result.why_not});
      continue;
    }
    Evaluation after = evaluator.evaluate(*a.result.graph);
    const bool lossy = is_lossy(*a.pass, a.params);
    if (std::string why_not = refusal(o, lossy, objective(absolute, cur_eval.figures), objective(absolute, after.figures));
        !why_not.empty()) {
      advice.skipped.push_back({s, std::move(why_not)});
      continue;
    }
    Change c = change_of(a.result.record, a.params, lossy, cur_eval, after);
    c.breaks = broken(absolute, advice.baseline, after.figures);
    c.why = s.why;
    advice.steps.push_back(std::move(c));
    cur = std::move(*a.result.graph);
    cur_eval = std::move(after);
  }
  advice.final_graph = std::move(cur);
}

}  // namespace

std::vector<PlannedStep> drop_useless_steps(const graph::Graph& g, std::vector<PlannedStep> steps,
                                            const Evaluator& evaluator, const std::vector<Limit>& absolute,
                                            std::vector<PlannedStep>* dropped) {
  const std::optional<graph::Graph> all = replay(g, steps);
  HWNAS_CHECK(all.has_value());
  Objective current = objective(absolute, evaluator.figures(*all, false));
  for (std::size_t i = steps.size(); i-- > 0;) {
    std::vector<PlannedStep> without = steps;
    without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
    const std::optional<graph::Graph> h = replay(g, without);
    if (!h) continue;
    const Objective o = objective(absolute, evaluator.figures(*h, false));
    if (improves(current, o, 1e-9)) continue;  // the step helps
    if (dropped != nullptr) dropped->insert(dropped->begin(), steps[i]);
    steps = std::move(without);
    current = o;
  }
  return steps;
}

Advice advise(const graph::Graph& g, const Evaluator& evaluator, const AdviseOptions& o) {
  Advice advice;
  advice.model = g.name();
  advice.parallelism = evaluator.parallelism();
  std::vector<const Pass*> passes = o.passes;
  if (passes.empty())
    for (const Pass& p : advise::passes()) passes.push_back(&p);
  const Evaluation base = evaluator.evaluate(g);
  advice.baseline = base.figures;
  const std::vector<Limit> absolute = absolute_limits(o.limits, advice.baseline);

  // Rank every candidate on the model.
  std::vector<Candidate> first = candidates(g, passes, advice.parallelism);
  say(o, fmt::format("advise: {} candidates on {} (P = {})", first.size(), g.name(), advice.parallelism));
  for (const Candidate& c : first) {
    const Evaluation after = evaluator.evaluate(*c.result.graph);
    Change ch = change_of(c.result.record, c.params, c.lossy, base, after);
    ch.breaks = broken(absolute, advice.baseline, after.figures);
    advice.ranked.push_back(std::move(ch));
  }
  advice.evaluated = static_cast<std::int64_t>(first.size());
  if (first.empty()) advice.refusals = refusals(g, passes, advice.parallelism);
  std::stable_sort(advice.ranked.begin(), advice.ranked.end(), [](const Change& a, const Change& b) {
    return a.before.latency_s - a.after.latency_s > b.before.latency_s - b.after.latency_s;
  });

  // Greedy: apply the candidate that best improves the objective, re-generating the
  // candidates on the graph so far.
  std::vector<PlannedStep> plan;
  graph::Graph cur = g;
  Objective cur_obj = objective(absolute, advice.baseline);
  Figures cur_figures = advice.baseline;  // the graph so far's, for capacity_loss
  for (std::int32_t step = 0; step < o.steps; ++step) {
    std::vector<Candidate> cands = step == 0 ? std::move(first) : candidates(cur, passes, advice.parallelism);
    const bool lossy = o.lossy || cur_obj.violation > 0;
    std::optional<std::size_t> best;
    Objective best_obj;
    double best_loss = 0;
    Figures best_figures;
    for (std::size_t i = 0; i < cands.size(); ++i) {
      if (cands[i].lossy && !lossy) continue;
      const Figures f = evaluator.figures(*cands[i].result.graph, false);
      const Objective c = objective(absolute, f);
      const double loss = capacity_loss(cur_figures, f);
      // While a limit is violated, of the candidates that meet every limit the one that
      // keeps the most capacity wins (then the fastest): a step that overshoots the
      // limits (a second width halving where a lower resolution suffices) loses
      // accuracy for nothing the user asked for.
      const bool by_capacity = cur_obj.violation > 0 && !o.lossy && best && c.violation == 0 &&
                               best_obj.violation == 0 && std::abs(loss - best_loss) > 1e-9;
      if (!best || (by_capacity ? loss < best_loss : improves(c, best_obj, 0)))
        best = i, best_obj = c, best_loss = loss, best_figures = f;
    }
    if (step > 0) advice.evaluated += static_cast<std::int64_t>(cands.size());
    if (!best || !improves(best_obj, cur_obj, kMinGain)) break;
    Candidate& c = cands[*best];
    plan.push_back({std::string(c.pass->name), c.result.record.site, c.params, ""});
    const std::string params = params_text(c.params);
    say(o, fmt::format("advise: step {}: {} at {}{}: {:.3f} ms{}", step + 1, c.pass->name, c.result.record.site,
                       params.empty() ? "" : " (" + params + ")", best_obj.latency_s * 1e3,
                       best_obj.violation > 0 ? fmt::format(", limits exceeded by {:.1f}%", best_obj.violation * 100)
                                              : ""));
    cur = std::move(*c.result.graph);
    cur_obj = best_obj;
    cur_figures = best_figures;
  }
  plan = drop_useless_steps(g, std::move(plan), evaluator, absolute, &advice.dropped);
  describe_plan(advice, g, plan, evaluator, absolute, {.whole_plan = true});
  conclude(advice, o.limits, absolute, evaluator);
  return advice;
}

Advice apply_plan(const graph::Graph& g, const std::vector<PlannedStep>& plan, const Evaluator& evaluator,
                  const PlanOptions& o) {
  Advice advice;
  advice.model = g.name();
  advice.parallelism = evaluator.parallelism();
  advice.baseline = evaluator.figures(g, true);
  const std::vector<Limit> absolute = absolute_limits(o.limits, advice.baseline);
  describe_plan(advice, g, plan, evaluator, absolute, o);
  conclude(advice, o.limits, absolute, evaluator);
  return advice;
}

}  // namespace hwnas::advise

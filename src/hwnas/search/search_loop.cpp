// The experiment loop (run_search.h): steps (search_step.cpp) until a budget limit, the
// space's exhaustion or Ctrl-C. A step stops asking where budget.trials or
// budget.evaluations is reached (a bracket or batch is cut to it); budget.seconds is
// checked between steps.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/search/run_search.h"
#include "hwnas/search/search_step.h"

namespace hwnas::search {
namespace {

/// How far the search is towards the first limit it will reach, for the progress bar.
void fill_progress(SearchProgress& p, const Budget& budget, double elapsed_s) {
  p.done = 0;
  p.total = 1;
  double best_fraction = -1;
  const auto consider = [&](double done, double total) {
    if (done / total > best_fraction) {
      best_fraction = done / total;
      p.done = done;
      p.total = total;
    }
  };
  if (budget.evaluations) consider(double(p.evaluations), double(*budget.evaluations));
  if (budget.trials) consider(double(p.trials), double(*budget.trials));
  if (budget.seconds) consider(elapsed_s, *budget.seconds);
}

}  // namespace

LoopOutcome search_loop(SearchParts parts, ExperimentStore& store, const Budget& budget, const SearchHooks& hooks) {
  LoopRecords records = LoopRecords::load(store);
  SearchProgress progress;
  progress.objective = parts.cost_model.objective_names().at(0);
  // The best counts only trials at full fidelity, as best_trial does.
  const std::int32_t top_rung = std::max(parts.cost_model.rungs(), 1) - 1;
  const auto note_best = [&](const Trial& t, const std::vector<double>& f) {
    if (!f.empty() && t.feasible && t.rung == top_rung && (!progress.best || f[0] > *progress.best)) {
      progress.best = f[0];
      progress.accuracy_baseline = t.accuracy_baseline;
    }
  };
  for (std::size_t i = 0; i < records.trials.size(); ++i) {
    progress.evaluations += records.trials[i].accuracy_evaluated ? 1 : 0;
    note_best(records.trials[i], records.fitness[i]);
  }
  // Trials since the last feasible one (derived from the store, so a resume continues it).
  const auto fruitful = [](const Trial& t) { return t.status == TrialStatus::ok && t.feasible; };
  std::int64_t infeasible_run = 0;
  for (auto it = records.trials.rbegin(); it != records.trials.rend() && !fruitful(*it); ++it) ++infeasible_run;

  SearchState state;
  if (std::optional<SearchState> stored = store.state()) {
    state = std::move(*stored);
    parts.strategy.restore(state.strategy);
  }
  const std::optional<std::uint64_t> size = parts.space.exact_size();

  for (;;) {
    const std::vector<Trial>& trials = records.trials;
    progress.trials = static_cast<std::int64_t>(trials.size());
    progress.duplicates = state.duplicates;
    if (auto why = budget_reached(budget, progress.trials, progress.evaluations, state.elapsed_s, state.batches))
      return {StopReason::budget, *why};
    if (size && trials.size() >= *size) {
      // Genomes, not networks: several genomes may decode to one network, evaluated once
      // (s30 fresh-user finding 5: 252 genomes, 168 networks). With evaluations at several
      // rungs the count is of candidates, as hwnas search's summary says: a candidate copied
      // at one rung may be evaluated at another, where its network differs (s31 fresh-user
      // finding 16: "3 networks" in a space of 2).
      const auto copies = std::count_if(trials.begin(), trials.end(), accuracy_copied);
      std::set<std::int32_t> rungs;
      for (const auto& [at, evaluation] : records.evaluations) rungs.insert(at.second);
      return {StopReason::exhausted,
              fmt::format("every genome of space '{}' ({}) has been tried: {}{}", parts.space.name(), *size,
                          plural(progress.evaluations, rungs.size() > 1 ? "candidate" : "network") +
                              " evaluated for accuracy",
                          copies > 0 ? fmt::format(", {} {} of a network evaluated before", copies,
                                                   copies == 1 ? "copy" : "copies")
                                     : "")};
    }
    if (state.duplicate_run >= kMaxDuplicateRun)
      return {StopReason::exhausted,
              fmt::format("the strategy proposed {} already evaluated architectures in a row: the space seems "
                          "exhausted after {} trials",
                          state.duplicate_run, trials.size())};
    if (infeasible_run >= kMaxInfeasibleRun)
      return {StopReason::infeasible,
              fmt::format("the last {} trials all broke a constraint or filter, or failed (the latest: {}): the "
                          "constraints seem unsatisfiable in space '{}'; relax them",
                          infeasible_run, trials.back().reason, parts.space.name())};
    if (hooks.stop && hooks.stop->load()) return {StopReason::interrupted, "interrupted"};

    const std::size_t before = trials.size();
    const Bracket bracket = parts.schedule ? parts.schedule->bracket(state.batches) : Bracket{1, 0};
    StepLimit limit;
    if (budget.trials) limit.trials = *budget.trials - progress.trials;
    if (budget.evaluations) limit.evaluations = *budget.evaluations - progress.evaluations;
    const std::optional<std::size_t> added = run_step(parts, store, records, state, bracket, limit, hooks);
    if (!added) return {StopReason::interrupted, "interrupted"};
    for (std::size_t i = before; i < records.trials.size(); ++i) {
      const Trial& t = records.trials[i];
      progress.evaluations += t.accuracy_evaluated ? 1 : 0;
      note_best(t, records.fitness[i]);
      infeasible_run = fruitful(t) ? 0 : infeasible_run + 1;
    }
    if (hooks.progress) {
      progress.trials = static_cast<std::int64_t>(records.trials.size());
      progress.duplicates = state.duplicates;
      fill_progress(progress, budget, state.elapsed_s);
      hooks.progress(progress);
    }
  }
}

}  // namespace hwnas::search

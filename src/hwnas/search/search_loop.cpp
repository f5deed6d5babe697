// The experiment loop (run_search.h): ask, canonicalise, answer from the records or
// filter and evaluate, store, tell.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <unordered_map>

#include "hwnas/base/error.h"
#include "hwnas/search/metrics.h"
#include "hwnas/search/run_search.h"

namespace hwnas::search {
namespace {

using Clock = std::chrono::steady_clock;

/// The trial of a genome that breaks a validity filter: its exact counts, no evaluation.
std::optional<Trial> filtered(const SearchParts& parts, const space::Genome& genome) {
  if (parts.filters.empty()) return std::nullopt;
  // One analysis serves the filters and, when one breaks, the trial's metrics.
  const graph::Analysis analysis =
      graph::analyze(parts.space.decode(genome), parts.precision, 1, graph::MinOrder::skip);
  const std::optional<std::string> why = space::filter_violation(parts.filters, analysis);
  if (!why) return std::nullopt;
  Trial t;
  t.genome = genome;
  t.arch = parts.space.arch(genome);
  t.status = TrialStatus::infeasible;
  t.feasible = false;
  t.reason = "filter: " + *why;
  t.metrics = analysis_metrics(analysis);
  return t;
}

/// Why the budget ends the search now, if it does.
std::optional<std::string> budget_reached(const Budget& budget, std::int64_t trials, std::int64_t evaluations,
                                          double elapsed_s) {
  if (budget.evaluations && evaluations >= *budget.evaluations)
    return fmt::format("budget reached: {} accuracy evaluations", evaluations);
  if (budget.trials && trials >= *budget.trials) return fmt::format("budget reached: {} trials", trials);
  if (budget.seconds && elapsed_s >= *budget.seconds)
    return fmt::format("budget reached: {:.0f} s of search (budget.seconds {:g})", elapsed_s, *budget.seconds);
  return std::nullopt;
}

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
  std::vector<std::vector<double>> fitness;
  std::vector<Trial> trials = store.trials(&fitness);
  std::unordered_map<space::Genome, std::size_t, space::GenomeHash> evaluated;
  SearchProgress progress;
  progress.objective = parts.cost_model.objective_names().at(0);
  for (const Trial& t : trials) {
    evaluated.emplace(t.genome, static_cast<std::size_t>(t.index));
    progress.evaluations += t.accuracy_evaluated ? 1 : 0;
  }
  const auto note_best = [&](const Trial& t, const std::vector<double>& f) {
    if (!f.empty() && t.feasible && (!progress.best || f[0] > *progress.best)) progress.best = f[0];
  };
  for (std::size_t i = 0; i < trials.size(); ++i) note_best(trials[i], fitness[i]);
  // Trials since the last feasible one (derived from the store, so a resume continues it).
  const auto fruitful = [](const Trial& t) { return t.status == TrialStatus::ok && t.feasible; };
  std::int64_t infeasible_run = 0;
  for (auto it = trials.rbegin(); it != trials.rend() && !fruitful(*it); ++it) ++infeasible_run;

  SearchState state;
  if (std::optional<SearchState> stored = store.state()) {
    state = std::move(*stored);
    parts.strategy.restore(state.strategy);
  }
  const std::optional<std::uint64_t> size = parts.space.exact_size();

  for (;;) {
    progress.trials = static_cast<std::int64_t>(trials.size());
    progress.duplicates = state.duplicates;
    if (auto why = budget_reached(budget, progress.trials, progress.evaluations, state.elapsed_s))
      return {StopReason::budget, *why};
    if (size && trials.size() >= *size)
      return {StopReason::exhausted, fmt::format("every architecture of space '{}' ({}) has been evaluated",
                                                 parts.space.name(), *size)};
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

    const auto start = Clock::now();
    const space::Genome genome = parts.space.canonical(parts.strategy.ask());
    parts.space.check(genome);
    std::optional<Trial> trial;
    Feedback feedback;
    if (auto seen = evaluated.find(genome); seen != evaluated.end()) {
      feedback = parts.cost_model.feedback(trials[seen->second]);
      ++state.duplicates;
      ++state.duplicate_run;
    } else {
      trial = filtered(parts, genome);
      if (!trial) trial = parts.cost_model.evaluate(genome);
      trial->genome = genome;
      trial->index = static_cast<std::int64_t>(trials.size());
      trial->seconds = std::chrono::duration<double>(Clock::now() - start).count();
      // Ctrl-C reaches the accuracy program too: its failure is the interruption's, not the
      // architecture's, so the step is dropped and asked again on --resume.
      if (trial->status == TrialStatus::failed && hooks.stop && hooks.stop->load())
        return {StopReason::interrupted, "interrupted"};
      feedback = parts.cost_model.feedback(*trial);
      state.duplicate_run = 0;
    }
    feedback.genome = genome;
    const std::vector<double> values =
        feedback.status == Feedback::Status::ok && (!trial || trial->feasible) ? feedback.fitness : std::vector<double>{};
    parts.strategy.tell(feedback);
    state.steps += 1;
    state.elapsed_s += std::chrono::duration<double>(Clock::now() - start).count();
    state.strategy = parts.strategy.state();
    store.commit_step(trial, trial ? values : std::vector<double>{}, state);
    if (trial) {
      evaluated.emplace(genome, trials.size());
      progress.evaluations += trial->accuracy_evaluated ? 1 : 0;
      note_best(*trial, values);
      infeasible_run = fruitful(*trial) ? 0 : infeasible_run + 1;
      trials.push_back(std::move(*trial));
      fitness.push_back(values);
    }
    if (hooks.progress) {
      progress.trials = static_cast<std::int64_t>(trials.size());
      progress.duplicates = state.duplicates;
      fill_progress(progress, budget, state.elapsed_s);
      hooks.progress(progress);
    }
  }
}

}  // namespace hwnas::search

// The experiment loop behind `hwnas search` (docs/experiments.md). Each step asks the
// strategy for a bracket's genomes (parallel.batch with single fidelity; every ask before
// any tell), canonicalises them, answers those evaluated before from the records (no
// evaluation spent; a genome twice in a step is evaluated once), runs the validity filters
// and the cost model's cheap screen on the rest, runs the accuracy evaluations of the
// feasible ones through the pool at the bracket's first rung (a genome whose network was
// evaluated at that rung takes that result: CostModel::evaluation_key), promotes the best
// networks to the next rung, their copies following them without a place
// (fidelity_schedule.h), and so on up to the top rung (each result committed to
// the store's `evaluations` table as it arrives), tells the strategy every result in ask
// order, and commits the step's trials with the strategy's state in one transaction.
//
// Same config, seed and batch → the same trials, whatever the pool's workers: the loop
// adds no randomness of its own, and a resumed search restores the strategy's state and
// the evaluated set from the store and answers the evaluations a killed step had finished
// from the `evaluations` table, so its final trials equal those of a run never interrupted.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "hwnas/search/accuracy_pool.h"
#include "hwnas/search/cost_model.h"
#include "hwnas/search/experiment_config.h"
#include "hwnas/search/experiment_store.h"
#include "hwnas/search/fidelity_schedule.h"
#include "hwnas/search/strategy.h"
#include "hwnas/space/filters.h"
#include "hwnas/space/space.h"

namespace hwnas::search {

/// What the progress callback sees after each step.
struct SearchProgress {
  std::int64_t trials = 0, evaluations = 0, duplicates = 0;
  double done = 0, total = 1;  // of the budget that ends the search first to reach, in its unit
  std::optional<double> best;  // the best trial's first objective value
  std::string objective;       // its name, e.g. "accuracy", "-latency_ms"
  std::optional<double> accuracy_baseline;  // the best trial's own (Trial::accuracy_baseline), when measured
};

struct SearchHooks {
  /// Checked between steps and between accuracy jobs: when set, no new job starts and the
  /// loop stops once the running ones are done. A step whose jobs did not all run, or one
  /// of which failed while it was set (the program was interrupted with us), is not stored
  /// (its completed evaluations are: a resume answers them without running them again).
  const std::atomic<bool>* stop = nullptr;
  std::function<void(const SearchProgress&)> progress;
  /// One line for the user at once, between progress updates: an evaluation whose program
  /// was killed from outside (kill -9, the out-of-memory killer; search_step.h).
  std::function<void(const std::string&)> note;
  /// Runs the accuracy evaluations; null: run_search makes make_thread_pool(the cost
  /// model's evaluate_accuracy, parallel.workers). The MPI pool of `mpirun ... hwnas search`
  /// is given here. Without `parallel.batch`, a step asks pool->workers() candidates.
  AccuracyPool* pool = nullptr;
  /// With `pool`: how many of its evaluations run at once on this machine (mpirun's worker
  /// ranks on rank 0's host), for the checks of what they hold together (make_cost_model).
  /// Without: parallel.workers.
  EvaluationsAtOnce pool_at_once;
  /// Called once the accuracy sources have started (a hybrid's proxy and supernet
  /// processes take seconds), before the store is created or changed; not called when the
  /// search ends before (a refused config, a resumed search with its budget spent). Until
  /// then nothing is written, so the CLI may end the process at once on Ctrl-C.
  std::function<void()> started;
};

enum class StopReason {
  budget,       // a limit of the budget was reached
  exhausted,    // every architecture was evaluated, or the strategy kept proposing evaluated ones
  infeasible,   // kMaxInfeasibleRun trials in a row broke a constraint or filter, or failed
  interrupted,  // SearchHooks::stop
};

/// A strategy that proposes this many evaluated genomes in a row ends the search.
inline constexpr std::int64_t kMaxDuplicateRun = 1000;

/// This many trials in a row that broke a constraint or a filter, or failed, end the search:
/// the constraints then seem unsatisfiable in the space (`macs <= 1M` on mobilenet-cls,
/// `latency_ms <= 4` with `latency_ms >= 5`), and a budget of accuracy evaluations would
/// never be reached. A space where 1 architecture in 100 is feasible ends this way by
/// chance with probability 0.99^5000 ≈ 1.5e-22 under random sampling.
inline constexpr std::int64_t kMaxInfeasibleRun = 5000;

/// What the loop works on; the caller owns everything.
struct SearchParts {
  const space::Space& space;
  CostModel& cost_model;
  Strategy& strategy;
  const space::Filters& filters;
  graph::Precision precision = graph::Precision::int8;  // the filters' precision
  AccuracyPool* pool = nullptr;  // null: one evaluation at a time on this thread
  /// Each step's bracket (candidates, first rung) and promotions; rungs() must equal the
  /// cost model's (or be 1 without accuracy). Null: single fidelity, one genome a step.
  const FidelitySchedule* schedule = nullptr;
};

struct LoopOutcome {
  StopReason reason = StopReason::budget;
  std::string message;  // one line: which limit, or why the space seems exhausted
};

/// Runs steps until the budget is reached, the space is exhausted or `hooks.stop` is set,
/// continuing from the state `store` holds (none: a new search).
LoopOutcome search_loop(SearchParts parts, ExperimentStore& store, const Budget& budget, const SearchHooks& hooks);

/// What a worker of another process (an MPI rank of `mpirun ... hwnas search`) evaluates:
/// CostModel::evaluate_accuracy of the experiment's space and cost model, built from
/// `config` as run_search builds them (the same UserErrors) and owned by the function.
/// `at_once`: the evaluations that run at once on this machine (make_cost_model).
AccuracyFunction make_experiment_accuracy(const ExperimentConfig& config, const EvaluationsAtOnce& at_once = {});

struct SearchResult {
  LoopOutcome outcome;
  ExperimentRecord record;
  /// A resumed search whose budget was spent before it: nothing ran, and this is the
  /// budget key that stopped it ("budget.trials"), to raise to continue; "" otherwise.
  std::string spent_budget_key;
};

/// The experiment's space as run_search builds it: `space:` (a name, a file, or a mapping
/// with `name` and `curated`), `P` resolved from the latency section's target or kernel
/// estimator. Throws UserError naming the file and key. (`hwnas report` rebuilds it from a
/// stored config.)
std::unique_ptr<space::Space> make_experiment_space(const ExperimentConfig& config);

/// What `P` stands for in the experiment's space: the latency section's target's
/// parallelism factor, or the output-channel lanes its kernel estimator detected; unset
/// without either (a table, a CSV column, a cpu target, no latency). Errors as
/// make_experiment_space.
std::optional<std::int32_t> experiment_parallelism_factor(const ExperimentConfig& config);

/// Builds the space, filters, cost model and strategy from `config` (every config error is
/// a UserError before DIR is touched; every one that needs nothing started, a resumed
/// store's refusals included, before the accuracy sources start: CostModelPlan), then
/// creates the experiment in `dir` or, with `resume`, continues the one there: a stored
/// config whose any key but `budget.*` and `parallel.workers` differs is refused naming the
/// key ("--resume: ... key 'strategy.population' differs ..."), and so is a supernet file
/// whose digest changed (ExperimentInfo::inputs), and a budget key a --set gave when the
/// experiment last ran that the file now gives another value (ExperimentInfo::set_keys;
/// the store keeps each session's set keys). Without `resume`, an experiment already
/// in `dir` is refused. The accuracy evaluations run in hooks.pool, else in a thread pool of
/// `parallel.workers`; each step asks `parallel.batch` genomes (default: the pool's
/// workers), which the stored config records; with `multi_fidelity:`, a bracket of the
/// schedule; fewer in the step that reaches budget.trials or budget.evaluations. Strategy `local` with a batch > 1 or multi-fidelity is refused. A resumed
/// search whose budget is spent returns its record without starting the accuracy sources.
SearchResult run_search(const ExperimentConfig& config, const std::string& dir, bool resume, const SearchHooks& hooks);

}  // namespace hwnas::search

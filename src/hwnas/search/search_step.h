// One step of the experiment loop (run_search.h): a batch of asks, their evaluations
// through the accuracy pool, the tells in ask order and the step's commit. Internal to
// search_loop.cpp and search_step.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hwnas/search/run_search.h"

namespace hwnas::search {

/// What the loop knows from the store, kept up to date as steps commit.
struct LoopRecords {
  std::vector<Trial> trials;                 // in index order
  std::vector<std::vector<double>> fitness;  // of each trial, as the store holds it
  std::unordered_map<space::Genome, std::size_t, space::GenomeHash> evaluated;  // genome → trial index
  std::map<std::pair<space::Genome, std::int32_t>, StoredEvaluation> evaluations;  // (genome, rung) → result

  /// Reads everything from `store`.
  static LoopRecords load(const ExperimentStore& store);

  /// The stored evaluation at `rung` whose genome has evaluation key `key`
  /// (CostModel::evaluation_key), or null. The keys of a rung's stored evaluations are
  /// computed on the first call for that rung (a resumed search's, from the store), then
  /// kept up to date by add_key.
  const StoredEvaluation* evaluation_of_key(const CostModel& cost, std::uint64_t key, std::int32_t rung);
  /// Records that the evaluation of `genome` at `rung`, just stored, has key `key`.
  void add_key(std::uint64_t key, std::int32_t rung, const space::Genome& genome);

 private:
  std::map<std::pair<std::uint64_t, std::int32_t>, space::Genome> keyed_;  // (key, rung) → a stored genome
  std::set<std::int32_t> keyed_rungs_;  // rungs whose stored evaluations are all in keyed_
};

/// Why the budget ends the search before the next step, if it does: `evaluations` or
/// `trials` reached, `seconds` passed, or — so that a search of long steps (training,
/// multi-fidelity brackets) ends near its time limit rather than a whole step after it —
/// the next step would end past `seconds` if it took the mean time of the `steps` so far.
std::optional<std::string> budget_reached(const Budget& budget, std::int64_t trials, std::int64_t evaluations,
                                          double elapsed_s, std::int64_t steps);

/// How many new trials, and new trials that await an accuracy evaluation, a step may add
/// before the budget is reached (budget.trials / budget.evaluations less what is done; unset:
/// no such limit). The step stops asking when either is reached, so a bracket or batch that
/// would pass the budget is cut to it rather than run whole.
struct StepLimit {
  std::optional<std::int64_t> trials;
  std::optional<std::int64_t> evaluations;
};

/// Runs one step of at most `bracket.candidates` asks, fewer when `limit` is reached; updates `state` (counters, elapsed time, strategy state) and `records`
/// (the new trials) as committed. Returns the number of new trials, or nullopt when
/// `hooks.stop` cut the step short (a job not started, or one that failed while stop was
/// set): then nothing of the step but its completed evaluations is stored, and the caller
/// stops. An evaluation whose program was killed from outside is not stored (hooks.note).
std::optional<std::size_t> run_step(SearchParts& parts, ExperimentStore& store, LoopRecords& records,
                                    SearchState& state, const Bracket& bracket, const StepLimit& limit,
                                    const SearchHooks& hooks);

}  // namespace hwnas::search

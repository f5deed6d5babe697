// The benchmark's view of one NB201 search problem (bench/search_nb201.cpp): every cell of
// the space evaluated once through the product's cost model, and searches replayed on it.
//
// A search here is the experiment loop of search/run_search.h without its store: ask,
// canonicalise, answer a genome evaluated before from the records (no evaluation spent),
// else evaluate through the cost model, tell. The cost model is deterministic, so each
// cell's trial is computed once, up front, and a search reads it instead of evaluating it
// again: the trials, feedback and counts are those a real search would get.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hwnas/search/cost_model.h"
#include "hwnas/space/space.h"

namespace hwnas::bench {

class Landscape {
 public:
  /// Evaluates every canonical genome of `space` (exact_size() at most 10^6) through
  /// make_cost_model(experiment). Throws the cost model's UserError for a bad experiment.
  Landscape(const space::Space& space, const YAML::Node& experiment);

  const space::Space& space() const { return space_; }
  const search::CostModel& cost_model() const { return *cost_model_; }
  const std::vector<search::Trial>& trials() const { return trials_; }
  /// The trial of a canonical genome.
  const search::Trial& trial(const space::Genome& genome) const;
  /// The cost model's budget_use of a genome, computed with its trial.
  std::optional<double> budget_use(const space::Genome& genome) const;

  /// Latency in ms of every trial that has one (ascending), and its median (the middle
  /// value; the mean of the two middle ones for an even count).
  std::vector<double> sorted_latencies() const;
  double median_latency_ms() const;

  /// The exhaustive optimum: the best accuracy of a feasible, ok trial (nullopt: none).
  std::optional<double> best_feasible_accuracy() const;
  std::size_t feasible_count() const;

 private:
  const space::Space& space_;
  std::unique_ptr<search::CostModel> cost_model_;
  std::vector<std::uint32_t> radix_;
  std::size_t index(const space::Genome& genome) const;  // the mixed-radix number

  std::vector<search::Trial> trials_;  // indexed by the genome's mixed-radix number
  std::vector<std::optional<double>> budget_use_;  // likewise
};

/// One search replayed on a landscape.
struct Replay {
  /// Accuracy evaluations spent when the best feasible accuracy first reached `target`;
  /// nullopt when the run ended first (max_evaluations, every cell tried, or the strategy
  /// proposing search::kMaxDuplicateRun evaluated genomes in a row).
  std::optional<std::int64_t> evaluations_to_target;
  std::int64_t evaluations = 0;  // spent in all
  /// The fitness of every ok, feasible trial, in evaluation order.
  std::vector<std::vector<double>> fitness;
};

/// Runs make_strategy on `landscape` (`strategy`: NAME or NAME:KEY=VALUE:..., its
/// parameters) with `seed` until the best feasible
/// accuracy is at least `target` (when given) or `max_evaluations` are spent.
/// `count_screened`: a genome the cost model screened out before accuracy (over a latency
/// limit) counts as an evaluation too, as in a search that trains every candidate before it
/// checks latency (the convention of issue 10's reference figures); by default it is free,
/// as in hwnas's search loop.
Replay replay(const Landscape& landscape, const std::string& strategy, std::uint64_t seed,
              std::optional<double> target, std::int64_t max_evaluations, bool count_screened = false);

}  // namespace hwnas::bench

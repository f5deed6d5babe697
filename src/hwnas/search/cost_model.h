// The cost model of a search: metrics of a candidate (accuracy, latency, memory), hard
// constraints, and the objective values a strategy maximises.
//
// Cheap metrics (memory and counts from graph analysis, then latency) are computed first;
// a candidate that breaks a hard constraint is recorded as infeasible with its reason and
// never costs an accuracy evaluation. Sources and objectives: docs/experiments.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hwnas/search/strategy.h"
#include "hwnas/search/trial.h"
#include "hwnas/space/space.h"

namespace hwnas::search {

class CostModel {
 public:
  virtual ~CostModel() = default;

  /// Evaluates one canonical genome of the space. Never throws for a failing accuracy
  /// or latency source (a crashed program, garbage output, a missing CSV row): the trial
  /// is `failed` with the reason. Throws UserError only for errors of the experiment's
  /// own files that make every trial fail (found at construction where possible).
  /// `index` and `seconds` are left for the caller.
  virtual Trial evaluate(const space::Genome& genome) = 0;

  /// How much of the hard constraints' budget `genome` uses, from its cheap metrics alone
  /// (graph analysis and latency; never accuracy): the largest value / limit over the `<=`
  /// constraints on cheap metrics, so 1 is at a limit and above 1 breaks one (a broken `>=`
  /// constraint gives 1 + its excess). nullopt when the objective has no `<=` constraint on
  /// a cheap metric, or the network cannot be decoded or timed (evaluate() then says why).
  /// Strategies try the candidates that use more of the budget first (local search's
  /// `order: budget`): under a latency limit the most accurate feasible networks are
  /// usually near it (docs/strategies.md measures it on NAS-Bench-201).
  virtual std::optional<double> budget_use(const space::Genome&) { return std::nullopt; }
  /// The strategy's view of a trial: status, fitness (size objectives()), violation.
  virtual Feedback feedback(const Trial& trial) const = 0;

  /// Number of objective values Feedback::fitness holds (1 unless Pareto).
  virtual std::size_t objectives() const = 0;

  /// Names of the objective values, e.g. {"accuracy"} or {"accuracy", "-latency_ms"}.
  virtual std::vector<std::string> objective_names() const = 0;

  /// Per-layer latency in ms of a network, (layer or kernel name, ms), in execution
  /// order, when the latency source can split it (kernel estimators, targets); empty
  /// otherwise. For the report.
  virtual std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph& network) const = 0;
};

/// Builds the cost model from an experiment file's `latency:`, `accuracy:`, `objective:`
/// (and `precision:`/`batch:` if present) sections. `file` names the experiment file in
/// errors: UserError "FILE: KEY: ..." for unknown or misspelt keys, wrong types, units,
/// missing sources, a CSV without the architecture column. The cost model keeps a
/// reference to `space`, which must outlive it.
std::unique_ptr<CostModel> make_cost_model(const YAML::Node& experiment, const std::string& file,
                                           const space::Space& space);

}  // namespace hwnas::search

// The ask/tell interface every search strategy implements (one strategy per file under
// search/strategies/).
//
// The experiment loop asks for a genome, evaluates it through the cost model and tells
// the strategy the result. A strategy's whole state (population, policy, surrogate
// data, RNG) serialises to JSON after each tell, so that a search killed at any moment
// and resumed from the experiment store proposes exactly the genomes an uninterrupted
// run would have proposed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/space/genome.h"
#include "hwnas/space/space.h"

namespace hwnas::search {

/// What the loop tells a strategy about one genome it proposed.
struct Feedback {
  space::Genome genome;  // canonical, as the strategy proposed it
  /// ok: fitness holds the objective values. infeasible: a hard constraint is broken
  /// (violation > 0 says by how much); failed: the evaluation failed (a crashed training
  /// script, garbage output). Strategies rank infeasible and failed genomes below every
  /// ok one.
  enum class Status { ok, infeasible, failed } status = Status::ok;
  /// Values to MAXIMISE, one per objective (size Strategy's `objectives`): e.g. accuracy,
  /// a MnasNet reward, or (accuracy, -latency_ms) for a Pareto search. Empty unless ok.
  std::vector<double> fitness;
  /// Sum over broken constraints of (value - limit) / limit; 0 when feasible. NSGA-II's
  /// constraint domination (Deb et al. 2002, §IV-B) compares it.
  double violation = 0;
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  /// Proposes the next genome (canonical). The loop answers a genome it has already
  /// evaluated from its records without spending an evaluation, so a strategy may
  /// propose one again, but should rarely need to.
  virtual space::Genome ask() = 0;

  /// The result for a genome this strategy proposed, in the order they were asked.
  virtual void tell(const Feedback& feedback) = 0;

  /// Everything needed to continue exactly: restore(state()) on a freshly made strategy
  /// of the same space, parameters and seed gives the same future asks.
  virtual nlohmann::json state() const = 0;
  virtual void restore(const nlohmann::json& state) = 0;
};

/// What every strategy is made from.
struct StrategyContext {
  const space::Space* space = nullptr;  // outlives the strategy
  std::uint64_t seed = 0;
  std::size_t objectives = 1;  // size of Feedback::fitness
  /// CostModel::budget_use of the experiment: the share of the hard constraints' budget a
  /// genome uses, known without an accuracy evaluation (> 1: infeasible). Empty, or
  /// returning nullopt, when the experiment has no such constraint.
  std::function<std::optional<double>(const space::Genome&)> budget_use;
};

/// The strategies and their parameters (docs/strategies.md). `params` is the experiment
/// file's `strategy:` mapping without `name`; unknown keys and out-of-range values throw
/// UserError naming "strategy.KEY" and the allowed values. A single-objective strategy
/// given objectives > 1 throws UserError naming the strategy and the objective.
std::unique_ptr<Strategy> make_strategy(std::string_view name, const nlohmann::json& params,
                                        const StrategyContext& context);

/// The names make_strategy accepts: random, evolution, reinforce, nsga2, local, bananas.
const std::vector<std::string>& strategy_names();

}  // namespace hwnas::search

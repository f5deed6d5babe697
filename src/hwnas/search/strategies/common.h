// What the strategies share: reading their parameters, ranking feedback for a single
// objective, (de)serialising RNG streams and genomes, and proposing genomes not proposed
// before. Each strategy lives in its own file beside this one (docs/strategies.md).
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/search/strategy.h"

namespace hwnas::search::strategies {

/// A strategy's parameters: the experiment file's `strategy:` mapping without `name`.
/// Errors are one-line UserErrors "strategy.KEY: ..." naming the strategy and the fix.
class Params {
 public:
  /// `params` is null (no parameters) or an object whose keys are all in `keys`; else
  /// UserError "strategy.KEY: unknown parameter of STRATEGY; it takes: A, B, ...".
  Params(std::string strategy, const nlohmann::json& params, std::vector<std::string> keys);

  /// An integer in [lo, hi], `fallback` when absent.
  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const;
  /// A finite number in [lo, hi], `fallback` when absent.
  double number(const std::string& key, double fallback, double lo, double hi) const;
  /// One of `allowed`, `fallback` when absent.
  std::string choice(const std::string& key, const std::string& fallback,
                     const std::vector<std::string>& allowed) const;

 private:
  [[noreturn]] void fail(const std::string& key, const std::string& why) const;
  std::string strategy_;
  const nlohmann::json& params_;
};

/// Throws UserError when a single-objective strategy is given objectives > 1.
void require_single_objective(std::string_view strategy, const StrategyContext& context);

/// How single-objective strategies order genomes: every ok genome above every infeasible
/// one (less violation ranks higher), failed ones last. Larger is better.
struct Rank {
  int tier = 0;      // 2 ok, 1 infeasible, 0 failed
  double value = 0;  // ok: fitness[0]; infeasible: -violation; failed: 0
  auto operator<=>(const Rank&) const = default;
};
Rank rank_of(const Feedback& feedback);
nlohmann::json rank_to_json(const Rank& rank);
Rank rank_from_json(const nlohmann::json& json);

/// One number that orders genomes as Rank does, for learners that need a scalar
/// (REINFORCE's reward, BANANAS' regression target). ok: fitness[0]; infeasible:
/// worst − spread·(1 + min(violation, 1)); failed: worst − 3·spread, where worst and best
/// are the lowest and highest ok fitness seen so far (0 and 1 before any) and
/// spread = max(best − worst, 1e-6).
double scalar_fitness(const Rank& rank, double worst_ok, double best_ok);

/// An mt19937_64 stream's full state as text (its operator<<), and back.
std::string rng_to_text(const std::mt19937_64& rng);
void rng_from_text(std::mt19937_64& rng, const nlohmann::json& text);

/// A genome in a state: its stable text form; read back checked against the space.
nlohmann::json genome_to_json(const space::Genome& genome);
space::Genome genome_from_json(const nlohmann::json& json, const space::Space& space);

/// The genes of a canonical genome that matter: changing one changes the canonical form.
std::vector<std::size_t> live_genes(const space::Space& space, const space::Genome& genome);

/// Genomes a strategy has proposed, in proposal order (so that its state is stable).
class GenomeSet {
 public:
  bool contains(const space::Genome& genome) const { return set_.contains(genome); }
  /// Adds it unless present; true when added.
  bool insert(const space::Genome& genome);
  std::size_t size() const { return order_.size(); }
  nlohmann::json to_json() const;
  static GenomeSet from_json(const nlohmann::json& json, const space::Space& space);

 private:
  std::unordered_set<space::Genome, space::GenomeHash> set_;
  std::vector<space::Genome> order_;
};

/// Calls `draw` until it gives a genome not in `proposed` (at most `tries` times), then
/// samples the space uniformly (at most 1,000 times); returns a genome proposed before only
/// when all of these fail, in a nearly exhausted space.
space::Genome propose_new(const space::Space& space, std::mt19937_64& rng, const GenomeSet& proposed,
                          const std::function<space::Genome()>& draw, int tries = 100);

/// Runs `read`, which reads a stored state, turning a malformed one (nlohmann's type and
/// key errors) into UserError "the stored state of strategy NAME is not one it wrote: ...".
void read_state(std::string_view strategy, const std::function<void()>& read);

}  // namespace hwnas::search::strategies

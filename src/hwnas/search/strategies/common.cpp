#include "hwnas/search/strategies/common.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "hwnas/base/error.h"

namespace hwnas::search::strategies {

Params::Params(std::string strategy, const nlohmann::json& params, std::vector<std::string> keys)
    : strategy_(std::move(strategy)), params_(params) {
  if (params_.is_null()) return;
  if (!params_.is_object())
    throw UserError(fmt::format("strategy: must be a mapping with 'name: {}' and its parameters", strategy_));
  for (const auto& [key, value] : params_.items()) {
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    throw UserError(fmt::format("strategy.{}: unknown parameter of {}; it takes: {}", key, strategy_,
                                keys.empty() ? std::string("no parameters") : fmt::format("{}", fmt::join(keys, ", "))));
  }
}

void Params::fail(const std::string& key, const std::string& why) const {
  throw UserError(fmt::format("strategy.{}: {} (strategy {}; see docs/strategies.md)", key, why, strategy_));
}

std::int64_t Params::integer(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const {
  if (params_.is_null() || !params_.contains(key)) return fallback;
  const nlohmann::json& v = params_.at(key);
  if (!v.is_number_integer()) fail(key, fmt::format("must be an integer from {} to {}, not {}", lo, hi, v.dump()));
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
    fail(key, fmt::format("is {}, too large (at most {})", v.dump(), hi));
  const std::int64_t x = v.get<std::int64_t>();
  if (x < lo) fail(key, fmt::format("is {}, too small (at least {})", x, lo));
  if (x > hi) fail(key, fmt::format("is {}, too large (at most {})", x, hi));
  return x;
}

double Params::number(const std::string& key, double fallback, double lo, double hi) const {
  if (params_.is_null() || !params_.contains(key)) return fallback;
  const nlohmann::json& v = params_.at(key);
  if (!v.is_number() || !std::isfinite(v.get<double>()))
    fail(key, fmt::format("must be a number from {} to {}, not {}", lo, hi, v.dump()));
  const double x = v.get<double>();
  if (x < lo || x > hi) fail(key, fmt::format("is {}, outside {} to {}", v.dump(), lo, hi));
  return x;
}

std::string Params::choice(const std::string& key, const std::string& fallback,
                           const std::vector<std::string>& allowed) const {
  if (params_.is_null() || !params_.contains(key)) return fallback;
  const nlohmann::json& v = params_.at(key);
  if (v.is_string() && std::find(allowed.begin(), allowed.end(), v.get<std::string>()) != allowed.end())
    return v.get<std::string>();
  fail(key, fmt::format("is {}; write one of: {}", v.dump(), fmt::join(allowed, ", ")));
}

void require_single_objective(std::string_view strategy, const StrategyContext& context) {
  HWNAS_CHECK(context.space != nullptr && context.objectives >= 1);
  if (context.objectives > 1)
    throw UserError(fmt::format(
        "strategy.name: {} optimises one objective, but the objective has {} values; use strategy nsga2 "
        "for a Pareto search, or a scalar objective (e.g. accuracy under constraints, or a MnasNet reward)",
        strategy, context.objectives));
}

Rank rank_of(const Feedback& feedback) {
  switch (feedback.status) {
    case Feedback::Status::ok:
      HWNAS_CHECK(!feedback.fitness.empty() && std::isfinite(feedback.fitness[0]));
      return {2, feedback.fitness[0]};
    case Feedback::Status::infeasible:
      return {1, -feedback.violation};
    case Feedback::Status::failed:
      break;
  }
  return {0, 0};
}

nlohmann::json rank_to_json(const Rank& rank) { return nlohmann::json::array({rank.tier, rank.value}); }

Rank rank_from_json(const nlohmann::json& json) {
  const Rank r{json.at(0).get<int>(), json.at(1).get<double>()};
  if (json.size() != 2 || r.tier < 0 || r.tier > 2) throw UserError("a rank is not [tier, value]");
  return r;
}

double scalar_fitness(const Rank& rank, double worst_ok, double best_ok) {
  if (rank.tier == 2) return rank.value;
  const double spread = std::max(best_ok - worst_ok, 1e-6);
  if (rank.tier == 1) return worst_ok - spread * (1 + std::min(-rank.value, 1.0));
  return worst_ok - 3 * spread;
}

std::string rng_to_text(const std::mt19937_64& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}

void rng_from_text(std::mt19937_64& rng, const nlohmann::json& text) {
  std::istringstream in(text.get<std::string>());
  in >> rng;
  if (in.fail()) throw UserError("its random number generator state is not one");
}

nlohmann::json genome_to_json(const space::Genome& genome) { return space::to_text(genome); }

space::Genome genome_from_json(const nlohmann::json& json, const space::Space& space) {
  space::Genome genome = space::parse_genome(json.get<std::string>(), "strategy state");
  space.check(genome);
  return genome;
}

std::vector<std::size_t> live_genes(const space::Space& space, const space::Genome& genome) {
  std::vector<std::size_t> live;
  const auto& genes = space.genes();
  for (std::size_t i = 0; i < genes.size(); ++i) {
    if (genes[i].choices.size() < 2) continue;
    space::Genome probe = genome;
    probe.genes[i] = static_cast<std::uint16_t>(genome.genes[i] == 0 ? 1 : 0);
    if (space.canonical(probe) != genome) live.push_back(i);
  }
  return live;
}

bool GenomeSet::insert(const space::Genome& genome) {
  if (!set_.insert(genome).second) return false;
  order_.push_back(genome);
  return true;
}

nlohmann::json GenomeSet::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const space::Genome& g : order_) out.push_back(genome_to_json(g));
  return out;
}

GenomeSet GenomeSet::from_json(const nlohmann::json& json, const space::Space& space) {
  GenomeSet out;
  for (const nlohmann::json& g : json.get_ref<const nlohmann::json::array_t&>()) out.insert(genome_from_json(g, space));
  return out;
}

space::Genome propose_new(const space::Space& space, std::mt19937_64& rng, const GenomeSet& proposed,
                          const std::function<space::Genome()>& draw, int tries) {
  space::Genome genome;
  for (int i = 0; i < tries; ++i)
    if (genome = draw(); !proposed.contains(genome)) return genome;
  for (int i = 0; i < 1000; ++i)
    if (genome = space::sample(space, rng); !proposed.contains(genome)) return genome;
  return genome;
}

void read_state(std::string_view strategy, const std::function<void()>& read) {
  try {
    read();
  } catch (const nlohmann::json::exception& e) {
    throw UserError(fmt::format("the stored state of strategy {} is not one it wrote: {}", strategy, e.what()));
  } catch (const UserError& e) {
    throw UserError(fmt::format("the stored state of strategy {} is not one it wrote: {}", strategy, e.what()));
  }
}

}  // namespace hwnas::search::strategies

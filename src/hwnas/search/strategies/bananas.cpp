// Predictor-guided search after BANANAS (White, Neiswanger, Savani, AAAI 2021): after
// `initial` random genomes, each ask fits an ensemble of `ensemble` gradient-boosted tree
// regressors (estimate::XgbRegressor, each on a bootstrap sample of the evaluated genomes;
// features: one-hot of every gene's choice; target: fitness[0], infeasible and failed
// genomes scalar_fitness's penalty below the worst ok one), builds `candidates` genomes
// never proposed — mutations (one gene, or two with probability 1/2) of the `parents` best
// evaluated genomes, and a `random_share` of uniform samples — and proposes the candidate
// with the highest acquisition under the ensemble's mean μ and spread σ (standard
// deviation across models):
//   ei:  expected improvement over the best target y*: σ·φ(z) + (μ − y*)·Φ(z), z = (μ − y*)/σ;
//   its: independent Thompson sampling, μ + σ·ε with ε ~ N(0, 1) per candidate (BANANAS' default).
// The surrogate is refitted from the whole history at every ask, so the state is the
// history and the RNG: a restored strategy fits the same models.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/estimate/xgb_regressor.h"
#include "hwnas/search/strategies/common.h"
#include "hwnas/search/strategies/strategies.h"

namespace hwnas::search::strategies {
namespace {

struct Settings {
  std::size_t initial, ensemble, candidates, parents;
  double random_share;
  bool thompson;
  int rounds, max_depth;
};

struct Point {
  space::Genome genome;
  Rank rank;
};

class Bananas final : public Strategy {
 public:
  Bananas(const StrategyContext& context, const Settings& settings)
      : space_(*context.space), rng_(context.seed), settings_(settings) {
    for (const auto n : space_.cardinalities()) {
      offsets_.push_back(columns_);
      columns_ += n;
    }
  }

  space::Genome ask() override {
    std::vector<space::Genome> pool = told_.size() < settings_.initial ? std::vector<space::Genome>{} : candidates();
    const space::Genome genome = pool.empty()
        ? propose_new(space_, rng_, proposed_, [&] { return space::sample(space_, rng_); })
        : pool[best_candidate(pool)];
    proposed_.insert(genome);
    return genome;
  }

  void tell(const Feedback& feedback) override { told_.push_back({feedback.genome, rank_of(feedback)}); }

  nlohmann::json state() const override {
    nlohmann::json told = nlohmann::json::array();
    for (const Point& p : told_) told.push_back({genome_to_json(p.genome), rank_to_json(p.rank)});
    return {{"rng", rng_to_text(rng_)}, {"told", told}, {"proposed", proposed_.to_json()}};
  }

  void restore(const nlohmann::json& state) override {
    read_state("bananas", [&] {
      rng_from_text(rng_, state.at("rng"));
      told_.clear();
      for (const nlohmann::json& j : state.at("told").get_ref<const nlohmann::json::array_t&>())
        told_.push_back({genome_from_json(j.at(0), space_), rank_from_json(j.at(1))});
      proposed_ = GenomeSet::from_json(state.at("proposed"), space_);
    });
  }

 private:
  void one_hot(const space::Genome& g, float* row) const {
    std::fill(row, row + columns_, 0.0f);
    for (std::size_t i = 0; i < g.genes.size(); ++i) row[offsets_[i] + g.genes[i]] = 1.0f;
  }

  // Mutations of the best evaluated genomes and uniform samples, none proposed before.
  std::vector<space::Genome> candidates() {
    std::vector<std::size_t> order(told_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return told_[a].rank > told_[b].rank; });
    order.resize(std::min(order.size(), settings_.parents));
    const auto randoms = static_cast<std::size_t>(std::lround(settings_.random_share * settings_.candidates));
    std::set<space::Genome> seen;
    std::vector<space::Genome> out;
    const auto add = [&](space::Genome g) {
      if (!proposed_.contains(g) && seen.insert(g).second) out.push_back(std::move(g));
    };
    for (std::size_t k = 0; k < settings_.candidates - randoms; ++k) {
      space::Genome g = space::mutate(space_, told_[order[k % order.size()]].genome, rng_);
      if (std::bernoulli_distribution(0.5)(rng_)) g = space::mutate(space_, g, rng_);
      add(std::move(g));
    }
    for (std::size_t k = 0; k < randoms; ++k) add(space::sample(space_, rng_));
    return out;
  }

  // Index of the candidate with the highest acquisition under a freshly fitted ensemble.
  std::size_t best_candidate(const std::vector<space::Genome>& pool) {
    double worst = 0, best = 1;
    bool any_ok = false;
    for (const Point& p : told_)
      if (p.rank.tier == 2) {
        worst = any_ok ? std::min(worst, p.rank.value) : p.rank.value;
        best = any_ok ? std::max(best, p.rank.value) : p.rank.value;
        any_ok = true;
      }
    const std::size_t n = told_.size();
    std::vector<float> x(n * columns_), y(n);
    for (std::size_t i = 0; i < n; ++i) {
      one_hot(told_[i].genome, &x[i * columns_]);
      y[i] = static_cast<float>(scalar_fitness(told_[i].rank, worst, best));
    }
    const double target = *std::max_element(y.begin(), y.end());
    std::vector<float> queries(pool.size() * columns_);
    for (std::size_t c = 0; c < pool.size(); ++c) one_hot(pool[c], &queries[c * columns_]);
    std::vector<double> sum(pool.size(), 0.0), sum_sq(pool.size(), 0.0);
    std::vector<float> bx(n * columns_), by(n);
    for (std::size_t m = 0; m < settings_.ensemble; ++m) {
      std::uniform_int_distribution<std::size_t> row(0, n - 1);
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t r = row(rng_);
        std::copy_n(&x[r * columns_], columns_, &bx[i * columns_]);
        by[i] = y[r];
      }
      estimate::XgbParams params;
      params.rounds = settings_.rounds;
      params.max_depth = settings_.max_depth;
      params.subsample = params.colsample_bytree = 1.0;
      params.seed = static_cast<unsigned>(rng_() & 0x7fffffff);
      const std::vector<float> predicted =
          estimate::XgbRegressor::train(bx, columns_, by, params).predict(queries, columns_);
      for (std::size_t c = 0; c < pool.size(); ++c) {
        sum[c] += predicted[c];
        sum_sq[c] += double(predicted[c]) * predicted[c];
      }
    }
    std::size_t pick = 0;
    double top = -std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < pool.size(); ++c) {
      const double mean = sum[c] / settings_.ensemble;
      const double sigma = std::sqrt(std::max(sum_sq[c] / settings_.ensemble - mean * mean, 0.0));
      const double value = settings_.thompson ? mean + sigma * std::normal_distribution<double>()(rng_)
                                              : expected_improvement(mean, sigma, target);
      if (value > top) top = value, pick = c;
    }
    return pick;
  }

  static double expected_improvement(double mean, double sigma, double target) {
    if (sigma <= 1e-12) return std::max(mean - target, 0.0);
    const double z = (mean - target) / sigma;
    const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
    const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
    return sigma * pdf + (mean - target) * cdf;
  }

  const space::Space& space_;
  std::mt19937_64 rng_;
  Settings settings_;
  std::vector<std::size_t> offsets_;  // first one-hot column of each gene
  std::size_t columns_ = 0;
  std::vector<Point> told_;  // in tell order
  GenomeSet proposed_;
};

}  // namespace

std::unique_ptr<Strategy> make_bananas(const nlohmann::json& params, const StrategyContext& context) {
  require_single_objective("bananas", context);
  const Params p("bananas", params,
                 {"initial", "ensemble", "candidates", "parents", "random_share", "acquisition", "rounds", "max_depth"});
  Settings s;
  s.initial = static_cast<std::size_t>(p.integer("initial", 10, 2, 100000));
  s.ensemble = static_cast<std::size_t>(p.integer("ensemble", 5, 2, 100));
  s.candidates = static_cast<std::size_t>(p.integer("candidates", 100, 1, 100000));
  s.parents = static_cast<std::size_t>(p.integer("parents", 5, 1, 100000));
  s.random_share = p.number("random_share", 0.0, 0, 1);
  s.thompson = p.choice("acquisition", "ei", {"ei", "its"}) == "its";
  s.rounds = static_cast<int>(p.integer("rounds", 50, 1, 2000));
  s.max_depth = static_cast<int>(p.integer("max_depth", 6, 1, 12));
  return std::make_unique<Bananas>(context, s);
}

}  // namespace hwnas::search::strategies

// REINFORCE (Williams 1992) over an independent softmax policy per gene, the policy-gradient
// search of MnasNet (Tan et al. 2019) without its RNN controller: each gene i has logits
// z_i; a genome draws each gene from softmax(z_i). The reward r of a genome is the quantile
// of its rank among the genomes told before it (0: below all, 1: above all, ties count
// half; infeasible and failed genomes rank below every ok one, as Rank orders them), which
// makes the step size independent of the objective's scale and of the infeasible penalty.
// With a moving-average baseline b (decay d):
//   A = r − b,  b ← d·b + (1 − d)·r,
//   z_i ← z_i + lr·(A·(onehot(a_i) − p_i) + entropy_weight·∇H(p_i))
// for each gene i that affects the network, ∇H(p)_c = −p_c·(log p_c + H(p)) (the entropy
// bonus keeps the policy from collapsing early). A draw that was proposed before is
// redrawn (up to 100 times, then a random genome).
#include <algorithm>
#include <cmath>

#include "hwnas/base/error.h"
#include "hwnas/search/strategies/common.h"
#include "hwnas/search/strategies/strategies.h"

namespace hwnas::search::strategies {
namespace {

struct Settings {
  double learning_rate, baseline_decay, entropy_weight;
};

std::vector<double> softmax(const std::vector<double>& z) {
  const double top = *std::max_element(z.begin(), z.end());
  std::vector<double> p(z.size());
  double sum = 0;
  for (std::size_t c = 0; c < z.size(); ++c) sum += p[c] = std::exp(z[c] - top);
  for (double& x : p) x /= sum;
  return p;
}

class Reinforce final : public Strategy {
 public:
  Reinforce(const StrategyContext& context, const Settings& settings)
      : space_(*context.space), rng_(context.seed), settings_(settings) {
    for (const auto n : space_.cardinalities()) logits_.emplace_back(n, 0.0);
  }

  space::Genome ask() override {
    const space::Genome genome = propose_new(space_, rng_, proposed_, [&] {
      space::Genome g;
      for (const std::vector<double>& z : logits_) {
        const std::vector<double> p = softmax(z);
        g.genes.push_back(static_cast<std::uint16_t>(std::discrete_distribution<std::size_t>(p.begin(), p.end())(rng_)));
      }
      return space_.canonical(g);
    });
    proposed_.insert(genome);
    return genome;
  }

  void tell(const Feedback& feedback) override {
    const Rank rank = rank_of(feedback);
    double reward = 0.5;  // the quantile of this genome's rank among those told before it
    if (!ranks_.empty()) {
      double below = 0;
      for (const Rank& r : ranks_) below += r < rank ? 1.0 : r == rank ? 0.5 : 0.0;
      reward = below / static_cast<double>(ranks_.size());
    }
    ranks_.push_back(rank);
    const double d = settings_.baseline_decay;
    const double advantage = ranks_.size() == 1 ? 0.0 : reward - baseline_;
    baseline_ = ranks_.size() == 1 ? reward : d * baseline_ + (1 - d) * reward;
    for (const std::size_t i : live_genes(space_, feedback.genome)) {
      const std::vector<double> p = softmax(logits_[i]);
      double entropy = 0;
      for (const double pc : p) entropy -= pc > 0 ? pc * std::log(pc) : 0;
      for (std::size_t c = 0; c < p.size(); ++c) {
        const double chosen = c == feedback.genome.genes[i] ? 1.0 : 0.0;
        const double entropy_gradient = p[c] > 0 ? -p[c] * (std::log(p[c]) + entropy) : 0;
        logits_[i][c] += settings_.learning_rate *
                         (advantage * (chosen - p[c]) + settings_.entropy_weight * entropy_gradient);
      }
    }
  }

  nlohmann::json state() const override {
    nlohmann::json ranks = nlohmann::json::array();
    for (const Rank& r : ranks_) ranks.push_back(rank_to_json(r));
    return {{"rng", rng_to_text(rng_)}, {"logits", logits_},  {"baseline", baseline_},
            {"ranks", ranks},           {"proposed", proposed_.to_json()}};
  }

  void restore(const nlohmann::json& state) override {
    read_state("reinforce", [&] {
      rng_from_text(rng_, state.at("rng"));
      auto logits = state.at("logits").get<std::vector<std::vector<double>>>();
      const auto sizes = space_.cardinalities();
      if (logits.size() != sizes.size()) throw UserError("its policy has another number of genes");
      for (std::size_t i = 0; i < sizes.size(); ++i)
        if (logits[i].size() != sizes[i]) throw UserError("its policy has another number of choices");
      logits_ = std::move(logits);
      baseline_ = state.at("baseline").get<double>();
      ranks_.clear();
      for (const nlohmann::json& r : state.at("ranks").get_ref<const nlohmann::json::array_t&>())
        ranks_.push_back(rank_from_json(r));
      proposed_ = GenomeSet::from_json(state.at("proposed"), space_);
    });
  }

 private:
  const space::Space& space_;
  std::mt19937_64 rng_;
  Settings settings_;
  std::vector<std::vector<double>> logits_;  // [gene][choice]
  double baseline_ = 0;
  std::vector<Rank> ranks_;  // of every genome told, in tell order
  GenomeSet proposed_;
};

}  // namespace

std::unique_ptr<Strategy> make_reinforce(const nlohmann::json& params, const StrategyContext& context) {
  require_single_objective("reinforce", context);
  const Params p("reinforce", params, {"learning_rate", "baseline_decay", "entropy_weight"});
  const Settings settings{p.number("learning_rate", 1.0, 1e-6, 10), p.number("baseline_decay", 0.9, 0, 0.999),
                          p.number("entropy_weight", 0, 0, 1)};
  return std::make_unique<Reinforce>(context, settings);
}

}  // namespace hwnas::search::strategies

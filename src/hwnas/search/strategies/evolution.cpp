// Aging (regularized) evolution, Real et al., "Regularized Evolution for Image Classifier
// Architecture Search", AAAI 2019, Algorithm 1: `population` random genomes first; then
// each step samples `sample_size` members of the population uniformly without
// replacement, mutates the best of the sample (space::mutate: one gene) into a child,
// adds the child and removes the OLDEST member (not the worst).
//
// One departure, documented in docs/strategies.md: a child that was proposed before is
// mutated again (up to 100 tries, then a random genome), so that no evaluation is spent
// twice on one network.
#include <deque>
#include <numeric>

#include "hwnas/base/error.h"
#include "hwnas/search/strategies/common.h"
#include "hwnas/search/strategies/strategies.h"

namespace hwnas::search::strategies {
namespace {

struct Member {
  space::Genome genome;
  Rank rank;
};

class AgingEvolution final : public Strategy {
 public:
  AgingEvolution(const StrategyContext& context, std::size_t population, std::size_t sample_size)
      : space_(*context.space), rng_(context.seed), population_size_(population), sample_size_(sample_size) {}

  space::Genome ask() override {
    const bool warm = asked_ >= population_size_ && !population_.empty();
    const space::Genome parent = warm ? tournament() : space::Genome{};
    const space::Genome child = propose_new(space_, rng_, proposed_, [&] {
      return warm ? space::mutate(space_, parent, rng_) : space::sample(space_, rng_);
    });
    proposed_.insert(child);
    ++asked_;
    return child;
  }

  void tell(const Feedback& feedback) override {
    population_.push_back({feedback.genome, rank_of(feedback)});
    if (population_.size() > population_size_) population_.pop_front();  // the oldest dies
  }

  nlohmann::json state() const override {
    nlohmann::json members = nlohmann::json::array();
    for (const Member& m : population_) members.push_back({genome_to_json(m.genome), rank_to_json(m.rank)});
    return {{"rng", rng_to_text(rng_)}, {"asked", asked_}, {"population", members}, {"proposed", proposed_.to_json()}};
  }

  void restore(const nlohmann::json& state) override {
    read_state("evolution", [&] {
      rng_from_text(rng_, state.at("rng"));
      asked_ = state.at("asked").get<std::size_t>();
      population_.clear();
      for (const nlohmann::json& m : state.at("population").get_ref<const nlohmann::json::array_t&>())
        population_.push_back({genome_from_json(m.at(0), space_), rank_from_json(m.at(1))});
      proposed_ = GenomeSet::from_json(state.at("proposed"), space_);
    });
  }

 private:
  // The best of `sample_size_` members drawn without replacement (the first drawn wins a tie).
  space::Genome tournament() {
    std::vector<std::size_t> index(population_.size());
    std::iota(index.begin(), index.end(), 0);
    const std::size_t s = std::min(sample_size_, index.size());
    std::size_t best = 0;
    for (std::size_t k = 0; k < s; ++k) {
      std::swap(index[k], index[std::uniform_int_distribution<std::size_t>(k, index.size() - 1)(rng_)]);
      if (k == 0 || population_[index[k]].rank > population_[best].rank) best = index[k];
    }
    return population_[best].genome;
  }

  const space::Space& space_;
  std::mt19937_64 rng_;
  std::size_t population_size_, sample_size_;
  std::size_t asked_ = 0;
  std::deque<Member> population_;  // oldest first
  GenomeSet proposed_;
};

}  // namespace

std::unique_ptr<Strategy> make_evolution(const nlohmann::json& params, const StrategyContext& context) {
  require_single_objective("evolution", context);
  const Params p("evolution", params, {"population", "sample_size"});
  const auto population = p.integer("population", 100, 2, 100000);
  const auto sample_size = p.integer("sample_size", 50, 1, 100000);
  if (sample_size > population)
    throw UserError("strategy.sample_size: is " + std::to_string(sample_size) + ", more than population (" +
                    std::to_string(population) + "); make it at most the population");
  return std::make_unique<AgingEvolution>(context, static_cast<std::size_t>(population),
                                          static_cast<std::size_t>(sample_size));
}

}  // namespace hwnas::search::strategies

// Random search: each gene uniformly, canonicalised, never a genome proposed before (until
// the space is nearly exhausted, see propose_new). Works with any number of objectives; it
// never looks at the feedback.
#include "hwnas/base/error.h"
#include "hwnas/search/strategies/common.h"
#include "hwnas/search/strategies/strategies.h"

namespace hwnas::search::strategies {
namespace {

class RandomSearch final : public Strategy {
 public:
  explicit RandomSearch(const StrategyContext& context) : space_(*context.space), rng_(context.seed) {}

  space::Genome ask() override {
    const space::Genome genome =
        propose_new(space_, rng_, proposed_, [&] { return space::sample(space_, rng_); }, 1000);
    proposed_.insert(genome);
    return genome;
  }

  void tell(const Feedback&) override {}

  nlohmann::json state() const override {
    return {{"rng", rng_to_text(rng_)}, {"proposed", proposed_.to_json()}};
  }

  void restore(const nlohmann::json& state) override {
    read_state("random", [&] {
      rng_from_text(rng_, state.at("rng"));
      proposed_ = GenomeSet::from_json(state.at("proposed"), space_);
    });
  }

 private:
  const space::Space& space_;
  std::mt19937_64 rng_;
  GenomeSet proposed_;
};

}  // namespace

std::unique_ptr<Strategy> make_random(const nlohmann::json& params, const StrategyContext& context) {
  HWNAS_CHECK(context.space != nullptr && context.objectives >= 1);
  Params(std::string("random"), params, {});
  return std::make_unique<RandomSearch>(context);
}

}  // namespace hwnas::search::strategies

// Each single-objective strategy finds the constrained optimum of the fake problem with far
// fewer accuracy evaluations than random search needs, on the same seeds (counts, not time).
// Each prints its median (build/bin/search_tests --gtest_filter='StrategySearch*'); the
// tests ask for at most 1/20 of random's.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "fake_problem.h"
#include "hwnas/search/strategy.h"

namespace hwnas::search {
namespace {

using testing::problem;

// Median over seeds 1..seeds of the evaluations until the optimum is told.
std::size_t median_evaluations(const std::string& name, const nlohmann::json& params, int seeds, std::size_t budget) {
  std::vector<std::size_t> counts;
  for (int seed = 1; seed <= seeds; ++seed) {
    const auto strategy = make_strategy(name, params, {&problem().space, static_cast<std::uint64_t>(seed), 1});
    counts.push_back(testing::evaluations_until(
        *strategy, [](const space::Genome& g) { return problem().constrained(g); },
        [](const Feedback& f) { return f.genome == problem().optimum; }, budget));
  }
  std::sort(counts.begin(), counts.end());
  std::cout << "  " << name << " " << params.dump() << ": median " << counts[counts.size() / 2]
            << " accuracy evaluations to the optimum (" << seeds << " seeds)\n";
  return counts[counts.size() / 2];
}

std::size_t random_median() {
  static const std::size_t m = median_evaluations("random", nullptr, 5, 1000000);
  return m;
}

TEST(StrategySearch, RandomFindsTheOptimumOnlyAfterAboutHalfTheFeasibleSpace) {
  // About 26,000 feasible canonical genomes: uniform search without repeats needs about
  // half of them.
  EXPECT_GT(random_median(), 5000u);
}

TEST(StrategySearch, EvolutionBeatsRandomByFarOnTheSameSeeds) {
  const std::size_t m = median_evaluations("evolution", nullptr, 5, 20000);
  EXPECT_LE(m * 20, random_median()) << "evolution " << m << " vs random " << random_median();
}

TEST(StrategySearch, ReinforceBeatsRandomByFarOnTheSameSeeds) {
  const std::size_t m = median_evaluations("reinforce", nullptr, 5, 20000);
  EXPECT_LE(m * 20, random_median()) << "reinforce " << m << " vs random " << random_median();
}

TEST(StrategySearch, LocalSearchBeatsRandomByFarOnTheSameSeeds) {
  for (const char* move : {"first", "best"}) {
    const std::size_t m = median_evaluations("local", {{"move", move}}, 5, 20000);
    EXPECT_LE(m * 20, random_median()) << "local (" << move << ") " << m << " vs random " << random_median();
  }
}

TEST(StrategySearch, Nsga2WithOneObjectiveBeatsRandomByFarOnTheSameSeeds) {
  const std::size_t m = median_evaluations("nsga2", nullptr, 5, 20000);
  EXPECT_LE(m * 20, random_median()) << "nsga2 " << m << " vs random " << random_median();
}

TEST(StrategySearch, BananasBeatsRandomByFarOnTheSameSeeds) {
  // Three seeds: each ask fits an ensemble of boosted trees.
  const std::size_t m = median_evaluations("bananas", nullptr, 3, 2000);
  EXPECT_LE(m * 20, random_median()) << "bananas " << m << " vs random " << random_median();
}

}  // namespace
}  // namespace hwnas::search

// make_strategy's errors: unknown strategies and parameters, wrong types and ranges, and
// single-objective strategies given several objectives. Each is a one-line UserError.
#include <gtest/gtest.h>

#include "fake_problem.h"
#include "hwnas/base/error.h"
#include "hwnas/search/strategy.h"

namespace hwnas::search {
namespace {

const testing::FakeSpace space;

std::string error_of(const std::string& name, const nlohmann::json& params, std::size_t objectives = 1) {
  try {
    make_strategy(name, params, {&space, 1, objectives});
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  return "no error";
}

TEST(StrategyParams, EveryStrategyIsMadeWithItsDefaults) {
  EXPECT_EQ(strategy_names(), (std::vector<std::string>{"random", "evolution", "reinforce", "nsga2", "local", "bananas"}));
  for (const std::string& name : strategy_names()) {
    EXPECT_NE(make_strategy(name, nullptr, {&space, 1, 1}), nullptr) << name;
    EXPECT_NE(make_strategy(name, nlohmann::json::object(), {&space, 1, 1}), nullptr) << name;
  }
}

TEST(StrategyParams, UnknownStrategy) {
  EXPECT_EQ(error_of("evolutoin", nullptr),
            "strategy.name: 'evolutoin' is not a strategy; did you mean 'evolution'? The strategies are: random, "
            "evolution, reinforce, nsga2, local, bananas");
  EXPECT_EQ(error_of("hyperband", nullptr),
            "strategy.name: 'hyperband' is not a strategy; write one of: random, evolution, reinforce, nsga2, local, "
            "bananas");
}

TEST(StrategyParams, UnknownParameterNamesTheKeyAndListsTheOthers) {
  EXPECT_EQ(error_of("evolution", {{"populaton", 10}}),
            "strategy.populaton: unknown parameter of evolution; it takes: population, sample_size");
  EXPECT_EQ(error_of("random", {{"population", 10}}),
            "strategy.population: unknown parameter of random; it takes: no parameters");
  EXPECT_EQ(error_of("local", {{"move", "first"}, {"restarts", 3}}),
            "strategy.restarts: unknown parameter of local; it takes: move, order");
  EXPECT_EQ(error_of("evolution", nlohmann::json::array({1})),
            "strategy: must be a mapping with 'name: evolution' and its parameters");
}

TEST(StrategyParams, TypesAndRanges) {
  EXPECT_EQ(error_of("evolution", {{"population", "20"}}),
            "strategy.population: must be an integer from 2 to 100000, not \"20\" (strategy evolution; see "
            "docs/strategies.md)");
  EXPECT_EQ(error_of("evolution", {{"population", 2.5}}),
            "strategy.population: must be an integer from 2 to 100000, not 2.5 (strategy evolution; see "
            "docs/strategies.md)");
  EXPECT_EQ(error_of("evolution", {{"population", 1}}),
            "strategy.population: is 1, too small (at least 2) (strategy evolution; see docs/strategies.md)");
  EXPECT_EQ(error_of("nsga2", {{"population", 18446744073709551615ull}}),
            "strategy.population: is 18446744073709551615, too large (at most 100000) (strategy nsga2; see "
            "docs/strategies.md)");
  EXPECT_EQ(error_of("evolution", {{"population", 4}, {"sample_size", 5}}),
            "strategy.sample_size: is 5, more than population (4); make it at most the population");
  EXPECT_EQ(error_of("reinforce", {{"learning_rate", 0}}),
            "strategy.learning_rate: is 0, outside 1e-06 to 10 (strategy reinforce; see docs/strategies.md)");
  EXPECT_EQ(error_of("reinforce", {{"baseline_decay", true}}),
            "strategy.baseline_decay: must be a number from 0 to 0.999, not true (strategy reinforce; see "
            "docs/strategies.md)");
  EXPECT_EQ(error_of("nsga2", {{"crossover_probability", 1.5}}),
            "strategy.crossover_probability: is 1.5, outside 0 to 1 (strategy nsga2; see docs/strategies.md)");
  EXPECT_EQ(error_of("local", {{"move", "steepest"}}),
            "strategy.move: is \"steepest\"; write one of: first, best (strategy local; see docs/strategies.md)");
  EXPECT_EQ(error_of("bananas", {{"acquisition", "ucb"}}),
            "strategy.acquisition: is \"ucb\"; write one of: ei, its (strategy bananas; see docs/strategies.md)");
  EXPECT_EQ(error_of("bananas", {{"initial", 1}}),
            "strategy.initial: is 1, too small (at least 2) (strategy bananas; see docs/strategies.md)");
}

TEST(StrategyParams, SingleObjectiveStrategiesRefuseSeveralObjectives) {
  for (const std::string name : {"evolution", "reinforce", "local", "bananas"})
    EXPECT_EQ(error_of(name, nullptr, 2),
              "strategy.name: " + name +
                  " optimises one objective, but the objective has 2 values; use strategy nsga2 for a Pareto "
                  "search, or a scalar objective (e.g. accuracy under constraints, or a MnasNet reward)");
  for (const std::string name : {"random", "nsga2"})
    EXPECT_NE(make_strategy(name, nullptr, {&space, 1, 3}), nullptr) << name;
}

}  // namespace
}  // namespace hwnas::search

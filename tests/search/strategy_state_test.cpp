// Strategies are deterministic for a seed, and a strategy restored from its state (through
// JSON text, as the experiment store keeps it) proposes exactly what the uninterrupted one
// would have.
#include <gtest/gtest.h>

#include "fake_problem.h"
#include "hwnas/base/error.h"
#include "hwnas/search/strategy.h"

namespace hwnas::search {
namespace {

using testing::problem;

struct Case {
  std::string name;
  nlohmann::json params;
  std::size_t objectives;
  std::size_t asks;                 // asks of the whole run
  std::vector<std::size_t> splits;  // where the run is interrupted and restored
};

std::vector<Case> cases() {
  const std::vector<std::size_t> splits = {0, 1, 7, 33, 64};
  return {{"random", nullptr, 1, 80, splits},
          {"random", nullptr, 2, 80, splits},
          {"evolution", nullptr, 1, 80, splits},
          {"evolution", {{"population", 6}, {"sample_size", 3}}, 1, 80, splits},
          {"reinforce", nullptr, 1, 80, splits},
          {"reinforce", {{"entropy_weight", 0.1}}, 1, 80, splits},
          {"nsga2", nullptr, 1, 80, splits},
          {"nsga2", {{"population", 8}}, 2, 80, splits},
          {"local", nullptr, 1, 80, splits},
          {"local", {{"move", "best"}}, 1, 80, splits},
          {"bananas", nullptr, 1, 16, {0, 4, 11, 13}},
          {"bananas", {{"initial", 3}, {"acquisition", "its"}}, 1, 12, {2, 5, 9}}};
}

std::unique_ptr<Strategy> make(const Case& c, std::uint64_t seed) {
  return make_strategy(c.name, c.params, {&problem().space, seed, c.objectives});
}

// Asks `n` genomes, telling each its feedback on the fake problem; appends them to `asked`.
void drive(Strategy& s, const Case& c, std::size_t n, std::vector<space::Genome>& asked) {
  for (std::size_t i = 0; i < n; ++i) {
    asked.push_back(s.ask());
    s.tell(c.objectives == 1 ? problem().constrained(asked.back()) : problem().pareto(asked.back()));
  }
}

std::string label(const Case& c) { return c.name + " " + c.params.dump() + " objectives " + std::to_string(c.objectives); }

TEST(StrategyState, SameSeedSameAsksOtherSeedOtherAsks) {
  for (const Case& c : cases()) {
    std::vector<space::Genome> a, b, other;
    drive(*make(c, 7), c, c.asks, a);
    drive(*make(c, 7), c, c.asks, b);
    drive(*make(c, 8), c, c.asks, other);
    EXPECT_EQ(a, b) << label(c);
    EXPECT_NE(a, other) << label(c);
    for (const space::Genome& g : a) EXPECT_EQ(problem().space.canonical(g), g) << label(c);
  }
}

TEST(StrategyState, RestoredStrategyContinuesExactlyAsTheUninterruptedOne) {
  for (const Case& c : cases()) {
    std::vector<space::Genome> whole;
    drive(*make(c, 11), c, c.asks, whole);
    for (const std::size_t split : c.splits) {
      std::vector<space::Genome> resumed;
      auto first = make(c, 11);
      drive(*first, c, split, resumed);
      const std::string text = first->state().dump();
      first.reset();
      auto second = make(c, 11);
      second->restore(nlohmann::json::parse(text));
      drive(*second, c, c.asks - split, resumed);
      EXPECT_EQ(resumed, whole) << label(c) << " interrupted after " << split << " asks";
    }
  }
}

TEST(StrategyState, NoGenomeIsProposedTwiceWhileTheSpaceLasts) {
  for (const Case& c : cases()) {
    std::vector<space::Genome> asked;
    drive(*make(c, 3), c, c.asks, asked);
    std::sort(asked.begin(), asked.end());
    EXPECT_EQ(std::adjacent_find(asked.begin(), asked.end()), asked.end()) << label(c);
  }
}

TEST(StrategyState, AStateThatIsNotTheStrategysIsAUserError) {
  for (const Case& c : cases()) {
    auto s = make(c, 1);
    for (const nlohmann::json& bad :
         {nlohmann::json(nullptr), nlohmann::json::object(), nlohmann::json::parse(R"({"rng": "1 2 3"})"),
          nlohmann::json::parse(R"({"rng": 5})")}) {
      try {
        s->restore(bad);
        ADD_FAILURE() << label(c) << " restored " << bad.dump();
      } catch (const UserError& e) {
        EXPECT_NE(std::string(e.what()).find("the stored state of strategy " + c.name + " is not one it wrote"),
                  std::string::npos)
            << e.what();
      }
    }
  }
}

TEST(StrategyState, AStoredGenomeOutsideTheSpaceIsAUserError) {
  auto s = make_strategy("evolution", nullptr, {&problem().space, 1, 1});
  std::vector<space::Genome> asked;
  drive(*s, cases()[2], 3, asked);
  nlohmann::json state = s->state();
  state["proposed"][0] = "0-0-0-9-0-0-0-0";
  try {
    make_strategy("evolution", nullptr, {&problem().space, 1, 1})->restore(state);
    FAIL() << "restored a genome with choice 9 of 4";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("gene 3 ('g3') is 9"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hwnas::search

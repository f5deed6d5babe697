// Local search's order: budget: with the experiment's budget_use the neighbours are visited
// from the most budget used down, the over-budget ones are skipped, and each climb starts
// from the feasible genome nearest the limit among a feasible random one and its neighbours.
#include <gtest/gtest.h>

#include <set>

#include "fake_problem.h"
#include "hwnas/search/strategy.h"

namespace hwnas::search {
namespace {

using testing::problem;

double budget(const space::Genome& g) { return problem().cost(g) / problem().limit; }

std::unique_ptr<Strategy> local(const std::string& order, std::uint64_t seed) {
  StrategyContext context{&problem().space, seed, 1};
  context.budget_use = [](const space::Genome& g) { return std::optional<double>(budget(g)); };
  return make_strategy("local", {{"order", order}}, context);
}

std::set<space::Genome> neighbours(const space::Genome& g) {
  std::set<space::Genome> out;
  for (std::size_t i = 0; i < g.genes.size(); ++i)
    for (std::uint16_t c = 0; c < 4; ++c) {
      space::Genome n = g;
      n.genes[i] = c;
      n = problem().space.canonical(n);
      if (n != g) out.insert(n);
    }
  return out;
}

// The start is told a fitness above every neighbour's, so the climb never moves and the
// asks that follow are exactly its neighbourhood, in the strategy's order.
std::vector<space::Genome> neighbourhood_visits(Strategy& s, space::Genome& start) {
  start = s.ask();
  s.tell({start, Feedback::Status::ok, {1e9}});
  std::vector<space::Genome> visits;
  for (std::size_t k = 0; k < neighbours(start).size(); ++k) {
    const space::Genome n = s.ask();
    if (!neighbours(start).contains(n)) break;  // a restart: the neighbourhood is done
    visits.push_back(n);
    s.tell(problem().constrained(n).status == Feedback::Status::ok ? Feedback{n, Feedback::Status::ok, {0}}
                                                                   : problem().constrained(n));
  }
  return visits;
}

TEST(LocalBudgetOrder, VisitsNeighboursFromTheMostBudgetUsedDownAndSkipsTheOverBudget) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const auto s = local("budget", seed);
    space::Genome start;
    const std::vector<space::Genome> visits = neighbourhood_visits(*s, start);
    std::size_t feasible = 0;
    for (const space::Genome& n : neighbours(start)) feasible += budget(n) <= 1 ? 1 : 0;
    ASSERT_EQ(visits.size(), feasible) << "seed " << seed;
    for (std::size_t k = 0; k < visits.size(); ++k) {
      EXPECT_LE(budget(visits[k]), 1) << "seed " << seed;
      if (k > 0) {
        EXPECT_GE(budget(visits[k - 1]), budget(visits[k])) << "seed " << seed << " visit " << k;
      }
    }
  }
}

// The start is the feasible genome using the most budget among some draw d and d's
// neighbours, so some d in {start} ∪ N(start) has no feasible x in {d} ∪ N(d) above it.
TEST(LocalBudgetOrder, StartsEachClimbNearestTheLimitAmongARandomGenomeAndItsNeighbours) {
  double budget_sum = 0, random_sum = 0;
  int random_feasible = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const space::Genome start = local("budget", seed)->ask();
    budget_sum += budget(start);
    const double drawn = budget(local("random", seed)->ask());
    if (drawn <= 1) {
      random_sum += drawn;
      ++random_feasible;
    }
    EXPECT_LE(budget(start), 1) << "seed " << seed;  // infeasible draws are skipped (half of them here)
    std::set<space::Genome> draws = neighbours(start);
    draws.insert(start);
    bool explained = false;
    for (const space::Genome& d : draws) {
      std::set<space::Genome> around = neighbours(d);
      around.insert(d);
      bool highest = true;
      for (const space::Genome& x : around) highest &= budget(x) > 1 || budget(x) <= budget(start);
      explained |= highest;
    }
    EXPECT_TRUE(explained) << "seed " << seed << ": start " << space::to_text(start);
  }
  ASSERT_GT(random_feasible, 0);
  EXPECT_GT(budget_sum / 20, random_sum / random_feasible);  // nearer the limit than feasible draws, on average
}

TEST(LocalBudgetOrder, RandomOrderVisitsTheWholeNeighbourhoodUnsorted) {
  bool unsorted = false;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const auto s = local("random", seed);
    space::Genome start;
    const std::vector<space::Genome> visits = neighbourhood_visits(*s, start);
    EXPECT_EQ(visits.size(), neighbours(start).size()) << "seed " << seed;  // over-budget ones too
    for (std::size_t k = 1; k < visits.size(); ++k) unsorted |= budget(visits[k - 1]) < budget(visits[k]);
  }
  EXPECT_TRUE(unsorted);
}

TEST(LocalBudgetOrder, WithoutABudgetTheOrderIsRandom) {
  const auto s = make_strategy("local", nlohmann::json::object(), {&problem().space, 3, 1});
  space::Genome start;
  const std::vector<space::Genome> visits = neighbourhood_visits(*s, start);
  EXPECT_EQ(visits.size(), neighbours(start).size());
}

}  // namespace
}  // namespace hwnas::search

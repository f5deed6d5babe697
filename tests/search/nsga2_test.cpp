// NSGA-II on a two-objective problem whose exhaustive Pareto front is known: the front of
// what it evaluated covers nearly all of the true front's hypervolume, far more than random
// search's with the same number of evaluations (measured, 5 seeds at 600 evaluations:
// NSGA-II 0.986-0.999, median 0.998; random 0.83-0.90); constraint domination keeps it feasible.
#include <gtest/gtest.h>

#include <algorithm>

#include "fake_problem.h"
#include "hwnas/search/pareto.h"
#include "hwnas/search/strategy.h"

namespace hwnas::search {
namespace {

using testing::problem;

struct Hypervolumes {
  std::vector<double> reference;
  double exhaustive = 0;
};

const Hypervolumes& truth() {
  static const Hypervolumes h = [] {
    Hypervolumes out;
    std::vector<std::vector<double>> points;
    for (const space::Genome& g : problem().all()) points.push_back(problem().pareto(g).fitness);
    double worst_fitness = points[0][0], worst_cost = points[0][1];
    for (const auto& p : points) worst_fitness = std::min(worst_fitness, p[0]), worst_cost = std::min(worst_cost, p[1]);
    out.reference = {worst_fitness, worst_cost};
    out.exhaustive = hypervolume(points, out.reference);
    return out;
  }();
  return h;
}

// Hypervolume of the evaluated points after `evaluations`, over the exhaustive one.
double fraction(const std::string& strategy, const nlohmann::json& params, std::uint64_t seed, std::size_t evaluations) {
  const auto s = make_strategy(strategy, params, {&problem().space, seed, 2});
  std::vector<std::vector<double>> points;
  for (std::size_t i = 0; i < evaluations; ++i) {
    const Feedback f = problem().pareto(s->ask());
    points.push_back(f.fitness);
    s->tell(f);
  }
  return hypervolume(points, truth().reference) / truth().exhaustive;
}

TEST(Nsga2, FrontReachesNearlyTheExhaustiveHypervolume) {
  std::vector<double> nsga2, random;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    nsga2.push_back(fraction("nsga2", nullptr, seed, 600));
    random.push_back(fraction("random", nullptr, seed, 600));
  }
  std::sort(nsga2.begin(), nsga2.end());
  std::sort(random.begin(), random.end());
  EXPECT_GE(nsga2[2], 0.98) << "median fraction of the exhaustive hypervolume";
  EXPECT_GT(nsga2[0], random[4]) << "NSGA-II's worst seed vs random's best";
}

TEST(Nsga2, ConstraintDominationSteersToFeasibleGenomes) {
  // A single objective (fitness) under the cost limit: after the first generation most
  // children are feasible although about half the space is not.
  const auto s = make_strategy("nsga2", {{"population", 20}}, {&problem().space, 4, 1});
  std::size_t feasible_late = 0;
  for (std::size_t i = 0; i < 200; ++i) {
    const Feedback f = problem().constrained(s->ask());
    if (i >= 100 && f.status == Feedback::Status::ok) ++feasible_late;
    s->tell(f);
  }
  EXPECT_GE(feasible_late, 80u);
}

}  // namespace
}  // namespace hwnas::search

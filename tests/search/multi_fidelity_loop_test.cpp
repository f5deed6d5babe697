// The loop's multi-fidelity steps (fidelity_schedule.h) on test doubles: each bracket's
// candidates start at the low rung, the best are promoted rung by rung, every trial ends
// at the highest rung it reached, the best comes from the top rung only, a step cut
// short mid-rung is resumed without running its finished evaluations again, and a budget
// cuts the bracket that reaches it.
#include <gtest/gtest.h>

#include "hwnas/search/accuracy_pool.h"
#include "hwnas/search/run_search.h"
#include "search/experiment_fakes.h"

namespace hwnas::search {
namespace {

using testing::CutPool;
using testing::fake_info;
using testing::FakeCostModel;
using testing::FakeProblem;
using testing::TestDir;

/// The fake problem at three fidelities: rung r answers fitness + r (a longer training
/// scores higher, and keeps the order), and counts its jobs per rung.
class ThreeRungs final : public CostModel {
 public:
  explicit ThreeRungs(const FakeProblem& problem) : inner_(problem) {}
  Trial screen(const space::Genome& g) override { return inner_.screen(g); }
  std::int32_t rungs() const override { return 3; }
  AccuracyResult evaluate_accuracy(const AccuracyJob& job) const override {
    ++jobs[job.rung];
    AccuracyResult r = inner_.evaluate_accuracy(job);
    *r.accuracy += job.rung;
    return r;
  }
  Feedback feedback(const Trial& t) const override {
    Feedback f = inner_.feedback(t);
    if (f.status == Feedback::Status::ok) f.fitness = {*t.metrics.accuracy};
    return f;
  }
  std::size_t objectives() const override { return 1; }
  std::vector<std::string> objective_names() const override { return {"accuracy"}; }
  std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph&) const override { return {}; }

  mutable std::atomic<int> jobs[3] = {0, 0, 0};

 private:
  FakeCostModel inner_;
};

/// Successive halving, eta 3, 3 rungs, 9 candidates a bracket: evolution for `steps`
/// steps on `workers` threads (or through `pool`). Returns the jobs run per rung.
std::array<int, 3> run(const FakeProblem& problem, const std::string& dir, bool create, std::int64_t steps,
                       std::int32_t workers, AccuracyPool* pool = nullptr, ThreeRungs* given = nullptr) {
  ThreeRungs own(problem);
  ThreeRungs& cost = given ? *given : own;
  const std::unique_ptr<Strategy> s = make_strategy("evolution", nlohmann::json::object(), {&problem.space, 7, 1});
  ExperimentStore store = create ? ExperimentStore::create(dir, fake_info("evolution", 3)) : ExperimentStore::open(dir);
  const auto threads = make_thread_pool([&](const AccuracyJob& j) { return cost.evaluate_accuracy(j); }, workers);
  const FidelitySchedule halving(FidelityMethod::successive_halving, 3, 3, 9);
  std::atomic<bool> stop{false};
  std::int64_t done = 0;
  const SearchHooks hooks{&stop, [&](const SearchProgress&) {
                            if (++done == steps) stop = true;
                          }};
  const space::Filters no_filters;
  search_loop({problem.space, cost, *s, no_filters, graph::Precision::int8, pool ? pool : threads.get(), &halving},
              store, {.trials = 1000}, hooks);
  return {cost.jobs[0], cost.jobs[1], cost.jobs[2]};
}

TEST(MultiFidelityLoop, BracketsPromoteTheBestToTheTopRung) {
  const FakeProblem problem;
  TestDir dir;
  const std::array<int, 3> jobs = run(problem, dir.file("a"), true, 4, 3);
  const ExperimentRecord r = read_experiment(dir.file("a"));
  EXPECT_EQ(r.state->batches, 4);
  EXPECT_EQ(r.state->steps, 36);
  // Per bracket: its feasible candidates at rung 0, a third of them (at least one) at rung
  // 1, a third of those (at least one) at rung 2.
  int feasible = 0, at[3] = {0, 0, 0};
  for (const Trial& t : r.trials) {
    if (!t.accuracy_evaluated) continue;
    ++feasible;
    ++at[t.rung];
    EXPECT_EQ(*t.metrics.accuracy, problem.fitness(t.genome) + t.rung);  // finished at its highest rung
  }
  EXPECT_EQ(jobs[0], feasible);
  EXPECT_EQ(jobs[1], at[1] + at[2]);
  EXPECT_EQ(jobs[2], at[2]);
  EXPECT_EQ(at[2], 4);  // one per bracket (about 4 of 9 are feasible: one goes on at each rung)
  // The best is a top-rung trial, even though rung-1 answers can be numerically close.
  ASSERT_TRUE(best_trial(r));
  EXPECT_EQ(r.trials[*best_trial(r)].rung, 2);
  // Workers change nothing.
  run(problem, dir.file("b"), true, 4, 1);
  const ExperimentRecord b = read_experiment(dir.file("b"));
  ASSERT_EQ(b.trials.size(), r.trials.size());
  for (std::size_t i = 0; i < r.trials.size(); ++i) {
    EXPECT_EQ(b.trials[i].genome, r.trials[i].genome);
    EXPECT_EQ(b.trials[i].rung, r.trials[i].rung);
  }
  EXPECT_EQ(b.state->strategy, r.state->strategy);
}

// Cut after the second bracket's rung-1 run (the pool's fifth run): its rung-0 and rung-1
// results are stored, its rung-2 job never starts; resumed, only that job runs again.
TEST(MultiFidelityLoop, AStepCutAtAHigherRungResumesWithoutRepeatingAnEvaluation) {
  const FakeProblem problem;
  TestDir dir;
  const std::array<int, 3> whole = run(problem, dir.file("whole"), true, 3, 1);
  const std::string d = dir.file("cut");
  ThreeRungs cost(problem);
  std::atomic<bool> stop{false};
  {
    CutPool pool(cost, stop, 5, 1);
    const std::unique_ptr<Strategy> s = make_strategy("evolution", nlohmann::json::object(), {&problem.space, 7, 1});
    ExperimentStore store = ExperimentStore::create(d, fake_info("evolution", 3));
    const FidelitySchedule halving(FidelityMethod::successive_halving, 3, 3, 9);
    const space::Filters no_filters;
    EXPECT_EQ(search_loop({problem.space, cost, *s, no_filters, graph::Precision::int8, &pool, &halving}, store,
                          {.trials = 1000}, {&stop, {}})
                  .reason,
              StopReason::interrupted);
  }
  EXPECT_EQ(read_experiment(d).state->batches, 1);
  const std::array<int, 3> before = {cost.jobs[0], cost.jobs[1], cost.jobs[2]};
  EXPECT_GT(before[1], 1);  // both brackets reached rung 1
  ThreeRungs again(problem);
  run(problem, d, false, 2, 2, nullptr, &again);
  const ExperimentRecord a = read_experiment(d), b = read_experiment(dir.file("whole"));
  ASSERT_EQ(a.trials.size(), b.trials.size());
  for (std::size_t i = 0; i < a.trials.size(); ++i) {
    EXPECT_EQ(a.trials[i].genome, b.trials[i].genome);
    EXPECT_EQ(a.trials[i].rung, b.trials[i].rung);
    EXPECT_EQ(a.trials[i].metrics.accuracy, b.trials[i].metrics.accuracy);
  }
  for (int rung = 0; rung < 3; ++rung) EXPECT_EQ(before[rung] + again.jobs[rung], whole[rung]) << rung;
}

// budget.evaluations 6 (about 4 of a bracket's 9 are feasible): the second bracket stops
// asking once 6 candidates in all await training, and promotes the best of its own, at
// least one, to the top rung; with budget.trials the same holds for trials.
TEST(MultiFidelityLoop, ABudgetCutsTheBracketThatReachesIt) {
  const FakeProblem problem;
  TestDir dir;
  for (const Budget& budget : {Budget{.evaluations = 6}, Budget{.trials = 13}}) {
    SCOPED_TRACE(budget.evaluations ? "evaluations" : "trials");
    const std::string d = dir.file(budget.evaluations ? "evaluations" : "trials");
    ThreeRungs cost(problem);
    const std::unique_ptr<Strategy> s = make_strategy("evolution", nlohmann::json::object(), {&problem.space, 7, 1});
    ExperimentStore store = ExperimentStore::create(d, fake_info("evolution", 3));
    const FidelitySchedule halving(FidelityMethod::successive_halving, 3, 3, 9);
    const space::Filters no_filters;
    const LoopOutcome outcome = search_loop(
        {problem.space, cost, *s, no_filters, graph::Precision::int8, nullptr, &halving}, store, budget, {});
    EXPECT_EQ(outcome.reason, StopReason::budget);
    const ExperimentRecord r = read_experiment(d);
    if (budget.evaluations) {
      EXPECT_EQ(r.accuracy_evaluations, 6);
      EXPECT_EQ(cost.jobs[0], 6);
    } else {
      EXPECT_EQ(r.trials.size(), 13u);
      EXPECT_EQ(r.state->steps, 13);
    }
    ASSERT_EQ(r.state->batches, 2);
    EXPECT_LT(r.state->steps, 18);  // the second bracket asked fewer than 9
    // Each bracket, the cut one too, reached the top rung.
    int top = 0;
    for (const Trial& t : r.trials) top += t.rung == 2 ? 1 : 0;
    EXPECT_EQ(top, 2);
    EXPECT_EQ(cost.jobs[2], 2);
  }
}

}  // namespace
}  // namespace hwnas::search

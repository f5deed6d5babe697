// The thread pool of accuracy evaluations (accuracy_pool.h), and the loop's steps of
// several asks: the same trials whatever the workers, repeats within a step evaluated once,
// a step stopped by Ctrl-C resumed without running its finished evaluations again.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <span>
#include <stdexcept>
#include <thread>

#include "hwnas/search/accuracy_pool.h"
#include "hwnas/search/run_search.h"
#include "search/experiment_fakes.h"

namespace hwnas::search {
namespace {

using testing::CutPool;
using testing::expect_same_trials;
using testing::FakeCostModel;
using testing::fake_info;
using testing::FakeProblem;
using testing::ScriptedStrategy;
using testing::TestDir;

std::vector<AccuracyJob> jobs(int n) {
  std::vector<AccuracyJob> out;
  for (int i = 0; i < n; ++i) out.push_back({100 + i, space::Genome{{static_cast<std::uint16_t>(i)}}, 0});
  return out;
}

TEST(ThreadPool, EveryJobOnceResultsOnTheCallingThread) {
  const auto pool = make_thread_pool(
      [](const AccuracyJob& j) { return AccuracyResult{-1, j.genome.genes[0] * 2.0, "", 0}; }, 3);
  EXPECT_EQ(pool->workers(), 3);
  std::set<std::int64_t> seen;
  const std::thread::id caller = std::this_thread::get_id();
  pool->run(jobs(20), [&](const AccuracyResult& r) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    EXPECT_TRUE(seen.insert(r.id).second) << r.id;
    EXPECT_EQ(r.accuracy, (r.id - 100) * 2.0);  // the pool sets the job's id
  }, nullptr);
  EXPECT_EQ(seen.size(), 20u);
  pool->run({}, [](const AccuracyResult&) { ADD_FAILURE(); }, nullptr);  // no jobs: nothing to report
}

// Jobs wait until three of them run at once: the pool runs `workers` jobs concurrently and
// never more (the wait's 20 s limit only keeps a broken pool from hanging the test).
TEST(ThreadPool, RunsWorkersJobsAtOnceAndNoMore) {
  std::mutex mutex;
  std::condition_variable changed;
  int running = 0, most = 0;
  bool met = false;
  const auto pool = make_thread_pool(
      [&](const AccuracyJob& j) {
        std::unique_lock lock(mutex);
        most = std::max(most, ++running);
        if (running == 3) met = true;
        changed.notify_all();
        changed.wait_for(lock, std::chrono::seconds(20), [&] { return met; });
        --running;
        return AccuracyResult{j.id, 1.0, "", 0};
      },
      3);
  int results = 0;
  pool->run(jobs(9), [&](const AccuracyResult&) { ++results; }, nullptr);
  EXPECT_TRUE(met);
  EXPECT_EQ(most, 3);
  EXPECT_EQ(results, 9);
}

TEST(ThreadPool, StopStartsNoNewJob) {
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0};
  const auto pool = make_thread_pool(
      [&](const AccuracyJob& j) {
        ++calls;
        stop = true;  // Ctrl-C while the first job runs
        return AccuracyResult{j.id, 1.0, "", 0};
      },
      1);
  int results = 0;
  pool->run(jobs(5), [&](const AccuracyResult&) { ++results; }, &stop);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(results, 1);  // the running job's result still comes back
  pool->run(jobs(5), [&](const AccuracyResult&) { ++results; }, &stop);
  EXPECT_EQ(calls, 1);  // stopped before it started
}

TEST(ThreadPool, ErrorsComeBackOnTheCallingThreadAfterTheRunningJobs) {
  std::atomic<int> calls{0};
  const auto pool = make_thread_pool(
      [&](const AccuracyJob& j) {
        if (++calls == 2) throw std::runtime_error("internal");
        return AccuracyResult{j.id, 1.0, "", 0};
      },
      1);
  EXPECT_THROW(pool->run(jobs(6), [](const AccuracyResult&) {}, nullptr), std::runtime_error);
  EXPECT_EQ(calls, 2);
  calls = 0;
  EXPECT_THROW(pool->run(jobs(6), [](const AccuracyResult&) { throw std::logic_error("store full"); }, nullptr),
               std::logic_error);
  EXPECT_LE(calls, 2);  // the job running when on_result threw may finish; no other starts
}

/// `strategy` on the fake problem in steps of `batch` asks, `workers` threads; `stop_after`
/// steps, then stops as Ctrl-C does. Returns the accuracy evaluations it ran.
int run_batched(const FakeProblem& problem, const std::string& dir, const std::string& strategy, std::int32_t batch,
                std::int32_t workers, bool create, std::int64_t stop_after = -1) {
  FakeCostModel cost(problem);
  const std::unique_ptr<Strategy> s = make_strategy(strategy, nlohmann::json::object(), {&problem.space, 7, 1});
  ExperimentStore store = create ? ExperimentStore::create(dir, fake_info(strategy)) : ExperimentStore::open(dir);
  const auto pool = make_thread_pool([&](const AccuracyJob& j) { return cost.evaluate_accuracy(j); }, workers);
  std::atomic<bool> stop{false};
  std::int64_t steps = 0;
  const SearchHooks hooks{&stop, [&](const SearchProgress&) {
                            if (++steps == stop_after) stop = true;
                          }};
  const space::Filters no_filters;
  const FidelitySchedule single(FidelityMethod::single, 1, 2, batch);
  search_loop({problem.space, cost, *s, no_filters, graph::Precision::int8, pool.get(), &single}, store,
              {.evaluations = 40}, hooks);
  return cost.evaluations;
}

TEST(BatchedSearch, TheSameTrialsWhateverTheWorkers) {
  const FakeProblem problem;
  TestDir dir;
  // local takes one ask per step (run_search refuses a batch > 1 for it).
  for (const char* strategy : {"random", "evolution", "reinforce", "nsga2", "bananas"}) {
    SCOPED_TRACE(strategy);
    const std::string one = dir.file(std::string(strategy) + "-1"), three = dir.file(std::string(strategy) + "-3");
    run_batched(problem, one, strategy, 3, 1, true);
    run_batched(problem, three, strategy, 3, 3, true);
    const ExperimentRecord a = read_experiment(one), b = read_experiment(three);
    EXPECT_EQ(a.accuracy_evaluations, 40);  // the step that reaches the budget stops asking there
    EXPECT_LE(a.state->steps, 3 * a.state->batches);
    EXPECT_GT(a.state->steps, 3 * (a.state->batches - 1));
    expect_same_trials(a, b);
  }
}

TEST(BatchedSearch, ResumedStepsEqualAnUninterruptedSearch) {
  const FakeProblem problem;
  TestDir dir;
  run_batched(problem, dir.file("whole"), "evolution", 4, 2, true);
  const std::string d = dir.file("parts");
  run_batched(problem, d, "evolution", 4, 3, true, 2);
  EXPECT_EQ(read_experiment(d).state->batches, 2);
  run_batched(problem, d, "evolution", 4, 1, false);
  expect_same_trials(read_experiment(d), read_experiment(dir.file("whole")));
}

// Ctrl-C after the first job of a step: the step is not stored, its first evaluation is;
// resumed, the step is asked again and only its other jobs run.
TEST(BatchedSearch, AStepStoppedMidwayKeepsItsFinishedEvaluations) {
  const FakeProblem problem;
  TestDir dir;
  run_batched(problem, dir.file("whole"), "random", 4, 1, true);
  const std::string d = dir.file("parts");
  int first_run = 0;
  {
    FakeCostModel cost(problem);
    const std::unique_ptr<Strategy> s = make_strategy("random", nlohmann::json::object(), {&problem.space, 7, 1});
    ExperimentStore store = ExperimentStore::create(d, fake_info("random"));
    std::atomic<bool> stop{false};
    CutPool pool(cost, stop, 3, 2);
    const space::Filters no_filters;
    const FidelitySchedule single(FidelityMethod::single, 1, 2, 4);
    const LoopOutcome out = search_loop({problem.space, cost, *s, no_filters, graph::Precision::int8, &pool, &single},
                                        store, {.evaluations = 40}, {&stop, {}});
    EXPECT_EQ(out.reason, StopReason::interrupted);
    first_run = cost.evaluations;
    EXPECT_EQ(store.evaluations().size(), static_cast<std::size_t>(first_run));
  }
  // Stopped midway: one evaluation stored beyond those of the stored trials.
  EXPECT_EQ(read_experiment(d).accuracy_evaluations, first_run - 1);
  const int resumed_run = run_batched(problem, d, "random", 4, 1, false);
  expect_same_trials(read_experiment(d), read_experiment(dir.file("whole")));
  // Every evaluation ran once: the whole search's evaluations, split between the runs.
  EXPECT_EQ(first_run + resumed_run, read_experiment(dir.file("whole")).accuracy_evaluations);
}

// Gene 6 is dead when gene 7 is 0: G and G with gene 6 changed are one architecture.
TEST(BatchedSearch, ARepeatWithinAStepIsEvaluatedOnce) {
  const FakeProblem problem;
  TestDir dir;
  space::Genome feasible;
  for (const space::Genome& g : problem.all())
    if (g.genes[7] == 0 && problem.constrained(g).status == Feedback::Status::ok) feasible = g;
  ASSERT_FALSE(feasible.genes.empty());
  space::Genome twin = feasible;
  twin.genes[6] = 3;
  ASSERT_EQ(problem.space.canonical(twin), feasible);
  const std::vector<space::Genome> script = {feasible, {{1, 1, 1, 1, 1, 1, 1, 1}}, twin};
  ScriptedStrategy strategy(script);
  FakeCostModel cost(problem);
  ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("scripted"));
  const auto pool = make_thread_pool([&](const AccuracyJob& j) { return cost.evaluate_accuracy(j); }, 3);
  const space::Filters no_filters;
  const FidelitySchedule single(FidelityMethod::single, 1, 2, 3);
  std::atomic<bool> stop{false};
  search_loop({problem.space, cost, strategy, no_filters, graph::Precision::int8, pool.get(), &single}, store,
              {.trials = 3}, {&stop, [&](const SearchProgress&) { stop = true; }});
  const ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 2u);  // one step of three asks: two architectures
  EXPECT_EQ(r.trials[0].genome, script[0]);
  EXPECT_EQ(r.trials[1].genome, script[1]);
  EXPECT_EQ(cost.screens, 2);
  EXPECT_EQ(r.state->steps, 3);
  EXPECT_EQ(r.state->duplicates, 1);
  ASSERT_EQ(strategy.told.size(), 3u);  // told in ask order, the repeat with the first's answer
  EXPECT_EQ(strategy.told[2].genome, script[0]);
  EXPECT_EQ(strategy.told[2].fitness, strategy.told[0].fitness);
  EXPECT_EQ(strategy.told[1].genome, script[1]);
}

}  // namespace
}  // namespace hwnas::search

// Copies of one network are one evaluation (search_step.cpp, CostModel::evaluation_key):
// genomes that differ only in a gene the accuracy source ignores (their own resolution
// under accuracy.train.resolution) are evaluated once; the others take that result without
// being stored or counted, in one run, after --resume and within one step. And the trivial
// baseline a result carries reaches the store.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>

#include "hwnas/search/run_search.h"
#include "search/experiment_fakes.h"

namespace hwnas::search {
namespace {

using testing::fake_info;
using testing::FakeSpace;
using testing::ScriptedStrategy;
using testing::TestDir;

/// Genes 1 to 7 of `genome` as one number: what the evaluations below depend on (gene 0
/// plays a resolution the training replaces), and their evaluation key.
std::uint64_t network_of(const space::Genome& genome) {
  std::uint64_t n = 0;
  for (std::size_t i = 1; i < genome.genes.size(); ++i) n = n * 4 + genome.genes[i];
  return n;
}

/// The evaluation of a network: an accuracy from it, in 1.5 s, or with `fail` a diverged
/// training; with `baseline`, the result carries it (a scene task's).
testing::FunctionCostModel::Evaluate evaluation(bool fail = false, std::optional<double> baseline = {}) {
  return [fail, baseline](const AccuracyJob& job) {
    AccuracyResult r{job.id, static_cast<double>(network_of(job.genome)) / 200, "", 1.5};
    if (fail) r = {job.id, std::nullopt, "training failed: loss diverged", 0.5};
    r.baseline = baseline;
    return r;
  };
}

const space::Genome kNetworkA{{0, 1, 2, 3, 0, 0, 0, 0}};
const space::Genome kCopyOfA{{2, 1, 2, 3, 0, 0, 0, 0}};  // another resolution, the same network
const space::Genome kOtherNetwork{{0, 3, 2, 1, 0, 0, 0, 0}};

/// Runs `script` in `dir` (creating the experiment when `create`), `batch` genomes a step
/// on `workers` threads, until `budget`; returns the evaluations the cost model ran.
int run_copies(const std::string& dir, const std::vector<space::Genome>& script, const Budget& budget, bool create,
               std::int32_t batch = 1, std::int32_t workers = 1) {
  const FakeSpace space;
  testing::FunctionCostModel cost(evaluation(), network_of);
  ScriptedStrategy strategy(script);
  ExperimentStore store = create ? ExperimentStore::create(dir, fake_info("scripted")) : ExperimentStore::open(dir);
  const FidelitySchedule schedule(FidelityMethod::single, 1, 2, batch);
  const std::unique_ptr<AccuracyPool> pool =
      make_thread_pool([&cost](const AccuracyJob& job) { return cost.evaluate_accuracy(job); }, workers);
  const space::Filters no_filters;
  search_loop({space, cost, strategy, no_filters, graph::Precision::int8, pool.get(), &schedule}, store, budget, {});
  return cost.evaluations;
}

/// Expects trial `copy` of `r` to hold trial `original`'s accuracy as a copy of it.
void expect_copy(const ExperimentRecord& r, std::size_t copy, std::size_t original) {
  ASSERT_LT(copy, r.trials.size());
  const Trial& t = r.trials[copy];
  EXPECT_EQ(t.status, TrialStatus::ok);
  ASSERT_TRUE(t.metrics.accuracy);
  EXPECT_EQ(*t.metrics.accuracy, *r.trials[original].metrics.accuracy);
  EXPECT_FALSE(t.accuracy_evaluated);
  EXPECT_TRUE(accuracy_copied(t));
  EXPECT_EQ(t.reason, "accuracy: as trial " + std::to_string(original) + ", the same network (not evaluated again)");
  EXPECT_EQ(r.fitness[copy], r.fitness[original]);
}

TEST(EvaluationCopy, TwoGenomesOfOneNetworkAreOneEvaluation) {
  TestDir dir;
  // An evaluations budget of 2 is spent by A and the other network: the copy costs nothing.
  EXPECT_EQ(run_copies(dir.file("e"), {kNetworkA, kCopyOfA, kOtherNetwork}, {.evaluations = 2}, true), 2);
  const ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 3U);
  EXPECT_EQ(r.trials[1].genome, kCopyOfA);
  expect_copy(r, 1, 0);
  EXPECT_TRUE(r.trials[0].accuracy_evaluated);
  EXPECT_TRUE(r.trials[2].accuracy_evaluated);
  EXPECT_FALSE(accuracy_copied(r.trials[0]));
  EXPECT_EQ(r.accuracy_evaluations, 2);
  EXPECT_EQ(r.accuracy_copies, 1);
  ASSERT_EQ(r.rung_costs.size(), 1U);
  EXPECT_EQ(r.rung_costs[0].evaluations, 2);  // the store's evaluations table: A and the other
  EXPECT_EQ(r.rung_costs[0].seconds, 3.0);
  EXPECT_LT(r.trials[1].seconds, 1.5);  // its screening only
}

TEST(EvaluationCopy, ACopyAskedAfterResumeIsAnsweredFromTheStore) {
  TestDir dir;
  const std::string d = dir.file("e");
  EXPECT_EQ(run_copies(d, {kNetworkA, kOtherNetwork, kCopyOfA}, {.trials = 2}, true), 2);
  // A new process: the keys of the stored evaluations are computed again, and the copy,
  // asked only now, runs nothing.
  EXPECT_EQ(run_copies(d, {kNetworkA, kOtherNetwork, kCopyOfA}, {.trials = 3}, false), 0);
  const ExperimentRecord r = read_experiment(d);
  ASSERT_EQ(r.trials.size(), 3U);
  EXPECT_EQ(r.trials[2].genome, kCopyOfA);
  expect_copy(r, 2, 0);
  EXPECT_EQ(r.accuracy_evaluations, 2);
  ASSERT_EQ(r.rung_costs.size(), 1U);
  EXPECT_EQ(r.rung_costs[0].evaluations, 2);
}

TEST(EvaluationCopy, CopiesInOneStepRunOnceWhateverTheWorkers) {
  TestDir dir;
  for (const std::int32_t workers : {1, 3}) {
    SCOPED_TRACE(std::to_string(workers) + " workers");
    const std::string d = dir.file("w" + std::to_string(workers));
    // One step of three: the copy asked after its original, then one asked before it.
    EXPECT_EQ(run_copies(d, {kOtherNetwork, kNetworkA, kCopyOfA}, {.trials = 3}, true, 3, workers), 2);
    ExperimentRecord r = read_experiment(d);
    ASSERT_EQ(r.state->batches, 1);
    expect_copy(r, 2, 1);
    EXPECT_EQ(r.accuracy_evaluations, 2);
    const std::string e = dir.file("first" + std::to_string(workers));
    EXPECT_EQ(run_copies(e, {kCopyOfA, kOtherNetwork, kNetworkA}, {.trials = 3}, true, 3, workers), 2);
    r = read_experiment(e);
    expect_copy(r, 2, 0);  // the first asked runs
  }
}

TEST(EvaluationCopy, ACopyOfAFailedEvaluationFailsTheSameWay) {
  // An evaluation that failed (a diverged training) fails its copies with its reason, uncounted.
  TestDir dir;
  const FakeSpace space;
  testing::FunctionCostModel cost(evaluation(true), network_of);
  ScriptedStrategy strategy({kNetworkA, kCopyOfA});
  ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("scripted"));
  const space::Filters no_filters;
  search_loop({space, cost, strategy, no_filters}, store, {.trials = 2}, {});
  EXPECT_EQ(cost.evaluations, 1);
  const ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 2U);
  EXPECT_EQ(r.trials[1].status, TrialStatus::failed);
  EXPECT_EQ(r.trials[1].reason, "accuracy: training failed: loss diverged (as trial 0, the same network)");
  EXPECT_EQ(r.accuracy_evaluations, 1);
  EXPECT_EQ(r.accuracy_copies, 1);
}

// A scene task's trivial baseline travels with the top rung's results (from worker ranks
// under mpirun too: AccuracyResult::baseline) into the store, where a resumed search reads it.
TEST(EvaluationCopy, TheTopRungsBaselineIsStoredFromTheResults) {
  TestDir dir;
  const FakeSpace space;
  testing::FunctionCostModel cost(evaluation(false, 7.27));
  ScriptedStrategy strategy({kNetworkA, kOtherNetwork});
  {
    ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("scripted"));
    EXPECT_FALSE(read_experiment(dir.file("e")).info.accuracy_baseline);
    std::optional<double> shown;
    SearchHooks hooks;
    hooks.progress = [&](const SearchProgress& p) { shown = p.accuracy_baseline; };
    const space::Filters no_filters;
    search_loop({space, cost, strategy, no_filters}, store, {.trials = 2}, hooks);
    EXPECT_EQ(shown, 7.27);
  }
  EXPECT_EQ(read_experiment(dir.file("e")).info.accuracy_baseline, 7.27);
}

}  // namespace
}  // namespace hwnas::search

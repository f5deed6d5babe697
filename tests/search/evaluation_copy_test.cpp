// Copies of one network are one evaluation (search_step.cpp, CostModel::evaluation_key):
// genomes that differ only in a gene the accuracy source ignores (their own resolution
// under accuracy.train.resolution) are evaluated once; the others take that result without
// being stored or counted, in one run, after --resume and within one step. And the trivial
// baseline a result carries reaches the store, with each evaluation and trial (a copy's is
// the evaluation's it copies). With rungs, a copy follows its promoted network without
// taking a place (FidelitySchedule::promote).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <optional>

#include "hwnas/search/accuracy_source.h"
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
  EXPECT_EQ(t.copy_of, static_cast<std::int64_t>(original));  // stored and read back
  EXPECT_FALSE(r.trials[original].copy_of);
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
  EXPECT_EQ(r.trials[1].copy_of, 0);
  EXPECT_EQ(r.accuracy_evaluations, 1);
  EXPECT_EQ(r.accuracy_copies, 1);
}

// A scene task's trivial baseline travels with the results (from worker ranks under mpirun
// too: AccuracyResult::baseline) into each trial's record, and the progress shows the best's.
TEST(EvaluationCopy, TheBaselineIsStoredFromTheResultsWithEachTrial) {
  TestDir dir;
  const FakeSpace space;
  testing::FunctionCostModel cost(evaluation(false, 7.27));
  ScriptedStrategy strategy({kNetworkA, kOtherNetwork});
  {
    ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("scripted"));
    std::optional<double> shown;
    SearchHooks hooks;
    hooks.progress = [&](const SearchProgress& p) { shown = p.accuracy_baseline; };
    const space::Filters no_filters;
    search_loop({space, cost, strategy, no_filters}, store, {.trials = 2}, hooks);
    EXPECT_EQ(shown, 7.27);
  }
  const ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 2u);
  for (const Trial& t : r.trials) EXPECT_EQ(t.accuracy_baseline, 7.27) << t.index;
  ASSERT_TRUE(r.accuracy_baseline_range);
  EXPECT_EQ(*r.accuracy_baseline_range, (std::pair{7.27, 7.27}));
}

/// A scene training's trivial baseline depends on the network's resolution (gene 0 here):
/// 7.29 + gene 0 / 1000, as 7.29496 at 64 px and 7.29395 at 96 px (s30 fresh-user finding 1).
testing::FunctionCostModel::Evaluate evaluation_with_resolution_baseline() {
  return [](const AccuracyJob& job) {
    AccuracyResult r{job.id, 7.29 + job.genome.genes[0] / 1000.0, "", 1.5};  // every network learnt nothing
    r.baseline = 7.29 + job.genome.genes[0] / 1000.0;
    return r;
  };
}

void run_resolution_baselines(const std::string& dir, const std::vector<space::Genome>& script, std::int64_t trials,
                              bool create) {
  const FakeSpace space;
  testing::FunctionCostModel cost(evaluation_with_resolution_baseline(), network_of);
  ScriptedStrategy strategy(script);
  ExperimentStore store = create ? ExperimentStore::create(dir, fake_info("scripted")) : ExperimentStore::open(dir);
  const space::Filters no_filters;
  search_loop({space, cost, strategy, no_filters}, store, {.trials = trials}, {});
}

// Each trial keeps the baseline of the evaluation its accuracy came from: a copy at another
// resolution takes the evaluated network's, a network of its own resolution its own, so each
// trial is compared with its own (whatever the order of evaluation); after --resume too.
TEST(EvaluationCopy, EachTrialKeepsItsOwnEvaluationsBaseline) {
  TestDir dir;
  const space::Genome other_at_2{{2, 3, 2, 1, 0, 0, 0, 0}};
  run_resolution_baselines(dir.file("e"), {kNetworkA, kCopyOfA, other_at_2}, 3, true);
  // kCopyOfA again, under another genome, from the store after the resume.
  const space::Genome another_copy_of_a{{1, 1, 2, 3, 0, 0, 0, 0}};
  run_resolution_baselines(dir.file("e"), {kNetworkA, kCopyOfA, other_at_2, another_copy_of_a}, 4, false);
  const ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 4u);
  EXPECT_EQ(r.trials[0].accuracy_baseline, 7.29);
  EXPECT_EQ(r.trials[1].accuracy_baseline, 7.29);  // a copy: trial 0's evaluation, at its resolution
  EXPECT_EQ(r.trials[2].accuracy_baseline, 7.292);
  EXPECT_EQ(r.trials[3].accuracy_baseline, 7.29);  // a copy of a stored evaluation
  for (const Trial& t : r.trials)
    EXPECT_TRUE(no_better_than_baseline(*t.metrics.accuracy, *t.accuracy_baseline)) << t.index;
  ASSERT_TRUE(r.accuracy_baseline_range);
  EXPECT_EQ(r.accuracy_baseline_range->first, 7.29);
  EXPECT_EQ(r.accuracy_baseline_range->second, 7.292);
  const ExperimentStore store = ExperimentStore::open(dir.file("e"));
  const std::vector<StoredEvaluation> evaluations = store.evaluations();
  ASSERT_EQ(evaluations.size(), 2u);  // copies are not stored
  EXPECT_EQ(evaluations[0].baseline, 7.29);
  EXPECT_EQ(evaluations[1].baseline, 7.292);
}

/// s31 fresh-user finding F1's bracket at rung 0: A 16.54, kLow 8.23, A's copy 16.54 and
/// kOtherNetwork, the runner-up network, 16.51; rung 1 adds 10 to each.
const space::Genome kLow{{0, 0, 0, 1, 0, 0, 0, 0}};
AccuracyResult f1_evaluation(const AccuracyJob& job) {
  const std::uint64_t network = network_of(job.genome);
  const double at_rung_0 = network == network_of(kNetworkA) ? 16.54 : network == network_of(kOtherNetwork) ? 16.51
                                                                                                          : 8.23;
  return {job.id, at_rung_0 + 10 * job.rung, "", 1.5};
}

/// Successive halving, eta 2, 2 rungs, the bracket {A, kLow, A's copy, kOtherNetwork}, once,
/// through `pool` (null: in line), until `stop`; returns the evaluations it ran.
int run_f1_bracket(const std::string& dir, bool create, AccuracyPool* pool = nullptr,
                   std::atomic<bool>* stop = nullptr, testing::FunctionCostModel* given = nullptr) {
  const FakeSpace space;
  testing::FunctionCostModel own(f1_evaluation, network_of, 2);
  testing::FunctionCostModel& cost = given != nullptr ? *given : own;
  ScriptedStrategy strategy({kNetworkA, kLow, kCopyOfA, kOtherNetwork});
  ExperimentStore store = create ? ExperimentStore::create(dir, fake_info("scripted", 2)) : ExperimentStore::open(dir);
  const FidelitySchedule schedule(FidelityMethod::successive_halving, 2, 2, 4);
  const space::Filters no_filters;
  search_loop({space, cost, strategy, no_filters, graph::Precision::int8, pool, &schedule}, store, {.trials = 4},
              {stop, {}});
  return cost.evaluations;
}

// Promotion ranks networks, not genomes (s31 fresh-user finding F1): the bracket's 2 places
// go to A and the runner-up network, A's copy follows A to rung 1 as a copy there, costing
// nothing; before, A and its copy took both places, rung 1 trained A alone and the runner-up
// was dropped. The copy is answered at each rung it reaches (Trial::copied_rungs) and counted
// there in rung_costs, apart from the evaluations. A run cut during rung 1 and resumed gives
// the same trials.
TEST(EvaluationCopy, ACopyFollowsItsPromotedNetworkAndTheRunnerUpGoesOn) {
  TestDir dir;
  EXPECT_EQ(run_f1_bracket(dir.file("e"), true), 5);  // 3 networks at rung 0, 2 at rung 1
  const ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 4u);
  EXPECT_EQ(r.trials[0].rung, 1);
  EXPECT_EQ(r.trials[0].metrics.accuracy, 26.54);
  EXPECT_EQ(r.trials[1].rung, 0);
  EXPECT_EQ(r.trials[1].metrics.accuracy, 8.23);
  const Trial& copy = r.trials[2];
  EXPECT_EQ(copy.rung, 1);
  EXPECT_EQ(copy.metrics.accuracy, 26.54);
  EXPECT_FALSE(copy.accuracy_evaluated);
  EXPECT_EQ(copy.copy_of, 0);
  EXPECT_EQ(copy.copied_rungs, 0b11u);
  EXPECT_EQ(copy.reason, "accuracy at rung 1: as trial 0, the same network (not evaluated again)");
  const Trial& runner_up = r.trials[3];
  EXPECT_EQ(runner_up.rung, 1);
  EXPECT_EQ(runner_up.metrics.accuracy, 26.51);
  EXPECT_TRUE(runner_up.accuracy_evaluated);
  EXPECT_EQ(runner_up.copied_rungs, 0u);
  EXPECT_EQ(r.accuracy_evaluations, 3);
  EXPECT_EQ(r.accuracy_copies, 1);
  ASSERT_EQ(r.rung_costs.size(), 2u);
  EXPECT_EQ(r.rung_costs[0].evaluations, 3);
  EXPECT_EQ(r.rung_costs[0].copies, 1);
  EXPECT_EQ(r.rung_costs[1].evaluations, 2);
  EXPECT_EQ(r.rung_costs[1].copies, 1);

  // Stopped after rung 1's first job (the pool's second run), resumed: nothing runs twice.
  const std::string cut = dir.file("cut");
  testing::FunctionCostModel cost(f1_evaluation, network_of, 2);
  std::atomic<bool> stop{false};
  testing::CutPool pool(cost, stop, 2, 1);
  EXPECT_EQ(run_f1_bracket(cut, true, &pool, &stop, &cost), 4);
  EXPECT_TRUE(read_experiment(cut).trials.empty());
  EXPECT_EQ(run_f1_bracket(cut, false), 1);  // the runner-up at rung 1
  const ExperimentRecord resumed = read_experiment(cut);
  testing::expect_same_trials(resumed, r);
  for (std::size_t i = 0; i < r.trials.size(); ++i) {
    EXPECT_EQ(resumed.trials[i].rung, r.trials[i].rung) << i;
    EXPECT_EQ(resumed.trials[i].copied_rungs, r.trials[i].copied_rungs) << i;
    EXPECT_EQ(resumed.trials[i].copy_of, r.trials[i].copy_of) << i;
  }
}

// A copy on the front is listed with its network, not beside it (s30 fresh-user finding 4).
TEST(EvaluationCopy, TheParetoFrontListsEachNetworkOnce) {
  TestDir dir;
  run_copies(dir.file("e"), {kNetworkA, kCopyOfA}, {.trials = 2}, true);
  const ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 2u);
  ASSERT_EQ(pareto_trials(r), (std::vector<std::size_t>{0, 1}));  // one objective: the trials equal to the best
  const std::vector<ParetoNetwork> front = pareto_networks(r);
  ASSERT_EQ(front.size(), 1u);
  EXPECT_EQ(front[0].trial, 0u);
  EXPECT_EQ(front[0].copies, (std::vector<std::size_t>{1}));
}

// An evaluation killed from outside (not the network's fault) is not stored: its copy in
// the same step takes its failure, one in a later step is evaluated afresh (s30 fresh-user
// finding 8, as docs/experiments.md says).
TEST(EvaluationCopy, AKilledEvaluationFailsItsCopiesInTheStepAndNotLater) {
  TestDir dir;
  const FakeSpace space;
  std::atomic<int> calls{0};
  testing::FunctionCostModel cost(
      [&calls](const AccuracyJob& job) {
        AccuracyResult r{job.id, static_cast<double>(network_of(job.genome)) / 200, "", 1.5};
        if (calls++ == 0) r = {job.id, std::nullopt, "'sh' was killed by signal 9 (Killed)", 0.5, true};
        return r;
      },
      network_of);
  const space::Genome later_copy{{1, 1, 2, 3, 0, 0, 0, 0}};
  ScriptedStrategy strategy({kNetworkA, kCopyOfA, later_copy});
  ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("scripted"));
  const FidelitySchedule schedule(FidelityMethod::single, 1, 2, 2);  // steps of 2: A and its copy together
  const std::unique_ptr<AccuracyPool> pool =
      make_thread_pool([&cost](const AccuracyJob& job) { return cost.evaluate_accuracy(job); }, 1);
  const space::Filters no_filters;
  search_loop({space, cost, strategy, no_filters, graph::Precision::int8, pool.get(), &schedule}, store,
              {.trials = 3}, {});
  const ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 3u);
  EXPECT_EQ(r.trials[0].status, TrialStatus::failed);
  EXPECT_EQ(r.trials[1].status, TrialStatus::failed);
  EXPECT_NE(r.trials[1].reason.find("not the network's fault"), std::string::npos) << r.trials[1].reason;
  EXPECT_TRUE(r.trials[1].reason.ends_with(" (as trial 0, the same network)")) << r.trials[1].reason;
  EXPECT_EQ(r.trials[2].status, TrialStatus::ok) << r.trials[2].reason;  // evaluated afresh
  EXPECT_TRUE(r.trials[2].accuracy_evaluated);
  EXPECT_EQ(calls.load(), 2);
}

void run_sql(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// A store written before trials and evaluations kept their baselines reads them as unknown
// (a session-30 store's one experiment-wide value in info_json is ignored); a resume adds
// the columns, and its new trials keep theirs.
TEST(EvaluationCopy, AnOlderStoresBaselinesAreUnknownAndAResumeAddsThem) {
  TestDir dir;
  const space::Genome other_at_2{{2, 3, 2, 1, 0, 0, 0, 0}};
  run_resolution_baselines(dir.file("e"), {kNetworkA}, 1, true);
  run_sql(dir.file("e") + "/experiment.db",
          "ALTER TABLE trials DROP COLUMN accuracy_baseline; ALTER TABLE evaluations DROP COLUMN baseline; "
          "UPDATE experiment SET info_json = json_set(info_json, '$.accuracy_baseline', 7.29)");
  ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 1u);
  EXPECT_FALSE(r.trials[0].accuracy_baseline);
  EXPECT_FALSE(r.accuracy_baseline_range);
  run_resolution_baselines(dir.file("e"), {kNetworkA, kCopyOfA, other_at_2}, 3, false);
  r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 3u);
  EXPECT_FALSE(r.trials[0].accuracy_baseline);
  EXPECT_FALSE(r.trials[1].accuracy_baseline);  // a copy of an evaluation stored without one
  EXPECT_EQ(r.trials[2].accuracy_baseline, 7.292);
}

// A store written before trials kept the trial a copy took its evaluation from reads it as
// unset; its front still lists the copy with its network, and a resume adds the column.
TEST(EvaluationCopy, AnOlderStoresCopiesHaveNoSourceTrialAndAResumeAddsIt) {
  TestDir dir;
  const std::string d = dir.file("e");
  run_copies(d, {kNetworkA, kCopyOfA, kOtherNetwork}, {.trials = 2}, true);
  run_sql(d + "/experiment.db", "ALTER TABLE trials DROP COLUMN copy_of");
  ExperimentRecord r = read_experiment(d);
  ASSERT_EQ(r.trials.size(), 2u);
  EXPECT_TRUE(accuracy_copied(r.trials[1]));
  EXPECT_FALSE(r.trials[1].copy_of);
  const std::vector<ParetoNetwork> front = pareto_networks(r);
  ASSERT_EQ(front.size(), 1u);
  EXPECT_EQ(front[0].copies, (std::vector<std::size_t>{1}));
  run_copies(d, {kNetworkA, kCopyOfA, kOtherNetwork, kCopyOfA}, {.trials = 3}, false);
  r = read_experiment(d);
  ASSERT_EQ(r.trials.size(), 3u);
  EXPECT_FALSE(r.trials[1].copy_of);
  EXPECT_FALSE(r.trials[2].copy_of);  // evaluated itself
  EXPECT_TRUE(r.trials[2].accuracy_evaluated);
}

}  // namespace
}  // namespace hwnas::search

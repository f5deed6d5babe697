// The experiment loop on test doubles: determinism, resume equal to an uninterrupted run,
// genomes asked again answered from the records, exhaustion, interruption.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <chrono>
#include <set>
#include <fstream>
#include <iterator>
#include <thread>

#include "hwnas/base/error.h"
#include "hwnas/search/run_search.h"
#include "hwnas/search/search_step.h"
#include "search/experiment_fakes.h"
#include "search/killing_cost_model.h"

namespace hwnas::search {
namespace {

using testing::FakeCostModel;
using testing::fake_info;
using testing::expect_same_trials;
using testing::FakeProblem;
using testing::ScriptedStrategy;
using testing::TestDir;

/// Runs `strategy` (made afresh, as a new process would) on the fake problem in `dir`,
/// creating the experiment when `create`; `stop_after` steps, then stops as Ctrl-C does.
LoopOutcome run(const FakeProblem& problem, const std::string& dir, const std::string& strategy, Budget budget,
                bool create, std::int64_t stop_after = -1) {
  FakeCostModel cost(problem);
  const std::unique_ptr<Strategy> s = make_strategy(strategy, nlohmann::json::object(), {&problem.space, 7, 1});
  ExperimentStore store = create ? ExperimentStore::create(dir, fake_info(strategy)) : ExperimentStore::open(dir);
  std::atomic<bool> stop{false};
  std::int64_t steps = 0;
  SearchHooks hooks{&stop, [&](const SearchProgress&) {
                      if (++steps == stop_after) stop = true;
                    }};
  const space::Filters no_filters;
  return search_loop({problem.space, cost, *s, no_filters}, store, budget, hooks);
}

TEST(ExperimentLoop, SameSeedGivesTheSameTrials) {
  const FakeProblem problem;
  TestDir dir;
  for (const char* strategy : {"random", "evolution"}) {
    SCOPED_TRACE(strategy);
    const std::string a = dir.file(std::string(strategy) + "-a"), b = dir.file(std::string(strategy) + "-b");
    EXPECT_EQ(run(problem, a, strategy, {.evaluations = 60}, true).reason, StopReason::budget);
    run(problem, b, strategy, {.evaluations = 60}, true);
    const ExperimentRecord ra = read_experiment(a), rb = read_experiment(b);
    EXPECT_EQ(ra.accuracy_evaluations, 60);
    expect_same_trials(ra, rb);
  }
}

TEST(ExperimentLoop, ResumedSearchEqualsAnUninterruptedOne) {
  const FakeProblem problem;
  TestDir dir;
  const Budget budget{.evaluations = 80};
  run(problem, dir.file("whole"), "evolution", budget, true);
  const ExperimentRecord whole = read_experiment(dir.file("whole"));
  for (const std::int64_t first_stop : {1, 17, 63}) {
    SCOPED_TRACE("stopped after " + std::to_string(first_stop));
    const std::string d = dir.file("parts" + std::to_string(first_stop));
    EXPECT_EQ(run(problem, d, "evolution", budget, true, first_stop).reason, StopReason::interrupted);
    EXPECT_EQ(read_experiment(d).state->steps, first_stop);
    EXPECT_EQ(run(problem, d, "evolution", budget, false, 20).reason, StopReason::interrupted);  // twice
    EXPECT_EQ(run(problem, d, "evolution", budget, false).reason, StopReason::budget);
    expect_same_trials(read_experiment(d), whole);
  }
}

TEST(ExperimentLoop, AGenomeAskedAgainIsAnsweredFromTheRecords) {
  const FakeProblem problem;
  TestDir dir;
  const std::vector<space::Genome> script = {{{1, 1, 1, 1, 1, 1, 1, 1}}, {{0, 0, 0, 0, 0, 0, 0, 0}},
                                             {{1, 1, 1, 1, 1, 1, 1, 1}}, {{0, 0, 0, 0, 0, 0, 3, 0}},
                                             {{2, 0, 0, 0, 0, 0, 0, 0}}};
  ScriptedStrategy strategy(script);
  FakeCostModel cost(problem);
  ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("scripted"));
  const space::Filters no_filters;
  const LoopOutcome out = search_loop({problem.space, cost, strategy, no_filters}, store, {.trials = 3}, {});
  EXPECT_EQ(out.reason, StopReason::budget);
  // 0-0-0-0-0-0-3-0 is canonically 0-0-0-0-0-0-0-0 (gene 6 is dead when gene 7 is 0), so
  // the five asks hold three architectures.
  const ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 3u);
  EXPECT_EQ(cost.screens, 3);
  EXPECT_EQ(r.trials[1].genome, script[1]);
  EXPECT_EQ(r.trials[2].genome, script[4]);
  EXPECT_EQ(r.state->steps, 5);
  EXPECT_EQ(r.state->duplicates, 2);
  // The strategy was told about every ask, the repeats with the recorded answer.
  ASSERT_EQ(strategy.told.size(), static_cast<std::size_t>(r.state->steps));
  EXPECT_EQ(strategy.told[2].genome, script[0]);
  EXPECT_EQ(strategy.told[2].fitness, strategy.told[0].fitness);
  EXPECT_EQ(strategy.told[3].genome, script[1]);
}

TEST(ExperimentLoop, StopsWhenEveryArchitectureWasEvaluated) {
  const testing::TinySpace tiny;
  TestDir dir;
  testing::FunctionCostModel cost([](const AccuracyJob& job) {
    return AccuracyResult{job.id, job.genome.genes[0] * 3 + job.genome.genes[1], "", 0};
  });
  const std::unique_ptr<Strategy> s = make_strategy("evolution", nlohmann::json::object(), {&tiny, 3, 1});
  ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("evolution"));
  const space::Filters no_filters;
  const LoopOutcome out = search_loop({tiny, cost, *s, no_filters}, store, {.evaluations = 100}, {});
  EXPECT_EQ(out.reason, StopReason::exhausted);
  // Genomes tried and networks evaluated (a copy would be counted apart: s30 finding 5).
  EXPECT_EQ(out.message, "every genome of space 'tiny' (6) has been tried: 6 networks evaluated for accuracy");
  const ExperimentRecord r = read_experiment(dir.file("e"));
  EXPECT_EQ(r.trials.size(), 6u);
  EXPECT_EQ(r.trials[*best_trial(r)].metrics.accuracy, 5.0);
}

// With evaluations at two rungs the line counts candidates, as hwnas search's summary
// does ("N candidates evaluated for accuracy (M evaluations over 2 rungs; ...)"): a
// candidate copied at one rung may be evaluated at another (s31 fresh-user finding 16).
TEST(ExperimentLoop, AMultiFidelitySearchThatTriedEveryGenomeCountsCandidates) {
  const testing::TinySpace tiny;
  TestDir dir;
  // Two networks (gene a), at both rungs.
  testing::FunctionCostModel cost(
      [](const AccuracyJob& job) { return AccuracyResult{job.id, double(job.genome.genes[0] + job.rung), "", 0}; },
      [](const space::Genome& g) { return std::optional<std::uint64_t>(g.genes[0]); }, 2);
  const std::unique_ptr<Strategy> s = make_strategy("evolution", nlohmann::json::object(), {&tiny, 3, 1});
  ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("evolution", 2));
  const FidelitySchedule halving(FidelityMethod::successive_halving, 2, 2, 2);
  const space::Filters no_filters;
  const LoopOutcome out = search_loop({tiny, cost, *s, no_filters, graph::Precision::int8, nullptr, &halving},
                                      store, {.evaluations = 100}, {});
  EXPECT_EQ(out.reason, StopReason::exhausted);
  const ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 6u);
  ASSERT_EQ(r.rung_costs.size(), 2u);
  ASSERT_GT(r.rung_costs[1].evaluations, 0);  // a promotion ran: evaluations at both rungs
  EXPECT_EQ(r.accuracy_evaluations + r.accuracy_copies, 6);
  EXPECT_EQ(out.message, fmt::format("every genome of space 'tiny' (6) has been tried: {} candidates evaluated for "
                                     "accuracy, {} copies of a network evaluated before",
                                     r.accuracy_evaluations, r.accuracy_copies));
}

TEST(ExperimentLoop, AStrategyThatOnlyRepeatsItselfEndsTheSearch) {
  const FakeProblem problem;
  TestDir dir;
  ScriptedStrategy strategy({{{1, 2, 3, 0, 1, 2, 3, 1}}});
  FakeCostModel cost(problem);
  ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("scripted"));
  const space::Filters no_filters;
  const LoopOutcome out = search_loop({problem.space, cost, strategy, no_filters}, store, {.trials = 10}, {});
  EXPECT_EQ(out.reason, StopReason::exhausted);
  EXPECT_NE(out.message.find("1000 already evaluated architectures in a row"), std::string::npos) << out.message;
  EXPECT_EQ(cost.screens, 1);
  EXPECT_EQ(read_experiment(dir.file("e")).state->steps, 1 + kMaxDuplicateRun);
}

TEST(ExperimentLoop, BestAndParetoComeFromFeasibleTrials) {
  const FakeProblem problem;
  TestDir dir;
  run(problem, dir.file("e"), "random", {.trials = 50}, true);
  const ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 50u);
  const std::optional<std::size_t> best = best_trial(r);
  ASSERT_TRUE(best);
  int infeasible = 0;
  for (std::size_t i = 0; i < r.trials.size(); ++i) {
    if (!r.trials[i].feasible) {
      ++infeasible;
      EXPECT_TRUE(r.fitness[i].empty());
      EXPECT_FALSE(r.trials[i].accuracy_evaluated);
      continue;
    }
    EXPECT_LE(*r.trials[i].metrics.accuracy, *r.trials[*best].metrics.accuracy);
  }
  EXPECT_GT(infeasible, 0);
  EXPECT_EQ(r.accuracy_evaluations, 50 - infeasible);
  EXPECT_EQ(r.latency_evaluations, 50);
  EXPECT_EQ(pareto_trials(r), std::vector<std::size_t>{*best});
}

// The accuracy program dies of the same Ctrl-C that stops the search: its failure is not
// the architecture's, so the step is not stored and the resumed search asks it again.
TEST(ExperimentLoop, ATrialThatFailedWithTheInterruptionIsNotStored) {
  const FakeProblem problem;
  TestDir dir;
  std::atomic<bool> stop{false};
  struct Interrupted final : CostModel {
    FakeCostModel inner;
    std::atomic<bool>* stop;
    int screens = 0;
    Interrupted(const FakeProblem& p, std::atomic<bool>* s) : inner(p), stop(s) {}
    Trial screen(const space::Genome& g) override {
      Trial t = inner.screen(g);
      if (++screens < 4) return t;
      t.status = TrialStatus::ok;  // the fourth awaits accuracy, whatever its latency
      t.feasible = true;
      t.reason.clear();
      return t;
    }
    std::int32_t rungs() const override { return 1; }
    AccuracyResult evaluate_accuracy(const AccuracyJob& job) const override {
      if (screens < 4) return inner.evaluate_accuracy(job);
      *stop = true;  // Ctrl-C arrives while the program runs, and kills it
      return {job.id, std::nullopt, "'train.py' was killed by signal 2 (Interrupt)", 0};
    }
    Feedback feedback(const Trial& t) const override { return inner.feedback(t); }
    std::size_t objectives() const override { return 1; }
    std::vector<std::string> objective_names() const override { return {"accuracy"}; }
    std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph&) const override { return {}; }
  } cost(problem, &stop);
  const space::Filters no_filters;
  const std::unique_ptr<Strategy> s = make_strategy("random", nlohmann::json::object(), {&problem.space, 7, 1});
  {
    ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("random"));
    const SearchHooks hooks{&stop, {}};
    EXPECT_EQ(search_loop({problem.space, cost, *s, no_filters}, store, {.trials = 10}, hooks).reason,
              StopReason::interrupted);
  }  // the search process ends: its lock on the store goes
  const ExperimentRecord r = read_experiment(dir.file("e"));
  EXPECT_EQ(r.trials.size(), 3u);
  EXPECT_EQ(r.state->steps, 3);
  // Resumed, the fourth genome is evaluated for real: the same trials as a run never stopped.
  run(problem, dir.file("e"), "random", {.trials = 10}, false);
  run(problem, dir.file("whole"), "random", {.trials = 10}, true);
  expect_same_trials(read_experiment(dir.file("e")), read_experiment(dir.file("whole")));
}

// A program killed from outside (kill -9, the out-of-memory killer; s27 fresh-user finding
// 4): the trial fails and the search goes on, the user is told at once, and the evaluation is
// not stored, so a step redone on --resume (one cut short) runs it again.
TEST(ExperimentLoop, AnEvaluationKilledFromOutsideIsNamedAtOnceAndNotStored) {
  const FakeProblem problem;
  TestDir dir;
  testing::KillingCostModel cost(problem, 2, SIGKILL, "hwnas-train: 'hwnas-train' was killed by signal 9 (Killed)");
  const space::Filters no_filters;
  const std::unique_ptr<Strategy> s = make_strategy("random", nlohmann::json::object(), {&problem.space, 7, 1});
  std::vector<std::string> notes;
  {
    ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("random"));
    SearchHooks hooks;
    hooks.note = [&](const std::string& line) { notes.push_back(line); };
    EXPECT_EQ(search_loop({problem.space, cost, *s, no_filters}, store, {.trials = 20}, hooks).reason,
              StopReason::budget);
  }
  const ExperimentRecord r = read_experiment(dir.file("e"));
  ASSERT_EQ(r.trials.size(), 20u);
  const auto killed = std::find_if(r.trials.begin(), r.trials.end(), [](const Trial& t) {
    return t.reason.find("killed by signal 9") != std::string::npos;
  });
  ASSERT_NE(killed, r.trials.end());
  EXPECT_EQ(killed->status, TrialStatus::failed);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_TRUE(notes[0].starts_with(fmt::format("trial {} failed at rung 0: hwnas-train: 'hwnas-train' was killed by "
                                               "signal 9 (Killed); not the network's fault (kill -9, or the kernel's "
                                               "out-of-memory killer",
                                               killed->index)))
      << notes[0];
  // Every other evaluation is stored for a resume to reuse; the killed one is not.
  const std::vector<StoredEvaluation> stored = ExperimentStore::open(dir.file("e")).evaluations();
  EXPECT_EQ(stored.size(), static_cast<std::size_t>(cost.calls - 1));
  for (const StoredEvaluation& e : stored) EXPECT_NE(e.genome, killed->genome);
}

// A wall-time budget counts the steps' time; here every evaluation takes 2 ms, so a budget
// of 1 ms ends the search after its first step (whatever the machine's speed).
TEST(ExperimentLoop, AWallTimeBudgetStopsAfterTheStepThatReachesIt) {
  const testing::TinySpace tiny;
  TestDir dir;
  struct Slow final : CostModel {
    Trial screen(const space::Genome& g) override {
      Trial t;
      t.genome = g;
      t.feasible = true;
      return t;
    }
    std::int32_t rungs() const override { return 1; }
    AccuracyResult evaluate_accuracy(const AccuracyJob& job) const override {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      return {job.id, 1.0, "", 0};
    }
    Feedback feedback(const Trial& t) const override { return {t.genome, Feedback::Status::ok, {1.0}}; }
    std::size_t objectives() const override { return 1; }
    std::vector<std::string> objective_names() const override { return {"accuracy"}; }
    std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph&) const override { return {}; }
  } cost;
  const std::unique_ptr<Strategy> s = make_strategy("random", nlohmann::json::object(), {&tiny, 1, 1});
  ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("random"));
  const space::Filters no_filters;
  const LoopOutcome out = search_loop({tiny, cost, *s, no_filters}, store, {.seconds = 0.001}, {});
  EXPECT_EQ(out.reason, StopReason::budget);
  EXPECT_NE(out.message.find("(budget.seconds 0.001)"), std::string::npos) << out.message;
  EXPECT_EQ(read_experiment(dir.file("e")).trials.size(), 1u);
  EXPECT_GE(read_experiment(dir.file("e")).state->elapsed_s, 0.002);
}

}  // namespace
}  // namespace hwnas::search

namespace hwnas::search {
namespace {

// Constraints nothing meets never reach a budget of accuracy evaluations: the search ends
// after kMaxInfeasibleRun infeasible trials in a row, saying why, and a resume (the run is
// counted from the stored trials) ends at once with the same message.
TEST(ExperimentLoop, UnsatisfiableConstraintsEndTheSearch) {
  FakeProblem problem;
  problem.limit = 0;  // every cost is >= 1
  TestDir dir;
  const LoopOutcome out = run(problem, dir.file("e"), "random", {.evaluations = 5}, true);
  EXPECT_EQ(out.reason, StopReason::infeasible);
  EXPECT_NE(out.message.find("the last 5000 trials all broke a constraint or filter, or failed (the latest: "
                             "latency_ms over the limit): the constraints seem unsatisfiable in space"),
            std::string::npos)
      << out.message;
  const ExperimentRecord r = read_experiment(dir.file("e"));
  EXPECT_EQ(r.trials.size(), static_cast<std::size_t>(kMaxInfeasibleRun));
  const LoopOutcome again = run(problem, dir.file("e"), "random", {.evaluations = 5}, false);
  EXPECT_EQ(again.reason, StopReason::infeasible);
  EXPECT_EQ(read_experiment(dir.file("e")).trials.size(), static_cast<std::size_t>(kMaxInfeasibleRun));
}

}  // namespace
}  // namespace hwnas::search

namespace hwnas::search {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The store keeps the space's fingerprint: a space file edited after the search started
// (here only the activation: the same genes, other networks) is refused on --resume; the
// same file moved is not.
TEST(ExperimentLoop, ResumeRefusesASpaceChangedSinceTheStart) {
  TestDir dir;
  const std::string space_text = read_all(std::string(HWNAS_SOURCE_DIR) + "/configs/spaces/mobilenet-cls.yaml");
  ASSERT_NE(space_text.find("activation: relu6"), std::string::npos);
  std::ofstream(dir.file("space.yaml")) << space_text;
  std::ofstream(dir.file("exp.yaml")) << "space: space.yaml\nobjective: {maximize: -macs}\nstrategy: random\n"
                                         "budget: {trials: 3}\n";
  const ExperimentConfig config = read_experiment_config(dir.file("exp.yaml"), {});
  run_search(config, dir.file("out"), false, {});
  EXPECT_NO_THROW(run_search(read_experiment_config(dir.file("exp.yaml"), {"budget.trials=4"}), dir.file("out"),
                             true, {}));
  // The same file moved (s26 second fresh-user pass, finding 12): taken, the fingerprint decides.
  std::filesystem::create_directories(dir.file("moved"));
  std::filesystem::rename(dir.file("space.yaml"), dir.file("moved/space.yaml"));
  std::ofstream(dir.file("exp.yaml")) << "space: moved/space.yaml\nobjective: {maximize: -macs}\nstrategy: random\n"
                                         "budget: {trials: 3}\n";
  EXPECT_NO_THROW(run_search(read_experiment_config(dir.file("exp.yaml"), {"budget.trials=5"}), dir.file("out"),
                             true, {}));
  std::string edited = space_text;
  edited.replace(edited.find("activation: relu6"), 17, "activation: relu");
  const auto refused = [&](const std::string& expected) {
    try {
      run_search(read_experiment_config(dir.file("exp.yaml"), {"budget.trials=6"}), dir.file("out"), true, {});
      ADD_FAILURE() << "resumed with another space";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  // Another file: both paths are named (the stored config is the last session's).
  std::ofstream(dir.file("other.yaml")) << edited;
  std::ofstream(dir.file("exp.yaml")) << "space: other.yaml\nobjective: {maximize: -macs}\nstrategy: random\n"
                                         "budget: {trials: 3}\n";
  refused("space 'mobilenet-cls' (space: other.yaml) has changed since the experiment in " + dir.file("out") +
          " started (its genes, or the networks they decode to, differ); it last ran with space: moved/space.yaml; "
          "resume with");
  // The same file edited.
  std::ofstream(dir.file("moved/space.yaml")) << edited;
  std::ofstream(dir.file("exp.yaml")) << "space: moved/space.yaml\nobjective: {maximize: -macs}\nstrategy: random\n"
                                         "budget: {trials: 3}\n";
  refused("space 'mobilenet-cls' has changed since the experiment in " + dir.file("out") +
          " started (its genes, or the networks they decode to, differ); resume with");
  EXPECT_EQ(read_experiment(dir.file("out")).trials.size(), 5u);
}

std::set<std::string> file_names(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.insert(entry.path().filename().string());
  return names;
}

// A resume holds the experiment's lock but no connection to its store while the accuracy
// sources start (a Ctrl-C then ends hwnas at once, which left experiment.db-wal and -shm
// beside the store: s26 second pass, finding 10); a search that ends, new or resumed,
// leaves the store alone.
TEST(ExperimentLoop, AResumeHoldsNoStoreConnectionWhileItsSourcesStart) {
  TestDir dir;
  std::ofstream(dir.file("exp.yaml")) << "space: mobilenet-cls\nobjective: {maximize: -macs}\nstrategy: random\n"
                                         "budget: {trials: 3}\n";
  const std::set<std::string> store_only = {kExperimentStoreFile};
  run_search(read_experiment_config(dir.file("exp.yaml"), {}), dir.file("out"), false, {});
  EXPECT_EQ(file_names(dir.file("out")), store_only);
  SearchHooks hooks;
  std::set<std::string> while_starting;
  bool locked = false;
  hooks.started = [&] {
    while_starting = file_names(dir.file("out"));
    try {
      ExperimentStore::open(dir.file("out"));
    } catch (const UserError& e) {
      locked = std::string(e.what()).find("another hwnas search is running on this experiment") != std::string::npos;
    }
  };
  run_search(read_experiment_config(dir.file("exp.yaml"), {"budget.trials=5"}), dir.file("out"), true, hooks);
  EXPECT_EQ(while_starting, store_only);
  EXPECT_TRUE(locked) << "the resume did not hold the experiment's lock while its sources started";
  EXPECT_EQ(file_names(dir.file("out")), store_only);
  EXPECT_EQ(read_experiment(dir.file("out")).trials.size(), 5u);
}

// A supernet file moved since the search started: --resume says to give its new path (the
// stored digest identifies the file), not to train one (s26 second pass, finding 8); a
// missing space file is named at the space: key.
TEST(ExperimentLoop, AMissingSupernetOrSpaceFileIsNamedAtItsKey) {
  TestDir dir;
  std::ofstream(dir.file("exp.yaml")) << "space: mobilenet-cls\naccuracy: {supernet: sn/x.supernet}\n"
                                         "objective: {maximize: accuracy}\nstrategy: random\nbudget: {trials: 3}\n";
  ExperimentInfo info = fake_info("random");
  info.inputs = {{"accuracy.supernet", "/old/x.supernet", "3 bytes, hash 0123456789abcdef"}};
  ExperimentStore::create(dir.file("out"), info);
  const auto error = [&](const std::string& out, bool resume) {
    try {
      run_search(read_experiment_config(dir.file("exp.yaml"), {}), out, resume, {});
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const std::string missing = dir.file("sn/x.supernet");
  EXPECT_EQ(error(dir.file("out"), true),
            "--resume: " + dir.file("exp.yaml") + ":2: accuracy.supernet: no such file '" + missing +
                "'; the experiment in " + dir.file("out") + " started with the supernet at '/old/x.supernet' (3 "
                "bytes, hash 0123456789abcdef): if it moved, give its new path here (the stored digest checks that it "
                "is the same file)");
  EXPECT_NE(error(dir.file("new"), false).find(":2: accuracy.supernet: no such file '" + missing + "' (train one with"),
            std::string::npos);
  std::ofstream(dir.file("exp.yaml")) << "objective: {maximize: -macs}\nspace: spaces/gone.yaml\nstrategy: random\n"
                                         "budget: {trials: 3}\n";
  EXPECT_EQ(error(dir.file("new"), false),
            dir.file("exp.yaml") + ":2: space: no such space file '" + dir.file("spaces/gone.yaml") +
                "' (a path is relative to the experiment file); check the path, or name a built-in space "
                "(docs/spaces.md)");
}

TEST(ExperimentLoop, ATimeBudgetStopsBeforeAStepExpectedToEndPastIt) {
  const Budget budget{.seconds = 100};
  EXPECT_FALSE(budget_reached(budget, 0, 0, 0, 0));    // no step yet: no estimate
  EXPECT_FALSE(budget_reached(budget, 5, 5, 60, 2));   // mean 30 s: the next ends at 90
  const std::optional<std::string> why = budget_reached(budget, 6, 6, 75, 3);  // mean 25: ends at 100.0...
  EXPECT_FALSE(why);                                   // ... which is within the limit
  const std::optional<std::string> past = budget_reached(budget, 6, 6, 80, 3);  // mean 26.7: ends at 106.7
  ASSERT_TRUE(past);
  EXPECT_NE(past->find("a step takes 27 s on average"), std::string::npos) << *past;
  EXPECT_TRUE(budget_reached(budget, 1, 1, 100, 1));   // the limit itself
  EXPECT_TRUE(budget_reached({.trials = 4}, 4, 0, 0, 0));
  EXPECT_TRUE(budget_reached({.evaluations = 2}, 9, 2, 0, 0));
}

}  // namespace
}  // namespace hwnas::search

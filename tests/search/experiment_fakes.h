// Test doubles for the experiment loop: a cost model over FakeProblem (accuracy = the
// problem's fitness, latency = its cost, infeasible above the median cost) that counts its
// accuracy evaluations, a strategy that proposes a fixed list, a tiny space that random search
// exhausts, and a scratch directory per test; and the check that two experiments hold the same
// trials.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hwnas/search/cost_model.h"
#include "hwnas/search/experiment_store.h"
#include "hwnas/search/strategy.h"
#include "search/fake_problem.h"

namespace hwnas::search::testing {

class FakeCostModel final : public CostModel {
 public:
  explicit FakeCostModel(const FakeProblem& problem) : problem_(problem) {}

  Trial screen(const space::Genome& genome) override {
    ++screens;
    Trial t;
    t.genome = genome;
    t.arch = space::to_text(genome);
    t.metrics.latency_ms = problem_.cost(genome);
    t.metrics.params = 1000 + genome.genes[0];
    if (*t.metrics.latency_ms > problem_.limit) {
      t.status = TrialStatus::infeasible;
      t.reason = "latency_ms over the limit";
      return t;
    }
    t.feasible = true;
    return t;
  }
  std::int32_t rungs() const override { return 1; }
  AccuracyResult evaluate_accuracy(const AccuracyJob& job) const override {
    ++evaluations;
    return {job.id, problem_.fitness(job.genome), "", 0};
  }
  std::optional<double> budget_use(const space::Genome& genome) override { return problem_.cost(genome) / problem_.limit; }
  Feedback feedback(const Trial& trial) const override { return problem_.constrained(trial.genome); }
  std::size_t objectives() const override { return 1; }
  std::vector<std::string> objective_names() const override { return {"accuracy"}; }
  std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph&) const override { return {}; }

  int screens = 0;                          // screen calls: genomes evaluated
  mutable std::atomic<int> evaluations{0};  // evaluate_accuracy calls

 private:
  const FakeProblem& problem_;
};

/// Every genome feasible, its accuracy evaluation `evaluate` (failures included), its
/// evaluation key `key` at every rung (none: every genome its own), `rungs` fidelity rungs;
/// counts the evaluations it runs. For loop tests without constraints.
class FunctionCostModel final : public CostModel {
 public:
  using Evaluate = std::function<AccuracyResult(const AccuracyJob&)>;
  using Key = std::function<std::optional<std::uint64_t>(const space::Genome&)>;
  explicit FunctionCostModel(Evaluate evaluate, Key key = {}, std::int32_t rungs = 1)
      : evaluate_(std::move(evaluate)), key_(std::move(key)), rungs_(rungs) {}

  Trial screen(const space::Genome& genome) override {
    Trial t;
    t.genome = genome;
    t.arch = space::to_text(genome);
    t.feasible = true;
    return t;
  }
  std::int32_t rungs() const override { return rungs_; }
  AccuracyResult evaluate_accuracy(const AccuracyJob& job) const override {
    ++evaluations;
    return evaluate_(job);
  }
  std::optional<std::uint64_t> evaluation_key(const space::Genome& genome, std::int32_t) const override {
    return key_ ? key_(genome) : std::nullopt;
  }
  Feedback feedback(const Trial& t) const override {
    if (!t.metrics.accuracy) return {t.genome, Feedback::Status::failed, {}};
    return {t.genome, Feedback::Status::ok, {*t.metrics.accuracy}};
  }
  std::size_t objectives() const override { return 1; }
  std::vector<std::string> objective_names() const override { return {"accuracy"}; }
  std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph&) const override { return {}; }

  mutable std::atomic<int> evaluations{0};  // evaluate_accuracy calls

 private:
  Evaluate evaluate_;
  Key key_;
  std::int32_t rungs_;
};

/// What the loop tests store about an experiment on the fake problem.
inline ExperimentInfo fake_info(const std::string& strategy, std::int32_t rungs = 1) {
  ExperimentInfo info;
  info.config_yaml = "seed: 7\n";
  info.experiment_file = "exp.yaml";
  info.space = "fake";
  info.strategy = strategy;
  info.seed = 7;
  info.objective_names = {"accuracy"};
  info.rungs = rungs;
  return info;
}

/// A pool of one worker that runs the jobs of `cost` in order until, in its `cut`-th run()
/// of at least `min_jobs` jobs, the first job is done: then it sets `stop` as Ctrl-C would,
/// and starts no job while stop is set.
class CutPool final : public AccuracyPool {
 public:
  CutPool(const CostModel& cost, std::atomic<bool>& stop, int cut, std::size_t min_jobs)
      : cost_(cost), stop_(stop), cut_(cut), min_jobs_(min_jobs) {}
  std::int32_t workers() const override { return 1; }
  void run(std::span<const AccuracyJob> jobs, const std::function<void(const AccuracyResult&)>& on_result,
           const std::atomic<bool>*) override {
    const bool cut = jobs.size() >= min_jobs_ && ++runs_ == cut_;
    for (const AccuracyJob& j : jobs) {
      if (stop_) return;
      on_result(cost_.evaluate_accuracy(j));
      if (cut) stop_ = true;
    }
  }

 private:
  const CostModel& cost_;
  std::atomic<bool>& stop_;
  int cut_, runs_ = 0;
  std::size_t min_jobs_;
};

/// Proposes a fixed list of genomes, over and over; its state is the position. `told` holds
/// every tell, in order.
class ScriptedStrategy final : public Strategy {
 public:
  explicit ScriptedStrategy(std::vector<space::Genome> script) : script_(std::move(script)) {}
  space::Genome ask() override { return script_[asked_++ % script_.size()]; }
  void tell(const Feedback& f) override { told.push_back(f); }
  nlohmann::json state() const override { return {{"asked", asked_}}; }
  void restore(const nlohmann::json& s) override { asked_ = s.at("asked").get<std::size_t>(); }
  std::vector<Feedback> told;

 private:
  std::vector<space::Genome> script_;
  std::size_t asked_ = 0;
};

/// Expects `a` and `b` to hold the same trials (index, genome, status, accuracy, latency,
/// fitness) and the same loop state (steps, batches, repeats, the strategy's state).
inline void expect_same_trials(const ExperimentRecord& a, const ExperimentRecord& b) {
  ASSERT_EQ(a.trials.size(), b.trials.size());
  for (std::size_t i = 0; i < a.trials.size(); ++i) {
    SCOPED_TRACE("trial " + std::to_string(i));
    EXPECT_EQ(a.trials[i].index, b.trials[i].index);
    EXPECT_EQ(a.trials[i].genome, b.trials[i].genome);
    EXPECT_EQ(a.trials[i].status, b.trials[i].status);
    EXPECT_EQ(a.trials[i].metrics.accuracy, b.trials[i].metrics.accuracy);
    EXPECT_EQ(a.trials[i].metrics.latency_ms, b.trials[i].metrics.latency_ms);
    EXPECT_EQ(a.fitness[i], b.fitness[i]);
  }
  ASSERT_TRUE(a.state && b.state);
  EXPECT_EQ(a.state->steps, b.state->steps);
  EXPECT_EQ(a.state->batches, b.state->batches);
  EXPECT_EQ(a.state->duplicates, b.state->duplicates);
  EXPECT_EQ(a.state->strategy, b.state->strategy);
}

/// Two genes of two and three choices: six architectures.
class TinySpace final : public space::Space {
 public:
  const std::string& name() const override { return name_; }
  const std::vector<space::Gene>& genes() const override { return genes_; }
  graph::Graph decode(const space::Genome&) const override { return graph::Graph("tiny"); }

 private:
  std::string name_ = "tiny";
  std::vector<space::Gene> genes_ = {{"a", {"0", "1"}}, {"b", {"0", "1", "2"}}};
};

/// A fresh directory for one test, removed at scope exit.
class TestDir {
 public:
  TestDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("hwnas-" + std::string(info->test_suite_name()) + "." + info->name() + "-" + std::to_string(::getpid()) +
             "-" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  ~TestDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
  static inline int counter_ = 0;
};

}  // namespace hwnas::search::testing

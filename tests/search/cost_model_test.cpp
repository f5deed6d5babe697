// The cost model on NAS-Bench-201: metrics from each latency and accuracy source, hard
// constraints checked cheapest first, infeasible candidates never costing an accuracy
// evaluation, and the strategy's view of a trial.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "cost_model_support.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/hw/store/measurement_store.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/search/metrics.h"

namespace hwnas::search {
namespace {

using namespace testing;

const char* kNb201Sources = R"(
latency: {csv: data:nb201/nb201.csv, column: lat_ms_pixel3}
accuracy: {csv: data:nb201/nb201.csv, column: acc_cifar10}
)";

std::vector<space::Genome> sample_genomes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<space::Genome> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(space::sample(nb201(), rng));
  return out;
}

std::size_t lines_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

// budget_use: the largest value / limit over the `<=` constraints, from the cheap metrics
// alone (the accuracy CSV is never read for it), and nothing without such a constraint.
TEST(CostModelCsv, BudgetUseIsTheLargestShareOfALimitAndNeedsNoAccuracy) {
  nb201_csv();
  const std::string both = std::string(kNb201Sources) +
                           "objective: {maximize: accuracy, constraints: [latency_ms <= 8, params <= 1M]}\n";
  const auto model = cost_model(both, nb201());
  for (const space::Genome& g : sample_genomes(20, 3)) {
    const double latency = nb201_value(nb201().arch(g), "lat_ms_pixel3");
    const double params = static_cast<double>(graph::analyze(nb201().decode(g), graph::Precision::fp32).total.params);
    const std::optional<double> use = model->budget_use(g);
    ASSERT_TRUE(use.has_value());
    EXPECT_DOUBLE_EQ(*use, std::max(latency / 8, params / 1e6)) << nb201().arch(g);
    // Over 1 exactly when evaluate() finds a constraint broken.
    EXPECT_EQ(*use > 1, model->evaluate(g).status == TrialStatus::infeasible) << nb201().arch(g);
  }
  // A `>=` constraint broken by 25% counts as 1.25; one that holds adds nothing.
  const auto at_least = cost_model(std::string(kNb201Sources) +
                                       "objective: {maximize: accuracy, constraints: [latency_ms <= 1000, "
                                       "latency_ms >= 1000]}\n",
                                   nb201());
  const space::Genome g = sample_genomes(1, 4)[0];
  const double latency = nb201_value(nb201().arch(g), "lat_ms_pixel3");
  EXPECT_DOUBLE_EQ(*at_least->budget_use(g), 1 + (1000 - latency) / 1000);
  const auto holds = cost_model(std::string(kNb201Sources) +
                                    "objective: {maximize: accuracy, constraints: [latency_ms >= 0.001, "
                                    "latency_ms <= 1000]}\n",
                                nb201());
  EXPECT_DOUBLE_EQ(*holds->budget_use(g), latency / 1000);  // not 1: the `>=` holds (fresh-user finding)
  // No `<=` constraint: no budget to use.
  EXPECT_FALSE(cost_model(std::string(kNb201Sources) + "objective: {maximize: accuracy}\n", nb201())
                   ->budget_use(g)
                   .has_value());
  EXPECT_FALSE(cost_model(std::string(kNb201Sources) +
                              "objective: {maximize: accuracy, constraints: [params >= 1]}\n",
                          nb201())
                   ->budget_use(g)
                   .has_value());
}

TEST(CostModelCsv, LatencyAndAccuracyAreTheArchitecturesRow) {
  nb201_csv();
  const auto model = cost_model(std::string(kNb201Sources) + "objective: {maximize: accuracy}\n", nb201());
  for (const space::Genome& g : sample_genomes(5, 1)) {
    const Trial t = model->evaluate(g);
    ASSERT_EQ(t.status, TrialStatus::ok) << t.reason;
    EXPECT_TRUE(t.feasible);
    EXPECT_TRUE(t.accuracy_evaluated);
    EXPECT_EQ(t.arch, nb201().arch(g));
    EXPECT_DOUBLE_EQ(*t.metrics.latency_ms, nb201_value(t.arch, "lat_ms_pixel3"));
    EXPECT_DOUBLE_EQ(*t.metrics.accuracy, nb201_value(t.arch, "acc_cifar10"));
    // Memory and counts: exact, from the analysis of the decoded network (fp32: a table
    // states no precision).
    const graph::Analysis a = graph::analyze(nb201().decode(g), graph::Precision::fp32);
    EXPECT_EQ(t.metrics.peak_activation_bytes, a.peak_activation_bytes);
    EXPECT_EQ(t.metrics.weight_bytes, a.total.weight_bytes);
    EXPECT_EQ(t.metrics.params, a.total.params);
    EXPECT_EQ(t.metrics.macs, a.total.macs);
    EXPECT_GT(t.metrics.macs, 0);
    const Feedback f = model->feedback(t);
    EXPECT_EQ(f.status, Feedback::Status::ok);
    EXPECT_EQ(f.fitness, std::vector<double>{*t.metrics.accuracy});
    EXPECT_EQ(f.violation, 0);
  }
  EXPECT_EQ(model->objectives(), 1u);
  EXPECT_EQ(model->objective_names(), std::vector<std::string>{"accuracy"});
  EXPECT_TRUE(model->layer_latency_ms(nb201().decode(sample_genomes(1, 2)[0])).empty());  // whole-network table
}

TEST(CostModelCsv, AMissingRowIsAFailedTrialAndTheSearchGoesOn) {
  const std::vector<space::Genome> g = sample_genomes(3, 3);
  write_file(scratch() / "two_rows.csv", "arch,lat,acc\n" + nb201().arch(g[0]) + ",2.5,71.5\n" +
                                             nb201().arch(g[1]) + ",3.5,60\n");
  const auto model = cost_model(R"(
latency: {csv: two_rows.csv, column: lat}
accuracy: {csv: two_rows.csv, column: acc}
objective: {maximize: accuracy}
)", nb201());
  EXPECT_EQ(model->evaluate(g[0]).metrics.accuracy, 71.5);
  EXPECT_EQ(model->evaluate(g[1]).metrics.latency_ms, 3.5);
  const Trial missing = model->evaluate(g[2]);
  EXPECT_EQ(missing.status, TrialStatus::failed);
  EXPECT_NE(missing.reason.find("two_rows.csv has no row for architecture '" + nb201().arch(g[2]) + "'"),
            std::string::npos)
      << missing.reason;
  EXPECT_FALSE(missing.accuracy_evaluated);  // the latency failed first
  EXPECT_EQ(model->feedback(missing).status, Feedback::Status::failed);
  EXPECT_TRUE(model->feedback(missing).fitness.empty());

  // Accuracy alone: the row is missing from the accuracy table.
  const auto accuracy_only = cost_model("accuracy: {csv: two_rows.csv, column: acc}\nobjective: {maximize: accuracy}\n",
                                        nb201());
  const Trial t = accuracy_only->evaluate(g[2]);
  EXPECT_EQ(t.status, TrialStatus::failed);
  EXPECT_TRUE(t.accuracy_evaluated);
  EXPECT_EQ(t.reason.rfind("accuracy: ", 0), 0u) << t.reason;
}

TEST(CostModelConstraints, InfeasibleTrialsNeverCallTheAccuracySource) {
  const std::string calls = (scratch() / "calls_infeasible.txt").string();
  const std::string stub = std::string(HWNAS_SOURCE_DIR) + "/tests/search/data/train_stub.py";
  const auto model = cost_model(R"(
latency: {csv: data:nb201/nb201.csv, column: lat_ms_pixel3}
accuracy: {command: [python3, )" + stub + ", ok, '{model}', '{fidelity}', " + calls + R"(], fidelity: 1}
objective:
  constraints: [latency_ms <= 8]
  maximize: accuracy
)", nb201());
  std::size_t feasible = 0, infeasible = 0;
  for (const space::Genome& g : sample_genomes(16, 4)) {
    const Trial t = model->evaluate(g);
    const double latency = nb201_value(t.arch, "lat_ms_pixel3");
    if (latency <= 8) {
      ++feasible;
      EXPECT_EQ(t.status, TrialStatus::ok) << t.reason;
      EXPECT_TRUE(t.accuracy_evaluated);
      EXPECT_EQ(model->feedback(t).violation, 0);
    } else {
      ++infeasible;
      EXPECT_EQ(t.status, TrialStatus::infeasible);
      EXPECT_FALSE(t.feasible);
      EXPECT_FALSE(t.accuracy_evaluated);
      EXPECT_FALSE(t.metrics.accuracy);
      EXPECT_EQ(t.reason, fmt::format("latency_ms {:g} > 8", latency));
      const Feedback f = model->feedback(t);
      EXPECT_EQ(f.status, Feedback::Status::infeasible);
      EXPECT_DOUBLE_EQ(f.violation, (latency - 8) / 8);
    }
    EXPECT_EQ(lines_of(calls), feasible);  // one program run per feasible trial, none for the others
  }
  EXPECT_GT(feasible, 0u);
  EXPECT_GT(infeasible, 0u);
}

TEST(CostModelConstraints, MemoryIsCheckedBeforeTheLatencyIsAsked) {
  const space::Genome g = sample_genomes(1, 5)[0];
  const Metrics m = network_metrics(nb201().decode(g), graph::Precision::fp32, 1);
  const auto model = cost_model(std::string(kNb201Sources) + fmt::format(R"(
objective:
  constraints: [latency_ms <= 1000, 'peak_activation_bytes <= {}B', 'weight_bytes <= {}']
  maximize: accuracy
)", m.peak_activation_bytes - 1, m.weight_bytes - 1), nb201());
  const Trial t = model->evaluate(g);
  EXPECT_EQ(t.status, TrialStatus::infeasible);
  EXPECT_FALSE(t.metrics.latency_ms);  // never asked: a cheap metric broke a constraint first
  EXPECT_EQ(t.reason, fmt::format("peak_activation_bytes {} > {}B ({}); weight_bytes {} > {}", m.peak_activation_bytes,
                                  m.peak_activation_bytes - 1, m.peak_activation_bytes - 1, m.weight_bytes,
                                  m.weight_bytes - 1));
  EXPECT_DOUBLE_EQ(model->feedback(t).violation, 1.0 / static_cast<double>(m.peak_activation_bytes - 1) +
                                                     1.0 / static_cast<double>(m.weight_bytes - 1));
}

TEST(CostModelObjective, LatencyOnlySearchMinimisesLatency) {
  const auto model = cost_model(R"(
latency: {csv: data:nb201/nb201.csv, column: lat_ms_eyeriss}
objective: {maximize: -latency_ms}
)", nb201());
  const Trial t = model->evaluate(sample_genomes(1, 6)[0]);
  ASSERT_EQ(t.status, TrialStatus::ok);
  EXPECT_FALSE(t.accuracy_evaluated);
  EXPECT_FALSE(t.metrics.accuracy);
  EXPECT_EQ(model->feedback(t).fitness, std::vector<double>{-nb201_value(t.arch, "lat_ms_eyeriss")});
  EXPECT_EQ(model->objective_names(), std::vector<std::string>{"-latency_ms"});
}

TEST(CostModelObjective, RewardsAndParetoObjectives) {
  const space::Genome g = sample_genomes(1, 7)[0];
  const std::string arch = nb201().arch(g);
  const double acc = nb201_value(arch, "acc_cifar10"), lat = nb201_value(arch, "lat_ms_pixel3");
  const double target = lat / 2;  // slower than the target: MnasNet's beta applies
  const auto mnasnet = cost_model(std::string(kNb201Sources) + fmt::format(
      "objective: {{maximize: mnasnet_reward, reward: {{target_ms: {}, alpha: -0.05, beta: -0.5}}}}\n", target), nb201());
  EXPECT_DOUBLE_EQ(mnasnet->feedback(mnasnet->evaluate(g)).fitness.at(0), acc * std::pow(2.0, -0.5));
  const auto mnasnet_fast = cost_model(std::string(kNb201Sources) + fmt::format(
      "objective: {{maximize: mnasnet_reward, reward: {{target_ms: {}}}}}\n", lat * 2), nb201());
  EXPECT_DOUBLE_EQ(mnasnet_fast->feedback(mnasnet_fast->evaluate(g)).fitness.at(0), acc * std::pow(0.5, -0.07));
  const auto tunas = cost_model(std::string(kNb201Sources) + fmt::format(
      "objective: {{maximize: tunas_reward, reward: {{target_ms: {}, beta: -0.07}}}}\n", target), nb201());
  EXPECT_DOUBLE_EQ(tunas->feedback(tunas->evaluate(g)).fitness.at(0), acc + 100 * -0.07 * 1.0);
  const auto pareto = cost_model(std::string(kNb201Sources) + "objective: {maximize: [accuracy, -latency_ms, -params]}\n",
                                 nb201());
  const Trial t = pareto->evaluate(g);
  EXPECT_EQ(pareto->objectives(), 3u);
  EXPECT_EQ(pareto->objective_names(), (std::vector<std::string>{"accuracy", "-latency_ms", "-params"}));
  EXPECT_EQ(pareto->feedback(t).fitness, (std::vector<double>{acc, -lat, -static_cast<double>(t.metrics.params)}));
}

TEST(CostModelTarget, MeasuresKernelsOnceThroughTheStore) {
  const std::filesystem::path store = scratch() / "target_store.db";
  const std::string yaml = "latency: {target: npu-p16, store: target_store.db}\nobjective: {maximize: -latency_ms}\n";
  const space::Genome g = sample_genomes(1, 8)[0];
  const auto model = cost_model(yaml, nb201());
  const Trial t = model->evaluate(g);
  ASSERT_EQ(t.status, TrialStatus::ok) << t.reason;
  ASSERT_GT(*t.metrics.latency_ms, 0);
  // Memory at the target's precision (npu-p16 runs int8).
  EXPECT_EQ(t.metrics.weight_bytes, graph::analyze(nb201().decode(g), graph::Precision::int8).total.weight_bytes);
  const auto layers = model->layer_latency_ms(nb201().decode(g));
  ASSERT_FALSE(layers.empty());
  double sum = 0;
  for (const auto& [name, ms] : layers) sum += ms;
  EXPECT_NEAR(sum, *t.metrics.latency_ms, 1e-9 * sum);
  EXPECT_FALSE(layers.front().first.empty());

  const std::size_t stored = hw::MeasurementStore::open(store.string()).count(
      hw::make_target("npu-p16")->identity());
  EXPECT_GT(stored, 0u);
  // A second run reads them back and measures nothing new.
  const Trial again = cost_model(yaml, nb201())->evaluate(g);
  EXPECT_EQ(again.metrics.latency_ms, t.metrics.latency_ms);
  EXPECT_EQ(hw::MeasurementStore::open(store.string()).count(hw::make_target("npu-p16")->identity()), stored);
  // Without a store the simulator is asked directly: the same latency.
  const auto direct = cost_model("latency: {target: npu-p16}\nobjective: {maximize: -latency_ms}\n", nb201());
  EXPECT_EQ(direct->evaluate(g).metrics.latency_ms, t.metrics.latency_ms);
  EXPECT_EQ(direct->layer_latency_ms(nb201().decode(g)), layers);
}

TEST(CostModelTarget, ATableTargetIsLookedUpByArchitecture) {
  const space::Genome g = sample_genomes(1, 9)[0];
  write_file(scratch() / "table.csv", "arch,ms\n" + nb201().arch(g) + ",4.25\n");
  write_file(scratch() / "table.yaml", "name: tt\nkind: table\ncsv: table.csv\nlatency_column: ms\n");
  const auto model = cost_model("latency: {target: table.yaml}\nobjective: {maximize: -latency_ms}\n", nb201());
  EXPECT_EQ(model->evaluate(g).metrics.latency_ms, 4.25);
  EXPECT_EQ(cost_model_error("latency: {target: table.yaml, store: s.db}\nobjective: {maximize: -latency_ms}\n", nb201()),
            scratch().string() + "/exp.yaml:1: latency.store: target 'table.yaml' is a table of whole-network "
                                 "latencies, which are never measured; remove store");
}

TEST(CostModelPaths, DataPrefixReadsHwnasDataDirAndRelativePathsTheExperimentsDirectory) {
  const space::Genome g = sample_genomes(1, 10)[0];
  std::filesystem::create_directories(scratch() / "data" / "t");
  std::filesystem::create_directories(scratch() / "exp");
  write_file(scratch() / "data" / "t" / "lat.csv", "arch,ms\n" + nb201().arch(g) + ",1.5\n");
  write_file(scratch() / "exp" / "acc.csv", "arch,acc\n" + nb201().arch(g) + ",66\n");
  const char* before = std::getenv("HWNAS_DATA_DIR");
  const std::string saved = before != nullptr ? before : "";
  ::setenv("HWNAS_DATA_DIR", (scratch() / "data").c_str(), 1);
  const auto model = cost_model(R"(
latency: {csv: data:t/lat.csv, column: ms}
accuracy: {csv: acc.csv, column: acc}
objective: {maximize: accuracy}
)", nb201(), "exp/exp.yaml");
  if (before != nullptr) ::setenv("HWNAS_DATA_DIR", saved.c_str(), 1); else ::unsetenv("HWNAS_DATA_DIR");
  const Trial t = model->evaluate(g);
  EXPECT_EQ(t.metrics.latency_ms, 1.5);
  EXPECT_EQ(t.metrics.accuracy, 66);
}

}  // namespace
}  // namespace hwnas::search

// Latency from estimator files: the tests' shared npu-p16 kernel estimator
// (tests/estimate/shared_estimator.h, fitted once per ctest run) and a table estimator
// fitted here on 40 NAS-Bench-201 rows.
#include <gtest/gtest.h>

#include <fstream>

#include "cost_model_support.h"
#include "estimate/shared_estimator.h"
#include "fake_problem.h"
#include "hwnas/estimate/table_fit.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/space/registry.h"

namespace hwnas::search {
namespace {

using namespace testing;

const space::Genome& genome() {
  static const space::Genome g = nb201().parse_arch(
      "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|");
  return g;
}

TEST(CostModelEstimator, AKernelEstimatorPredictsEachKernel) {
  const estimate::Estimator& estimator = hwnas::testing::shared_estimator(scratch());
  estimator.save((scratch() / "shared.est").string());
  const auto model = cost_model("latency: {estimator: shared.est}\nobjective: {maximize: -latency_ms}\n", nb201());
  const graph::Graph network = nb201().decode(genome());
  const Trial t = model->evaluate(genome());
  ASSERT_EQ(t.status, TrialStatus::ok) << t.reason;
  EXPECT_DOUBLE_EQ(*t.metrics.latency_ms, estimator.latency_s(network) * 1000);
  // Memory at the estimator's precision.
  EXPECT_EQ(t.metrics.weight_bytes, graph::analyze(network, estimator.precision()).total.weight_bytes);
  const auto layers = model->layer_latency_ms(network);
  ASSERT_EQ(layers.size(), estimator.estimate(network).layers.size());
  double sum = 0;
  for (const auto& [name, ms] : layers) sum += ms;
  EXPECT_NEAR(sum, *t.metrics.latency_ms, 1e-9 * sum);

  EXPECT_EQ(cost_model_error("batch: 8\nlatency: {estimator: shared.est}\nobjective: {maximize: -latency_ms}\n", nb201()),
            (scratch() / "exp.yaml").string() + ": batch: 8 is not a batch size the estimator " +
                (scratch() / "shared.est").string() +
                " was fitted for (1); set batch to one of them, or refit with hwnas fit --batch");
}

TEST(CostModelEstimator, ATableEstimatorPredictsFromTheArchitectureString) {
  // 40 rows of the shared table with two device columns (the other is a feature).
  const CsvTable& table = nb201_table();
  const auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(table.header.begin(), table.header.end(), name) - table.header.begin());
  };
  std::ofstream csv(scratch() / "nb201_40.csv");
  csv << "arch,lat_ms_pixel3,lat_ms_eyeriss\n";
  for (std::size_t i = 0; i < 40; ++i)
    csv << '"' << table.rows[i][column("arch")] << "\"," << table.rows[i][column("lat_ms_pixel3")] << ','
        << table.rows[i][column("lat_ms_eyeriss")] << '\n';
  csv.close();
  estimate::TableSimulators simulators;
  for (std::string_view preset : estimate::kTableSimulatorPresets) simulators.push_back(hw::make_target(std::string(preset)));
  estimate::TableFitOptions options;
  options.csv = (scratch() / "nb201_40.csv").string();
  options.latency_column = "lat_ms_pixel3";
  options.train = 30;
  const std::string est = (scratch() / "table.est").string();
  estimate::fit_table(options, nb201(), simulators, est);

  const space::Genome g = nb201().parse_arch(table.rows[3][column("arch")]);
  const auto model = cost_model("latency: {estimator: table.est}\nobjective: {maximize: -latency_ms}\n", nb201());
  const Trial t = model->evaluate(g);
  ASSERT_EQ(t.status, TrialStatus::ok) << t.reason;
  const nlohmann::json doc = estimate::read_estimator_json(est);
  estimate::TableSimulators again;
  for (std::string_view preset : estimate::kTableSimulatorPresets) again.push_back(hw::make_target(std::string(preset)));
  const auto reference = estimate::TableEstimator::from_json(doc, est, space::make_space("nb201", {}), std::move(again));
  EXPECT_DOUBLE_EQ(*t.metrics.latency_ms, reference.predict_ms(t.arch));
  EXPECT_TRUE(model->layer_latency_ms(nb201().decode(g)).empty());  // whole networks only

  const FakeSpace fake;
  EXPECT_EQ(cost_model_error("latency: {estimator: table.est}\nobjective: {maximize: -latency_ms}\n", fake),
            (scratch() / "exp.yaml").string() + ":1: latency.estimator: " + est +
                " is a table estimator of space 'nb201', but the experiment searches 'fake'; fit one on a table of "
                "'fake' (hwnas fit --table)");
}

}  // namespace
}  // namespace hwnas::search

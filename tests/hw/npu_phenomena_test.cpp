// The accelerator phenomena hwnas exists for, on the shipped presets (issue: hardware).
#include <gtest/gtest.h>

#include <algorithm>

#include "hwnas/estimate/measure_network.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/hw/npu/npu_target.h"
#include "hwnas/hw/targets/targets.h"

namespace hwnas::hw {
namespace {

using graph::Graph;
using graph::NodeId;

double latency_s(const Graph& g, Target& t) { return estimate::measure_network(g, t).latency_s; }

Graph conv_graph(std::int32_t cin, std::int32_t hw, std::int32_t cout, std::int32_t kernel,
                 std::int32_t groups = 1) {
  Graph g;
  const NodeId x = g.add("in", graph::Input{cin, hw, hw}, {});
  graph::conv_bn_act(g, x, {.out = cout, .kernel = kernel, .groups = groups}, "conv");
  return g;
}

Graph ibn_graph(bool fused, std::int32_t channels, std::int32_t hw, std::int32_t expand) {
  Graph g;
  const NodeId x = g.add("in", graph::Input{channels, hw, hw}, {});
  if (fused)
    graph::fused_ibn(g, x, {.out = channels, .expanded = channels * expand, .kernel = 3}, "b");
  else
    graph::ibn(g, x, {.out = channels, .expanded = channels * expand, .kernel = 3}, "b");
  return g;
}

TEST(NpuPhenomena, StaircaseOfPeriodP) {
  const auto npu = make_target("npu-p16");
  const double at16 = latency_s(conv_graph(64, 56, 16, 3), *npu);
  std::vector<double> steps;
  for (std::int32_t cout = 17; cout <= 32; ++cout) steps.push_back(latency_s(conv_graph(64, 56, cout, 3), *npu));
  const auto [lo, hi] = std::minmax_element(steps.begin(), steps.end());
  EXPECT_LE(*hi / *lo, 1.02) << "Cout 17..32 should cost the same on P=16";
  EXPECT_GE(*lo / at16, 1.5) << "Cout 17 should cost a whole extra fold over Cout 16";
  // And the next step of the staircase.
  EXPECT_GE(latency_s(conv_graph(64, 56, 33, 3), *npu) / *hi, 1.3);
}

TEST(NpuPhenomena, DepthwiseUsesTheArrayPoorly) {
  const auto tpu = make_target("edgetpu-like");
  const auto util = [&](const Graph& g) {
    const auto n = estimate::measure_network(g, *tpu);
    EXPECT_EQ(n.kernels.size(), 1u);
    return n.kernels[0].measurement.utilization.value();
  };
  const double full = util(conv_graph(128, 28, 128, 3));
  const double depthwise = util(conv_graph(128, 28, 128, 3, 128));
  EXPECT_GT(full, 0.5);
  EXPECT_LE(depthwise, full / 8);
}

TEST(NpuPhenomena, FusedIbnWinsEarlyLosesLate) {
  const auto tpu = make_target("edgetpu-like");
  // MobileNetV2's early stage: 56x56, 24 channels, expansion 6.
  EXPECT_LT(latency_s(ibn_graph(true, 24, 56, 6), *tpu), latency_s(ibn_graph(false, 24, 56, 6), *tpu));
  // Its last stage: 7x7, 160 channels, expansion 6.
  EXPECT_GT(latency_s(ibn_graph(true, 160, 7, 6), *tpu), latency_s(ibn_graph(false, 160, 7, 6), *tpu));
}

TEST(NpuPhenomena, FusedIbnHasMoreMacsYetRunsFasterEarly) {
  const Graph fused = ibn_graph(true, 24, 56, 6), plain = ibn_graph(false, 24, 56, 6);
  EXPECT_GT(graph::analyze(fused, graph::Precision::int8).total.macs,
            2 * graph::analyze(plain, graph::Precision::int8).total.macs);
}

TEST(NpuPhenomena, CalibrationEdgeTpuMobileNetV2) {
  const auto tpu = make_target("edgetpu-like");
  const double ms = latency_s(graph::build_zoo_model("mobilenet_v2"), *tpu) * 1e3;
  EXPECT_GE(ms, 1.3);  // Coral measures 2.6 ms
  EXPECT_LE(ms, 5.2);
}

TEST(NpuPhenomena, CalibrationEthosU55MobileNetV2) {
  const auto u55 = make_target("ethos-u55-128-like");
  const double cycles = estimate::measure_network(graph::build_zoo_model("mobilenet_v2"), *u55).cycles;
  EXPECT_GE(cycles, 5.5e6 / 2);  // Arm's FVP reads 5.5 M cycles
  EXPECT_LE(cycles, 5.5e6 * 2);
}

TEST(NpuPhenomena, ActivationsThatOverflowSramSpillToDram) {
  const auto npu = make_target("npu-p16");  // 1 MiB SRAM
  const auto small = estimate::measure_network(conv_graph(16, 56, 16, 1), *npu);
  const auto big = estimate::measure_network(conv_graph(64, 224, 64, 1), *npu);  // 3.2 MB in
  EXPECT_EQ(small.kernels[0].measurement.dram_bytes.value(), 0);
  EXPECT_GE(big.kernels[0].measurement.dram_bytes.value(), 2 * 64 * 224 * 224);  // in + out
}

TEST(NpuPhenomena, WeightsThatOverflowWeightSramStreamFromDram) {
  const auto u55 = make_target("ethos-u55-128-like");  // 48 KiB weight buffer
  const auto small = estimate::measure_network(conv_graph(16, 14, 16, 1), *u55);
  const auto big = estimate::measure_network(conv_graph(256, 14, 256, 3), *u55);  // 590 KB
  EXPECT_EQ(small.kernels[0].measurement.dram_bytes.value(), 0);
  EXPECT_GE(big.kernels[0].measurement.dram_bytes.value(), 256.0 * 256 * 9);
}

TEST(NpuPhenomena, EveryLayerPaysTheOverhead) {
  const auto ane = make_target("ane-like");
  const auto n = estimate::measure_network(conv_graph(8, 4, 8, 1), *ane);
  EXPECT_EQ(n.kernels[0].measurement.bound, Bound::overhead);
}

TEST(NpuPhenomena, HtpPadsChannelsTo32) {
  const auto htp = make_target("htp-like");
  // A vector op's cost follows its padded bytes: 33 channels cost as much as 64.
  const auto pool = [&](std::int32_t c) {
    Graph g;
    const NodeId x = g.add("in", graph::Input{c, 56, 56}, {});
    g.add("pool", graph::Pool{.kind = graph::PoolKind::max}, {x});
    return estimate::measure_network(g, *htp).kernels[0].measurement.sram_bytes.value();
  };
  EXPECT_DOUBLE_EQ(pool(33), pool(64));
  EXPECT_LT(pool(32), pool(33));
}

TEST(NpuPhenomena, SimulationIsDeterministic) {
  const auto tpu = make_target("edgetpu-like");
  const Graph g = graph::build_zoo_model("efficientnet_b0");
  const auto a = estimate::measure_network(g, *tpu), b = estimate::measure_network(g, *tpu);
  EXPECT_EQ(a.latency_s, b.latency_s);
  EXPECT_EQ(a.cycles, b.cycles);
}

TEST(NpuPhenomena, AllPresetsSimulateTheWholeZoo) {
  for (const std::string& preset : preset_names()) {
    const auto t = make_target(preset);
    if (dynamic_cast<NpuTarget*>(t.get()) == nullptr) continue;  // measured targets: slow
    for (const char* model : {"mobilenet_v3_large", "ssdlite_mobilenet_v2", "lraspp_mobilenet_v2", "resnet50"}) {
      const auto n = estimate::measure_network(graph::build_zoo_model(model), *t);
      EXPECT_GT(n.latency_s, 0) << preset << " " << model;
      for (const auto& k : n.kernels) {
        EXPECT_GT(k.measurement.latency_s, 0) << preset << " " << model;
        EXPECT_LE(k.measurement.utilization.value(), 1.0) << preset << " " << model;
      }
    }
  }
}

}  // namespace
}  // namespace hwnas::hw

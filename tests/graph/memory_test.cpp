// Peak activation memory: graph order, and the memory-minimising order.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/memory_schedule.h"
#include "hwnas/graph/zoo/zoo.h"

namespace hwnas::graph {
namespace {

std::vector<std::int64_t> bytes_of(const Analysis& a) {
  std::vector<std::int64_t> b;
  for (const NodeCost& c : a.nodes) b.push_back(c.activation_bytes);
  return b;
}

bool is_topological(const Graph& g, const std::vector<NodeId>& order) {
  if (order.size() != static_cast<std::size_t>(g.size())) return false;
  std::vector<int> pos(order.size(), -1);
  for (std::size_t t = 0; t < order.size(); ++t) pos[order[t]] = static_cast<int>(t);
  for (NodeId id = 0; id < g.size(); ++id)
    for (NodeId in : g.inputs(id))
      if (pos[in] < 0 || pos[in] >= pos[id]) return false;
  return true;
}

TEST(Memory, ChainPeakIsLargestAdjacentPair) {
  Graph g;
  NodeId x = g.add("in", Input{1, 10, 10}, {});              // 100 elements
  x = g.add("a", Conv2d{.out_channels = 8}, {x});             // 800
  x = g.add("b", Conv2d{.out_channels = 2}, {x});             // 200
  x = g.add("c", Conv2d{.out_channels = 3}, {x});             // 300
  g.add("out", Output{}, {x});
  const Analysis a = analyze(g, Precision::int8);
  EXPECT_EQ(a.peak_activation_bytes, 1000);  // a and b live together
  EXPECT_EQ(a.peak_activation_bytes_min_order, 1000);
}

TEST(Memory, ResidualKeepsTheSkipAlive) {
  Graph g;
  NodeId x = g.add("in", Input{1, 10, 10}, {});   // 100
  NodeId a = g.add("a", Conv2d{.out_channels = 4}, {x});  // 400
  NodeId b = g.add("b", Conv2d{.out_channels = 1}, {a});  // 100
  g.add("add", Add{}, {x, b});                              // 100
  const Analysis an = analyze(g, Precision::int8);
  EXPECT_EQ(an.peak_activation_bytes, 100 + 400 + 100);  // x, a, b while b runs
}

// Two branches that each blow up and shrink: running one branch to completion before
// starting the other halves the peak.
Graph two_branches() {
  Graph g;
  NodeId x = g.add("in", Input{1, 10, 10}, {});
  NodeId a = g.add("a_big", Conv2d{.out_channels = 16}, {x});
  NodeId b = g.add("b_big", Conv2d{.out_channels = 16}, {x});
  NodeId a2 = g.add("a_small", Conv2d{.out_channels = 1}, {a});
  NodeId b2 = g.add("b_small", Conv2d{.out_channels = 1}, {b});
  NodeId c = g.add("cat", Concat{}, {a2, b2});
  g.add("out", Output{}, {c});
  return g;
}

TEST(Memory, MinOrderFinishesABranchFirst) {
  const Graph g = two_branches();
  const Analysis a = analyze(g, Precision::int8);
  EXPECT_EQ(a.peak_activation_bytes, 100 + 1600 + 1600);
  EXPECT_EQ(a.peak_activation_bytes_min_order, 100 + 1600 + 100);
  EXPECT_TRUE(is_topological(g, a.min_order));
  EXPECT_EQ(peak_memory(g, a.min_order, bytes_of(a)), a.peak_activation_bytes_min_order);
}

TEST(Memory, OutputsStayLive) {
  Graph g;
  NodeId x = g.add("in", Input{1, 10, 10}, {});
  NodeId a = g.add("a", Conv2d{.out_channels = 2}, {x});
  g.add("out_a", Output{}, {a});
  NodeId b = g.add("b", Conv2d{.out_channels = 3}, {x});
  NodeId c = g.add("c", Conv2d{.out_channels = 1}, {b});
  g.add("out_c", Output{}, {c});
  const Analysis an = analyze(g, Precision::int8);
  // While c runs: a (an output, 200), b (300), c (100); the input is dead.
  EXPECT_EQ(an.peak_activation_bytes, 200 + 300 + 100);
}

TEST(Memory, MinOrderNeverWorseAndValidOnZoo) {
  for (const char* spec :
       {"mobilenet_v2", "resnet50", "ssdlite_mobilenet_v2", "lraspp_mobilenet_v3_large",
        "nb201:arch=|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|"
        "nor_conv_3x3~1|skip_connect~2|"}) {
    const Graph g = build_zoo_model(spec);
    const Analysis a = analyze(g, Precision::fp32);
    EXPECT_TRUE(is_topological(g, a.min_order)) << spec;
    EXPECT_LE(a.peak_activation_bytes_min_order, a.peak_activation_bytes) << spec;
    EXPECT_EQ(peak_memory(g, a.min_order, bytes_of(a)), a.peak_activation_bytes_min_order) << spec;
    // A lower bound: a convolution cannot run in place, it needs its input and output.
    std::int64_t lower = 0;
    for (NodeId id = 0; id < g.size(); ++id) {
      if (!std::holds_alternative<Conv2d>(g.op(id))) continue;
      std::int64_t need = a.nodes[id].activation_bytes;
      for (NodeId in : g.inputs(id)) need += a.nodes[in].activation_bytes;
      lower = std::max(lower, need);
    }
    EXPECT_GE(a.peak_activation_bytes_min_order, lower) << spec;
  }
}

TEST(Memory, BatchNormAndActivationRunInPlace) {
  Graph g;
  NodeId x = g.add("in", Input{1, 10, 10}, {});
  NodeId c = g.add("c", Conv2d{.out_channels = 4}, {x});
  NodeId bn = g.add("bn", BatchNorm{}, {c});
  g.add("relu", Activation{ActKind::relu6}, {bn});
  EXPECT_EQ(analyze(g, Precision::int8).peak_activation_bytes, 100 + 400);
}

TEST(Memory, NoInPlaceWhenTheInputHasAnotherReader) {
  Graph g;
  NodeId x = g.add("in", Input{1, 10, 10}, {});
  NodeId c = g.add("c", Conv2d{.out_channels = 4}, {x});
  NodeId r = g.add("relu", Activation{ActKind::relu}, {c});
  g.add("add", Add{}, {c, r});
  // relu cannot overwrite c, which add still reads: c, relu and add's output live at once.
  EXPECT_EQ(analyze(g, Precision::int8).peak_activation_bytes, 3 * 400);
}

TEST(Memory, MobileNetV2PeakIsTheFirstStridedDepthwise) {
  // features.2.dw.conv at 224, fp32: its 96x112x112 input and 96x56x56 output; every BN
  // and ReLU6 runs in place, and the block's input is dead after the expand conv.
  const Analysis a = analyze(build_zoo_model("mobilenet_v2"), Precision::fp32);
  EXPECT_EQ(a.peak_activation_bytes, (96LL * 112 * 112 + 96LL * 56 * 56) * 4);
}

}  // namespace
}  // namespace hwnas::graph

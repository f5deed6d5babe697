// Peak activation memory: graph order, and the memory-minimising order.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <numeric>
#include <random>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/memory_schedule.h"
#include "hwnas/graph/zoo/zoo.h"
#include "support/cli_runner.h"

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
       {"mobilenet_v2", "resnet50", "ssdlite_mobilenet_v2", "lraspp_mobilenet_v3_large"}) {
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

// The issue's five-node graph with a long skip (fp32, 2,048 bytes per channel): `a` is
// computed first by both graph order and the greedy rule (it allocates least) and then
// waits for the branch b -> c; running that branch first needs 51,200 bytes, not 65,536.
Graph long_skip() {
  Graph g;
  NodeId x = g.add("in", Input{1, 16, 32}, {});                // 2,048 bytes
  NodeId a = g.add("a", Conv2d{.out_channels = 8}, {x});       // 16,384
  NodeId b = g.add("b", Conv2d{.out_channels = 16}, {x});      // 32,768
  NodeId c = g.add("c", Conv2d{.out_channels = 8}, {b});       // 16,384
  g.add("add", Add{}, {a, c});                                  // 16,384
  return g;
}

TEST(Memory, ExactOrderBeatsGreedyOnALongSkip) {
  const Graph g = long_skip();
  const Analysis a = analyze(g, Precision::fp32);
  const Schedule greedy = greedy_memory_schedule(g, bytes_of(a));
  EXPECT_EQ(greedy.peak_bytes, 65536);  // in, a, b, c live while c runs
  EXPECT_FALSE(greedy.exact);
  EXPECT_EQ(a.peak_activation_bytes, 65536);
  EXPECT_EQ(a.peak_activation_bytes_min_order, 51200);  // in, b, c while c runs
  EXPECT_TRUE(a.min_order_exact);
  EXPECT_EQ(a.min_order, (std::vector<NodeId>{0, 2, 3, 1, 4}));
  EXPECT_EQ(peak_memory(g, a.min_order, bytes_of(a)), 51200);
}

TEST(Memory, InspectSaysWhetherTheMinOrderIsExact) {
  const std::string file = testing::write_temp("long_skip.yaml", R"(name: long_skip
input: [1, 16, 32]
layers:
  - {op: conv2d, name: a, out: 8, inputs: input}
  - {op: conv2d, name: b, out: 16, inputs: input}
  - {op: conv2d, name: c, out: 8, inputs: b}
  - {op: add, name: add, inputs: [a, c]}
)");
  const testing::Result json = testing::hwnas({"inspect", file, "--json"});
  ASSERT_EQ(json.status, 0) << json.err;
  const nlohmann::json j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["peak_activation_bytes"], 65536);
  EXPECT_EQ(j["peak_activation_bytes_min_order"], 51200);
  EXPECT_EQ(j["min_order_exact"], true);
  const testing::Result table = testing::hwnas({"inspect", file});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("51200  (memory-minimising order, exact)"), std::string::npos)
      << table.out;

  std::string wide = "name: wide\ninput: [1, 16, 32]\nlayers:\n";
  for (int i = 0; i < 24; ++i)
    wide += fmt::format(
        "  - {{op: conv2d, name: a{0}, out: 8, inputs: input}}\n"
        "  - {{op: conv2d, name: b{0}, out: 16, inputs: input}}\n"
        "  - {{op: conv2d, name: c{0}, out: 8, inputs: b{0}}}\n"
        "  - {{op: add, name: s{0}, inputs: [a{0}, c{0}]}}\n"
        "  - {{op: output, inputs: s{0}}}\n",
        i);
  const testing::Result over = testing::hwnas({"inspect", testing::write_temp("wide.yaml", wide), "--json"});
  ASSERT_EQ(over.status, 0) << over.err;
  EXPECT_EQ(nlohmann::json::parse(over.out)["min_order_exact"], false);
}

// The lowest peak over every topological order, by enumerating them all.
std::int64_t brute_force_min(const Graph& g, std::span<const std::int64_t> bytes) {
  std::vector<NodeId> order;
  std::vector<bool> done(static_cast<std::size_t>(g.size()), false);
  std::int64_t best = std::numeric_limits<std::int64_t>::max();
  const auto extend = [&](const auto& self) -> void {
    if (order.size() == done.size()) {
      best = std::min(best, peak_memory(g, order, bytes));
      return;
    }
    for (NodeId v = 0; v < g.size(); ++v) {
      if (done[v]) continue;
      const auto ins = g.inputs(v);
      if (!std::all_of(ins.begin(), ins.end(), [&](NodeId in) { return done[in]; })) continue;
      done[v] = true;
      order.push_back(v);
      self(self);
      order.pop_back();
      done[v] = false;
    }
  };
  extend(extend);
  return best;
}

// A random DAG of at most 8 nodes: convs, in-place BN and activations, views, adds,
// concats and extra outputs, so that aliasing and outputs are exercised too.
Graph random_graph(std::mt19937& rng) {
  Graph g;
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  g.add("in", Input{1 + pick(4), 4, 4}, {});
  const int nodes = 3 + pick(6);
  while (g.size() < nodes) {
    const NodeId x = pick(g.size());
    const std::string name = fmt::format("n{}", g.size());
    switch (pick(8)) {
      case 0: case 1: case 2:
        g.add(name, Conv2d{.out_channels = 1 + pick(16)}, {x});
        break;
      case 3: g.add(name, Activation{ActKind::relu}, {x}); break;
      case 4: g.add(name, BatchNorm{}, {x}); break;
      case 5: g.add(name, Dropout{}, {x}); break;
      case 6: {
        const NodeId y = pick(g.size());
        if (g.shape(x) == g.shape(y) && x != y) g.add(name, Add{}, {x, y});
        else g.add(name, Concat{}, {x, y});
        break;
      }
      default:
        g.add(name, Output{}, {x});
    }
  }
  return g;
}

TEST(Memory, ExactOrderEqualsBruteForceOnRandomSmallGraphs) {
  std::mt19937 rng(9);
  int beaten = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const Graph g = random_graph(rng);
    const Analysis a = analyze(g, Precision::int8);
    const auto bytes = bytes_of(a);
    ASSERT_TRUE(a.min_order_exact) << trial;
    ASSERT_TRUE(is_topological(g, a.min_order)) << trial;
    ASSERT_EQ(peak_memory(g, a.min_order, bytes), a.peak_activation_bytes_min_order) << trial;
    ASSERT_EQ(a.peak_activation_bytes_min_order, brute_force_min(g, bytes)) << trial;
    beaten += a.peak_activation_bytes_min_order < greedy_memory_schedule(g, bytes).peak_bytes;
  }
  EXPECT_GT(beaten, 0);  // the cases include some the greedy order misses
}

// Many long skips side by side have too many sets of nodes that can have run for the exact
// search: the greedy order, flagged as such.
TEST(Memory, WideGraphFallsBackToGreedy) {
  Graph g;
  const NodeId x = g.add("in", Input{1, 16, 32}, {});
  NodeId sum = -1;
  for (int i = 0; i < 24; ++i) {
    const auto name = [&](const char* part) { return fmt::format("{}{}", part, i); };
    const NodeId a = g.add(name("a"), Conv2d{.out_channels = 8}, {x});
    const NodeId b = g.add(name("b"), Conv2d{.out_channels = 16}, {x});
    const NodeId c = g.add(name("c"), Conv2d{.out_channels = 8}, {b});
    const NodeId skip = g.add(name("add"), Add{}, {a, c});
    sum = sum < 0 ? skip : g.add(name("sum"), Add{}, {sum, skip});
  }
  const Analysis a = analyze(g, Precision::fp32);
  const Schedule greedy = greedy_memory_schedule(g, bytes_of(a));
  EXPECT_FALSE(a.min_order_exact);
  EXPECT_EQ(a.peak_activation_bytes_min_order, greedy.peak_bytes);
  EXPECT_EQ(a.min_order, greedy.order);
}

TEST(Memory, SingleOrderIsExactAtAnyLength) {
  Graph g;
  NodeId x = g.add("in", Input{2, 4, 4}, {});
  for (int i = 0; i < 3000; ++i) x = g.add(fmt::format("r{}", i), Activation{}, {x});
  const Analysis a = analyze(g, Precision::int8);
  EXPECT_TRUE(a.min_order_exact);
  EXPECT_EQ(a.peak_activation_bytes_min_order, 32);  // every relu runs in place
}

}  // namespace
}  // namespace hwnas::graph

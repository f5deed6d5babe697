// The IR: construction, copies, structural hashing and equality.
#include <gtest/gtest.h>

#include <unordered_set>

#include "hwnas/graph/blocks.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/graph.h"
#include "hwnas/graph/zoo/zoo.h"

namespace hwnas::graph {
namespace {

Graph two_convs(std::int32_t mid, std::string_view first_name = "a") {
  Graph g("t");
  NodeId x = g.add("in", Input{3, 8, 8}, {});
  x = g.add(first_name, Conv2d{.out_channels = mid, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1}, {x});
  x = g.add("b", Conv2d{.out_channels = 4}, {x});
  g.add("out", Output{}, {x});
  return g;
}

TEST(Ir, NodesAreValuesWithShapes) {
  const Graph g = two_convs(16);
  ASSERT_EQ(g.size(), 4);
  EXPECT_EQ(g.shape(1), (Shape{16, 8, 8}));
  EXPECT_EQ(g.shape(2), (Shape{4, 8, 8}));
  EXPECT_EQ(g.inputs(2).size(), 1u);
  EXPECT_EQ(g.inputs(2)[0], 1);
  EXPECT_EQ(g.node_name(1), "a");
  EXPECT_EQ(g.find("b"), 2);
  EXPECT_EQ(g.find("nope"), -1);
  EXPECT_EQ(g.output_nodes(), std::vector<NodeId>{3});
  EXPECT_EQ(g.input_nodes(), std::vector<NodeId>{0});
}

TEST(Ir, HashAndEqualityIgnoreNames) {
  const Graph a = two_convs(16, "a"), b = two_convs(16, "renamed");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_FALSE(a.identical(b));
  EXPECT_TRUE(a.identical(two_convs(16, "a")));
}

TEST(Ir, HashAndEqualitySeeParameters) {
  const Graph a = two_convs(16), b = two_convs(24);
  EXPECT_NE(a, b);
  EXPECT_NE(a.hash(), b.hash());
}

TEST(Ir, HashAndEqualitySeeBatchNormEpsilon) {
  Graph a("t"), b("t");
  for (Graph* g : {&a, &b}) {
    const NodeId x = g->add("in", Input{4, 4, 4}, {});
    g->add("bn", BatchNorm{.epsilon = g == &a ? kDefaultBatchNormEpsilon : 1e-3}, {x});
  }
  EXPECT_NE(a, b);
  EXPECT_NE(a.hash(), b.hash());
  EXPECT_NE(hash_op(BatchNorm{.epsilon = 1e-3}), hash_op(BatchNorm{.epsilon = 1e-4}));
}

TEST(Ir, HashSeesEdges) {
  Graph a, b;
  for (Graph* g : {&a, &b}) {
    NodeId x = g->add("in", Input{4, 4, 4}, {});
    NodeId r = g->add("r", Activation{ActKind::relu}, {x});
    g->add("s", Activation{ActKind::sigmoid}, {g == &a ? r : x});
  }
  EXPECT_NE(a, b);
  EXPECT_NE(a.hash(), b.hash());
}

TEST(Ir, CopyIsIndependentAndEqual) {
  Graph a = build_zoo_model("mobilenet_v2");
  Graph b = a;
  EXPECT_TRUE(a.identical(b));
  b.add("extra", Activation{ActKind::relu}, {b.size() - 1});
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size() + 1, b.size());
}

TEST(Ir, ZooModelsHashApart) {
  std::unordered_set<std::uint64_t> hashes;
  for (const ZooModel& m : zoo_models()) hashes.insert(build_zoo_model(m.name).hash());
  hashes.insert(build_zoo_model("mobilenet_v2:width=0.5").hash());
  hashes.insert(build_zoo_model("mobilenet_v2:res=160").hash());
  EXPECT_EQ(hashes.size(), zoo_models().size() + 2);
}

TEST(Ir, ZooNodeNamesAreUnique) {
  for (const ZooModel& m : zoo_models()) {
    const Graph g = build_zoo_model(m.name);
    std::unordered_set<std::string_view> names;
    for (NodeId id = 0; id < g.size(); ++id)
      EXPECT_TRUE(names.insert(g.node_name(id)).second) << m.name << ": " << g.node_name(id);
  }
}

TEST(Ir, BlocksTagTheirNodes) {
  Graph g;
  NodeId x = g.add("in", Input{24, 56, 56}, {});
  const IbnNodes b = ibn(g, x, {.out = 24, .expanded = 144, .kernel = 3}, "b");
  EXPECT_EQ(g.num_blocks(), 1);
  EXPECT_EQ(g.block(b.block).kind, BlockKind::ibn);
  EXPECT_EQ(g.block_name(b.block), "b");
  // expand conv,bn,act + dw conv,bn,act + project conv,bn + add
  EXPECT_EQ(g.size(), 1 + 9);
  for (NodeId id = 1; id < g.size(); ++id) EXPECT_EQ(g.node(id).block, b.block);
  EXPECT_TRUE(std::holds_alternative<Add>(g.op(b.output)));
  EXPECT_EQ(g.shape(b.output), (Shape{24, 56, 56}));
  EXPECT_EQ(std::get<Conv2d>(g.op(g.find("b.dw.conv"))).groups, 144);
}

TEST(Ir, FusedIbnHasOneFullConvExpand) {
  Graph g;
  NodeId x = g.add("in", Input{24, 56, 56}, {});
  const IbnNodes b = fused_ibn(g, x, {.out = 32, .expanded = 96, .kernel = 5, .stride = 2}, "f");
  const auto& expand = std::get<Conv2d>(g.op(g.find("f.expand.conv")));
  EXPECT_EQ(expand.kernel_h, 5);
  EXPECT_EQ(expand.groups, 1);
  EXPECT_EQ(g.block(b.block).kind, BlockKind::fused_ibn);
  EXPECT_EQ(g.shape(b.output), (Shape{32, 28, 28}));
  EXPECT_FALSE(std::holds_alternative<Add>(g.op(b.output)));  // stride 2: no residual
}

TEST(Ir, SqueezeExciteBroadcasts) {
  Graph g;
  NodeId x = g.add("in", Input{32, 14, 14}, {});
  const NodeId y = squeeze_excite(g, x, {.squeeze = 8}, "se");
  EXPECT_EQ(g.shape(y), (Shape{32, 14, 14}));
  EXPECT_EQ(g.shape(g.find("se.fc1")), (Shape{8, 1, 1}));
}

TEST(Ir, InputsMustPrecedeTheNode) {
  Graph g;
  g.add("in", Input{3, 8, 8}, {});
  EXPECT_THROW(g.add("bad", Activation{}, {5}), UserError);
  EXPECT_THROW(g.add("self", Activation{}, {1}), UserError);
}

}  // namespace
}  // namespace hwnas::graph

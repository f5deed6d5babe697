// recognise_blocks: a zoo model stripped of its blocks gets them back, with their specs
// and names; imported torchvision models get the zoo's block kinds (onnx_torchvision_test).
#include <gtest/gtest.h>

#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/io/block_recognition.h"
#include "io/block_checks.h"

namespace hwnas {
namespace {

using graph::Graph;

Graph without_blocks(const Graph& g) {
  Graph out(g.name());
  for (graph::NodeId id = 0; id < g.size(); ++id) out.add(g.node_name(id), g.op(id), g.inputs(id));
  return out;
}

TEST(BlockRecognition, ZooModelsStrippedOfBlocksGetThemBackIdentical) {
  for (const char* spec : {"mobilenet_v2", "mobilenet_v2:width=0.5,res=96", "mobilenet_v3_small", "mobilenet_v3_large",
                           "mnasnet1_0", "efficientnet_b0", "resnet18", "resnet50"}) {
    SCOPED_TRACE(spec);
    const Graph zoo = graph::build_zoo_model(spec);
    const Graph back = io::recognise_blocks(without_blocks(zoo));
    ASSERT_EQ(back.num_blocks(), zoo.num_blocks());
    for (graph::BlockId b = 0; b < zoo.num_blocks(); ++b) {
      EXPECT_EQ(back.block(b).kind, zoo.block(b).kind) << zoo.block_name(b);
      EXPECT_EQ(back.block_name(b), zoo.block_name(b));
      EXPECT_TRUE(testing::same_spec(back, b, zoo.block(b).spec)) << zoo.block_name(b);
    }
    EXPECT_TRUE(back == zoo);
  }
}

TEST(BlockRecognition, FusedIbnAndSqueezeExciteVariants) {
  Graph g("variants");
  graph::NodeId x = g.add("input", graph::Input{16, 32, 32}, {});
  const graph::SqueezeExciteSpec se{8, graph::ActKind::relu, graph::ActKind::sigmoid};
  x = graph::fused_ibn(g, x, {.out = 16, .expanded = 64, .kernel = 3, .act = graph::ActKind::silu, .se = se}, "f1").output;
  x = graph::fused_ibn(g, x, {.out = 24, .expanded = 64, .kernel = 5, .stride = 2, .act = graph::ActKind::relu6}, "f2").output;
  x = graph::ibn(g, x, {.out = 24, .expanded = 72, .kernel = 5, .act = graph::ActKind::hardswish, .se = se}, "i1").output;
  x = graph::ibn(g, x, {.out = 24, .expanded = 72, .residual = false}, "i2").output;
  g.add("output", graph::Output{}, {x});
  const Graph back = io::recognise_blocks(without_blocks(g));
  ASSERT_EQ(back.num_blocks(), 4);
  for (graph::BlockId b = 0; b < 4; ++b) {
    EXPECT_EQ(back.block(b).kind, g.block(b).kind) << g.block_name(b);
    EXPECT_TRUE(back.block(b).spec == g.block(b).spec) << g.block_name(b);
  }
  EXPECT_TRUE(back.identical(g));
}

TEST(BlockRecognition, AGraphWithBlocksIsUnchangedAndUnknownNodesStayUntagged) {
  const Graph zoo = graph::build_zoo_model("ssdlite_mobilenet_v2");
  EXPECT_TRUE(io::recognise_blocks(zoo).identical(zoo));
  Graph g("plain");
  const graph::NodeId x = g.add("x", graph::Input{3, 8, 8}, {});
  const graph::NodeId c = g.add("c", graph::Conv2d{.out_channels = 4, .bias = true}, {x});  // no BN: no block
  g.add("o", graph::Output{}, {c});
  const Graph back = io::recognise_blocks(g);
  EXPECT_EQ(back.num_blocks(), 0);
  EXPECT_TRUE(back.identical(g));
}

}  // namespace
}  // namespace hwnas

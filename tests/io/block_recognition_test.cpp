// recognise_blocks: a zoo model stripped of its blocks gets them back, with their specs
// and names; imported torchvision models get the zoo's block kinds (onnx_torchvision_test).
#include <gtest/gtest.h>

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

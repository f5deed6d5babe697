// Analysis: MACs, parameters (with and without BN folding), weight and activation bytes.
#include <gtest/gtest.h>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/graph/zoo/zoo.h"

namespace hwnas::graph {
namespace {

TEST(Analysis, ConvCountsLikePyTorch) {
  Graph g;
  NodeId x = g.add("in", Input{16, 10, 10}, {});
  // 3x3, stride 2, groups 4, bias: out 5x5.
  g.add("c", Conv2d{.out_channels = 8, .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2,
                    .pad_h = 1, .pad_w = 1, .groups = 4, .bias = true},
        {x});
  const Analysis a = analyze(g, Precision::fp32);
  EXPECT_EQ(g.shape(1), (Shape{8, 5, 5}));
  EXPECT_EQ(a.nodes[1].params, 8 * (16 / 4) * 9 + 8);
  EXPECT_EQ(a.nodes[1].macs, 8 * 5 * 5 * (16 / 4) * 9);
  EXPECT_EQ(a.nodes[1].activation_bytes, 8 * 5 * 5 * 4);
}

TEST(Analysis, LinearAndBatch) {
  Graph g;
  NodeId x = g.add("in", Input{7, 1, 1}, {});
  g.add("fc", Linear{3, true}, {x});
  const Analysis a = analyze(g, Precision::fp16, 4);
  EXPECT_EQ(a.nodes[1].params, 7 * 3 + 3);
  EXPECT_EQ(a.nodes[1].macs, 4 * 7 * 3);
  EXPECT_EQ(a.nodes[1].activation_bytes, 4 * 3 * 2);
}

TEST(Analysis, BatchNormFoldsIntoItsConv) {
  Graph g;
  NodeId x = g.add("in", Input{4, 6, 6}, {});
  NodeId c = g.add("c", Conv2d{.out_channels = 8}, {x});
  g.add("bn", BatchNorm{}, {c});
  const Analysis a = analyze(g, Precision::int8);
  EXPECT_EQ(a.total.params, 8 * 4 + 2 * 8);
  EXPECT_EQ(a.nodes[2].params_folded, 0);
  EXPECT_EQ(a.nodes[1].params_folded, 8 * 4 + 8);  // gains a bias
  // int8 weights, int32 biases.
  EXPECT_EQ(a.total.weight_bytes, 8 * 4 * 1 + 8 * 4);
}

TEST(Analysis, BatchNormAfterAddDoesNotFold) {
  Graph g;
  NodeId x = g.add("in", Input{4, 6, 6}, {});
  NodeId s = g.add("s", Add{}, {x, x});
  g.add("bn", BatchNorm{}, {s});
  const Analysis a = analyze(g, Precision::fp32);
  EXPECT_EQ(a.nodes[2].params_folded, 8);
  EXPECT_EQ(a.total.weight_bytes, 8 * 4);
}

TEST(Analysis, BatchNormOnSharedConvDoesNotFold) {
  Graph g;
  NodeId x = g.add("in", Input{4, 6, 6}, {});
  NodeId c = g.add("c", Conv2d{.out_channels = 8}, {x});
  g.add("bn", BatchNorm{}, {c});
  g.add("other", Activation{ActKind::relu}, {c});
  const Analysis a = analyze(g, Precision::fp32);
  EXPECT_EQ(a.nodes[2].params_folded, 16);
  EXPECT_EQ(a.total.params_folded, a.total.params);
}

TEST(Analysis, WeightBytesScaleWithPrecision) {
  const Graph g = build_zoo_model("mobilenet_v2");
  const Analysis i8 = analyze(g, Precision::int8), f16 = analyze(g, Precision::fp16),
                 f32 = analyze(g, Precision::fp32);
  EXPECT_EQ(f32.total.weight_bytes, 4 * f32.total.params_folded);
  EXPECT_EQ(f16.total.weight_bytes, 2 * f16.total.params_folded);
  EXPECT_GT(i8.total.weight_bytes, i8.total.params_folded);  // int32 biases
  EXPECT_LT(i8.total.weight_bytes, f16.total.weight_bytes);
  EXPECT_EQ(f32.peak_activation_bytes, 4 * i8.peak_activation_bytes);
  EXPECT_EQ(f32.total.macs, i8.total.macs);
}

TEST(Analysis, AliasingOpsAllocateNothing) {
  Graph g;
  NodeId x = g.add("in", Input{4, 2, 2}, {});
  NodeId f = g.add("f", Flatten{}, {x});
  NodeId d = g.add("d", Dropout{20}, {f});
  g.add("o", Output{}, {d});
  const Analysis a = analyze(g, Precision::fp32);
  EXPECT_EQ(g.shape(f), (Shape{16, 1, 1}));
  EXPECT_EQ(a.nodes[f].activation_bytes, 0);
  EXPECT_EQ(a.nodes[d].activation_bytes, 0);
  EXPECT_EQ(a.peak_activation_bytes, 16 * 4);
}

TEST(Analysis, TotalsAreSumsOfNodes) {
  const Graph g = build_zoo_model("efficientnet_b0:res=160,classes=10");
  const Analysis a = analyze(g, Precision::fp16, 2);
  NodeCost sum;
  for (const NodeCost& c : a.nodes) {
    sum.macs += c.macs;
    sum.params += c.params;
    sum.weight_bytes += c.weight_bytes;
  }
  EXPECT_EQ(sum.macs, a.total.macs);
  EXPECT_EQ(sum.params, a.total.params);
  EXPECT_EQ(sum.weight_bytes, a.total.weight_bytes);
}

TEST(Analysis, MobileNetV2Width) {
  // Halving the width roughly quarters the MACs of the inner layers.
  const Analysis full = analyze(build_zoo_model("mobilenet_v2"), Precision::fp32);
  const Analysis half = analyze(build_zoo_model("mobilenet_v2:width=0.5"), Precision::fp32);
  EXPECT_LT(half.total.macs, full.total.macs / 3);
  EXPECT_GT(half.total.macs, full.total.macs / 6);
}

}  // namespace
}  // namespace hwnas::graph

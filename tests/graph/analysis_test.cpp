// Analysis: MACs, parameters (with and without BN folding), weight and activation bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/infer_shape.h"
#include "hwnas/graph/model_file.h"
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

// PyTorch's pooling_output_shape (aten/src/ATen/native/Pool.h), rounding toward −∞; the
// expected sizes are what torch 1.13 printed for F.max_pool2d on the same arguments.
TEST(Analysis, WindowOutputSizeIsPyTorchs) {
  EXPECT_EQ(window_output_size(2, 3, 2, 0, 0, 1, true), 1);   // window runs off the input
  EXPECT_EQ(window_output_size(2, 3, 2, 0, 0, 1, false), 0);  // "Output size is too small"
  EXPECT_EQ(window_output_size(5, 1, 3, 0, 0, 1, true), 2);   // last window would start past it
  EXPECT_EQ(window_output_size(4, 3, 2, 1, 1, 1, false), 2);
  EXPECT_EQ(window_output_size(4, 3, 2, 1, 1, 1, true), 3);
  EXPECT_EQ(window_output_size(6, 3, 3, 1, 1, 1, true), 3);
  EXPECT_EQ(window_output_size(1, 2, 2, 1, 1, 1, true), 1);
  // int32 extremes stay exact: 8 + 2·(2^31 − 1) − 2 − 1 + 1 and 8 − 2·(2^31 − 1) − 1 + 1.
  constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();
  EXPECT_EQ(window_output_size(8, 3, 1, kMax, kMax, 1, false), 4294967300);
  EXPECT_EQ(window_output_size(8, 3, 1, 0, 0, kMax, false), 8 - 2 * std::int64_t{kMax});
  EXPECT_EQ(window_output_size(8, 3, 1, kMax, kMax, kMax, false), 8);
}

TEST(Analysis, CeilModePoolRunsOffASmallInput) {
  // torchvision's GoogLeNet at small resolutions: PyTorch gives 1x1.
  const Graph g = parse_model(
      "input: [1, 2, 2]\nlayers:\n  - {op: max_pool, kernel: 3, stride: 2, ceil_mode: true}\n",
      "pool.yaml");
  EXPECT_EQ(g.shape(1), (Shape{1, 1, 1}));
}

TEST(Analysis, LargeButRepresentableLayersCountExactly) {
  // dilation 2^31 − 1 with its "same" padding 2^31 − 1: a valid 8x8 convolution.
  const Graph dilated = parse_model(
      "input: [1, 8, 8]\nlayers:\n  - {op: conv2d, out: 1, kernel: 3, dilation: 2147483647}\n",
      "dilated.yaml");
  EXPECT_EQ(dilated.shape(1), (Shape{1, 8, 8}));
  EXPECT_EQ(analyze(dilated, Precision::fp32).total.macs, 64 * 9);
  // Channels that sum to exactly 2^31 − 1.
  Graph g;
  const NodeId x = g.add("x", Input{1 << 30, 1, 1}, {});
  const NodeId y = g.add("y", Input{(1 << 30) - 1, 1, 1}, {});
  g.add("cat", Concat{}, {x, y});
  EXPECT_EQ(g.shape(2), (Shape{2147483647, 1, 1}));
  EXPECT_EQ(analyze(g, Precision::fp32).total.activation_bytes, 2 * std::int64_t{2147483647} * 4);
}

// `what` is thrown by analyze(graph, fp32, batch) as one line naming each of `parts`.
void expect_analysis_error(const Graph& graph, std::int32_t batch,
                           std::initializer_list<std::string> parts) {
  try {
    analyze(graph, Precision::fp32, batch);
    ADD_FAILURE() << "no UserError";
  } catch (const UserError& e) {
    const std::string message = e.what();
    for (const std::string& part : parts)
      EXPECT_NE(message.find(part), std::string::npos) << part << " not in: " << message;
  }
}

TEST(Analysis, CountsPastInt64AreErrorsNamingTheNode) {
  // 2^40 MACs per sample: 2^22 samples fit (2^62), 2^23 do not.
  Graph g("wide");
  const NodeId x = g.add("in", Input{1024, 1024, 1024}, {});
  const NodeId c = g.add("c", Conv2d{.out_channels = 1024}, {x});
  EXPECT_EQ(analyze(g, Precision::fp32, 1 << 22).total.macs, std::int64_t{1} << 62);
  expect_analysis_error(g, 1 << 23, {"node 'c' (conv2d)", "MACs do not fit in 64 bits"});
  // Two such layers: each fits, their sum does not.
  g.add("c2", Conv2d{.out_channels = 1024}, {c});
  expect_analysis_error(g, 1 << 22, {"model 'wide'", "total MACs pass 2^63 - 1", "at node 'c2'"});

  Graph big;
  big.add("in", Input{2147483647, 2147483647, 1}, {});  // 2^62 elements, 2^64 bytes
  expect_analysis_error(big, 1, {"node 'in' (input)", "activation bytes do not fit"});

  Graph weights;
  const NodeId w = weights.add("in", Input{1 << 30, 1, 2}, {});
  weights.add("c", Conv2d{.out_channels = 1 << 30, .kernel_w = 2}, {w});  // 2^61 weights
  expect_analysis_error(weights, 1, {"node 'c' (conv2d)", "weight bytes do not fit"});
}

}  // namespace
}  // namespace hwnas::graph

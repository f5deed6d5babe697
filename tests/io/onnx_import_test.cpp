// Each ONNX operator mapping of io::import_onnx on hand-built models, and each error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hwnas/base/error.h"
#include "hwnas/io/onnx_import.h"
#include "io/import_checks.h"
#include "support/scratch_dir.h"

namespace hwnas {
namespace {

using graph::Graph;
using testing::OnnxBuilder;
using B = OnnxBuilder;

using testing::import;

template <class T>
const T& op_of(const Graph& g, std::string_view name) {
  const graph::NodeId id = g.find(name);
  EXPECT_GE(id, 0) << name;
  return std::get<T>(g.op(id));
}

TEST(OnnxImport, ConvBatchNormReluWithNamesShapesAndEpsilon) {
  B b;
  B::attr(b.node("Conv", {"x", "w"}, "c", "/features/features.0/features.0.0/Conv"), "pads",
          std::vector<std::int64_t>{1, 1, 1, 1});
  b.init("w", {16, 3, 3, 3}).init("s", {16}).init("bb", {16}).init("m", {16}).init("v", {16});
  B::attr(b.node("BatchNormalization", {"c", "s", "bb", "m", "v"}, "n", "/features/features.0/features.0.1/BatchNormalization"),
          "epsilon", 1e-3f);
  b.node("Relu", {"n"}, "r", "/features/features.1/conv/conv.0/conv.0.2/Relu");
  b.output("r");
  const Graph g = import(b);
  ASSERT_EQ(g.size(), 5);
  const auto& conv = op_of<graph::Conv2d>(g, "features.0.0.Conv");
  EXPECT_EQ(conv.out_channels, 16);
  EXPECT_EQ(conv.kernel_h, 3);
  EXPECT_EQ(conv.pad_h, 1);
  EXPECT_FALSE(conv.bias);
  EXPECT_EQ(op_of<graph::BatchNorm>(g, "features.0.1.BatchNormalization").epsilon, 1e-3);
  EXPECT_EQ(op_of<graph::Activation>(g, "features.1.conv.0.2.Relu").kind, graph::ActKind::relu);
  EXPECT_EQ(g.shape(g.find("features.1.conv.0.2.Relu")), (graph::Shape{16, 8, 8}));
  EXPECT_EQ(g.node_name(0), "x");
}

TEST(OnnxImport, FoldedBatchNormUnfoldsToConvAndBnGroupsDilationsStrides) {
  B b;
  auto& n = b.node("Conv", {"x", "w", "bias"}, "c");
  B::attr(n, "group", std::int64_t{3});
  B::attr(n, "strides", std::vector<std::int64_t>{2, 2});
  B::attr(n, "dilations", std::vector<std::int64_t>{2, 2});
  B::attr(n, "pads", std::vector<std::int64_t>{2, 2, 2, 2});
  b.init("w", {6, 1, 3, 3}).init("bias", {6}).output("c");
  const Graph g = import(b);  // no BatchNormalization in the file: the bias is a folded BN
  ASSERT_EQ(g.size(), 4);
  const auto& conv = std::get<graph::Conv2d>(g.op(1));
  EXPECT_FALSE(conv.bias);
  EXPECT_EQ(conv.groups, 3);
  EXPECT_EQ(conv.dilation_w, 2);
  EXPECT_EQ(g.shape(1), (graph::Shape{6, 4, 4}));
  EXPECT_EQ(std::get<graph::BatchNorm>(g.op(2)), graph::BatchNorm{});
  EXPECT_EQ(std::string(g.node_name(2)), std::string(g.node_name(1)) + ".bn");
  io::OnnxImportOptions as_file;
  as_file.unfold_batch_norm = false;
  const Graph f = io::import_onnx(b.model, "t.onnx", as_file);
  ASSERT_EQ(f.size(), 3);
  EXPECT_TRUE(std::get<graph::Conv2d>(f.op(1)).bias);
}

TEST(OnnxImport, AsymmetricPadsAndAutoPadSame) {
  B b;
  B::attr(b.node("Conv", {"x", "w"}, "c"), "pads", std::vector<std::int64_t>{0, 0, 1, 1});
  auto& same = b.node("Conv", {"c", "w2"}, "d");
  B::attr(same, "auto_pad", std::string("SAME_UPPER"));
  B::attr(same, "strides", std::vector<std::int64_t>{2, 2});
  b.init("w", {4, 3, 3, 3}).init("w2", {4, 4, 3, 3}).output("d");
  const Graph g = import(b);
  const auto& c = std::get<graph::Conv2d>(g.op(1));
  EXPECT_EQ(c.pad_h, 0);
  EXPECT_EQ(c.pad_bottom, 1);
  EXPECT_EQ(g.shape(1), (graph::Shape{4, 7, 7}));
  // SAME_UPPER on 7 with stride 2, kernel 3: output 4, total pad 2 -> 1 before, 1 after.
  const auto& d = std::get<graph::Conv2d>(g.op(2));
  EXPECT_EQ(d.pad_h, 1);
  EXPECT_EQ(d.pad_bottom, 1);
  EXPECT_EQ(g.shape(2), (graph::Shape{4, 4, 4}));
}

TEST(OnnxImport, ClipFromInputsAndAttributesIsRelu6) {
  B b13;
  b13.init("lo", {}, {0.0f}).init("hi", {}, {6.0f});
  b13.node("Clip", {"x", "lo", "hi"}, "y");
  b13.output("y");
  EXPECT_EQ(std::get<graph::Activation>(import(b13).op(1)).kind, graph::ActKind::relu6);
  B b6({1, 3, 8, 8}, 6);
  auto& n = b6.node("Clip", {"x"}, "y");
  B::attr(n, "min", 0.0f);
  B::attr(n, "max", 6.0f);
  b6.output("y");
  EXPECT_EQ(std::get<graph::Activation>(import(b6).op(1)).kind, graph::ActKind::relu6);
  B bad;
  bad.init("lo", {}, {0.0f}).init("hi", {}, {5.0f});
  bad.node("Clip", {"x", "lo", "hi"}, "y", "clip5");
  bad.output("y");
  EXPECT_ONE_LINE_ERROR(bad, "node 'clip5' (Clip): Clip to [0, 5] is not supported");
}

TEST(OnnxImport, SigmoidAndHardSigmoidTimesTheirInputAreSiluAndHardswish) {
  B b({1, 3, 8, 8}, 14);  // HardSwish is an operator from opset 14
  b.node("Sigmoid", {"x"}, "s");
  b.node("Mul", {"x", "s"}, "silu");
  B::attr(b.node("HardSigmoid", {"silu"}, "h"), "alpha", 1.0f / 6);
  b.node("Mul", {"h", "silu"}, "hs");
  B::attr(b.node("HardSigmoid", {"hs"}, "hsig"), "alpha", 1.0f / 6);
  b.node("HardSwish", {"hsig"}, "native");
  b.output("native");
  const Graph g = import(b);
  ASSERT_EQ(g.size(), 6);
  EXPECT_EQ(std::get<graph::Activation>(g.op(1)).kind, graph::ActKind::silu);
  EXPECT_EQ(std::get<graph::Activation>(g.op(2)).kind, graph::ActKind::hardswish);
  EXPECT_EQ(std::get<graph::Activation>(g.op(3)).kind, graph::ActKind::hardsigmoid);
  EXPECT_EQ(std::get<graph::Activation>(g.op(4)).kind, graph::ActKind::hardswish);
  B bad;
  B::attr(bad.node("HardSigmoid", {"x"}, "h", "hs"), "alpha", 0.2f);
  bad.output("h");
  EXPECT_ONE_LINE_ERROR(bad, "node 'hs' (HardSigmoid): HardSigmoid with alpha 0.2");
}

TEST(OnnxImport, SqueezeExciteMulBroadcastsTheScaleSecond) {
  B b;
  b.node("GlobalAveragePool", {"x"}, "p");
  b.node("Conv", {"p", "w1", "b1"}, "f1");
  b.node("Relu", {"f1"}, "r");
  b.node("Conv", {"r", "w2", "b2"}, "f2");
  b.node("Sigmoid", {"f2"}, "s");
  b.node("Mul", {"s", "x"}, "y");
  b.init("w1", {2, 3, 1, 1}).init("b1", {2}).init("w2", {3, 2, 1, 1}).init("b2", {3}).output("y");
  const Graph g = import(b);
  const graph::NodeId mul = g.output_nodes()[0] - 1;
  ASSERT_TRUE(std::holds_alternative<graph::Mul>(g.op(mul)));
  EXPECT_EQ(g.inputs(mul)[0], 0);  // x first
  EXPECT_EQ(std::get<graph::Activation>(g.op(g.inputs(mul)[1])).kind, graph::ActKind::sigmoid);
  EXPECT_EQ(g.shape(mul), (graph::Shape{3, 8, 8}));
  // The squeeze-excite convolutions keep their own bias (no BN is unfolded there).
  EXPECT_EQ(g.size(), 8);
  EXPECT_TRUE(std::get<graph::Conv2d>(g.op(2)).bias);
  EXPECT_TRUE(std::get<graph::Conv2d>(g.op(4)).bias);
}

TEST(OnnxImport, HeadsFlattenGemmReshapeMatMulReduceMean) {
  B b;
  b.node("GlobalAveragePool", {"x"}, "p");
  B::attr(b.node("Flatten", {"p"}, "f"), "axis", std::int64_t{1});
  B::attr(b.node("Gemm", {"f", "w", "bias"}, "y"), "transB", std::int64_t{1});
  b.init("w", {10, 3}).init("bias", {10}).output("y");
  const Graph g = import(b);
  EXPECT_EQ(std::get<graph::Linear>(g.op(3)), (graph::Linear{10, true}));

  B m;
  m.init_ints("axes", {2, 3});
  auto& r = m.node("ReduceMean", {"x"}, "p");
  B::attr(r, "axes", std::vector<std::int64_t>{-2, -1});
  B::attr(r, "keepdims", std::int64_t{0});
  m.node("MatMul", {"p", "w"}, "mm");
  m.node("Add", {"mm", "bias"}, "y");
  m.init("w", {3, 5}).init("bias", {5}).output("y");
  const Graph h = import(m);
  ASSERT_EQ(h.size(), 5);  // keepdims 0: a global pool and a flatten
  EXPECT_EQ(std::get<graph::GlobalPool>(h.op(1)).kind, graph::PoolKind::avg);
  EXPECT_TRUE(std::holds_alternative<graph::Flatten>(h.op(2)));
  EXPECT_EQ(std::get<graph::Linear>(h.op(3)), (graph::Linear{5, true}));

  B s;
  s.init_ints("shape", {1, -1});
  s.node("Reshape", {"x", "shape"}, "f");
  s.node("MatMul", {"f", "w"}, "y");
  s.init("w", {192, 4}).output("y");
  const Graph k = import(s);
  EXPECT_TRUE(std::holds_alternative<graph::Flatten>(k.op(1)));
  EXPECT_EQ(std::get<graph::Linear>(k.op(2)), (graph::Linear{4, false}));
}

TEST(OnnxImport, PoolsConcatAddDropoutIdentityConstant) {
  B b;
  auto& mp = b.node("MaxPool", {"x"}, "m");
  B::attr(mp, "kernel_shape", std::vector<std::int64_t>{3, 3});
  B::attr(mp, "strides", std::vector<std::int64_t>{2, 2});
  B::attr(mp, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
  auto& ap = b.node("AveragePool", {"x"}, "a");
  B::attr(ap, "kernel_shape", std::vector<std::int64_t>{2, 2});
  B::attr(ap, "strides", std::vector<std::int64_t>{2, 2});
  B::attr(ap, "ceil_mode", std::int64_t{1});
  b.node("Concat", {"m", "a"}, "c").mutable_attribute();
  B::attr(*b.graph().mutable_node(2), "axis", std::int64_t{1});
  b.node("Add", {"m", "a"}, "s");
  auto& k = b.node("Constant", {}, "ratio");
  B::attr(k, "value_float", 0.2f);
  b.node("Dropout", {"s", "ratio"}, "d");
  b.node("Identity", {"d"}, "i");
  b.output("c").output("i");
  const Graph g = import(b);
  const auto& m = std::get<graph::Pool>(g.op(1));
  EXPECT_EQ(m.kind, graph::PoolKind::max);
  EXPECT_EQ(g.shape(1), (graph::Shape{3, 4, 4}));
  const auto& a = std::get<graph::Pool>(g.op(2));
  EXPECT_TRUE(a.ceil_mode);
  EXPECT_FALSE(a.count_include_pad);  // ONNX's default, unlike PyTorch's
  EXPECT_EQ(g.shape(3), (graph::Shape{6, 4, 4}));
  EXPECT_TRUE(std::holds_alternative<graph::Add>(g.op(4)));
  EXPECT_EQ(std::get<graph::Dropout>(g.op(5)).rate_percent, 20);
  EXPECT_EQ(std::get<graph::Activation>(g.op(6)).kind, graph::ActKind::identity);
  EXPECT_EQ(g.output_nodes().size(), 2u);
}

TEST(OnnxImport, ResizeByScalesAndSizesAndUpsample) {
  B b({1, 3, 8, 8}, 13);
  b.init("scales", {4}, {1, 1, 2, 2});
  auto& r = b.node("Resize", {"x", "", "scales"}, "r");
  B::attr(r, "mode", std::string("nearest"));
  B::attr(r, "coordinate_transformation_mode", std::string("asymmetric"));
  B::attr(r, "nearest_mode", std::string("floor"));
  b.init_ints("sizes", {1, 3, 20, 20});
  auto& l = b.node("Resize", {"r", "", "", "sizes"}, "l");
  B::attr(l, "mode", std::string("linear"));
  B::attr(l, "coordinate_transformation_mode", std::string("align_corners"));
  b.output("l");
  const Graph g = import(b);
  EXPECT_EQ(std::get<graph::Upsample>(g.op(1)), (graph::Upsample{}));
  const auto& u = std::get<graph::Upsample>(g.op(2));
  EXPECT_EQ(u.mode, graph::UpsampleMode::bilinear);
  EXPECT_EQ(u.coordinates, graph::ResizeCoordinates::align_corners);
  EXPECT_EQ(g.shape(2), (graph::Shape{3, 20, 20}));
  B bad;
  bad.init("scales", {4}, {1, 1, 2, 2});
  B::attr(bad.node("Resize", {"x", "", "scales"}, "r", "rs"), "mode", std::string("cubic"));
  bad.output("r");
  EXPECT_ONE_LINE_ERROR(bad, "node 'rs' (Resize): mode 'cubic' is not supported");
}

TEST(OnnxImport, ReshapeTransposeReshapeIsAChannelShuffle) {
  B b({1, 6, 4, 4});
  b.init_ints("split", {1, 2, 3, 4, 4}).init_ints("back", {1, 6, 4, 4});
  b.node("Reshape", {"x", "split"}, "a");
  B::attr(b.node("Transpose", {"a"}, "t"), "perm", std::vector<std::int64_t>{0, 2, 1, 3, 4});
  b.node("Reshape", {"t", "back"}, "y");
  b.output("y");
  const Graph g = import(b);
  ASSERT_EQ(g.size(), 3);
  EXPECT_EQ(std::get<graph::ChannelShuffle>(g.op(1)).groups, 2);
}

TEST(OnnxImport, SupportedOpsAreListedSorted) {
  const std::string ops = io::supported_onnx_ops();
  EXPECT_EQ(ops.rfind("Add, AveragePool, BatchNormalization, Clip,", 0), 0u) << ops;
  EXPECT_NE(ops.find("Upsample"), std::string::npos);
}

}  // namespace
}  // namespace hwnas

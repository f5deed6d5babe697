// io::import_onnx's errors on hand-built models: unsupported ops and attributes, values
// the ONNX checker lets through, dynamic or several inputs, invalid and corrupt files.
#include <gtest/gtest.h>

#include <fstream>

#include "hwnas/base/error.h"
#include "hwnas/io/onnx_import.h"
#include "io/import_checks.h"
#include "support/scratch_dir.h"

namespace hwnas {
namespace {

using graph::Graph;
using testing::error_of;
using B = testing::OnnxBuilder;

TEST(OnnxImport, UnsupportedOpsAndAttributesAreOneLineErrors) {
  B op;
  op.node("Softmax", {"x"}, "y", "/head/Softmax");
  op.output("y");
  EXPECT_ONE_LINE_ERROR(op, "node '/head/Softmax' (Softmax): unsupported op; supported: Add, AveragePool");
  B flat;
  B::attr(flat.node("Flatten", {"x"}, "y", "f"), "axis", std::int64_t{2});
  flat.output("y");
  EXPECT_ONE_LINE_ERROR(flat, "node 'f' (Flatten): Flatten with an axis other than 1");
  B gemm;
  gemm.node("Flatten", {"x"}, "f");
  B::attr(gemm.node("Gemm", {"f", "w"}, "y", "g"), "transA", std::int64_t{1});
  gemm.init("w", {192, 2}).output("y");
  EXPECT_ONE_LINE_ERROR(gemm, "node 'g' (Gemm): transA 1 is not supported");
  B scale;
  scale.init("k", {}, {2.0f});
  scale.node("Mul", {"x", "k"}, "y", "m");
  scale.output("y");
  EXPECT_ONE_LINE_ERROR(scale, "node 'm' (Mul): a product with a constant other than zero is not supported");
  B concat;
  B::attr(concat.node("Concat", {"x", "x"}, "y", "c"), "axis", std::int64_t{2});
  concat.output("y");
  EXPECT_ONE_LINE_ERROR(concat, "node 'c' (Concat): Concat along axis 2");
}

TEST(OnnxImport, ValuesTheCheckerLetsThroughAreOneLineErrors) {
  B stride;  // the checker does not look at values: a zero stride must not divide by zero
  auto& conv = stride.node("Conv", {"x", "w"}, "y", "c");
  B::attr(conv, "auto_pad", std::string("SAME_UPPER"));
  B::attr(conv, "strides", std::vector<std::int64_t>{0, 0});
  stride.init("w", {4, 3, 3, 3}).output("y");
  EXPECT_ONE_LINE_ERROR(stride, "node 'c' (Conv): kernel 3x3, strides 0x0 and dilations 1x1 must be positive");
  B view;
  auto& k = view.node("Constant", {}, "y", "k");
  B::attr(k, "value_float", 1.0f);
  k.set_doc_string("hwnas: view");
  view.node("Relu", {"x"}, "r");
  view.output("r");
  EXPECT_ONE_LINE_ERROR(view, "node 'k' (Constant): only a Flatten or Reshape can be an hwnas view");
  B block;
  block.node("Relu", {"x"}, "r", "r").set_doc_string("hwnas: block=-5");
  block.output("r");
  EXPECT_ONE_LINE_ERROR(block, "node 'r' (Relu): doc_string names block -5");
  B size;
  size.init("sizes", {4}, {1, 3, 1e30f, 4});
  size.node("Resize", {"x", "", "", "sizes"}, "y", "rs");
  size.output("y");
  EXPECT_ONE_LINE_ERROR(size, "node 'rs' (Resize): output height 1.0000000150474662e+30 is out of range");
}

TEST(OnnxImport, DynamicInputNeedsAShapeAndTwoInputsAreRefused) {
  B b({-1, 3, -1, -1});
  b.node("Relu", {"x"}, "y");
  b.output("y");
  EXPECT_ONE_LINE_ERROR(b, "input 'x' has a dynamic dimension 2 ('dynamic'); give the shape");
  const Graph g = io::import_onnx(b.model, "t.onnx", {graph::Shape{3, 16, 16}});
  EXPECT_EQ(g.shape(1), (graph::Shape{3, 16, 16}));
  B two;
  auto* in = two.graph().add_input();
  *in = two.graph().input(0);
  in->set_name("x2");
  two.node("Add", {"x", "x2"}, "y");
  two.output("y");
  EXPECT_ONE_LINE_ERROR(two, "the graph has 2 inputs other than initialisers");
}

TEST(OnnxImport, InvalidCorruptAndMissingFilesAreOneLineErrors) {
  B dangling;
  dangling.node("Relu", {"nowhere"}, "y");
  dangling.output("y");
  EXPECT_ONE_LINE_ERROR(dangling, "not a valid ONNX model (onnx checker:");
  const testing::ScratchDir dir("hwnas_onnx_import");
  const std::string corrupt = (dir.path() / "corrupt.onnx").string();
  std::ofstream(corrupt) << "this is not a protobuf \x01\x02\x03";
  try {
    io::import_onnx_file(corrupt);
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), corrupt + ": not an ONNX model (the file does not parse as an ONNX ModelProto); "
                                               "give a .onnx file written by torch.onnx.export or hwnas export");
  }
  EXPECT_THROW(io::import_onnx_file((dir.path() / "missing.onnx").string()), UserError);
}

}  // namespace
}  // namespace hwnas

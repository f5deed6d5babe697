// Model files: what a YAML/JSON model means (structure, not printed text), DAGs, every op,
// and round trips of every zoo model through YAML, JSON and files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hwnas/graph/blocks.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/graph.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/graph/zoo/zoo.h"

namespace hwnas::graph {
namespace {

const std::string kIssueExample = R"(name: tiny
input: [3, 56, 56]            # channels, height, width
layers:
  - {op: conv, out: 32, kernel: 3, stride: 2, act: relu6}   # conv + BN + activation
  - {op: dwconv, kernel: 3, stride: 1, act: relu6}          # depthwise conv + BN + act
  - {op: ibn, out: 24, expand: 6, kernel: 3, stride: 1}      # inverted bottleneck
  - {op: fused_ibn, out: 24, expand: 4, kernel: 5, stride: 1}
  - {op: global_pool}
  - {op: linear, out: 10}
)";

// The same model written as JSON, with the block ops' defaults left out.
const std::string kIssueExampleJson = R"({
  "name": "tiny",
  "input": [3, 56, 56],
  "layers": [
    {"op": "conv", "out": 32, "kernel": 3, "stride": 2, "act": "relu6"},
    {"op": "dwconv", "act": "relu6"},
    {"op": "ibn", "out": 24},
    {"op": "fused_ibn", "out": 24, "kernel": 5},
    {"op": "global_pool"},
    {"op": "linear", "out": 10}
  ]
})";

std::string source_path(const std::string& relative) {
  return std::string(HWNAS_SOURCE_DIR) + "/" + relative;
}

Graph parse(const std::string& text) { return parse_model(text, "<test>"); }

NodeId must_find(const Graph& g, std::string_view name) {
  const NodeId id = g.find(name);
  if (id < 0) throw std::runtime_error("no node named " + std::string(name));
  return id;
}

template <class T>
const T& op_of(const Graph& g, std::string_view name) {
  const Op& op = g.op(must_find(g, name));
  if (!std::holds_alternative<T>(op))
    throw std::runtime_error(std::string(name) + " is a " + std::string(op_name(op)));
  return std::get<T>(op);
}

std::vector<std::string> input_names(const Graph& g, std::string_view name) {
  std::vector<std::string> names;
  for (NodeId in : g.inputs(must_find(g, name))) names.emplace_back(g.node_name(in));
  return names;
}

BlockKind kind_of(const Graph& g, std::string_view node) {
  const BlockId b = g.node(must_find(g, node)).block;
  if (b == kNoBlock) throw std::runtime_error(std::string(node) + " is in no block");
  return g.block(b).kind;
}

bool block_has_op(const Graph& g, std::string_view block, std::string_view op) {
  for (NodeId id = 0; id < g.size(); ++id) {
    const BlockId b = g.node(id).block;
    if (b != kNoBlock && g.block_name(b) == block && op_name(g.op(id)) == op) return true;
  }
  return false;
}

// Every zoo model of graph (the search spaces' are tested in tests/space).
std::vector<std::string> zoo_specs() {
  std::vector<std::string> specs;
  for (const ZooModel& m : zoo_models()) specs.emplace_back(m.name);
  specs.emplace_back("mobilenet_v2:width=0.5,res=160,classes=10,in_ch=1");
  specs.emplace_back("efficientnet_b0:res=96,classes=7");
  return specs;
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("hwnas_model_file_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// ---------------------------------------------------------------------------------------
// The issue's example

void expect_issue_example(const Graph& g) {
  EXPECT_EQ(g.name(), "tiny");
  ASSERT_EQ(g.input_nodes().size(), 1u);
  EXPECT_EQ(g.op(g.input_nodes()[0]), Op(Input{3, 56, 56}));
  EXPECT_EQ(g.node_name(g.input_nodes()[0]), "input");

  // One block per block layer, named after the layer, of the layer's kind.
  ASSERT_EQ(g.num_blocks(), 4);
  const std::vector<std::pair<std::string, BlockKind>> blocks = {
      {"layers.0", BlockKind::conv_bn_act},
      {"layers.1", BlockKind::conv_bn_act},
      {"layers.2", BlockKind::ibn},
      {"layers.3", BlockKind::fused_ibn}};
  for (BlockId b = 0; b < g.num_blocks(); ++b) {
    EXPECT_EQ(g.block_name(b), blocks[b].first);
    EXPECT_EQ(g.block(b).kind, blocks[b].second);
  }

  // conv: 3x3 stride 2 "same" padding, no bias, then BN, then relu6.
  const Conv2d& stem = op_of<Conv2d>(g, "layers.0.conv");
  EXPECT_EQ(stem, (Conv2d{.out_channels = 32,
                          .kernel_h = 3,
                          .kernel_w = 3,
                          .stride_h = 2,
                          .stride_w = 2,
                          .pad_h = 1,
                          .pad_w = 1,
                          .groups = 1,
                          .bias = false}));
  EXPECT_EQ(g.shape(must_find(g, "layers.0.conv")), (Shape{32, 28, 28}));
  EXPECT_EQ(input_names(g, "layers.0.conv"), std::vector<std::string>{"input"});
  EXPECT_EQ(op_of<BatchNorm>(g, "layers.0.bn"), BatchNorm{true});
  EXPECT_EQ(op_of<Activation>(g, "layers.0.act").kind, ActKind::relu6);

  // dwconv: depthwise, groups == channels == 32, 3x3 stride 1.
  const Conv2d& dw = op_of<Conv2d>(g, "layers.1.conv");
  EXPECT_EQ(dw.groups, 32);
  EXPECT_EQ(dw.out_channels, 32);
  EXPECT_EQ(dw.kernel_h, 3);
  EXPECT_EQ(dw.stride_h, 1);
  EXPECT_EQ(dw.pad_h, 1);
  EXPECT_TRUE(is_depthwise(dw, g.shape(must_find(g, "layers.0.act")).c));
  EXPECT_EQ(g.shape(must_find(g, "layers.1.act")), (Shape{32, 28, 28}));
  EXPECT_EQ(op_of<Activation>(g, "layers.1.act").kind, ActKind::relu6);

  // ibn 32 -> 24, expand 6: 1x1 to 32*6 = 192, 3x3 depthwise on 192, 1x1 project to 24,
  // no activation after the projection, and no residual (channels change).
  EXPECT_EQ(op_of<Conv2d>(g, "layers.2.expand.conv"), (Conv2d{.out_channels = 192}));
  EXPECT_EQ(op_of<Activation>(g, "layers.2.expand.act").kind, ActKind::relu6);
  const Conv2d& ibn_dw = op_of<Conv2d>(g, "layers.2.dw.conv");
  EXPECT_EQ(ibn_dw.groups, 192);
  EXPECT_EQ(ibn_dw.out_channels, 192);
  EXPECT_EQ(ibn_dw.kernel_h, 3);
  EXPECT_EQ(op_of<Activation>(g, "layers.2.dw.act").kind, ActKind::relu6);
  EXPECT_EQ(op_of<Conv2d>(g, "layers.2.project.conv"), (Conv2d{.out_channels = 24}));
  EXPECT_EQ(g.shape(must_find(g, "layers.2.project.bn")), (Shape{24, 28, 28}));
  EXPECT_EQ(g.find("layers.2.project.act"), -1);
  EXPECT_EQ(g.find("layers.2.add"), -1);
  EXPECT_FALSE(block_has_op(g, "layers.2", "add"));

  // fused_ibn 24 -> 24, stride 1, expand 4, kernel 5: one 5x5 full conv to 24*4 = 96,
  // 1x1 project to 24, and a residual add of the block's input and its projection.
  EXPECT_EQ(op_of<Conv2d>(g, "layers.3.expand.conv"),
            (Conv2d{.out_channels = 96, .kernel_h = 5, .kernel_w = 5, .pad_h = 2, .pad_w = 2}));
  EXPECT_EQ(input_names(g, "layers.3.expand.conv"),
            std::vector<std::string>{"layers.2.project.bn"});
  EXPECT_EQ(op_of<Conv2d>(g, "layers.3.project.conv"), (Conv2d{.out_channels = 24}));
  EXPECT_TRUE(block_has_op(g, "layers.3", "add"));
  EXPECT_EQ(op_of<Add>(g, "layers.3.add"), Add{});
  EXPECT_EQ(input_names(g, "layers.3.add"),
            (std::vector<std::string>{"layers.2.project.bn", "layers.3.project.bn"}));
  EXPECT_EQ(kind_of(g, "layers.3.add"), BlockKind::fused_ibn);

  // global_pool -> [24,1,1], linear 10 with bias, and the implicit output on the last layer.
  EXPECT_EQ(op_of<GlobalPool>(g, "layers.4").kind, PoolKind::avg);
  EXPECT_EQ(g.shape(must_find(g, "layers.4")), (Shape{24, 1, 1}));
  EXPECT_EQ(g.node(must_find(g, "layers.4")).block, kNoBlock);
  EXPECT_EQ(op_of<Linear>(g, "layers.5"), (Linear{10, true}));
  ASSERT_EQ(g.output_nodes().size(), 1u);
  const NodeId out = g.output_nodes()[0];
  EXPECT_EQ(g.node_name(out), "output");
  EXPECT_EQ(out, g.size() - 1);
  EXPECT_EQ(input_names(g, "output"), std::vector<std::string>{"layers.5"});
  EXPECT_EQ(g.shape(out), (Shape{10, 1, 1}));
  EXPECT_EQ(g.size(), 24);
}

TEST(ModelFile, IssueExampleMeansWhatItSays) { expect_issue_example(parse(kIssueExample)); }

TEST(ModelFile, IssueExampleEqualsTheBlockBuilders) {
  Graph expected("tiny");
  NodeId x = expected.add("input", Input{3, 56, 56}, {});
  x = conv_bn_act(expected, x, {.out = 32, .kernel = 3, .stride = 2, .act = ActKind::relu6},
                  "layers.0");
  x = conv_bn_act(expected, x, {.out = 32, .kernel = 3, .groups = 32, .act = ActKind::relu6},
                  "layers.1");
  x = ibn(expected, x, {.out = 24, .expanded = 192, .kernel = 3}, "layers.2").output;
  x = fused_ibn(expected, x, {.out = 24, .expanded = 96, .kernel = 5}, "layers.3").output;
  x = expected.add("layers.4", GlobalPool{PoolKind::avg}, {x});
  x = expected.add("layers.5", Linear{10}, {x});
  expected.add("output", Output{}, {x});
  EXPECT_TRUE(parse(kIssueExample).identical(expected));
}

TEST(ModelFile, ExampleFilesInTheRepositoryLoad) {
  // docs/model-format.md shows these two files; they must keep loading.
  const Graph tiny = load_model_file(source_path("examples/models/tiny.yaml"));
  expect_issue_example(tiny);
  EXPECT_TRUE(tiny.identical(parse(kIssueExample)));

  const Graph res = load_model_file(source_path("examples/models/tiny_residual.json"));
  EXPECT_EQ(res.name(), "tiny_residual");
  EXPECT_EQ(op_of<Conv2d>(res, "shortcut").out_channels, 16);
  EXPECT_EQ(input_names(res, "shortcut"), std::vector<std::string>{"stem.act"});
  EXPECT_EQ(input_names(res, "sum"), (std::vector<std::string>{"b1.add", "shortcut"}));
  EXPECT_EQ(input_names(res, "cat"), (std::vector<std::string>{"sum_act", "b1.expand.act"}));
  EXPECT_EQ(res.shape(must_find(res, "cat")), (Shape{16 + 64, 16, 16}));
  EXPECT_TRUE(block_has_op(res, "b1", "mul"));  // se: 0.25
  EXPECT_EQ(op_of<Activation>(res, "b1.dw.act").kind, ActKind::hardswish);
  EXPECT_EQ(op_of<Dropout>(res, "drop").rate_percent, 20);
  ASSERT_EQ(res.output_nodes().size(), 1u);
  EXPECT_EQ(res.node_name(res.output_nodes()[0]), "logits");
  EXPECT_EQ(res.find("output"), -1);
}

TEST(ModelFile, JsonTwinLoadsToTheSameGraphAsYaml) {
  EXPECT_TRUE(parse(kIssueExampleJson).identical(parse(kIssueExample)));
  TempDir dir;
  for (const auto& [name, text] :
       {std::pair{"twin.yaml", kIssueExample}, std::pair{"twin.json", kIssueExampleJson}}) {
    std::ofstream(dir.file(name)) << text;
  }
  EXPECT_TRUE(
      load_model_file(dir.file("twin.json")).identical(load_model_file(dir.file("twin.yaml"))));
  // A MODEL argument that is a file path loads the file.
  EXPECT_TRUE(load_model(dir.file("twin.json")).identical(parse(kIssueExample)));
}

// ---------------------------------------------------------------------------------------
// DAGs through `inputs:`

TEST(ModelFile, ResidualAddThroughInputs) {
  const Graph g = parse(R"(
input: [8, 16, 16]
layers:
  - {op: conv, name: a, out: 8, kernel: 3}
  - {op: conv, name: b, out: 8, kernel: 3, act: none}
  - {op: add, name: sum, inputs: [input, b]}
  - {op: relu}
)");
  EXPECT_EQ(input_names(g, "sum"), (std::vector<std::string>{"input", "b.bn"}));
  EXPECT_EQ(g.find("b.act"), -1);  // act: none
  EXPECT_EQ(input_names(g, "layers.3"), std::vector<std::string>{"sum"});
  EXPECT_EQ(g.shape(must_find(g, "sum")), (Shape{8, 16, 16}));
  EXPECT_EQ(input_names(g, "output"), std::vector<std::string>{"layers.3"});
}

// torchvision's int(round(in * expand)) rounds half to even (Python's round).
TEST(ModelFile, IbnExpandedWidthRoundsHalfToEvenAsTorchvision) {
  for (const auto& [in, expanded] : std::vector<std::pair<int, int>>{{5, 2}, {7, 4}, {9, 4}, {3, 2}, {6, 3}}) {
    const Graph g = parse("input: [" + std::to_string(in) + ", 8, 8]\nlayers:\n  - {op: ibn, out: 4, expand: 0.5}\n");
    EXPECT_EQ(g.shape(must_find(g, "layers.0.expand.conv")).c, expanded) << in << " x 0.5";
  }
}

TEST(ModelFile, ConcatOfBranches) {
  const Graph g = parse(R"(
input: [4, 8, 8]
layers:
  - {op: conv2d, name: a, out: 6}
  - {op: conv2d, name: b, inputs: input, out: 10, kernel: 3}
  - {op: max_pool, name: c, inputs: input, kernel: 3, stride: 1, padding: 1}
  - {op: concat, name: cat, inputs: [a, b, c, input]}
)");
  EXPECT_EQ(input_names(g, "cat"), (std::vector<std::string>{"a", "b", "c", "input"}));
  EXPECT_EQ(g.shape(must_find(g, "cat")), (Shape{6 + 10 + 4 + 4, 8, 8}));
}

TEST(ModelFile, SsdLikeHeadsWithExplicitOutputs) {
  const Graph g = parse(R"(
name: ssd_like
input: [3, 64, 64]
layers:
  - {op: conv, name: stem, out: 16, kernel: 3, stride: 2}
  - {op: ibn, name: f1, out: 24, stride: 2}
  - {op: ibn, name: f2, out: 32, stride: 2}
  - {op: conv2d, name: f1.cls, inputs: f1, out: 12, kernel: 3, bias: true}
  - {op: output, name: cls1}
  - {op: conv2d, name: f1.box, inputs: f1, out: 8, kernel: 3, bias: true}
  - {op: output, name: box1}
  - {op: conv2d, name: f2.cls, inputs: f2, out: 12, kernel: 3, bias: true}
  - {op: output, name: cls2}
  - {op: conv2d, name: f2.box, inputs: f2, out: 8, kernel: 3, bias: true}
  - {op: output, name: box2}
)");
  std::vector<std::string> outputs;
  for (NodeId id : g.output_nodes()) outputs.emplace_back(g.node_name(id));
  EXPECT_EQ(outputs, (std::vector<std::string>{"cls1", "box1", "cls2", "box2"}));
  EXPECT_EQ(g.find("output"), -1);  // explicit outputs: no implicit one
  EXPECT_EQ(input_names(g, "cls1"), std::vector<std::string>{"f1.cls"});
  EXPECT_EQ(input_names(g, "f2.box"), std::vector<std::string>{"f2.project.bn"});
  EXPECT_EQ(g.shape(must_find(g, "box1")), (Shape{8, 16, 16}));
  EXPECT_EQ(g.shape(must_find(g, "box2")), (Shape{8, 8, 8}));
  EXPECT_TRUE(op_of<Conv2d>(g, "f2.cls").bias);
}

TEST(ModelFile, TapsIntoInnerNodesOfABlock) {
  const Graph g = parse(R"(
input: [16, 16, 16]
layers:
  - {op: ibn, name: b1, out: 24, expand: 6, stride: 2}
  - {op: conv2d, name: tap, inputs: [b1.expand.act], out: 8}
  - {op: conv2d, name: tap_dw, inputs: b1.dw.conv, out: 8}
  - {op: concat, name: cat, inputs: [b1, tap_dw]}
)");
  EXPECT_EQ(input_names(g, "tap"), std::vector<std::string>{"b1.expand.act"});
  EXPECT_EQ(g.shape(must_find(g, "tap")), (Shape{8, 16, 16}));  // before the stride
  EXPECT_EQ(input_names(g, "tap_dw"), std::vector<std::string>{"b1.dw.conv"});
  EXPECT_EQ(input_names(g, "cat"), (std::vector<std::string>{"b1.project.bn", "tap_dw"}));
  EXPECT_EQ(g.shape(must_find(g, "cat")), (Shape{24 + 8, 8, 8}));
  EXPECT_EQ(input_names(g, "output"), std::vector<std::string>{"cat"});
}

TEST(ModelFile, OutOfOrderLayersThatAreAcyclicLoad) {
  const Graph ordered = parse(R"(
input: [4, 8, 8]
layers:
  - {op: conv, name: a, out: 4, kernel: 3}
  - {op: ibn, name: b, out: 4, expand: 2, inputs: a}
  - {op: add, name: c, inputs: [a, b.add, b.project.bn]}
  - {op: output, name: out, inputs: c}
)");
  const Graph shuffled = parse(R"(
input: [4, 8, 8]
layers:
  - {op: output, name: out, inputs: c}
  - {op: add, name: c, inputs: [a, b.add, b.project.bn]}
  - {op: ibn, name: b, out: 4, expand: 2, inputs: a}
  - {op: conv, name: a, out: 4, kernel: 3, inputs: input}
)");
  EXPECT_TRUE(shuffled.identical(ordered));
  EXPECT_EQ(input_names(shuffled, "c"),
            (std::vector<std::string>{"a.act", "b.add", "b.project.bn"}));
}

TEST(ModelFile, LayerWithoutInputsTakesThePreviousLayerInTheFile) {
  // The default input is the layer written just before, wherever it runs.
  const Graph g = parse(R"(
input: [4, 8, 8]
layers:
  - {op: relu, name: a, inputs: b}
  - {op: sigmoid, name: c}
  - {op: relu6, name: b, inputs: input}
)");
  EXPECT_EQ(input_names(g, "c"), std::vector<std::string>{"a"});
  EXPECT_EQ(input_names(g, "a"), std::vector<std::string>{"b"});
  EXPECT_EQ(g.node_name(1), "b");  // runs first: it only needs the input
  EXPECT_EQ(input_names(g, "output"), std::vector<std::string>{"b"});  // the last layer written
}

TEST(ModelFile, InputLayerInsteadOfTopLevelInput) {
  const Graph g = parse(R"(
layers:
  - {op: input, name: image, shape: [3, 32, 40]}
  - {op: input, name: mask, shape: [1, 32, 40]}
  - {op: concat, inputs: [image, mask]}
)");
  EXPECT_EQ(g.input_nodes().size(), 2u);
  EXPECT_EQ(op_of<Input>(g, "image"), (Input{3, 32, 40}));
  EXPECT_EQ(g.shape(must_find(g, "layers.2")), (Shape{4, 32, 40}));
  EXPECT_EQ(g.name(), "");
}

// ---------------------------------------------------------------------------------------
// Every op: each loads to exactly the node the C++ API builds (parameters and defaults).

const std::string kPrimitives = R"(
name: primitives
layers:
  - {op: input, name: x, shape: [8, 16, 16]}
  - {op: conv2d, name: c1, out: 16, kernel: [3, 5], stride: [1, 2], dilation: 2, groups: 2, bias: true}
  - {op: conv2d, name: c2, out: 16, kernel: 3, padding: 0}
  - {op: conv2d, name: c3, inputs: c1, out: 16, padding: [1, 0]}
  - {op: conv2d, name: c4, inputs: c1, out: 4}
  - {op: batch_norm, name: bn, inputs: c1}
  - {op: batch_norm, name: bn_plain, affine: false}
  - {op: relu, name: a_relu}
  - {op: relu6, name: a_relu6}
  - {op: hardswish, name: a_hardswish}
  - {op: hardsigmoid, name: a_hardsigmoid}
  - {op: sigmoid, name: a_sigmoid}
  - {op: silu, name: a_silu}
  - {op: identity, name: a_identity}
  - {op: add, name: add3, inputs: [c1, bn, a_identity]}
  - {op: global_avg_pool, name: gap, inputs: add3}
  - {op: mul, name: scaled, inputs: [add3, gap]}
  - {op: mul, name: squared, inputs: [add3, add3]}
  - {op: concat, name: cat, inputs: [scaled, squared]}
  - {op: avg_pool, name: ap, kernel: 3, stride: 2, padding: 1, count_include_pad: false, ceil_mode: true}
  - {op: max_pool, name: mp, inputs: cat}
  - {op: max_pool, name: mp2, inputs: cat, kernel: [2, 1], stride: 1}
  - {op: avg_pool, name: ap2, inputs: cat}
  - {op: global_pool, name: gmp, inputs: cat, kind: max}
  - {op: global_max_pool, name: gmp2, inputs: cat}
  - {op: global_pool, name: gap2, inputs: cat}
  - {op: upsample, name: up, inputs: mp}
  - {op: upsample, name: up3, inputs: mp, mode: bilinear, scale: 3}
  - {op: upsample, name: upsz, inputs: mp, size: [7, 9]}
  - {op: channel_shuffle, name: shuf, inputs: up, groups: 4}
  - {op: zero, name: z}
  - {op: dropout, name: d0}
  - {op: dropout, name: d, rate: 0.25}
  - {op: flatten, name: flat}
  - {op: linear, name: fc, out: 10, bias: false}
  - {op: linear, name: fc2, inputs: gmp, out: 5}
  - {op: output, name: o1, inputs: fc}
  - {op: output, name: o2, inputs: fc2}
)";

Graph expected_primitives() {
  Graph g("primitives");
  const NodeId x = g.add("x", Input{8, 16, 16}, {});
  const NodeId c1 = g.add("c1",
                          Conv2d{.out_channels = 16,
                                 .kernel_h = 3,
                                 .kernel_w = 5,
                                 .stride_h = 1,
                                 .stride_w = 2,
                                 .pad_h = 2,
                                 .pad_w = 4,
                                 .dilation_h = 2,
                                 .dilation_w = 2,
                                 .groups = 2,
                                 .bias = true},
                          {x});
  g.add("c2", Conv2d{.out_channels = 16, .kernel_h = 3, .kernel_w = 3}, {c1});
  g.add("c3", Conv2d{.out_channels = 16, .pad_h = 1, .pad_w = 0}, {c1});
  g.add("c4", Conv2d{.out_channels = 4}, {c1});
  const NodeId bn = g.add("bn", BatchNorm{}, {c1});
  NodeId y = g.add("bn_plain", BatchNorm{false}, {bn});
  for (ActKind k : {ActKind::relu, ActKind::relu6, ActKind::hardswish, ActKind::hardsigmoid,
                    ActKind::sigmoid, ActKind::silu, ActKind::identity})
    y = g.add("a_" + std::string(act_name(k)), Activation{k}, {y});
  const NodeId add3 = g.add("add3", Add{}, {c1, bn, y});
  const NodeId gap = g.add("gap", GlobalPool{PoolKind::avg}, {add3});
  const NodeId scaled = g.add("scaled", Mul{}, {add3, gap});
  const NodeId squared = g.add("squared", Mul{}, {add3, add3});
  const NodeId cat = g.add("cat", Concat{}, {scaled, squared});
  g.add("ap", Pool{PoolKind::avg, 3, 3, 2, 2, 1, 1, false, true}, {cat});
  const NodeId mp = g.add("mp", Pool{PoolKind::max, 2, 2, 2, 2, 0, 0, true, false}, {cat});
  g.add("mp2", Pool{PoolKind::max, 2, 1, 1, 1, 0, 0, true, false}, {cat});
  g.add("ap2", Pool{PoolKind::avg}, {cat});
  const NodeId gmp = g.add("gmp", GlobalPool{PoolKind::max}, {cat});
  g.add("gmp2", GlobalPool{PoolKind::max}, {cat});
  g.add("gap2", GlobalPool{PoolKind::avg}, {cat});
  const NodeId up = g.add("up", Upsample{UpsampleMode::nearest, 2, 0, 0}, {mp});
  g.add("up3", Upsample{UpsampleMode::bilinear, 3, 0, 0}, {mp});
  g.add("upsz", Upsample{UpsampleMode::nearest, 0, 7, 9}, {mp});
  y = g.add("shuf", ChannelShuffle{4}, {up});
  y = g.add("z", Zero{}, {y});
  y = g.add("d0", Dropout{0}, {y});
  y = g.add("d", Dropout{25}, {y});
  y = g.add("flat", Flatten{}, {y});
  const NodeId fc = g.add("fc", Linear{10, false}, {y});
  const NodeId fc2 = g.add("fc2", Linear{5, true}, {gmp});
  g.add("o1", Output{}, {fc});
  g.add("o2", Output{}, {fc2});
  return g;
}

TEST(ModelFile, EveryPrimitiveOpLoadsWithItsParameters) {
  const Graph g = parse(kPrimitives);
  const Graph expected = expected_primitives();
  EXPECT_TRUE(g.identical(expected));
  // A few shapes and values spelled out, so a wrong reference cannot hide a wrong loader.
  EXPECT_EQ(g.shape(must_find(g, "c1")), (Shape{16, 16, 8}));
  EXPECT_EQ(g.shape(must_find(g, "c2")), (Shape{16, 14, 6}));
  EXPECT_EQ(g.shape(must_find(g, "c3")), (Shape{16, 18, 8}));
  EXPECT_EQ(g.shape(must_find(g, "scaled")), (Shape{16, 16, 8}));
  EXPECT_EQ(g.shape(must_find(g, "cat")), (Shape{32, 16, 8}));
  EXPECT_EQ(g.shape(must_find(g, "ap")), (Shape{32, 9, 5}));
  EXPECT_EQ(g.shape(must_find(g, "mp")), (Shape{32, 8, 4}));
  EXPECT_EQ(g.shape(must_find(g, "mp2")), (Shape{32, 15, 8}));
  EXPECT_EQ(g.shape(must_find(g, "up3")), (Shape{32, 24, 12}));
  EXPECT_EQ(g.shape(must_find(g, "upsz")), (Shape{32, 7, 9}));
  EXPECT_EQ(g.shape(must_find(g, "flat")), (Shape{32 * 16 * 8, 1, 1}));
  EXPECT_EQ(op_of<Dropout>(g, "d").rate_percent, 25);
  EXPECT_FALSE(op_of<BatchNorm>(g, "bn_plain").affine);
  EXPECT_EQ(op_of<GlobalPool>(g, "gap2").kind, PoolKind::avg);
  EXPECT_EQ(input_names(g, "a_relu"), std::vector<std::string>{"bn_plain"});
  EXPECT_EQ(g.output_nodes().size(), 2u);
  EXPECT_EQ(g.num_blocks(), 0);
}

// epsilon defaults to PyTorch's 1e-5 (old files load unchanged) and is saved only when it
// differs; torchvision's MobileNetV3 uses 1e-3.
TEST(ModelFile, BatchNormEpsilonDefaultsToPyTorchsAndRoundTrips) {
  const Graph g = parse(R"(name: eps
input: [4, 2, 2]
layers:
  - {op: batch_norm, name: plain}
  - {op: batch_norm, name: mnv3, epsilon: 0.001}
  - {op: output, name: out}
)");
  EXPECT_EQ(op_of<BatchNorm>(g, "plain").epsilon, 1e-5);
  EXPECT_EQ(op_of<BatchNorm>(g, "mnv3").epsilon, 1e-3);
  const std::string json = model_to_json(g);
  EXPECT_EQ(json.find("1e-05"), std::string::npos) << json;
  EXPECT_NE(json.find("\"epsilon\": 0.001"), std::string::npos) << json;
  EXPECT_TRUE(parse_model(json, "eps.json").identical(g));
  EXPECT_TRUE(parse_model(model_to_yaml(g), "eps.yaml").identical(g));
  for (const char* spec : {"mobilenet_v3_small", "mobilenet_v3_large", "lraspp_mobilenet_v3_large"}) {
    const Graph v3 = build_zoo_model(spec);
    EXPECT_EQ(op_of<BatchNorm>(v3, "features.0.bn").epsilon, 1e-3) << spec;
    EXPECT_EQ(op_of<BatchNorm>(v3, "features.1.project.bn").epsilon, 1e-3) << spec;
  }
  EXPECT_EQ(op_of<BatchNorm>(build_zoo_model("lraspp_mobilenet_v3_large"), "classifier.cbr.bn").epsilon, 1e-5);
  EXPECT_EQ(op_of<BatchNorm>(build_zoo_model("mobilenet_v2"), "features.0.bn").epsilon, 1e-5);
}

TEST(ModelFile, PrimitivesCarryBlockTags) {
  const Graph g = parse(R"(
input: [4, 8, 8]
blocks: [{name: stem, kind: conv_bn_act}, {name: head, kind: head}]
layers:
  - {op: conv2d, name: stem.conv, out: 8, kernel: 3, block: stem}
  - {op: batch_norm, name: stem.bn, block: stem}
  - {op: relu, name: stem.act, block: stem}
  - {op: global_pool, name: head.pool, block: head}
  - {op: linear, name: head.fc, out: 3, block: head}
  - {op: output, name: output}
)");
  Graph expected;
  NodeId x = expected.add("input", Input{4, 8, 8}, {});
  // Blocks listed without a spec have none (block_spec.h).
  x = emit_conv_bn_act(expected, x, {.out = 8, .kernel = 3}, "stem", expected.add_block(BlockKind::conv_bn_act, "stem"));
  const BlockId head = expected.add_block(BlockKind::head, "head");
  x = expected.add("head.pool", GlobalPool{}, {x}, head);
  x = expected.add("head.fc", Linear{3}, {x}, head);
  expected.add("output", Output{}, {x});
  EXPECT_TRUE(g.identical(expected));
  EXPECT_EQ(kind_of(g, "stem.bn"), BlockKind::conv_bn_act);
  EXPECT_EQ(g.node(must_find(g, "output")).block, kNoBlock);
}

const std::string kBlockOps = R"(
name: blocks
input: [16, 64, 64]
layers:
  - {op: conv, name: cv, out: 32, kernel: 5, stride: 2, groups: 2, act: hardswish, bias: true, bn: false, padding: 1}
  - {op: conv, name: cv_def, out: 32}
  - {op: conv, name: cv_dil, out: 32, kernel: 3, dilation: 2}
  - {op: dwconv, name: dw, stride: 2, kernel: 5, dilation: 2, act: none, bn: false}
  - {op: dwconv, name: dw_def}
  - {op: ibn, name: ib, out: 32, expand: 3, kernel: 5, dilation: 2, act: hardswish, se: 0.25, se_act: relu, se_gate: hardsigmoid, residual: false}
  - {op: ibn, name: ib_def, out: 32}
  - {op: ibn, name: ib_noexp, out: 32, expand: 1}
  - {op: ibn, name: ib_act_none, out: 32, act: none}
  - {op: fused_ibn, name: fi, out: 48, expand: 2, kernel: 3, stride: 2, act: silu, se: 0.5, se_act: silu, se_gate: sigmoid}
  - {op: fused_ibn, name: fi_def, out: 48}
  - {op: fused_ibn, name: fi_nores, out: 48, residual: false}
  - {op: se, name: se1, squeeze: 0.5, act: silu, gate: sigmoid}
  - {op: se, name: se_def}
  - {op: resnet_basic, name: rb, planes: 96, stride: 2}
  - {op: resnet_basic, name: rb_def, planes: 96}
  - {op: resnet_bottleneck, name: bt, planes: 32}
  - {op: resnet_bottleneck, name: bt_s2, planes: 32, stride: 2}
)";

Graph expected_block_ops() {
  Graph g("blocks");
  NodeId x = g.add("input", Input{16, 64, 64}, {});
  x = conv_bn_act(g, x,
                  {.out = 32,
                   .kernel = 5,
                   .stride = 2,
                   .groups = 2,
                   .act = ActKind::hardswish,
                   .bias = true,
                   .bn = false,
                   .padding = 1},
                  "cv");
  x = conv_bn_act(g, x, {.out = 32}, "cv_def");
  x = conv_bn_act(g, x, {.out = 32, .kernel = 3, .dilation = 2}, "cv_dil");
  x = conv_bn_act(g, x,
                  {.out = 32,
                   .kernel = 5,
                   .stride = 2,
                   .groups = 32,
                   .dilation = 2,
                   .act = std::nullopt,
                   .bn = false},
                  "dw");
  x = conv_bn_act(g, x, {.out = 32, .kernel = 3, .groups = 32}, "dw_def");
  x = ibn(g, x,
          {.out = 32,
           .expanded = 96,
           .kernel = 5,
           .dilation = 2,
           .act = ActKind::hardswish,
           .se = SqueezeExciteSpec{24, ActKind::relu, ActKind::hardsigmoid},
           .residual = false},
          "ib")
          .output;
  x = ibn(g, x, {.out = 32, .expanded = 192}, "ib_def").output;
  x = ibn(g, x, {.out = 32, .expanded = 32}, "ib_noexp").output;
  x = ibn(g, x, {.out = 32, .expanded = 192, .act = ActKind::identity}, "ib_act_none").output;
  x = fused_ibn(g, x,
                {.out = 48,
                 .expanded = 64,
                 .kernel = 3,
                 .stride = 2,
                 .act = ActKind::silu,
                 .se = SqueezeExciteSpec{32, ActKind::silu, ActKind::sigmoid}},
                "fi")
          .output;
  x = fused_ibn(g, x, {.out = 48, .expanded = 192}, "fi_def").output;
  x = fused_ibn(g, x, {.out = 48, .expanded = 192, .residual = false}, "fi_nores").output;
  x = squeeze_excite(g, x, {24, ActKind::silu, ActKind::sigmoid}, "se1");
  x = squeeze_excite(g, x, {12, ActKind::relu, ActKind::hardsigmoid}, "se_def");
  x = resnet_basic(g, x, 96, 2, "rb");
  x = resnet_basic(g, x, 96, 1, "rb_def");
  x = resnet_bottleneck(g, x, 32, 1, "bt");
  x = resnet_bottleneck(g, x, 32, 2, "bt_s2");
  g.add("output", Output{}, {x});
  return g;
}

TEST(ModelFile, EveryBlockOpLoadsAsItsBuilderWithDefaults) {
  const Graph g = parse(kBlockOps);
  EXPECT_TRUE(g.identical(expected_block_ops()));

  // Spelled-out checks of what the defaults mean.
  EXPECT_EQ(op_of<Conv2d>(g, "cv.conv").pad_h, 1);
  EXPECT_EQ(g.find("cv.bn"), -1);                                            // bn: false
  EXPECT_EQ(op_of<Conv2d>(g, "cv_def.conv"), (Conv2d{.out_channels = 32}));  // 1x1, no bias
  EXPECT_EQ(op_of<Activation>(g, "cv_def.act").kind, ActKind::relu);         // conv's act: relu
  EXPECT_EQ(op_of<Conv2d>(g, "cv_dil.conv").pad_h, 2);                       // same padding
  EXPECT_EQ(op_of<Conv2d>(g, "dw_def.conv").kernel_h, 3);                    // dwconv: 3x3
  EXPECT_EQ(op_of<Activation>(g, "dw_def.act").kind, ActKind::relu);
  EXPECT_EQ(op_of<Conv2d>(g, "ib.expand.conv").out_channels, 96);
  EXPECT_EQ(op_of<Conv2d>(g, "ib.se.fc1").out_channels, 24);            // 96 * 0.25
  EXPECT_EQ(g.find("ib.add"), -1);                                      // residual: false
  EXPECT_EQ(op_of<Conv2d>(g, "ib_def.expand.conv").out_channels, 192);  // expand 6
  EXPECT_EQ(op_of<Activation>(g, "ib_def.dw.act").kind, ActKind::relu6);
  EXPECT_NE(g.find("ib_def.add"), -1);
  EXPECT_EQ(g.find("ib_noexp.expand.conv"), -1);  // expand 1: none
  EXPECT_EQ(op_of<Activation>(g, "ib_act_none.dw.act").kind, ActKind::identity);
  EXPECT_EQ(op_of<Conv2d>(g, "fi_def.expand.conv").out_channels, 192);  // expand 4
  EXPECT_EQ(op_of<Conv2d>(g, "fi_def.expand.conv").kernel_h, 3);
  EXPECT_NE(g.find("fi_def.add"), -1);
  EXPECT_EQ(g.find("fi_nores.add"), -1);
  EXPECT_EQ(op_of<Conv2d>(g, "se_def.fc1").out_channels, 12);  // 48 * 0.25
  EXPECT_EQ(op_of<Activation>(g, "se_def.gate").kind, ActKind::hardsigmoid);
  EXPECT_EQ(kind_of(g, "se_def.mul"), BlockKind::squeeze_excite);
  EXPECT_EQ(kind_of(g, "rb.downsample.conv"), BlockKind::resnet_basic);
  EXPECT_EQ(g.find("rb_def.downsample.conv"), -1);
  EXPECT_EQ(op_of<Conv2d>(g, "bt.3.conv").out_channels, 128);
  EXPECT_EQ(kind_of(g, "bt_s2.add"), BlockKind::resnet_bottleneck);
}

// ---------------------------------------------------------------------------------------
// Round trips

TEST(ModelFile, EveryZooModelRoundTripsThroughYamlAndJson) {
  for (const std::string& spec : zoo_specs()) {
    SCOPED_TRACE(spec);
    const Graph g = build_zoo_model(spec);
    const Graph from_yaml = parse_model(model_to_yaml(g), spec + ".yaml");
    EXPECT_TRUE(from_yaml.identical(g));
    EXPECT_EQ(from_yaml.hash(), g.hash());
    const Graph from_json = parse_model(model_to_json(g), spec + ".json");
    EXPECT_TRUE(from_json.identical(g));
    // Saving what was loaded writes the same text.
    EXPECT_EQ(model_to_yaml(from_yaml), model_to_yaml(g));
    EXPECT_EQ(model_to_json(from_json), model_to_json(g));
  }
}

TEST(ModelFile, EveryZooModelRoundTripsThroughFiles) {
  TempDir dir;
  int index = 0;
  for (const std::string& spec : zoo_specs()) {
    SCOPED_TRACE(spec);
    const Graph g = build_zoo_model(spec);
    for (const char* ext : {".yaml", ".yml", ".json"}) {
      const std::string path = dir.file("model" + std::to_string(index++) + ext);
      save_model_file(g, path);
      EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
      EXPECT_TRUE(load_model_file(path).identical(g)) << path;
      EXPECT_TRUE(load_model(path).identical(g)) << path;
    }
  }
}

TEST(ModelFile, SavedJsonIsJsonAndSavedYamlWritesBlockTags) {
  const Graph g = build_zoo_model("mobilenet_v2:width=0.5,res=96,classes=10");
  const std::string json = model_to_json(g);
  EXPECT_EQ(json.front(), '{');
  EXPECT_NE(json.find("\"blocks\""), std::string::npos);
  const std::string yaml = model_to_yaml(g);
  EXPECT_NE(yaml.find("blocks:"), std::string::npos);
  EXPECT_NE(yaml.find("{name: features.1, kind: ibn, spec: {type: ibn, out: 8, expanded: 16}}"), std::string::npos)
      << yaml.substr(0, 600);
  EXPECT_NE(yaml.find("block: features.1"), std::string::npos);
  // Saving again over an existing file replaces it.
  TempDir dir;
  save_model_file(build_zoo_model("resnet18"), dir.file("m.yaml"));
  save_model_file(g, dir.file("m.yaml"));
  EXPECT_TRUE(load_model_file(dir.file("m.yaml")).identical(g));
}

TEST(ModelFile, HandWrittenModelsRoundTrip) {
  for (const std::string& text : {kIssueExample, kPrimitives, kBlockOps}) {
    const Graph g = parse(text);
    EXPECT_TRUE(parse(model_to_yaml(g)).identical(g)) << model_to_yaml(g);
    EXPECT_TRUE(parse(model_to_json(g)).identical(g)) << model_to_json(g);
  }
}

TEST(ModelFile, OddNamesRoundTrip) {
  // Names that YAML would read as something else unless the saver quotes them.
  const std::vector<std::string> names = {
      "null",  "~",        "true",      "no",        "1.5",         "007",
      "a: b",  "#hash",    "- dash",    "[x]",       "{y}",         "quote\"d",
      "it's",  " padded ", "tab\there", "new\nline", "back\\slash", "\u00fcn\u00ef",
      "*star", "&amp",     "!bang",     "%pct",      "@at",         "`tick`",
      "a,b",   ">fold",    "|lit"};
  for (const std::string model_name : {"null", "", "my model: v2"}) {
    Graph g(model_name);
    NodeId x = g.add("in put", Input{2, 4, 4}, {});
    const BlockId b = g.add_block(BlockKind::head, "blk: {odd}");
    for (const std::string& n : names) x = g.add(n, Activation{ActKind::relu}, {x}, b);
    g.add("out", Output{}, {x});
    SCOPED_TRACE(model_name);
    EXPECT_TRUE(parse(model_to_yaml(g)).identical(g)) << model_to_yaml(g);
    EXPECT_TRUE(parse(model_to_json(g)).identical(g)) << model_to_json(g);
  }
}

TEST(ModelFile, NonSequentialInputsRoundTrip) {
  // A node whose single input is not the node just before it must keep that input.
  Graph g("branches");
  const NodeId x = g.add("x", Input{4, 8, 8}, {});
  const NodeId a = g.add("a", Activation{ActKind::relu}, {x});
  const NodeId b = g.add("b", Activation{ActKind::sigmoid}, {x});
  const NodeId c = g.add("c", Add{}, {a, b, a});
  g.add("o", Output{}, {c});
  g.add("o2", Output{}, {a});
  EXPECT_TRUE(parse(model_to_yaml(g)).identical(g));
  EXPECT_TRUE(parse(model_to_json(g)).identical(g));
}

// ---------------------------------------------------------------------------------------
// The documentation's examples are the example files, and they load.

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Fenced {
  std::string language, text;
};

std::vector<Fenced> fenced_blocks(const std::string& markdown) {
  std::vector<Fenced> blocks;
  std::istringstream in(markdown);
  std::string line;
  Fenced* open = nullptr;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      if (open != nullptr) {
        open = nullptr;
      } else {
        blocks.push_back({line.substr(3), ""});
        open = &blocks.back();
      }
    } else if (open != nullptr) {
      open->text += line + "\n";
    }
  }
  return blocks;
}

TEST(ModelFile, DocumentationExamplesAreTheExampleFilesAndLoad) {
  const std::string doc_path = source_path("docs/model-format.md");
  const std::vector<Fenced> blocks = fenced_blocks(read_text(doc_path));
  std::vector<std::string> models;
  for (const Fenced& b : blocks) {
    if (b.language != "yaml" && b.language != "json") continue;
    SCOPED_TRACE(b.text);
    EXPECT_NO_THROW(parse_model(b.text, doc_path));
    models.push_back(b.text);
  }
  ASSERT_GE(models.size(), 4u);
  const std::string tiny = read_text(source_path("examples/models/tiny.yaml"));
  const std::string residual = read_text(source_path("examples/models/tiny_residual.json"));
  EXPECT_EQ(models.front(), tiny);
  EXPECT_EQ(models.back(), residual);
  // The saved form shown is what the saver writes.
  const std::string saved = model_to_yaml(parse(tiny));
  EXPECT_NE(std::find(models.begin(), models.end(), saved), models.end()) << saved;
  EXPECT_EQ(tiny, kIssueExample);
}

}  // namespace
}  // namespace hwnas::graph

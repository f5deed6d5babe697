// Bad input: every path throws a UserError whose message is one line, names the file and
// line (or the node, key or zoo spec), and says what to change.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "hwnas/base/error.h"
#include "hwnas/graph/graph.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/graph/zoo/zoo.h"

namespace hwnas::graph {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no UserError was thrown";
  return "";
}

// The message of parsing `text` as the file "bad.yaml".
std::string model_error(const std::string& text) {
  return error_of([&] { parse_model(text, "bad.yaml"); });
}

std::string zoo_error(const std::string& spec) {
  return error_of([&] { build_zoo_model(spec); });
}

// One line, and every part in it.
void expect_message(const std::string& message, std::initializer_list<std::string_view> parts) {
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.find('\r'), std::string::npos) << message;
  for (std::string_view part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
}

// A model whose layers are `layers` (YAML lines, each "  - {...}"), input [3, 8, 8].
std::string with_layers(const std::string& layers) {
  return "name: bad\ninput: [3, 8, 8]\nlayers:\n" + layers;
}

// ---------------------------------------------------------------------------------------
// The file as a whole

TEST(Errors, MalformedYaml) {
  const std::string m = model_error("name: x\ninput: [3, 8, 8]\nlayers: [{op: conv, out: 3\n");
  expect_message(m, {"bad.yaml:", "not valid YAML/JSON"});
  EXPECT_EQ(m.rfind("bad.yaml:", 0), 0u) << m;
}

TEST(Errors, MalformedJson) {
  const std::string m = error_of([] {
    parse_model("{\n  \"input\": [3, 8, 8],\n  \"layers\": [{\"op\": \"relu\"}\n}\n", "bad.json");
  });
  expect_message(m, {"bad.json:", "not valid JSON (a .json file is strict JSON)"});
}

TEST(Errors, TopLevelNotAMapping) {
  expect_message(model_error("- {op: relu}\n- {op: relu}\n"),
                 {"bad.yaml:1:", "a model file is a mapping", "name, input, blocks, layers"});
  expect_message(model_error("just text\n"), {"bad.yaml", "a model file is a mapping"});
  expect_message(model_error(""), {"bad.yaml", "a model file is a mapping"});
}

TEST(Errors, UnknownTopLevelKey) {
  expect_message(
      model_error("name: x\ninput: [3, 8, 8]\nlayer:\n  - {op: relu}\n"),
      {"bad.yaml:3:", "unknown top-level key 'layer'", "use name, input, blocks, layers"});
}

TEST(Errors, MissingOrEmptyLayers) {
  expect_message(model_error("name: x\ninput: [3, 8, 8]\n"),
                 {"bad.yaml:1:", "'layers' must be a non-empty list of layers"});
  expect_message(model_error("name: x\ninput: [3, 8, 8]\nlayers: []\n"),
                 {"bad.yaml:3:", "'layers' must be a non-empty list"});
  expect_message(model_error("name: x\ninput: [3, 8, 8]\nlayers: {op: relu}\n"),
                 {"bad.yaml:3:", "'layers' must be a non-empty list"});
}

TEST(Errors, BadTopLevelValues) {
  expect_message(model_error("name: [a, b]\ninput: [3, 8, 8]\nlayers:\n  - {op: relu}\n"),
                 {"bad.yaml:1:", "name must be a string"});
  expect_message(model_error("input: [3, 8]\nlayers:\n  - {op: relu}\n"),
                 {"bad.yaml:1:", "input must be [channels, height, width]"});
  expect_message(model_error("input: 3\nlayers:\n  - {op: relu}\n"),
                 {"bad.yaml:1:", "input must be [channels, height, width]"});
}

TEST(Errors, DuplicateKeys) {
  expect_message(model_error(with_layers("  - {op: conv, out: 3, out: 4}\n")),
                 {"bad.yaml:4:", "key 'out' appears twice", "keep one"});
  expect_message(model_error("input: [3, 8, 8]\ninput: [3, 9, 9]\nlayers:\n  - {op: relu}\n"),
                 {"bad.yaml:2:", "key 'input' appears twice"});
  expect_message(error_of([] {
                   parse_model(R"({"input": [3, 8, 8], "layers": [{"op": "relu", "op": "relu6"}]})",
                               "bad.json");
                 }),
                 {"bad.json:1:", "key 'op' appears twice"});
}

TEST(Errors, UnreadableFile) {
  const std::string missing = "/nonexistent/hwnas/model.yaml";
  expect_message(error_of([&] { load_model_file(missing); }),
                 {missing, "cannot read the model file", "check the path"});
  // The MODEL argument takes the same path.
  expect_message(error_of([&] { load_model(missing); }), {missing, "cannot read"});
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("hwnas_errors_test_" + std::to_string(::getpid()) + ".yaml");
  std::filesystem::create_directories(dir);
  expect_message(error_of([&] { load_model_file(dir.string()); }),
                 {dir.string(), "is a directory, not a model file"});
  std::filesystem::remove_all(dir);
}

TEST(Errors, FileErrorsNameTheFile) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("hwnas_errors_test_model_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << with_layers("  - {op: relu}\n  - {op: conv, out: 0}\n");
  expect_message(
      error_of([&] { load_model_file(path.string()); }),
      {path.string() + ":5:", "layer 'layers.1' (conv)", "out must be a positive integer"});
  std::filesystem::remove(path);
}

// ---------------------------------------------------------------------------------------
// Layers

TEST(Errors, LayerNotAMapping) {
  expect_message(model_error(with_layers("  - relu\n")),
                 {"bad.yaml:4:", "layer 0 must be a mapping with an 'op' key"});
}

TEST(Errors, MissingOp) {
  expect_message(model_error(with_layers("  - {name: a}\n")),
                 {"bad.yaml:4:", "layer 0 has no 'op'", "use one of:", "conv2d"});
}

TEST(Errors, UnknownOp) {
  expect_message(model_error(with_layers("  - {op: relu}\n  - {op: convv, out: 3}\n")),
                 {"bad.yaml:5:", "layer 1: unknown op 'convv'", "use one of:", "conv,", "conv2d",
                  "fused_ibn", "upsample"});
}

TEST(Errors, UnknownKeyListsAllowedKeys) {
  const std::string m = model_error(with_layers("  - {op: conv, out: 3, kernal: 3}\n"));
  expect_message(m, {"bad.yaml:4:", "layer 'layers.0' (conv)", "unknown key 'kernal'",
                     "this op takes:", "kernel", "stride", "padding", "act"});
  expect_message(model_error(with_layers("  - {op: dwconv, out: 3}\n")),
                 {"layer 'layers.0' (dwconv)", "unknown key 'out'", "kernel"});
  expect_message(model_error(with_layers("  - {op: relu, name: r, rate: 0.5}\n")),
                 {"layer 'r' (relu)", "unknown key 'rate'", "op, name, inputs, block"});
  // A block op makes its own block; it takes no `block:` tag.
  expect_message(model_error("input: [3, 8, 8]\nblocks: [{name: b, kind: ibn}]\nlayers:\n"
                             "  - {op: conv, out: 3, block: b}\n"),
                 {"bad.yaml:4:", "unknown key 'block'"});
}

TEST(Errors, WrongValueTypes) {
  expect_message(
      model_error(with_layers("  - {op: conv, out: abc}\n")),
      {"bad.yaml:4:", "layer 'layers.0' (conv)", "out must be a positive integer, got 'abc'"});
  expect_message(model_error(with_layers("  - {op: conv, out: 2.5}\n")),
                 {"out must be a positive integer, got '2.5'"});
  expect_message(model_error(with_layers("  - {op: conv, out: [1, 2]}\n")),
                 {"out must be a positive integer, got a list"});
  expect_message(model_error(with_layers("  - {op: conv, out: 3, bias: maybe}\n")),
                 {"bias must be true or false, got 'maybe'"});
  expect_message(model_error(with_layers("  - {op: conv, out: 3, act: tanh}\n")),
                 {"act must be one of relu, relu6", "none; got 'tanh'"});
  expect_message(model_error(with_layers("  - {op: conv2d, out: 3, kernel: [3, 3, 3]}\n")),
                 {"kernel must be an integer or a [height, width] pair"});
  expect_message(model_error(with_layers("  - {op: ibn, out: 3, expand: lots}\n")),
                 {"expand must be a number in [0.01, 1000], got 'lots'"});
  expect_message(model_error(with_layers("  - {op: ibn, out: 3, se: 2}\n")),
                 {"se must be a number in [0, 1], got '2'"});
  expect_message(model_error(with_layers("  - {op: dropout, rate: 1}\n")),
                 {"rate must be a number in [0, 0.99], got '1'"});
  expect_message(model_error(with_layers("  - {op: batch_norm, epsilon: 2}\n")),
                 {"layer 'layers.0' (batch_norm)", "epsilon must be a number in [0, 1], got '2'"});
  expect_message(model_error(with_layers("  - {op: global_pool, kind: min}\n")),
                 {"layer 'layers.0' (global_pool)", "kind must be one of avg, max; got 'min'"});
  expect_message(model_error(with_layers("  - {op: upsample, mode: cubic}\n")),
                 {"mode must be one of nearest, bilinear; got 'cubic'"});
  expect_message(model_error(with_layers("  - {op: upsample, scale: 2, size: [4, 4]}\n")),
                 {"give scale or size, not both"});
  expect_message(model_error(with_layers("  - {op: upsample, size: [4]}\n")),
                 {"size must be a list of 2 positive integers"});
  expect_message(model_error(with_layers("  - {op: relu, name: [a]}\n")),
                 {"bad.yaml:4:", "name must be a non-empty string"});
  expect_message(model_error(with_layers("  - {op: relu, inputs: {a: 1}}\n")),
                 {"bad.yaml:4:", "inputs must be a name or a list of names"});
  expect_message(model_error(with_layers("  - {op: add, inputs: [input, [a]]}\n")),
                 {"bad.yaml:4:", "inputs are layer names"});
  expect_message(model_error(with_layers("  - {op: ibn, out: 3, se: 0.25, se_gate: none}\n")),
                 {"se_act and se_gate cannot be none"});
  expect_message(model_error(with_layers("  - {op: se, act: none}\n")),
                 {"layer 'layers.0' (se)", "act and gate cannot be none"});
}

TEST(Errors, MissingRequiredKeys) {
  expect_message(model_error(with_layers("  - {op: conv, kernel: 3}\n")),
                 {"bad.yaml:4:", "layer 'layers.0' (conv)", "missing key 'out'"});
  expect_message(model_error(with_layers("  - {op: resnet_basic}\n")), {"missing key 'planes'"});
  expect_message(model_error(with_layers("  - {op: channel_shuffle}\n")), {"missing key 'groups'"});
  expect_message(model_error("layers:\n  - {op: input}\n"), {"missing key 'shape'"});
}

TEST(Errors, NonPositiveSizes) {
  expect_message(model_error(with_layers("  - {op: conv, out: 0}\n")),
                 {"bad.yaml:4:", "out must be a positive integer, got '0'"});
  expect_message(model_error(with_layers("  - {op: conv, out: 3, kernel: -1}\n")),
                 {"bad.yaml:4:", "kernel must be a positive integer, got '-1'"});
  expect_message(model_error(with_layers("  - {op: conv2d, out: 3, stride: [1, 0]}\n")),
                 {"stride must be a positive integer or a [height, width] pair, got '0'"});
  expect_message(model_error(with_layers("  - {op: conv2d, out: 3, padding: -1}\n")),
                 {"padding must be a non-negative integer, a [height, width] pair or [top, left, bottom, right], got '-1'"});
  expect_message(model_error(with_layers("  - {op: global_pool}\n  - {op: linear, out: 0}\n")),
                 {"bad.yaml:5:", "layer 'layers.1' (linear)", "out must be a positive integer"});
  expect_message(model_error(with_layers("  - {op: upsample, scale: 0}\n")),
                 {"scale must be a positive integer, got '0'"});
  expect_message(
      model_error("name: x\ninput: [3, 0, 56]\nlayers:\n  - {op: relu}\n"),
      {"bad.yaml:2:", "input must be [channels, height, width] of positive integers, got '0'"});
  expect_message(model_error("layers:\n  - {op: input, shape: [3, -1, 4]}\n"),
                 {"bad.yaml:2:", "shape must be a list of 3 positive integers, got '-1'"});
  expect_message(model_error(with_layers("  - {op: conv, out: 99999999999}\n")),
                 {"out = 99999999999 is too large (at most 2147483647)"});
}

TEST(Errors, InconsistentShapes) {
  expect_message(model_error(with_layers(
                     "  - {op: conv, name: a, out: 4}\n  - {op: add, inputs: [input, a]}\n")),
                 {"bad.yaml:5:", "node 'layers.1' (add)",
                  "input 1 has shape [4,8,8], input 0 has [3,8,8]", "add needs equal shapes"});
  expect_message(model_error(with_layers("  - {op: linear, out: 4}\n")),
                 {"bad.yaml:4:", "node 'layers.0' (linear)", "input is [3,8,8]",
                  "add flatten or global_pool before it"});
  expect_message(model_error(with_layers("  - {op: conv, name: a, out: 4, stride: 2}\n"
                                         "  - {op: concat, name: c, inputs: [input, a]}\n")),
                 {"bad.yaml:5:", "node 'c' (concat)", "input 1 is 4x4, input 0 is 8x8",
                  "concat needs equal height and width"});
  expect_message(model_error(with_layers("  - {op: conv2d, out: 4, groups: 2}\n")),
                 {"bad.yaml:4:", "node 'layers.0' (conv2d)",
                  "input has 3 channels, not divisible by groups 2"});
  expect_message(model_error(with_layers("  - {op: conv, out: 4, groups: 2}\n")),
                 {"bad.yaml:4:", "node 'layers.0.conv' (conv2d)", "not divisible by groups 2"});
  expect_message(model_error(with_layers("  - {op: conv2d, out: 3, groups: 3}\n"
                                         "  - {op: conv2d, out: 4, groups: 3}\n")),
                 {"bad.yaml:5:", "out_channels 4 is not divisible by groups 3"});
  expect_message(model_error(with_layers("  - {op: conv2d, out: 4, kernel: 11, padding: 0}\n")),
                 {"bad.yaml:4:", "node 'layers.0' (conv2d)", "height 8 is too small for kernel 11",
                  "use a larger input or a smaller kernel"});
  expect_message(model_error(with_layers("  - {op: max_pool, kernel: 16}\n")),
                 {"node 'layers.0' (max_pool)", "too small for kernel 16"});
  expect_message(model_error(with_layers("  - {op: avg_pool, kernel: 2, padding: 2}\n")),
                 {"node 'layers.0' (avg_pool)", "padding 2x2 must be at most half the kernel 2x2"});
  expect_message(model_error(with_layers("  - {op: conv2d, name: a, out: 4}\n"
                                         "  - {op: global_pool, name: g}\n"
                                         "  - {op: mul, inputs: [input, g]}\n")),
                 {"bad.yaml:6:", "(mul)", "do not broadcast"});
  expect_message(model_error(with_layers("  - {op: add}\n")),
                 {"bad.yaml:4:", "node 'layers.0' (add)", "takes at least 2 inputs, got 1"});
  expect_message(model_error(with_layers("  - {op: relu, inputs: [input, input]}\n")),
                 {"bad.yaml:4:", "(relu)", "takes 1 input, got 2"});
  expect_message(model_error(with_layers("  - {op: ibn, out: 8, inputs: [input, input]}\n")),
                 {"bad.yaml:4:", "layer 'layers.0' (ibn)", "takes 1 input, got 2"});
  expect_message(model_error(with_layers("  - {op: channel_shuffle, groups: 2}\n")),
                 {"(channel_shuffle)", "input has 3 channels, not divisible by groups 2"});
}

// Counts and shapes past int32/int64 (issue 9): the right value or one line naming the node
// and the attribute the user wrote, never a wrapped number.
TEST(Errors, ShapesPastInt32NameTheNode) {
  expect_message(
      model_error("input: [1073741824, 1, 1]\nlayers:\n  - {op: concat, inputs: [input, input]}\n"),
      {"bad.yaml:3:", "node 'layers.0' (concat)", "output channels 2147483648 is more than 2147483647"});
  expect_message(model_error("input: [1, 8, 8]\nlayers:\n"
                             "  - {op: conv2d, out: 1, kernel: 3, padding: 2147483647}\n"),
                 {"bad.yaml:3:", "node 'layers.0' (conv2d)",
                  "output height 4294967300 is more than 2147483647", "padding 2147483647"});
  expect_message(model_error(with_layers("  - {op: upsample, scale: 2147483647}\n")),
                 {"node 'layers.0' (upsample)", "output height 17179869176 is more than 2147483647"});
  expect_message(model_error("input: [2147483647, 2147483647, 2]\nlayers:\n  - {op: flatten}\n"),
                 {"node 'layers.0' (flatten)", "flattened size 9223372028264841218 is more than"});
  expect_message(model_error("input: [2147483647, 2147483647, 3]\nlayers:\n  - {op: relu}\n"),
                 {"node 'input' (input)", "has more than 2^63 - 1 elements"});
  expect_message(model_error(with_layers("  - {op: max_pool, kernel: 3, padding: 2147483647}\n")),
                 {"(max_pool)", "padding 2147483647x2147483647 must be at most half the kernel 3x3"});
}

TEST(Errors, CountsPastInt64NameTheNode) {
  expect_message(model_error("input: [4, 8, 8]\nlayers:\n"
                             "  - {op: conv2d, out: 4, kernel: 2147483647}\n"),
                 {"bad.yaml:3:", "node 'layers.0' (conv2d)",
                  "parameters (out_channels 4 x 4 input channels per group x kernel "
                  "2147483647x2147483647) do not fit in 64 bits"});
  // 2^35 weights and a 2^52-element output fit; 2^52 · 4096 · 9 MACs per sample do not.
  expect_message(model_error("input: [4096, 65536, 65536]\nlayers:\n"
                             "  - {op: conv2d, out: 1048576, kernel: 3}\n"),
                 {"node 'layers.0' (conv2d)",
                  "MACs (output [1048576,65536,65536] x 4096 input channels per group x kernel 3x3) "
                  "do not fit in 64 bits"});
}

TEST(Errors, DilationErrorsNameTheDilation) {
  // "same" padding dilation · (kernel − 1) / 2 no longer wraps into a negative padding.
  expect_message(model_error("input: [1, 8, 8]\nlayers:\n"
                             "  - {op: conv2d, out: 1, kernel: 5, dilation: 2147483647}\n"),
                 {"bad.yaml:3:", "node 'layers.0' (conv2d)",
                  "dilation 2147483647 with kernel 5 needs a 'same' padding of 4294967294"});
  expect_message(model_error(with_layers("  - {op: conv, out: 1, kernel: 5, dilation: 2147483647}\n")),
                 {"node 'layers.0.conv' (conv2d)", "dilation 2147483647 with kernel 5"});
  expect_message(model_error(with_layers("  - {op: dwconv, kernel: 3, dilation: 2147483647, stride: 1}\n"
                                         "  - {op: dwconv, kernel: 5, dilation: 2147483647}\n")),
                 {"node 'layers.1.conv' (conv2d)", "dilation 2147483647 with kernel 5"});
  expect_message(model_error("input: [1, 8, 8]\nlayers:\n"
                             "  - {op: conv2d, out: 1, kernel: 3, dilation: 2147483647, padding: 0}\n"),
                 {"node 'layers.0' (conv2d)", "height 8 is too small for kernel 3",
                  "dilation 2147483647"});
  const std::string message =
      model_error("input: [1, 8, 8]\nlayers:\n  - {op: conv2d, out: 1, kernel: 5, dilation: 2147483647}\n");
  EXPECT_EQ(message.find("must not be negative"), std::string::npos) << message;
}

TEST(Errors, PoolsFollowPyTorchsOutputRule) {
  // No window fits without ceil_mode (PyTorch: "Output size is too small").
  expect_message(model_error("input: [1, 2, 2]\nlayers:\n  - {op: max_pool, kernel: 3, stride: 2}\n"),
                 {"node 'layers.0' (max_pool)", "height 2 is too small for kernel 3 (padding 0)"});
  // A padding of more than half the kernel, PyTorch's check, whatever the ceil_mode.
  expect_message(model_error(with_layers(
                     "  - {op: avg_pool, kernel: 3, padding: [1, 2], ceil_mode: true}\n")),
                 {"(avg_pool)", "padding 1x2 must be at most half the kernel 3x3"});
}

TEST(Errors, CyclesNameTheCycle) {
  expect_message(
      model_error(with_layers("  - {op: relu, name: a, inputs: b}\n"
                              "  - {op: relu, name: b, inputs: a}\n")),
      {"bad.yaml:", "inputs form a cycle (a -> b -> a)", "cannot depend on its own output"});
  expect_message(model_error(with_layers("  - {op: relu, name: a, inputs: a}\n")),
                 {"bad.yaml:4:", "layer 'a'", "cycle (a -> a)"});
  // Through an inner node of a block, and reached from a layer outside the cycle.
  const std::string m =
      model_error(with_layers("  - {op: relu, name: start}\n"
                              "  - {op: relu, name: x, inputs: [start, y]}\n"
                              "  - {op: ibn, name: blk, out: 3, inputs: x}\n"
                              "  - {op: add, name: y, inputs: [blk.dw.act, blk.dw.act]}\n"));
  expect_message(m, {"bad.yaml:", "inputs form a cycle"});
  for (const char* layer : {"x", "blk", "y"}) EXPECT_NE(m.find(layer), std::string::npos) << m;
  EXPECT_EQ(m.find("start ->"), std::string::npos) << m;
}

TEST(Errors, DanglingInputs) {
  expect_message(model_error(with_layers("  - {op: relu, name: a, inputs: nope}\n")),
                 {"bad.yaml:4:", "layer 'a' (relu)", "input 'nope' does not exist"});
  expect_message(
      model_error(with_layers("  - {op: relu, name: a}\n  - {op: add, inputs: [a, b]}\n")),
      {"bad.yaml:5:", "input 'b' does not exist"});
  // A name under a layer that is not one of its nodes lists the nodes there are.
  expect_message(model_error(with_layers("  - {op: ibn, name: b1, out: 3, expand: 2}\n"
                                         "  - {op: relu, inputs: b1.nothing}\n")),
                 {"bad.yaml:5:", "input 'b1.nothing' is not a node of layer 'b1'",
                  "use 'b1' or one of its nodes:", "b1.expand.conv", "b1.dw.act", "b1.add"});
  // No input to default to.
  expect_message(model_error("layers:\n  - {op: relu}\n"),
                 {"bad.yaml:2:", "has no input", "input: [C, H, W]", "op: input"});
  expect_message(model_error(with_layers("  - {op: input, shape: [3, 8, 8], inputs: input}\n")),
                 {"bad.yaml:4:", "an input layer takes no inputs"});
}

TEST(Errors, DuplicateNames) {
  expect_message(model_error(with_layers("  - {op: relu, name: a}\n  - {op: relu, name: a}\n")),
                 {"bad.yaml:5:", "layer 'a': duplicate name", "give each layer its own name"});
  expect_message(model_error(with_layers("  - {op: relu, name: input}\n")),
                 {"bad.yaml:4:", "layer 'input': duplicate name"});
  // A layer named like a node that a block layer makes.
  expect_message(model_error(with_layers("  - {op: conv, name: b, out: 3}\n"
                                         "  - {op: relu, name: b.conv}\n")),
                 {"bad.yaml:", "name 'b.conv' is used twice", "give each layer its own name"});
}

TEST(Errors, BlockTags) {
  expect_message(
      model_error(with_layers("  - {op: relu, name: a, block: nob}\n")),
      {"bad.yaml:4:", "layer 'a' (relu)", "block 'nob' is not in the model's 'blocks' list"});
  expect_message(
      model_error("input: [3, 8, 8]\nblocks: [{name: b, kind: nope}]\nlayers:\n  - {op: relu}\n"),
      {"bad.yaml:2:", "unknown block kind 'nope'; use one of: conv_bn_act"});
  expect_message(
      model_error(
          "input: [3, 8, 8]\nblocks: [{name: b, kind: ibn}, {name: b, kind: squeeze_excite}]\n"
          "layers:\n  - {op: relu}\n"),
      {"bad.yaml:2:", "block name 'b' is used twice (first at line 2); give each block its own name"});
  // Fresh-user findings 9 of issue 12: the fix, and the closest name.
  expect_message(model_error("input: [3, 8, 8]\nblocks: [{name: b, kind: ibnn}]\nlayers:\n  - {op: relu}\n"),
                 {"bad.yaml:2:", "unknown block kind 'ibnn'; did you mean 'ibn'?; use one of: conv_bn_act, ibn, "
                                 "fused_ibn, squeeze_excite, nb201_cell, nb201_reduction, fbnet, resnet_basic, "
                                 "resnet_bottleneck, head"});
  expect_message(model_error("input: [3, 8, 8]\nlayers:\n  - {op: ibm, out: 8}\n"),
                 {"bad.yaml:3:", "unknown op 'ibm'; did you mean 'ibn'?; use one of: conv, dwconv"});
  // A block op's block and a 'blocks' entry of one name: refused, naming both.
  expect_message(model_error("input: [8, 8, 8]\nblocks: [{name: b, kind: ibn}]\nlayers:\n"
                             "  - {op: relu, name: b.x, block: b}\n  - {op: ibn, out: 8, expand: 2, name: b}\n"),
                 {"bad.yaml:5:", "layer 'b' (ibn) makes block 'b', which the 'blocks' list names too (line 2); "
                                 "rename the layer or that block"});
  expect_message(model_error("input: [3, 8, 8]\nblocks: [{name: b}]\nlayers:\n  - {op: relu}\n"),
                 {"bad.yaml:2:", "each block is {name: NAME, kind: KIND}"});
  expect_message(
      model_error("input: [3, 8, 8]\nblocks: {name: b, kind: ibn}\nlayers:\n  - {op: relu}\n"),
      {"bad.yaml:2:", "blocks must be a list of {name, kind}"});
}

TEST(Errors, LineBreaksInValuesStayOnOneLine) {
  expect_message(model_error(with_layers("  - {op: \"rel\\nu\"}\n")),
                 {"bad.yaml:4:", "unknown op 'rel\\nu'"});
  expect_message(model_error(with_layers("  - {op: relu, name: \"a\\nb\", inputs: \"x\\ny\"}\n")),
                 {"input 'x\\ny' does not exist"});
  expect_message(zoo_error("mobilenet_v2:width=1\n2"), {"width must be a number"});
}

TEST(Errors, SavingNeedsAKnownExtensionAndADirectory) {
  const Graph g = build_zoo_model("resnet18");
  expect_message(error_of([&] { save_model_file(g, "/tmp/model.txt"); }),
                 {"/tmp/model.txt", "model files end in .yaml, .yml or .json"});
  expect_message(error_of([&] { save_model_file(g, "/nonexistent/dir/model.yaml"); }),
                 {"/nonexistent/dir/model.yaml", "cannot write the model file"});
  Graph unnamed("u");
  unnamed.add("", Input{1, 1, 1}, {});
  expect_message(error_of([&] { model_to_yaml(unnamed); }),
                 {"cannot save model 'u'", "node 0 has no name"});
}

// ---------------------------------------------------------------------------------------
// Zoo specs

TEST(Errors, ZooUnknownModel) {
  expect_message(zoo_error("mobilenet_v9:width=0.5"),
                 {"model 'mobilenet_v9:width=0.5'", "unknown zoo model 'mobilenet_v9'",
                  "use a model file (.yaml/.json) or one of:", "mobilenet_v2", "resnet50",
                  "lraspp_mobilenet_v2"});
  // Not a model file either: a path without a model file extension.
  expect_message(error_of([] { load_model("model.txt"); }), {"unknown zoo model 'model.txt'"});
}

TEST(Errors, ZooUnknownOption) {
  expect_message(zoo_error("mobilenet_v2:depth=2"),
                 {"model 'mobilenet_v2:depth=2'", "bad option 'depth=2'",
                  "takes key=value options from: width, res, in_ch, classes"});
  expect_message(zoo_error("mobilenet_v2:width"), {"bad option 'width'", "key=value"});
  expect_message(zoo_error("mobilenet_v2:arch=x"), {"bad option 'arch=x'"});
  expect_message(zoo_error("mobilenet_v2:width=0.5,width=0.75"),
                 {"option 'width' is given twice", "give it once"});
}

TEST(Errors, ZooBadValues) {
  expect_message(zoo_error("mobilenet_v2:width=-1"),
                 {"model 'mobilenet_v2:width=-1'", "width must be a number in (0, 16], got '-1'"});
  expect_message(zoo_error("mobilenet_v2:width=abc"), {"width must be a number", "got 'abc'"});
  expect_message(zoo_error("mobilenet_v2:width=0"), {"width must be a number", "got '0'"});
  expect_message(zoo_error("mobilenet_v2:width=17"), {"width must be a number", "got '17'"});
  expect_message(zoo_error("mobilenet_v2:width=nan"), {"width must be a number", "got 'nan'"});
  expect_message(zoo_error("mobilenet_v2:res=abc"),
                 {"model 'mobilenet_v2:res=abc'", "res must be an integer in [1, 65536], got 'abc'"});
  expect_message(zoo_error("mobilenet_v2:res=1.5"), {"res must be an integer in [1, 65536], got '1.5'"});
  expect_message(zoo_error("mobilenet_v2:res="), {"res must be an integer in [1, 65536], got ''"});
  expect_message(zoo_error("mobilenet_v2:classes=0"),
                 {"classes must be an integer in [1, 65536], got '0'"});
  expect_message(zoo_error("mobilenet_v2:in_ch=-3"),
                 {"in_ch must be an integer in [1, 65536], got '-3'"});
  expect_message(zoo_error("mobilenet_v2:res=99999999999"), {"res must be an integer in [1, 65536]"});
  expect_message(zoo_error("mobilenet_v2:res=65537"), {"res must be an integer in [1, 65536]"});
}

}  // namespace
}  // namespace hwnas::graph

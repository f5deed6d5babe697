// Op descriptions (op_schema.h): one per alternative of Op, read by the model reader and
// writer; asymmetric padding and resize modes (issue 12 §0).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <variant>

#include "hwnas/base/error.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/graph/op_json.h"
#include "hwnas/graph/op_schema.h"
#include "hwnas/graph/zoo/zoo.h"
#include "support/model_errors.h"

namespace hwnas::graph {
namespace {

Graph parse(const std::string& text) { return parse_model(text, "m.yaml"); }

std::string error_of(const std::string& text) {
  std::string error = testing::model_error_of(text);
  if (error == "(no error)") {
    ADD_FAILURE() << "no UserError for: " << text;
    error.clear();
  }
  return error;
}

std::string with_layer(const std::string& layer) {
  return "name: m\ninput: [3, 8, 8]\nlayers:\n  - " + layer + "\n";
}

TEST(OpSchema, EveryAlternativeHasADescriptionItsNamesReadBack) {
  std::set<std::string_view> all_names;
  for (std::size_t i = 0; i < std::variant_size_v<Op>; ++i) {
    const OpSchema& s = op_schema(i);
    SCOPED_TRACE(i);
    ASSERT_FALSE(s.names.empty());
    EXPECT_FALSE(s.onnx.empty());
    EXPECT_FALSE(s.summary.empty());
    EXPECT_LE(s.min_inputs, s.max_inputs);
    for (std::string_view name : s.names) {
      EXPECT_EQ(op_index_by_name(name), i) << name;
      EXPECT_TRUE(all_names.insert(name).second) << name << " names two ops";
    }
    std::set<std::string_view> keys;
    for (const AttrSpec& a : s.attributes) {
      EXPECT_TRUE(keys.insert(a.key).second) << a.key;
      EXPECT_FALSE(a.onnx.empty()) << a.key;
      EXPECT_FALSE(attr_default_words(a).empty()) << a.key;
      EXPECT_EQ(a.type == AttrType::choice, !a.choices.empty()) << a.key;
    }
  }
  EXPECT_EQ(primitive_op_names().size(), all_names.size());
  EXPECT_FALSE(op_index_by_name("conv").has_value());  // a block op, not a primitive
}

TEST(OpSchema, DefaultsAndArityComeFromTheDescription) {
  const OpSchema& conv = op_schema(Op(Conv2d{}));
  EXPECT_EQ(conv.attributes[0].key, "out");
  EXPECT_EQ(attr_default_words(conv.attributes[0]), "required");
  EXPECT_EQ(attr_default_words(op_schema(Op(BatchNorm{})).attributes[1]), "1e-05");
  EXPECT_EQ(op_schema(Op(Add{})).max_inputs, kAnyInputs);
  EXPECT_EQ(op_schema(Op(Input{})).max_inputs, 0u);
}

// Every op, each attribute away from its default where it has one.
constexpr const char* kEveryOp = R"(name: every_op
layers:
  - {name: x, op: input, shape: [8, 9, 10]}
  - {name: c, op: conv2d, out: 16, kernel: [3, 1], stride: [2, 1], padding: [0, 1, 1, 0], dilation: [1, 2], groups: 2, bias: true}
  - {name: bn, op: batch_norm, affine: false, epsilon: 0.001}
  - {name: a, op: hardswish}
  - {name: p, op: max_pool, kernel: 3, stride: [2, 1], padding: [1, 0, 0, 1], ceil_mode: true}
  - {name: ap, op: avg_pool, kernel: [3, 2], stride: 1, padding: [1, 0], count_include_pad: false}
  - {name: c2, op: conv2d, out: 16, kernel: 1, padding: 0, inputs: ap}
  - {name: sum, op: add, inputs: [ap, c2, ap]}
  - {name: u, op: upsample, mode: bilinear, size: [7, 5], coordinates: align_corners}
  - {name: un, op: upsample, mode: nearest, scale: 3, coordinates: half_pixel, rounding: round_prefer_ceil, inputs: sum}
  - {name: cat, op: concat, inputs: [sum, sum]}
  - {name: sh, op: channel_shuffle, groups: 4}
  - {name: z, op: zero}
  - {name: g, op: global_max_pool}
  - {name: g2, op: global_avg_pool, inputs: sum}
  - {name: m, op: mul, inputs: [sum, g2]}
  - {name: f, op: flatten}
  - {name: d, op: dropout, rate: 0.2}
  - {name: l, op: linear, out: 3, bias: false}
  - {name: out, op: output}
)";

TEST(OpSchema, EveryOpRoundTripsWithNonDefaultAttributes) {
  const Graph g = parse(kEveryOp);
  std::set<std::size_t> seen;
  for (NodeId id = 0; id < g.size(); ++id) seen.insert(g.op(id).index());
  EXPECT_EQ(seen.size(), std::variant_size_v<Op>) << "add the new op to kEveryOp";
  for (const std::string& saved : {model_to_yaml(g), model_to_json(g)}) {
    const Graph back = parse(saved);
    EXPECT_TRUE(back.identical(g)) << saved;
    EXPECT_EQ(back.hash(), g.hash());
  }
  const auto& conv = std::get<Conv2d>(g.op(g.find("c")));
  EXPECT_EQ((std::array{conv.pad_h, conv.pad_w, conv.pad_bottom, conv.pad_right}),
            (std::array{0, 1, 1, 0}));
  EXPECT_EQ(g.shape(g.find("c")), (Shape{16, 4, 11}));  // (9 + 0 + 1 − 3) / 2 + 1, 10 + 1 + 0 − 1 + 1
  EXPECT_EQ(g.shape(g.find("p")), (Shape{16, 2, 10}));  // ceil((4 + 1 − 3) / 2) + 1, 11 + 1 − 3 + 1
  const auto& up = std::get<Upsample>(g.op(g.find("un")));
  EXPECT_EQ(up.coordinates, ResizeCoordinates::half_pixel);
  EXPECT_EQ(up.rounding, NearestRounding::round_prefer_ceil);
}

TEST(OpSchema, PaddingIsWrittenInItsShortestForm) {
  const auto padding_of = [](const Conv2d& c) { return op_params_json(c)["padding"].dump(); };
  EXPECT_EQ(padding_of(Conv2d{.out_channels = 1, .pad_h = 1, .pad_w = 1}), "1");
  EXPECT_EQ(padding_of(Conv2d{.out_channels = 1, .pad_h = 1, .pad_w = 2}), "[1,2]");
  EXPECT_EQ(padding_of(Conv2d{.out_channels = 1, .pad_bottom = 1, .pad_right = 1}), "[0,0,1,1]");
  // Defaults stay out of the JSON, as before: no coordinates for PyTorch's.
  EXPECT_EQ(op_params_json(Upsample{.mode = UpsampleMode::bilinear}).dump(),
            R"({"mode":"bilinear","scale":2})");
  EXPECT_EQ(op_params_json(Upsample{.coordinates = ResizeCoordinates::half_pixel}).dump(),
            R"({"mode":"nearest","scale":2,"coordinates":"half_pixel"})");
}

// Values measured with this test's build before asymmetric padding and resize modes existed
// (commit 007bcf2): symmetric graphs keep their hashes.
TEST(OpSchema, ZooHashesAreUnchanged) {
  EXPECT_EQ(build_zoo_model("mobilenet_v2").hash(), 4827881825140084191u);
  EXPECT_EQ(build_zoo_model("lraspp_mobilenet_v3_large").hash(), 8194593062002926745u);
  EXPECT_EQ(build_zoo_model("resnet18").hash(), 12910412576136677840u);
}

TEST(OpSchema, FourEqualPadsAreTheSymmetricOpAndHashAlike) {
  const auto one = [](const std::string& padding) {
    return parse(with_layer("{op: conv2d, out: 4, kernel: 3, padding: " + padding + "}"));
  };
  EXPECT_EQ(one("[1, 1, 1, 1]").hash(), one("1").hash());
  EXPECT_TRUE(one("[1, 2, 1, 2]") == one("[1, 2]"));
  EXPECT_NE(one("[1, 1, 0, 0]").hash(), one("1").hash());
  EXPECT_NE(one("[1, 1, 0, 0]").hash(), one("[1, 1, 1, 0]").hash());
  Upsample pytorch{.mode = UpsampleMode::bilinear};
  EXPECT_EQ(pytorch.coordinates, ResizeCoordinates::pytorch_half_pixel);
  Upsample corners = pytorch;
  corners.coordinates = ResizeCoordinates::align_corners;
  EXPECT_NE(hash_op(corners), hash_op(pytorch));
}

// Hand-computed: floor((in + begin + end − kernel) / stride) + 1.
TEST(OpSchema, AsymmetricPaddingShapes) {
  Graph g;
  const NodeId x = g.add("x", Input{3, 224, 224}, {});
  // TensorFlow's SAME at stride 2: (224 + 0 + 1 − 3) / 2 + 1 = 112.
  const NodeId c = g.add("c", Conv2d{.out_channels = 8, .kernel_h = 3, .kernel_w = 3, .stride_h = 2,
                                     .stride_w = 2, .pad_bottom = 1, .pad_right = 1},
                         {x});
  EXPECT_EQ(g.shape(c), (Shape{8, 112, 112}));
  // Height (112 + 2 + 0 − 3) / 1 + 1 = 112, width (112 + 0 + 1 − 3) + 1 = 111.
  const NodeId c2 = g.add("c2", Conv2d{.out_channels = 8, .kernel_h = 3, .kernel_w = 3, .pad_h = 2,
                                       .pad_w = 0, .pad_bottom = 0, .pad_right = 1},
                          {c});
  EXPECT_EQ(g.shape(c2), (Shape{8, 112, 111}));
  // Pool 3, stride 2 on 5 with 1 on top, 0 below: (5 + 1 − 3) / 2 + 1 = 2; ceil_mode 3.
  Graph p;
  const NodeId y = p.add("y", Input{1, 5, 5}, {});
  const Pool pool{.kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1, .pad_bottom = 0, .pad_right = 0};
  EXPECT_EQ(p.shape(p.add("p", pool, {y})), (Shape{1, 2, 2}));
  Pool ceil = pool;
  ceil.ceil_mode = true;
  EXPECT_EQ(p.shape(p.add("q", ceil, {y})), (Shape{1, 3, 3}));
  // MACs count the output: 8·112·111 outputs × 8 inputs × 9 taps.
  EXPECT_EQ(node_macs(g, c2), std::int64_t{8} * 112 * 111 * 8 * 9);
}

TEST(OpSchema, NewAttributeErrorsAreOneLineNamingNodeAndKey) {
  const auto expect = [](const std::string& layer, std::initializer_list<std::string_view> parts) {
    const std::string m = error_of(with_layer(layer));
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    for (std::string_view part : parts) EXPECT_NE(m.find(part), std::string::npos) << part << " not in " << m;
  };
  expect("{name: c, op: conv2d, out: 4, padding: [1, 1, -1, 1]}",
         {"m.yaml:4:", "layer 'c' (conv2d)", "padding must be a non-negative integer", "got '-1'"});
  expect("{name: c, op: conv2d, out: 4, padding: [1, 1, 1]}",
         {"layer 'c' (conv2d)", "padding must be", "[top, left, bottom, right]; got a list of 3"});
  expect("{name: u, op: upsample, coordinates: corner}",
         {"layer 'u' (upsample)", "coordinates must be one of asymmetric, half_pixel, "
                                  "pytorch_half_pixel, align_corners; got 'corner'"});
  expect("{name: u, op: upsample, mode: bilinear, rounding: ceil}",
         {"layer 'u' (upsample)", "rounding applies to mode nearest only"});
  expect("{name: u, op: upsample, rounding: up}", {"layer 'u' (upsample)", "rounding must be one of floor"});
  expect("{name: u, op: upsample, coordinate: half_pixel}",
         {"layer 'u' (upsample)", "unknown key 'coordinate'", "coordinates, rounding"});
  expect("{name: p, op: max_pool, kernel: 2, padding: [0, 0, 2, 0]}",
         {"node 'p' (max_pool)", "padding 0+2x0 must be at most half the kernel 2x2"});
  expect("{name: c, op: conv2d, out: 4, kernel: 9, padding: [0, 0, 0, 1]}",
         {"node 'c' (conv2d)", "height 8 is too small for kernel 9 (padding 0, dilation 1)"});
}

}  // namespace
}  // namespace hwnas::graph

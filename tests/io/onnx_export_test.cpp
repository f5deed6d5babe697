// io::export_onnx: every zoo model (graph's and the search spaces') exports to a model that
// passes onnx::checker, whose ONNX shape inference agrees with hwnas's shapes, and that
// imports back to an identical graph (structure, names, blocks and specs).
#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <map>

#include "hwnas/base/error.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/io/block_recognition.h"
#include "hwnas/io/onnx_export.h"
#include "hwnas/io/onnx_import.h"
#include "hwnas/space/models.h"
#include "support/scratch_dir.h"

namespace hwnas {
namespace {

using graph::Graph;

/// Shapes by value name after ONNX shape inference (strict: a node it cannot infer throws).
std::map<std::string, std::vector<std::int64_t>> inferred_shapes(onnx::ModelProto model) {
  onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                     onnx::ShapeInferenceOptions(true, 1, false));
  std::map<std::string, std::vector<std::int64_t>> out;
  for (const auto* list : {&model.graph().value_info(), &model.graph().output()})
    for (const onnx::ValueInfoProto& v : *list) {
      std::vector<std::int64_t> dims;
      for (const auto& d : v.type().tensor_type().shape().dim()) dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
      out[v.name()] = dims;
    }
  return out;
}

void check_round_trip(const Graph& g) {
  const onnx::ModelProto model = io::export_onnx(g);
  EXPECT_NO_THROW(onnx::checker::check_model(model));
  const auto shapes = inferred_shapes(model);
  for (graph::NodeId id = 0; id < g.size(); ++id) {
    if (std::holds_alternative<graph::Output>(g.op(id)) || std::holds_alternative<graph::Input>(g.op(id))) continue;
    const auto it = shapes.find(std::string(g.node_name(id)));
    ASSERT_NE(it, shapes.end()) << g.node_name(id);
    const graph::Shape& s = g.shape(id);
    std::vector<std::int64_t> ours = {1, s.c, s.h, s.w};
    if (it->second.size() == 2) {
      EXPECT_EQ(s.h * s.w, 1) << g.node_name(id);
      ours = {1, s.c};
    }
    EXPECT_EQ(it->second, ours) << g.node_name(id);
  }
  const Graph back = io::import_onnx(model, "export.onnx");
  ASSERT_EQ(back.size(), g.size());
  for (graph::NodeId id = 0; id < g.size(); ++id) {  // the first node that differs, named
    const auto a = g.inputs(id), b = back.inputs(id);
    ASSERT_TRUE(g.op(id) == back.op(id) && std::equal(a.begin(), a.end(), b.begin(), b.end()) &&
                g.node(id).block == back.node(id).block && g.node_name(id) == back.node_name(id))
        << "node " << id << " " << g.node_name(id) << " (" << graph::op_name(g.op(id)) << ") came back as "
        << back.node_name(id) << " (" << graph::op_name(back.op(id)) << ")";
  }
  EXPECT_TRUE(back == g);
  EXPECT_EQ(back.hash(), g.hash());
  EXPECT_TRUE(back.identical(g));
}

TEST(OnnxExport, EveryZooModelPassesTheCheckerAndShapeInferenceAndRoundTrips) {
  // nb201 and fbnet need an architecture: one with every op of each.
  const std::map<std::string_view, std::string> specs = {
      {"nb201", "nb201:arch=|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"},
      {"fbnet", "fbnet:blocks=k3_e1-k3_e1_g2-k3_e3-k3_e6-k5_e1-k5_e1_g2-k5_e3-k5_e6-skip-k3_e1-k3_e1_g2-"
                 "k3_e3-k3_e6-k5_e1-k5_e1_g2-k5_e3-k5_e6-skip-k3_e6-k5_e6-k3_e3-k5_e3"}};
  for (const graph::ZooModel& m : space::zoo_models()) {
    SCOPED_TRACE(std::string(m.name));
    const auto it = specs.find(m.name);
    check_round_trip(space::build_zoo_model(it == specs.end() ? std::string(m.name) : it->second));
  }
}

TEST(OnnxExport, WidthVariantsAndResolutionsRoundTrip) {
  for (const char* spec : {"mobilenet_v2:width=0.5,res=96", "mobilenet_v3_small:width=0.75,res=128,classes=10",
                           "efficientnet_b0:res=64,in_ch=1"}) {
    SCOPED_TRACE(spec);
    check_round_trip(space::build_zoo_model(spec));
  }
}

TEST(OnnxExport, EveryOpOfAModelFileRoundTrips) {
  // Every op and attribute form of the IR, incl. asymmetric padding, resize modes, BN
  // without affine, dropout, zero, channel shuffle, linear on a pooled (rank 4) tensor.
  const Graph g = graph::parse_model(R"(name: every_op
input: [4, 16, 16]
layers:
  - {name: c, op: conv2d, out: 8, kernel: 3, stride: 2, padding: [0, 0, 1, 1], bias: true}
  - {name: bn, op: batch_norm, affine: false, epsilon: 0.001}
  - {name: a1, op: relu6}
  - {name: a2, op: hardswish}
  - {name: a3, op: silu}
  - {name: a4, op: hardsigmoid}
  - {name: a5, op: sigmoid}
  - {name: a6, op: identity}
  - {name: sh, op: channel_shuffle, groups: 2}
  - {name: z, op: zero}
  - {name: s, op: add, inputs: [sh, z, a1]}
  - {name: p, op: max_pool, kernel: 3, stride: 2, padding: [1, 1, 0, 0], ceil_mode: true}
  - {name: ap, op: avg_pool, kernel: 2, stride: 1, count_include_pad: false, inputs: [s]}
  - {name: up, op: upsample, mode: bilinear, scale: 2, coordinates: align_corners, inputs: [p]}
  - {name: un, op: upsample, size: [9, 7], rounding: round_prefer_ceil, inputs: [p]}
  - {name: cat, op: concat, inputs: [ap, ap]}
  - {name: gp, op: global_max_pool, inputs: [cat]}
  - {name: m, op: mul, inputs: [cat, gp]}
  - {name: g2, op: global_avg_pool}
  - {name: fc, op: linear, out: 5, bias: false}
  - {name: d, op: dropout, rate: 0.2}
  - {name: r, op: relu}
  - {name: f, op: flatten, inputs: [un]}
  - {name: fc2, op: linear, out: 3}
  - {name: out1, op: output, inputs: [r]}
  - {name: out2, op: output, inputs: [fc2]}
)",
                                     "every_op.yaml");
  check_round_trip(g);
}

TEST(OnnxExport, AGraphWithoutBlocksComesBackWithout) {
  // conv-BN-act nodes that recognition would tag: hwnas's file says there are no blocks.
  const std::string text = R"(name: plain
input: [3, 8, 8]
layers:
  - {name: c, op: conv2d, out: 8, kernel: 3, padding: 1}
  - {name: bn, op: batch_norm}
  - {name: r, op: relu}
)";
  const Graph g = graph::parse_model(text, "plain.yaml");
  ASSERT_EQ(io::recognise_blocks(g).num_blocks(), 1);  // recognition would find one
  ASSERT_EQ(g.num_blocks(), 0);
  check_round_trip(g);
}

TEST(OnnxExport, ABadBlockTableOrBlockTagIsAOneLineError) {
  onnx::ModelProto model = io::export_onnx(space::build_zoo_model("mobilenet_v2:res=32"));
  onnx::ModelProto bad_kind = model;
  bad_kind.mutable_metadata_props(0)->set_value(R"([{"name": "b", "kind": "bogus"}])");
  EXPECT_THROW(
      {
        try {
          io::import_onnx(bad_kind, "m.onnx");
        } catch (const UserError& e) {
          EXPECT_STREQ(e.what(), "m.onnx: metadata hwnas.blocks: each block needs a name and a known kind");
          throw;
        }
      },
      UserError);
  onnx::ModelProto few = model;
  few.mutable_metadata_props(0)->set_value(R"([{"name": "b", "kind": "ibn"}])");
  try {
    io::import_onnx(few, "m.onnx");
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("doc_string names block 1, but the model's hwnas.blocks lists 1 blocks"),
              std::string::npos) << e.what();
  }
}

TEST(OnnxExport, SavesAFileThatImports) {
  const testing::ScratchDir dir("hwnas_onnx_export");
  const std::string path = (dir.path() / "m.onnx").string();
  const Graph g = space::build_zoo_model("mobilenet_v2:res=64");
  io::save_onnx_file(g, path);
  EXPECT_TRUE(io::import_onnx_file(path).identical(g));
  EXPECT_THROW(io::save_onnx_file(g, (dir.path() / "no" / "m.onnx").string()), UserError);
}

}  // namespace
}  // namespace hwnas

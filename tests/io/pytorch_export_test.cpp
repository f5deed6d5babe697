// io::export_pytorch: attribute names, what the module says of itself, errors, and (with
// Debian's python3-torch, one Python process for all models) that every zoo model,
// mobilenet_v3_small rewritten by `hwnas rewrite` (a fused IBN with SE), a model of fused
// IBNs and a model with every op of the IR run in PyTorch with
// analyze()'s parameter count and shape inference's output shapes (also traced by
// torch.jit.trace and torch.fx); torchvision's models,
// given the exported module's weights in order, compute the same outputs.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/io/pytorch_export.h"
#include "hwnas/space/models.h"
#include "support/cli_runner.h"
#include "support/python_json.h"
#include "support/resources.h"
#include "support/scratch_dir.h"

namespace hwnas {
namespace {

using graph::Graph;
using graph::NodeId;

// Every op of the IR in the forms the export writes differently: asymmetric and dilated
// grouped convs, BN without affine and on a flat value, each activation, pools PyTorch pads
// itself or not (ceil_mode, count_include_pad), each upsample path (F.interpolate modes and
// the helpers), a flat value added to a map, a conv on a flat value, an unused node, two
// inputs and many outputs; "forward" must be renamed.
constexpr const char* kEveryOp = R"(name: every_op
layers:
  - {name: x, op: input, shape: [4, 16, 16]}
  - {name: features.0.conv, op: conv2d, out: 8, kernel: 3, stride: 2, padding: [0, 0, 1, 1], bias: true}
  - {name: bn, op: batch_norm, affine: false, epsilon: 0.001}
  - {name: a1, op: relu6}
  - {name: a2, op: hardswish}
  - {name: a3, op: silu}
  - {name: a4, op: hardsigmoid}
  - {name: a5, op: sigmoid}
  - {name: a6, op: identity}
  - {name: a7, op: relu}
  - {name: sh, op: channel_shuffle, groups: 2}
  - {name: z, op: zero}
  - {name: s, op: add, inputs: [sh, z, a1]}
  - {name: unused, op: relu, inputs: [s]}
  - {name: dil, op: conv2d, out: 8, kernel: [3, 1], stride: [1, 2], padding: [2, 0], dilation: [2, 1], groups: 4, inputs: [s]}
  - {name: p, op: max_pool, kernel: 3, stride: 2, padding: [1, 1, 0, 0], ceil_mode: true, inputs: [s]}
  - {name: p2, op: max_pool, kernel: 2, stride: 2, padding: 1, ceil_mode: true, inputs: [s]}
  - {name: ap, op: avg_pool, kernel: 2, stride: 1, count_include_pad: false, inputs: [s]}
  - {name: ap2, op: avg_pool, kernel: 3, stride: 2, padding: [0, 1, 1, 0], ceil_mode: true, count_include_pad: false, inputs: [s]}
  - {name: u1, op: upsample, inputs: [p]}
  - {name: u2, op: upsample, size: [9, 7], coordinates: half_pixel, rounding: round_prefer_ceil, inputs: [p]}
  - {name: u3, op: upsample, size: [9, 7], coordinates: align_corners, rounding: round_prefer_floor, inputs: [p]}
  - {name: u4, op: upsample, scale: 3, coordinates: pytorch_half_pixel, rounding: ceil, inputs: [p]}
  - {name: u5, op: upsample, mode: bilinear, size: [9, 7], inputs: [p]}
  - {name: u6, op: upsample, mode: bilinear, scale: 2, coordinates: align_corners, inputs: [p]}
  - {name: u7, op: upsample, mode: bilinear, size: [1, 5], coordinates: pytorch_half_pixel, inputs: [p]}
  - {name: u8, op: upsample, mode: bilinear, size: [6, 6], coordinates: asymmetric, inputs: [p]}
  - {name: cat, op: concat, inputs: [ap, ap]}
  - {name: gp, op: global_max_pool, inputs: [cat]}
  - {name: m, op: mul, inputs: [cat, gp]}
  - {name: g2, op: global_avg_pool}
  - {name: fc, op: linear, out: 16, bias: false}
  - {name: fbn, op: batch_norm}
  - {name: mixed, op: add, inputs: [fbn, g2]}
  - {name: fconv, op: conv2d, out: 5, kernel: 1, inputs: [fc]}
  - {name: d, op: dropout, rate: 0.2, inputs: [mixed]}
  - {name: f0, op: flatten}
  - {name: f, op: flatten, inputs: [u2]}
  - {name: forward, op: linear, out: 3}
  - {name: x2, op: input, shape: [2, 4, 4]}
  - {name: c2, op: conv2d, out: 3, kernel: 3, padding: 1}
  - {name: o1, op: output, inputs: [f0]}
  - {name: o2, op: output, inputs: [forward]}
  - {name: o3, op: output, inputs: [c2]}
  - {name: o4, op: output, inputs: [fconv]}
  - {name: o5, op: output, inputs: [dil]}
  - {name: o6, op: output, inputs: [p2]}
  - {name: o7, op: output, inputs: [ap2]}
  - {name: o8, op: output, inputs: [u1]}
  - {name: o9, op: output, inputs: [u3]}
  - {name: o10, op: output, inputs: [u4]}
  - {name: o11, op: output, inputs: [u5]}
  - {name: o12, op: output, inputs: [u6]}
  - {name: o13, op: output, inputs: [u7]}
  - {name: o14, op: output, inputs: [u8]}
  - {name: o15, op: output, inputs: [m]}
  - {name: o16, op: output, inputs: [a7]}
)";

/// Whether the module's value of node `id` is flat ([N, F]), by pytorch_export.h's rule.
bool flat(const Graph& g, NodeId id) {
  const graph::Op& op = g.op(id);
  if (std::holds_alternative<graph::Linear>(op) || std::holds_alternative<graph::Flatten>(op)) return true;
  const bool keeps = std::holds_alternative<graph::BatchNorm>(op) || std::holds_alternative<graph::Activation>(op) ||
                     std::holds_alternative<graph::Add>(op) || std::holds_alternative<graph::Mul>(op) ||
                     std::holds_alternative<graph::Concat>(op) || std::holds_alternative<graph::Zero>(op) ||
                     std::holds_alternative<graph::Dropout>(op) || std::holds_alternative<graph::Output>(op);
  const auto in = g.inputs(id);
  return keeps && std::all_of(in.begin(), in.end(), [&](NodeId i) { return flat(g, i); });
}

nlohmann::json expected_outputs(const Graph& g) {
  nlohmann::json out = nlohmann::json::array();
  for (const NodeId id : g.output_nodes()) {
    const graph::Shape& s = g.shape(id);
    out.push_back(flat(g, id) ? nlohmann::json{1, s.elements()} : nlohmann::json{1, s.c, s.h, s.w});
  }
  return out;
}

Graph fused_ibn_model() {  // fused IBNs: kernel 3 with SE and SiLU; kernel 5 with ReLU6
  Graph g("fused");
  NodeId x = g.add("input", graph::Input{3, 32, 32}, {});
  const graph::SqueezeExciteSpec se{.squeeze = 16, .act = graph::ActKind::relu, .gate = graph::ActKind::hardsigmoid};
  x = graph::fused_ibn(g, x, {.out = 16, .expanded = 64, .kernel = 3, .act = graph::ActKind::silu, .se = se}, "f1").output;
  x = graph::fused_ibn(g, x, {.out = 16, .expanded = 64, .kernel = 5, .act = graph::ActKind::relu6}, "f2").output;
  g.add("out", graph::Output{}, {x});
  return g;
}

TEST(PytorchExport, AttributeNamesAreValidPythonUniqueAndDeterministic) {
  Graph g("names");
  NodeId x = g.add("input", graph::Input{3, 8, 8}, {});
  for (const char* name : {"features.1.dw.conv", "features_1_dw_conv", "0.conv", "_x", "forward", "class", "a-b",
                           "", "features.1.dw.conv"})
    x = g.add(name, graph::Conv2d{.out_channels = 3}, {x});
  x = g.add("relu", graph::Activation{}, {x});
  const std::vector<std::string> names = io::pytorch_attribute_names(g);
  EXPECT_EQ(names, (std::vector<std::string>{"", "features_1_dw_conv", "features_1_dw_conv_2", "n0_conv", "n_x",
                                             "forward_", "class_", "a_b", "node8", "features_1_dw_conv_3", ""}));
  g.add("out", graph::Output{}, {x});
  EXPECT_EQ(io::export_pytorch(g), io::export_pytorch(g));
}

TEST(PytorchExport, TheModuleSaysWhatItIsAndThatItHasNoWeights) {
  const Graph g = space::build_zoo_model("mobilenet_v2:res=64");
  const std::string text = io::export_pytorch(g, "mobilenet_v2:res=64");
  const graph::Analysis a = graph::analyze(g, graph::Precision::fp32, 1, graph::MinOrder::skip);
  for (const std::string& want :
       {std::string("\"\"\"Network \"mobilenet_v2\" as a PyTorch module, written by hwnas "),
        std::string(" from \"mobilenet_v2:res=64\".\n"), std::string("Input: [N, 3, 64, 64] float32 (INPUT_SHAPE); output: [N, 1000].\n"),
        fmt::format("Parameters: {} (as PyTorch counts them); MACs per sample: {}.\n", a.total.params, a.total.macs),
        std::string("Weights are not exported"), std::string("\nINPUT_SHAPE = (3, 64, 64)\n"),
        std::string("\nclass Model(nn.Module):\n"), std::string("\ndef build() -> Model:\n"),
        std::string("        self.features_1_dw_conv = nn.Conv2d(32, 32, kernel_size=3, padding=1, groups=32, bias=False)  # features.1.dw.conv\n"),
        std::string("        x = x + x1  # features.3.add\n")})
    EXPECT_NE(text.find(want), std::string::npos) << want;
  EXPECT_EQ(text.find("INPUT_SHAPES"), std::string::npos);
  EXPECT_EQ(text.find("_resize_"), std::string::npos) << "helpers only where used";
}

TEST(PytorchExport, UserTextCannotBreakThePython) {
  Graph g("quote\"\"\" \\ \nname");
  const NodeId x = g.add("in\nput", graph::Input{1, 4, 4}, {});
  const NodeId r = g.add("r\"\"\"\n", graph::Activation{}, {x});
  g.add("out", graph::Output{}, {r});
  const std::string text = io::export_pytorch(g, "m\"\"\".yaml");
  EXPECT_NE(text.find("Network \"quote\\\"\\\"\\\" \\\\ \\\\nname\""), std::string::npos) << text;
  EXPECT_NE(text.find("        x = F.relu(x)  # r\"\"\"\\n\n"), std::string::npos) << text;
  EXPECT_NE(text.find("from \"m\\\"\\\"\\\".yaml\""), std::string::npos) << text;
}

TEST(PytorchExport, AGraphWithoutInputOrOutputIsAOneLineError) {
  Graph none("empty");
  try {
    (void)io::export_pytorch(none);
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "network 'empty' has no input node; a PyTorch module needs an input and an output");
  }
  Graph no_out("no_out");
  no_out.add("x", graph::Input{1, 2, 2}, {});
  EXPECT_THROW((void)io::export_pytorch(no_out), UserError);
}

TEST(PytorchExport, ModulesRunInPyTorchWithHwnasCountsAndShapes) {
  const testing::ScratchDir dir("hwnas_pytorch_export");
  std::vector<std::pair<Graph, std::string>> models;  // graph, torchvision name or ""
  const Graph every = graph::parse_model(kEveryOp, "every_op.yaml");
  std::set<std::size_t> ops;
  for (NodeId id = 0; id < every.size(); ++id) ops.insert(every.op(id).index());
  ASSERT_EQ(ops.size(), std::variant_size_v<graph::Op>) << "add the new op to kEveryOp";
  models.emplace_back(every, "");
  models.emplace_back(fused_ibn_model(), "");
  const std::string rewritten = (dir.path() / "rewritten.yaml").string();  // as a user rewrites
  const testing::Result r = testing::hwnas(
      {"rewrite", "mobilenet_v3_small:res=64", "--pass", "ibn_to_fused", "--site", "features.4", "--out", rewritten});
  ASSERT_EQ(r.status, 0) << r.err;
  models.emplace_back(graph::load_model_file(rewritten), "");
  int fused = 0;
  for (graph::BlockId b = 0; b < models.back().first.num_blocks(); ++b)
    fused += models.back().first.block(b).kind == graph::BlockKind::fused_ibn ? 1 : 0;
  ASSERT_EQ(fused, 1);
  for (const graph::ZooModel& m : space::zoo_models()) {
    const std::string name(m.name);
    std::string spec = name + ":res=64";
    if (name == "nb201") spec = "nb201:arch=|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|";
    if (name == "fbnet") spec = "fbnet:blocks=k3_e1-k3_e1_g2-k3_e3-k3_e6-k5_e1-k5_e1_g2-k5_e3-k5_e6-skip-k3_e1-k3_e1_g2-"
                                "k3_e3-k3_e6-k5_e1-k5_e1_g2-k5_e3-k5_e6-skip-k3_e6-k5_e6-k3_e3-k5_e3";
    if (name.starts_with("ssdlite")) spec = name + ":res=128";
    const bool torchvision = m.description.find("(torchvision)") != std::string_view::npos && !name.starts_with("lraspp");
    models.emplace_back(space::build_zoo_model(spec), torchvision ? name : "");
  }
  nlohmann::json manifest = nlohmann::json::array();
  for (std::size_t i = 0; i < models.size(); ++i) {
    const std::string file = (dir.path() / fmt::format("m{}.py", i)).string();
    io::save_pytorch_file(models[i].first, file);
    // Traced where the helpers are (every op), the fused IBNs, and one zoo model.
    manifest.push_back({{"file", file}, {"torchvision", models[i].second}, {"trace", i < 3 || models[i].second == "mobilenet_v2"}});
  }
  const auto manifest_file = dir.path() / "manifest.json";
  std::ofstream(manifest_file) << manifest.dump();
  const testing::PythonJson out = testing::run_python_json("tests/io/check_pytorch_export.py",
                                                           "python3-torch python3-torchvision", {}, {manifest_file.string()});
  if (!out.skip.empty()) HWNAS_MISSING_RESOURCE(out.skip);
  ASSERT_TRUE(out.failure.empty()) << out.failure;
  ASSERT_EQ(out.doc["modules"].size(), models.size());
  int traced = 0;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const Graph& g = models[i].first;
    const nlohmann::json& m = out.doc["modules"][i];
    SCOPED_TRACE(g.name());
    EXPECT_EQ(m["imports"], (nlohmann::json{"torch", "torch.nn", "torch.nn.functional"}));
    EXPECT_EQ(m["params"], graph::analyze(g, graph::Precision::fp32, 1, graph::MinOrder::skip).total.params);
    EXPECT_EQ(m["outputs"], expected_outputs(g));
    EXPECT_TRUE(m["trains"].get<bool>());
    if (m.contains("trace_difference")) {
      EXPECT_EQ(m["trace_difference"].get<double>(), 0.0);
      EXPECT_EQ(m["fx_difference"].get<double>(), 0.0);
      ++traced;
    }
    for (const auto& [what, difference] : m["helpers"].items()) EXPECT_LT(difference.get<double>(), 1e-5) << what;
    if (!models[i].second.empty()) {
      ASSERT_TRUE(m["torchvision"].contains("max_abs_difference")) << m["torchvision"].dump();
      const double largest = m["torchvision"]["max_abs_output"].get<double>();
      EXPECT_GT(largest, 0.1);
      EXPECT_LE(m["torchvision"]["max_abs_difference"].get<double>(), 1e-5 * largest);
    }
  }
  // The every-op model reaches each helper; state-dict keys are the attribute names.
  EXPECT_EQ(out.doc["modules"][0]["helpers"].size(), 4u + 4u + 8u);
  EXPECT_EQ(out.doc["modules"][0]["state_keys"][0], "features_0_conv.weight");
  std::size_t torchvision_models = 0;
  for (const auto& [g, name] : models) torchvision_models += name.empty() ? 0 : 1;
  EXPECT_EQ(torchvision_models, 7u);
  EXPECT_EQ(traced, 4);
}

}  // namespace
}  // namespace hwnas

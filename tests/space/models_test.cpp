// MODEL specs and model files with the search spaces' networks (space/models.h): the
// nb201 and fbnet zoo models, the nb201_cell, nb201_reduction and fbnet layers, and
// `hwnas zoo` listing them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/space/fbnet.h"
#include "hwnas/space/models.h"
#include "hwnas/space/nb201.h"
#include "space/user_error.h"
#include "support/cli_runner.h"

namespace hwnas::space {
namespace {

using graph::Graph;
using graph::NodeId;

const std::string kArch =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
const std::string kArchAllOps = "|none~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_3x3~1|none~2|";
const std::string kBlocks =
    "k3_e1-k3_e1_g2-k3_e3-k3_e6-k5_e1-k5_e1_g2-k5_e3-k5_e6-skip-k3_e1-k3_e6-skip-k5_e6-"
    "k3_e3-skip-k5_e1_g2-k3_e1-k5_e3-skip-k3_e6-k5_e6-k3_e1";

Graph parse(const std::string& text, const std::string& source = "bad.yaml") {
  return graph::parse_model(text, source, model_extensions().layer_ops);
}

std::string model_error(const std::string& layers) {
  return error_of([&] { parse("name: bad\ninput: [3, 8, 8]\nlayers:\n" + layers); });
}

TEST(SpaceModels, LayersLoadAsTheirBuilders) {
  const Graph g = parse(R"(
name: blocks
input: [16, 64, 64]
layers:
  - {op: nb201_cell, name: cell, arch: ")" + kArchAllOps + R"("}
  - {op: nb201_reduction, name: red, out: 64}
  - {op: fbnet, name: fb, block: k5_e1_g2, out: 64}
  - {op: fbnet, name: fb_skip, block: skip, out: 64}
  - {op: fbnet, name: fb_skip2, block: skip, out: 80, stride: 2}
  - {op: fbnet, name: fb_e6, block: k3_e6, out: 80}
)");
  Graph expected("blocks");
  NodeId x = expected.add("input", graph::Input{16, 64, 64}, {});
  x = nb201_cell(expected, x, parse_nb201_arch(kArchAllOps), "cell");
  x = nb201_reduction(expected, x, 64, "red");
  x = fbnet_block(expected, x, kFbnetBlocks[5], 64, 1, "fb");
  x = fbnet_block(expected, x, kFbnetBlocks[8], 64, 1, "fb_skip");
  x = fbnet_block(expected, x, kFbnetBlocks[8], 80, 2, "fb_skip2");
  x = fbnet_block(expected, x, kFbnetBlocks[3], 80, 1, "fb_e6");
  expected.add("output", graph::Output{}, {x});
  EXPECT_TRUE(g.identical(expected));
  const auto kind = [&](const char* node) { return g.block(g.node(g.find(node)).block).kind; };
  EXPECT_EQ(kind("cell.node3"), graph::BlockKind::nb201_cell);
  EXPECT_EQ(kind("red.add"), graph::BlockKind::nb201_reduction);
  EXPECT_EQ(kind("fb.shuffle"), graph::BlockKind::fbnet);
  EXPECT_EQ(g.find("fb_skip.conv"), -1);  // skip with equal shapes adds no node
  EXPECT_GE(g.find("fb_skip2.conv.conv"), 0);
}

TEST(SpaceModels, SkipLayerNameStandsForItsInput) {
  const Graph g = parse("input: [8, 8, 8]\nlayers:\n  - {op: fbnet, name: s, block: skip, out: 8}\n"
                        "  - {op: relu, name: r, inputs: s}\n");
  ASSERT_EQ(g.inputs(g.find("r")).size(), 1u);
  EXPECT_EQ(g.inputs(g.find("r"))[0], g.find("input"));
  EXPECT_EQ(g.num_blocks(), 0);
}

TEST(SpaceModels, GraphAloneDoesNotKnowTheLayers) {
  expect_message(error_of([] { graph::parse_model("input: [3, 8, 8]\nlayers:\n  - {op: fbnet, block: skip, out: 3}\n",
                                                  "g.yaml"); }),
                 {"g.yaml:3:", "unknown op 'fbnet'"});
  expect_message(error_of([] { graph::build_zoo_model("nb201:arch=x"); }), {"unknown zoo model 'nb201'"});
}

TEST(SpaceModels, BadLayerKeysAreOneLineErrors) {
  expect_message(model_error("  - {op: nb201_cell, arch: [a]}\n"),
                 {"layer 'layers.0' (nb201_cell)", "arch must be a string"});
  expect_message(model_error("  - {op: fbnet, out: 8}\n"), {"missing key 'block'"});
  expect_message(model_error("  - {op: nb201_cell}\n"), {"missing key 'arch'"});
  expect_message(model_error("  - {op: nb201_reduction}\n"), {"missing key 'out'"});
  expect_message(model_error("  - {op: fbnet, block: skip, out: 3, kernel: 3}\n"), {"kernel"});
  expect_message(model_error("  - {op: nb201_cell, arch: \"|conv~0|\"}\n"),
                 {"bad.yaml:4:", "NAS-Bench-201 architecture '|conv~0|'", "unknown op 'conv'"});
  expect_message(model_error("  - {op: fbnet, block: k7_e6, out: 8}\n"),
                 {"bad.yaml:4:", "FBNet block 'k7_e6' (layers.0)", "use one of k3_e1"});
  expect_message(model_error("  - {op: fbnet, name: s, block: skip, out: 3}\n  - {op: relu, inputs: s.conv}\n"),
                 {"bad.yaml:5:", "input 's.conv' is not a node", "use 's'"});
  expect_message(model_error("  - {op: nb201_cell, arch: \"" + kArch + "\", inputs: [input, input]}\n"),
                 {"takes 1 input, got 2"});
}

TEST(SpaceModels, ZooSpecErrors) {
  expect_message(error_of([] { build_zoo_model("nb201:blocks=skip"); }),
                 {"bad option 'blocks=skip'", "arch, width"});
  expect_message(error_of([] { build_zoo_model("nb201"); }), {"model 'nb201'", "arch= is required"});
  // A resolution the network cannot shrink: the node that fails is named.
  const std::string tiny = "nb201:arch=" + kArch + ",res=1";
  expect_message(error_of([&] { build_zoo_model(tiny); }),
                 {"model '" + tiny + "'", "node 'cells.5.shortcut.pool' (avg_pool)", "height 1 is too small for kernel 2",
                  "use a larger input"});
  expect_message(error_of([] { load_model("mobilenet_v9"); }), {"unknown zoo model 'mobilenet_v9'", "nb201", "fbnet"});
}

TEST(SpaceModels, OptionsApplyToTheSpacesNetworks) {
  const Graph wide = build_zoo_model("nb201:arch=" + kArchAllOps + ",width=2,classes=100,res=64,in_ch=1");
  EXPECT_EQ(wide.shape(wide.find("stem.conv")).c, 32);
  EXPECT_EQ(wide.shape(wide.find("input")).h, 64);
  EXPECT_EQ(wide.shape(wide.find("input")).c, 1);
  const Graph fb = build_zoo_model("fbnet:blocks=" + kBlocks + ",width=0.5,classes=10");
  EXPECT_EQ(fb.shape(fb.find("head.conv")).c, 752);
  // Each round-trips through a model file.
  for (const Graph* g : {&wide, &fb}) {
    EXPECT_TRUE(parse(graph::model_to_yaml(*g), "m.yaml") == *g);
    EXPECT_TRUE(parse(graph::model_to_json(*g), "m.json") == *g);
  }
}

TEST(SpaceModels, MinOrderNeverWorseOnNb201) {
  const Graph g = build_zoo_model("nb201:arch=" + kArch);
  const graph::Analysis a = graph::analyze(g, graph::Precision::fp32);
  EXPECT_EQ(a.min_order.size(), static_cast<std::size_t>(g.size()));
  EXPECT_LE(a.peak_activation_bytes_min_order, a.peak_activation_bytes);
}

TEST(SpaceModels, ZooCommandListsTheSpacesNetworks) {
  const testing::Result r = testing::hwnas({"zoo", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  const std::vector<graph::ZooModel> models = zoo_models();
  ASSERT_EQ(j["models"].size(), models.size());
  for (std::size_t i = 0; i < models.size(); ++i) {
    EXPECT_EQ(j["models"][i]["name"], std::string(models[i].name));
    EXPECT_EQ(j["models"][i]["options"].size(), models[i].options.size());
  }
  EXPECT_EQ(models[models.size() - 2].name, "nb201");
  EXPECT_EQ(models.back().name, "fbnet");
  const testing::Result inspect = testing::hwnas({"inspect", "fbnet:blocks=" + kBlocks, "--json"});
  ASSERT_EQ(inspect.status, 0) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["model"], "fbnet");
}

TEST(SpaceModels, BenchmarkColumnsAndSpecPrefixes) {
  EXPECT_EQ(benchmark_key_column(*make_nb201_space()), "arch");
  EXPECT_EQ(benchmark_key_column(*make_fbnet_space()), "blocks");
  EXPECT_EQ(zoo_arch_prefix(*make_nb201_space()), "nb201:arch=");
  EXPECT_EQ(zoo_arch_prefix(*make_fbnet_space()), "fbnet:blocks=");
}

TEST(SpaceModels, SpecArchitectureIsTheStringAfterTheSpacesPrefix) {
  const auto nb = spec_architecture("nb201:arch=|none~0|+|skip_connect~0|none~1|");
  ASSERT_TRUE(nb);
  EXPECT_EQ(nb->prefix, "nb201:arch=");
  EXPECT_EQ(nb->arch, "|none~0|+|skip_connect~0|none~1|");
  EXPECT_FALSE(nb->other_options);
  const auto fb = spec_architecture("fbnet:blocks=k3_e1-skip,classes=100");
  ASSERT_TRUE(fb);
  EXPECT_EQ(fb->prefix, "fbnet:blocks=");
  EXPECT_EQ(fb->arch, "k3_e1-skip");
  EXPECT_TRUE(fb->other_options);
  EXPECT_FALSE(spec_architecture("mobilenet_v2:width=0.5"));
  EXPECT_FALSE(spec_architecture("nb201"));  // no arch= option: not an architecture spec
  EXPECT_EQ(spec_architecture_forms(), "nb201:arch=KEY or fbnet:blocks=KEY");
}

}  // namespace
}  // namespace hwnas::space

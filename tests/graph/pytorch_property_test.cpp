// Property test against PyTorch: random layers and small graphs, built through the model
// file reader, give the shapes, MACs and parameters PyTorch gave the same layers.
//
// tests/reference/pytorch_property_cases.py (fixed seed, Debian's python3-torch) drew 400
// cases — conv2d (grouped, depthwise, dilated, strided, padded, rectangular), max/avg pools
// with every ceil_mode, count_include_pad and padding, upsample (nearest, bilinear; scale,
// size), global pool + linear, concat and add — ran each in PyTorch and wrote
// tests/reference/pytorch_property_cases.json. Every expected number comes from that run;
// torch is not needed here. Cases PyTorch refused must be refused with a UserError.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <string>

#include "hwnas/graph/analysis.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/model_file.h"

namespace hwnas::graph {
namespace {

using nlohmann::json;

json load_fixture() {
  std::ifstream in(std::string(HWNAS_SOURCE_DIR) + "/tests/reference/pytorch_property_cases.json");
  EXPECT_TRUE(in) << "missing fixture; see docs/development.md to regenerate it";
  return json::parse(in);
}

const json& fixture() {
  static const json doc = load_fixture();
  return doc;
}

// The fixture covers what the property promises; a regenerated fixture that lost a kind of
// case fails here rather than silently testing less.
TEST(PyTorchProperty, FixtureCoversEveryKindOfLayer) {
  std::map<std::string, int> seen;
  int refused = 0, graphs = 0;
  for (const json& c : fixture()["cases"]) {
    refused += c.contains("error") ? 1 : 0;
    graphs += c["model"]["layers"].size() > 1 ? 1 : 0;
    for (const json& layer : c["model"]["layers"]) {
      std::string key = layer["op"].get<std::string>();
      if (key.ends_with("_pool") && key != "global_pool")
        key += fmt::format("/ceil={}/include_pad={}/padded={}", layer.value("ceil_mode", false),
                           layer.value("count_include_pad", true),
                           layer.value("padding", json(0)) != json(0) &&
                               layer.value("padding", json(0)) != json({0, 0}));
      if (key == "upsample")
        key += "/" + layer["mode"].get<std::string>() + (layer.contains("scale") ? "/scale" : "/size");
      if (key == "conv2d") {
        if (layer["groups"] != 1) ++seen["conv2d/grouped"];
        if (layer["dilation"] != 1) ++seen["conv2d/dilated"];
        if (layer["stride"] != 1) ++seen["conv2d/strided"];
      }
      ++seen[key];
    }
  }
  EXPECT_GE(fixture()["cases"].size(), 300U);
  EXPECT_GE(refused, 20);
  EXPECT_GE(graphs, 50);
  for (const char* kind : {"max_pool", "avg_pool"})
    for (const char* ceil : {"false", "true"})
      for (const char* padded : {"false", "true"})
        for (const char* include : {"false", "true"}) {
          if (std::string(kind) == "max_pool" && std::string(include) == "false") continue;
          const std::string key = fmt::format("{}/ceil={}/include_pad={}/padded={}", kind, ceil,
                                              include, padded);
          EXPECT_GE(seen[key], 3) << key;
        }
  for (const char* key : {"conv2d/grouped", "conv2d/dilated", "conv2d/strided", "concat", "add",
                          "linear", "upsample/nearest/scale", "upsample/nearest/size",
                          "upsample/bilinear/scale", "upsample/bilinear/size"})
    EXPECT_GE(seen[key], 3) << key;
}

TEST(PyTorchProperty, ShapesMacsAndParamsEqualPyTorch) {
  int checked = 0;
  for (const json& c : fixture()["cases"]) {
    const std::string name = c["name"];
    const std::string text = c["model"].dump();
    SCOPED_TRACE(name + ": " + text);
    if (c.contains("error")) {
      EXPECT_THROW(parse_model(text, name), UserError) << "PyTorch: " << c["error"];
      continue;
    }
    const Graph g = parse_model(text, name);
    for (const auto& [node, expected] : c["nodes"].items()) {
      const NodeId id = g.find(node);
      ASSERT_GE(id, 0) << node;
      const Shape& s = g.shape(id);
      EXPECT_EQ(json({s.c, s.h, s.w}), expected["shape"]) << node;
      EXPECT_EQ(node_macs(g, id), expected["macs"].get<std::int64_t>()) << node;
      EXPECT_EQ(node_params(g, id), expected["params"].get<std::int64_t>()) << node;
    }
    const Analysis a = analyze(g, Precision::fp32);
    EXPECT_EQ(a.total.macs, c["macs"].get<std::int64_t>());
    EXPECT_EQ(a.total.params, c["params"].get<std::int64_t>());
    ++checked;
  }
  EXPECT_GE(checked, 300);
}

}  // namespace
}  // namespace hwnas::graph

#include "hwnas/space/models.h"

#include "hwnas/base/error.h"
#include "hwnas/graph/model_layers.h"
#include "hwnas/space/fbnet.h"
#include "hwnas/space/nb201.h"

namespace hwnas::space {
namespace {

constexpr std::string_view kNb201Prefix = "nb201:arch=";
constexpr std::string_view kFbnetPrefix = "fbnet:blocks=";

// The text option `key` of a zoo spec, which the model requires.
const std::string& required(const graph::ZooOptions& o, const std::string& key, std::string_view example) {
  const auto it = o.text.find(key);
  if (it == o.text.end() || it->second.empty())
    throw UserError(std::string(key) + "= is required, e.g. " + std::string(example));
  return it->second;
}

std::vector<graph::ZooOptionInfo> with_text_option(graph::ZooOptionInfo option, std::vector<graph::ZooOptionInfo> rest) {
  rest.insert(rest.begin(), option);
  return rest;
}

// nb201's image options, then its shape's (Nb201Shape): TE-NAS's thin copy is
// width=0.0625,cells=1,stages=1,stem=0,in_ch=1,res=3.
std::vector<graph::ZooOptionInfo> nb201_options() {
  std::vector<graph::ZooOptionInfo> options = graph::image_options("32", "10");
  options.push_back({"cells", "5", "cells per stage, N (1-64)"});
  options.push_back({"stages", "3", "stages kept (1-3), reduction blocks between them"});
  options.push_back({"stem", "1", "1: conv3x3 + BN stem; 0: the input (in_ch = C) enters the first cell"});
  return options;
}

graph::ModelExtensions make_extensions() {
  using graph::detail::LayerContext;
  graph::ModelExtensions e;
  e.zoo.push_back(
      {"nb201", "NAS-Bench-201 CIFAR network",
       with_text_option({"arch", "", "NAS-Bench-201 cell string (required), |op~0|+|op~0|op~1|+|...|"},
                        nb201_options()),
       [](const graph::ZooOptions& o) {
         const Nb201Cell cell = parse_nb201_arch(required(o, "arch",
                                                          "nb201:arch=|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|"
                                                          "skip_connect~0|nor_conv_3x3~1|skip_connect~2|"));
         return nb201_network(cell, o, nb201_shape(o));
       }});
  e.zoo.push_back({"fbnet", "FBNet-space CIFAR-100 network (HW-NAS-Bench)",
                   with_text_option({"blocks", "", "22 FBNet blocks joined by '-' (required), k3_e6-skip-..."},
                                    graph::image_options("32", "100")),
                   [](const graph::ZooOptions& o) {
                     return fbnet_network(parse_fbnet_blocks(required(o, "blocks", "fbnet:blocks=k3_e1-k3_e6-skip-...")),
                                          o);
                   }});
  e.layer_ops["nb201_cell"] = [](LayerContext& c) {
    return nb201_cell(c.graph, graph::detail::single_input(c), parse_nb201_arch(c.reader.text("arch")), c.name);
  };
  e.layer_ops["nb201_reduction"] = [](LayerContext& c) {
    return nb201_reduction(c.graph, graph::detail::single_input(c), c.reader.positive("out"), c.name);
  };
  e.layer_ops["fbnet"] = [](LayerContext& c) {
    const graph::NodeId x = graph::detail::single_input(c);
    const FbnetBlock& block = kFbnetBlocks[fbnet_block_index(c.reader.text("block"), c.name)];
    return fbnet_block(c.graph, x, block, c.reader.positive("out"), c.reader.positive("stride", 1), c.name);
  };
  return e;
}

}  // namespace

const graph::ModelExtensions& model_extensions() {
  static const graph::ModelExtensions extensions = make_extensions();
  return extensions;
}

std::vector<graph::ZooModel> zoo_models() { return graph::zoo_models(model_extensions()); }

graph::Graph build_zoo_model(std::string_view spec) { return graph::build_zoo_model(spec, model_extensions()); }

graph::Graph load_model(std::string_view spec) { return graph::load_model(spec, model_extensions()); }

std::string_view zoo_arch_prefix(const Space& space) {
  if (dynamic_cast<const Nb201Space*>(&space) != nullptr) return kNb201Prefix;
  if (dynamic_cast<const FbnetSpace*>(&space) != nullptr) return kFbnetPrefix;
  return "";
}

std::optional<SpecArchitecture> spec_architecture(std::string_view spec) {
  for (const std::string_view prefix : {kNb201Prefix, kFbnetPrefix}) {
    if (!spec.starts_with(prefix)) continue;
    const std::string_view rest = spec.substr(prefix.size());
    const std::size_t comma = rest.find(',');
    return SpecArchitecture{prefix, std::string(rest.substr(0, comma)), comma != std::string_view::npos};
  }
  return std::nullopt;
}

std::string spec_architecture_forms() {
  return std::string(kNb201Prefix) + "KEY or " + std::string(kFbnetPrefix) + "KEY";
}

std::string_view benchmark_key_column(const Space& space) {
  return dynamic_cast<const FbnetSpace*>(&space) != nullptr ? "blocks" : "arch";
}

}  // namespace hwnas::space

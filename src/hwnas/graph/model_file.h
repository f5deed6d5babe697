// Model files: a network as a list of layers and blocks, in YAML or JSON (docs/model-format.md).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "hwnas/graph/graph.h"

namespace hwnas::graph {

namespace detail {
struct LayerContext;  // model_layers.h: the layer's graph, key reader, name and inputs
}

/// Block layer ops that modules above graph add to model files (space adds nb201_cell,
/// nb201_reduction and fbnet: space/models.h), by op name. A builder reads its keys from
/// the context's reader, emits nodes and returns the layer's output node.
using ModelLayerOps = std::map<std::string, std::function<NodeId(detail::LayerContext&)>, std::less<>>;

/// Loads a .yaml/.yml/.json model file. Throws UserError "FILE:LINE: layer 'x' (op): ..."
/// for malformed files, unknown ops or keys, bad values, dangling inputs, cycles and
/// shape mismatches. `extra` adds block layer ops to graph's own.
Graph load_model_file(const std::string& path, const ModelLayerOps& extra = {});

/// Parses model text; `source` names it in errors (a path or "<string>"), shape errors too
/// ("FILE: node 'x' (op): ..."). A `source` ending in .json must be strict JSON; the parsing rules are in
/// yaml_input.h and docs/model-format.md.
Graph parse_model(const std::string& text, const std::string& source, const ModelLayerOps& extra = {});

/// The graph as primitive layers with their block tags; parse_model of the result gives
/// an identical graph. JSON holds only UTF-8: model_to_json (and save_model_file to .json)
/// throws UserError when the model's or a node's name is not UTF-8.
std::string model_to_yaml(const Graph& graph);
std::string model_to_json(const Graph& graph);

/// Writes YAML or JSON by the path's extension, atomically (temporary file, then rename).
void save_model_file(const Graph& graph, const std::string& path);

}  // namespace hwnas::graph

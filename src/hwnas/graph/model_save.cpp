#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/graph/block_spec_file.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/graph/op_json.h"

namespace hwnas::graph {
namespace {

using Json = nlohmann::ordered_json;

void check_names(const Graph& g) {
  for (NodeId id = 0; id < g.size(); ++id)
    if (g.node_name(id).empty())
      throw UserError(fmt::format("cannot save model '{}': node {} has no name", g.name(), id));
}

// One primitive layer: name, op, parameters, inputs (omitted when it is just the previous
// node), block tag.
Json layer_json(const Graph& g, NodeId id) {
  Json layer = {{"name", std::string(g.node_name(id))}, {"op", std::string(op_name(g.op(id)))}};
  layer.update(op_params_json(g.op(id)));
  const auto inputs = g.inputs(id);
  const bool sequential = inputs.size() == 1 && inputs[0] == id - 1;
  if (inputs.size() == 1 && !sequential) {
    layer["inputs"] = std::string(g.node_name(inputs[0]));
  } else if (inputs.size() > 1) {
    Json names = Json::array();
    for (NodeId in : inputs) names.push_back(std::string(g.node_name(in)));
    layer["inputs"] = std::move(names);
  }
  if (g.node(id).block != kNoBlock) layer["block"] = std::string(g.block_name(g.node(id).block));
  return layer;
}

Json model_json(const Graph& g) {
  check_names(g);
  Json root = {{"name", g.name()}};
  if (g.num_blocks() > 0) {
    root["blocks"] = Json::array();
    for (BlockId b = 0; b < g.num_blocks(); ++b) {
      Json block = {{"name", std::string(g.block_name(b))}, {"kind", std::string(block_kind_name(g.block(b).kind))}};
      if (Json spec = block_spec_json(g.block(b).spec); !spec.is_null()) block["spec"] = std::move(spec);
      root["blocks"].push_back(std::move(block));
    }
  }
  root["layers"] = Json::array();
  for (NodeId id = 0; id < g.size(); ++id) root["layers"].push_back(layer_json(g, id));
  return root;
}

// Scalars and (nested) lists and mappings (a block's spec), in YAML's flow style.
void emit_value(YAML::Emitter& out, const Json& v) {
  if (v.is_object()) {
    out << YAML::Flow << YAML::BeginMap;
    for (const auto& [key, value] : v.items()) {
      out << YAML::Key << key << YAML::Value;
      emit_value(out, value);
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const Json& item : v) emit_value(out, item);
    out << YAML::EndSeq;
  } else if (v.is_boolean()) {
    out << v.get<bool>();
  } else if (v.is_number_integer()) {
    out << v.get<std::int64_t>();
  } else if (v.is_number()) {
    out << v.get<double>();
  } else {
    out << v.get<std::string>();
  }
}

}  // namespace

std::string model_to_yaml(const Graph& g) {
  const Json root = model_json(g);
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << root["name"].get<std::string>();
  for (const char* list : {"blocks", "layers"}) {
    if (!root.contains(list)) continue;
    out << YAML::Key << list << YAML::Value << YAML::BeginSeq;
    for (const Json& item : root[list]) {
      out << YAML::Flow << YAML::BeginMap;
      for (const auto& [key, value] : item.items()) {
        out << YAML::Key << key << YAML::Value;
        emit_value(out, value);
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string model_to_json(const Graph& g) {
  try {
    return model_json(g).dump(1) + "\n";
  } catch (const nlohmann::json::type_error&) {  // 316: a string that is not UTF-8
    throw UserError("the model's name or a node's name is not UTF-8 text, which JSON cannot hold; save the "
                    "model as YAML (.yaml) or rename it");
  }
}

void save_model_file(const Graph& graph, const std::string& path) {
  const bool json = path.ends_with(".json");
  if (!json && !path.ends_with(".yaml") && !path.ends_with(".yml"))
    throw UserError(fmt::format("{}: model files end in .yaml, .yml or .json", path));
  write_file_atomically(path, json ? model_to_json(graph) : model_to_yaml(graph), "model file");
}

}  // namespace hwnas::graph

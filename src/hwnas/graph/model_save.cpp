#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <variant>

#include "hwnas/graph/error.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/graph/overloaded.h"

namespace hwnas::graph {
namespace {

using Value = std::variant<std::int64_t, bool, std::string, double, std::vector<std::int32_t>,
                           std::vector<std::string>>;
using Fields = std::vector<std::pair<std::string, Value>>;

Value pair_value(std::int32_t h, std::int32_t w) {
  if (h == w) return std::int64_t{h};
  return std::vector<std::int32_t>{h, w};
}

void add_params(Fields& f, const Op& op) {
  std::visit(Overloaded{
                 [&](const Input& p) {
                   f.emplace_back("shape", std::vector<std::int32_t>{p.channels, p.height, p.width});
                 },
                 [&](const Conv2d& p) {
                   f.emplace_back("out", std::int64_t{p.out_channels});
                   f.emplace_back("kernel", pair_value(p.kernel_h, p.kernel_w));
                   f.emplace_back("stride", pair_value(p.stride_h, p.stride_w));
                   f.emplace_back("padding", pair_value(p.pad_h, p.pad_w));
                   f.emplace_back("dilation", pair_value(p.dilation_h, p.dilation_w));
                   f.emplace_back("groups", std::int64_t{p.groups});
                   f.emplace_back("bias", p.bias);
                 },
                 [&](const BatchNorm& p) {
                   if (!p.affine) f.emplace_back("affine", false);
                 },
                 [&](const Pool& p) {
                   f.emplace_back("kernel", pair_value(p.kernel_h, p.kernel_w));
                   f.emplace_back("stride", pair_value(p.stride_h, p.stride_w));
                   f.emplace_back("padding", pair_value(p.pad_h, p.pad_w));
                   if (!p.count_include_pad) f.emplace_back("count_include_pad", false);
                   if (p.ceil_mode) f.emplace_back("ceil_mode", true);
                 },
                 [&](const Upsample& p) {
                   f.emplace_back("mode", std::string(upsample_name(p.mode)));
                   if (p.scale > 0) f.emplace_back("scale", std::int64_t{p.scale});
                   else f.emplace_back("size", std::vector<std::int32_t>{p.out_h, p.out_w});
                 },
                 [&](const Linear& p) {
                   f.emplace_back("out", std::int64_t{p.out_features});
                   f.emplace_back("bias", p.bias);
                 },
                 [&](const ChannelShuffle& p) { f.emplace_back("groups", std::int64_t{p.groups}); },
                 [&](const Dropout& p) { f.emplace_back("rate", p.rate_percent / 100.0); },
                 [](const auto&) {},
             },
             op);
}

Fields layer_fields(const Graph& g, NodeId id) {
  Fields f;
  f.emplace_back("name", std::string(g.node_name(id)));
  f.emplace_back("op", std::string(op_name(g.op(id))));
  add_params(f, g.op(id));
  const auto inputs = g.inputs(id);
  const bool sequential = inputs.size() == 1 && inputs[0] == id - 1 && id > 0;
  if (!inputs.empty() && !sequential) {
    if (inputs.size() == 1) {
      f.emplace_back("inputs", std::string(g.node_name(inputs[0])));
    } else {
      std::vector<std::string> names;
      for (NodeId in : inputs) names.emplace_back(g.node_name(in));
      f.emplace_back("inputs", std::move(names));
    }
  }
  if (g.node(id).block != kNoBlock)
    f.emplace_back("block", std::string(g.block_name(g.node(id).block)));
  return f;
}

void check_names(const Graph& g) {
  for (NodeId id = 0; id < g.size(); ++id)
    if (g.node_name(id).empty())
      throw UserError(fmt::format("cannot save model '{}': node {} has no name", g.name(), id));
}

}  // namespace

std::string model_to_yaml(const Graph& g) {
  check_names(g);
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << g.name();
  if (g.num_blocks() > 0) {
    out << YAML::Key << "blocks" << YAML::Value << YAML::BeginSeq;
    for (BlockId b = 0; b < g.num_blocks(); ++b)
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value
          << std::string(g.block_name(b)) << YAML::Key << "kind" << YAML::Value
          << std::string(block_kind_name(g.block(b).kind)) << YAML::EndMap;
    out << YAML::EndSeq;
  }
  out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
  for (NodeId id = 0; id < g.size(); ++id) {
    out << YAML::Flow << YAML::BeginMap;
    for (const auto& [key, value] : layer_fields(g, id)) {
      out << YAML::Key << key << YAML::Value;
      std::visit(Overloaded{[&](const std::vector<std::int32_t>& v) { out << YAML::Flow << v; },
                            [&](const std::vector<std::string>& v) { out << YAML::Flow << v; },
                            [&](const auto& v) { out << v; }},
                 value);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string model_to_json(const Graph& g) {
  check_names(g);
  nlohmann::ordered_json root;
  root["name"] = g.name();
  if (g.num_blocks() > 0) {
    root["blocks"] = nlohmann::ordered_json::array();
    for (BlockId b = 0; b < g.num_blocks(); ++b)
      root["blocks"].push_back({{"name", std::string(g.block_name(b))},
                                {"kind", std::string(block_kind_name(g.block(b).kind))}});
  }
  root["layers"] = nlohmann::ordered_json::array();
  for (NodeId id = 0; id < g.size(); ++id) {
    nlohmann::ordered_json layer = nlohmann::ordered_json::object();
    for (const auto& [key, value] : layer_fields(g, id)) {
      std::visit([&](const auto& v) { layer[key] = v; }, value);
    }
    root["layers"].push_back(std::move(layer));
  }
  return root.dump(1) + "\n";
}

void save_model_file(const Graph& graph, const std::string& path) {
  const bool json = path.ends_with(".json");
  if (!json && !path.ends_with(".yaml") && !path.ends_with(".yml"))
    throw UserError(fmt::format("{}: model files end in .yaml, .yml or .json", path));
  const std::string text = json ? model_to_json(graph) : model_to_yaml(graph);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !(out << text) || !out.flush()) {
      std::remove(tmp.c_str());
      throw UserError(fmt::format("{}: cannot write the model file; check the directory", path));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw UserError(fmt::format("{}: cannot write the model file: {}", path, ec.message()));
  }
}

}  // namespace hwnas::graph

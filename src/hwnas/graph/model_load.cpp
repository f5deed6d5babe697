#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <queue>
#include <unordered_map>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/suggest.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/graph/block_spec_file.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/graph/model_layers.h"

namespace hwnas::graph {
namespace {

using detail::LayerReader;
using detail::location;

struct Layer {
  YAML::Node node;
  std::string op, name;
  std::vector<std::string> input_names;  // as written; empty + sequential = previous layer
  std::vector<YAML::Node> input_marks;
  std::vector<std::size_t> deps;  // layer indices
};

class ModelLoader {
 public:
  ModelLoader(std::string source, const ModelLayerOps& extra) : source_(std::move(source)), extra_(extra) {}

  Graph load(const YAML::Node& root) {
    if (!root.IsMap()) fail(root, "a model file is a mapping with keys name, input, blocks, layers");
    for (const auto& entry : root) {
      const std::string key = entry.first.Scalar();
      if (key != "name" && key != "input" && key != "blocks" && key != "layers")
        fail(entry.first, fmt::format("unknown top-level key '{}'; use name, input, blocks, layers",
                                      key));
    }
    if (root["name"]) {
      if (!root["name"].IsScalar()) fail(root["name"], "name must be a string");
      graph_.set_name(root["name"].Scalar());
    }
    if (const YAML::Node input = root["input"]) add_top_level_input(input);
    if (const YAML::Node blocks = root["blocks"]) add_blocks(blocks);
    const YAML::Node layers = root["layers"];
    if (!layers || !layers.IsSequence() || layers.size() == 0)
      fail(layers ? layers : root, "'layers' must be a non-empty list of layers");
    read_layers(layers);
    resolve_dependencies();
    for (std::size_t i : topological_order()) build(layers_[i]);
    if (graph_.output_nodes().empty()) {
      std::string name = "output";
      while (names_.contains(name)) name += "_";
      graph_.add(name, Output{}, {names_.at(layers_.back().name)});
    }
    check_written_specs();
    return std::move(graph_);
  }

 private:
  [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const {
    throw UserError(location(source_, at) + message);
  }

  void add_top_level_input(const YAML::Node& input) {
    if (!input.IsSequence() || input.size() != 3)
      fail(input, "input must be [channels, height, width]");
    std::int32_t dims[3];
    for (std::size_t i = 0; i < 3; ++i) {
      std::int64_t v = 0;
      const NumberProblem problem = read_integer(input[i], 1, INT32_MAX, v);
      if (problem == NumberProblem::leading_zero || problem == NumberProblem::too_large)
        fail(input[i], fmt::format("input = {} {}", input[i].Scalar(),
                                   number_problem_words(problem, input[i].Scalar(), "1", std::to_string(INT32_MAX))));
      if (problem != NumberProblem::none)
        fail(input[i], fmt::format("input must be [channels, height, width] of positive "
                                   "integers, got {}",
                                   value_words(input[i])));
      dims[i] = static_cast<std::int32_t>(v);
    }
    register_name(input, "input", graph_.add("input", Input{dims[0], dims[1], dims[2]}, {}));
  }

  void add_blocks(const YAML::Node& blocks) {
    if (!blocks.IsSequence()) fail(blocks, "blocks must be a list of {name, kind} entries, each with an optional spec");
    for (const YAML::Node& b : blocks) {
      if (!b.IsMap() || !b["name"] || !b["kind"] || b.size() != (b["spec"] ? 3u : 2u) || !b["name"].IsScalar() ||
          !b["kind"].IsScalar())
        fail(b, "each block is {name: NAME, kind: KIND} or {name: NAME, kind: KIND, spec: {type: ..., ...}}");
      BlockKind kind{};
      if (!parse_block_kind(b["kind"].Scalar(), kind)) {
        std::vector<std::string_view> kinds;  // BlockKind's values run from 0 to head
        for (int k = 0; k <= static_cast<int>(BlockKind::head); ++k)
          kinds.push_back(block_kind_name(static_cast<BlockKind>(k)));
        fail(b["kind"], fmt::format("unknown block kind '{}'{}; use one of: {}", b["kind"].Scalar(),
                                    did_you_mean(b["kind"].Scalar(), kinds), fmt::join(kinds, ", ")));
      }
      const std::string name = b["name"].Scalar();
      if (const auto first = block_marks_.find(name); first != block_marks_.end())
        fail(b, fmt::format("block name '{}' is used twice (first at line {}); give each block its own name", name,
                            first->second + 1));
      block_marks_[name] = b.Mark().line;
      const BlockSpec spec = b["spec"] ? read_block_spec(b["spec"], source_, name, kind) : BlockSpec();
      block_ids_[name] = graph_.add_block(kind, name, spec);
      if (b["spec"]) written_specs_.emplace_back(block_ids_[name], b["spec"]);
    }
  }

  // A spec the file gives must describe the block's nodes: a rewrite rebuilds the block from it.
  void check_written_specs() const {
    if (written_specs_.empty()) return;
    const ConsumerIndex readers(graph_);
    for (const auto& [block, at] : written_specs_)
      if (const std::string why = detail::spec_mismatch(graph_, readers, block); !why.empty())
        fail(at, fmt::format("block '{}' spec: {}; fix the spec or remove it", graph_.block_name(block), why));
  }

  void read_layers(const YAML::Node& layers) {
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const YAML::Node node = layers[i];
      if (!node.IsMap()) fail(node, fmt::format("layer {} must be a mapping with an 'op' key", i));
      Layer layer;
      layer.node = node;
      if (!node["op"] || !node["op"].IsScalar())
        fail(node, fmt::format("layer {} has no 'op'; use one of: {}", i, detail::known_ops(extra_)));
      layer.op = node["op"].Scalar();
      if (!detail::is_known_op(layer.op, extra_)) {
        const std::string known = detail::known_ops(extra_);  // "conv, dwconv, ..."
        std::vector<std::string_view> names;
        for (std::size_t at = 0; at < known.size();) {
          const std::size_t end = std::min(known.find(", ", at), known.size());
          names.push_back(std::string_view(known).substr(at, end - at));
          at = end + 2;
        }
        fail(node["op"], fmt::format("layer {}: unknown op '{}'{}; use one of: {}", i, layer.op,
                                     did_you_mean(layer.op, names), known));
      }
      layer.name = fmt::format("layers.{}", i);
      if (const YAML::Node name = node["name"]) {
        if (!name.IsScalar() || name.Scalar().empty()) fail(name, "name must be a non-empty string");
        layer.name = name.Scalar();
      }
      if (seen.contains(layer.name) || names_.contains(layer.name))
        fail(node, fmt::format("layer '{}': duplicate name; give each layer its own name",
                               layer.name));
      seen[layer.name] = i;
      if (const YAML::Node inputs = node["inputs"]) {
        if (inputs.IsScalar()) {
          layer.input_names.push_back(inputs.Scalar());
          layer.input_marks.push_back(inputs);
        } else if (inputs.IsSequence()) {
          for (const YAML::Node& in : inputs) {
            if (!in.IsScalar()) fail(in, fmt::format("layer '{}': inputs are layer names", layer.name));
            layer.input_names.push_back(in.Scalar());
            layer.input_marks.push_back(in);
          }
        } else {
          fail(inputs, fmt::format("layer '{}': inputs must be a name or a list of names", layer.name));
        }
        if (layer.op == "input" && !layer.input_names.empty())
          fail(inputs, fmt::format("layer '{}': an input layer takes no inputs", layer.name));
      } else if (layer.op != "input") {
        if (i > 0) {
          layer.input_names.push_back(layers_.back().name);
        } else if (names_.contains("input")) {
          layer.input_names.push_back("input");
        } else {
          fail(node, fmt::format("layer '{}' has no input: give the model an 'input: [C, H, W]' "
                                 "or start with an 'op: input' layer",
                                 layer.name));
        }
        layer.input_marks.push_back(node);
      }
      layers_.push_back(std::move(layer));
    }
    layer_index_ = std::move(seen);
  }

  // The layer that defines `name`: a layer name, or a node inside a block layer
  // ("b1.expand.act" belongs to layer "b1").
  std::optional<std::size_t> defining_layer(const std::string& name) const {
    for (std::string prefix = name;;) {
      if (const auto it = layer_index_.find(prefix); it != layer_index_.end()) return it->second;
      const std::size_t dot = prefix.rfind('.');
      if (dot == std::string::npos) return std::nullopt;
      prefix.resize(dot);
    }
  }

  void resolve_dependencies() {
    for (Layer& layer : layers_)
      for (std::size_t k = 0; k < layer.input_names.size(); ++k) {
        const std::string& in = layer.input_names[k];
        if (const auto dep = defining_layer(in)) {
          layer.deps.push_back(*dep);
        } else if (!names_.contains(in)) {
          fail(layer.input_marks[k],
               fmt::format("layer '{}' ({}): input '{}' does not exist; name an earlier layer "
                           "or 'input'",
                           layer.name, layer.op, in));
        }
      }
  }

  // Stable Kahn: among ready layers, the one written first runs first.
  std::vector<std::size_t> topological_order() const {
    const std::size_t n = layers_.size();
    std::vector<std::size_t> pending(n, 0);
    std::vector<std::vector<std::size_t>> users(n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t d : layers_[i].deps) {
        ++pending[i];
        users[d].push_back(i);
      }
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t i = 0; i < n; ++i)
      if (pending[i] == 0) ready.push(i);
    std::vector<std::size_t> order;
    while (!ready.empty()) {
      const std::size_t i = ready.top();
      ready.pop();
      order.push_back(i);
      for (std::size_t u : users[i])
        if (--pending[u] == 0) ready.push(u);
    }
    if (order.size() != n) report_cycle(pending);
    return order;
  }

  [[noreturn]] void report_cycle(const std::vector<std::size_t>& pending) const {
    std::size_t at = 0;
    while (pending[at] == 0) ++at;
    // Walk dependencies that are still pending until a layer repeats.
    std::vector<std::size_t> path;
    std::vector<int> position(layers_.size(), -1);
    while (position[at] < 0) {
      position[at] = static_cast<int>(path.size());
      path.push_back(at);
      for (std::size_t d : layers_[at].deps)
        if (pending[d] != 0) {
          at = d;
          break;
        }
    }
    std::string cycle;
    for (std::size_t k = static_cast<std::size_t>(position[at]); k < path.size(); ++k)
      cycle += layers_[path[k]].name + " -> ";
    cycle += layers_[at].name;
    fail(layers_[at].node, fmt::format("layer '{}': inputs form a cycle ({}); a layer cannot "
                                       "depend on its own output",
                                       layers_[at].name, cycle));
  }

  void register_name(const YAML::Node& at, const std::string& name, NodeId id) {
    if (!names_.emplace(name, id).second)
      fail(at, fmt::format("name '{}' is used twice; give each layer its own name", name));
  }

  void build(const Layer& layer) {
    LayerReader reader(layer.node, source_, fmt::format("layer '{}' ({})", layer.name, layer.op));
    for (const char* common : {"op", "name", "inputs"}) reader.has(common);
    detail::LayerContext ctx{graph_, reader, layer.name, {}, kNoBlock};
    for (std::size_t k = 0; k < layer.input_names.size(); ++k) {
      const auto it = names_.find(layer.input_names[k]);
      if (it == names_.end())
        fail(layer.input_marks[k], fmt::format("layer '{}' ({}): input '{}' {}", layer.name,
                                               layer.op, layer.input_names[k],
                                               inner_nodes_hint(layer.input_names[k])));
      ctx.inputs.push_back(it->second);
    }
    if (detail::is_primitive_op(layer.op) && reader.has("block")) {
      const std::string block = reader.text("block");
      const auto it = block_ids_.find(block);
      if (it == block_ids_.end())
        reader.fail(fmt::format("block '{}' is not in the model's 'blocks' list", block));
      ctx.block = it->second;
    }
    const NodeId first_new = graph_.size();
    const BlockId first_block = graph_.num_blocks();
    NodeId out = -1;
    try {
      out = detail::build_layer(layer.op, ctx, extra_);
      reader.finish();
    } catch (const UserError& e) {
      const std::string what = e.what();
      if (what.starts_with(source_ + ":")) throw;
      fail(layer.node, what);
    }
    // A block op's block shares the name space of the 'blocks' list: two blocks of one
    // name would be one site to a rewrite and to the ONNX block table.
    for (BlockId b = first_block; b < graph_.num_blocks(); ++b) {
      const std::string name(graph_.block_name(b));
      if (const auto first = block_marks_.find(name); first != block_marks_.end())
        fail(layer.node, fmt::format("layer '{}' ({}) makes block '{}', which the 'blocks' list names too (line {}); "
                                     "rename the layer or that block",
                                     layer.name, layer.op, name, first->second + 1));
      block_marks_[name] = layer.node.Mark().line;
    }
    for (NodeId id = first_new; id < graph_.size(); ++id)
      register_name(layer.node, std::string(graph_.node_name(id)), id);
    if (!names_.contains(layer.name)) names_[layer.name] = out;
    layer_nodes_[layer.name] = {first_new, graph_.size()};
  }

  // Why `name`, which starts with a layer's name, names no node: lists that layer's nodes.
  std::string inner_nodes_hint(const std::string& name) const {
    const std::string& owner = layers_[*defining_layer(name)].name;
    const auto [begin, end] = layer_nodes_.at(owner);
    std::string nodes;
    for (NodeId id = begin; id < end; ++id)
      nodes += (nodes.empty() ? "" : ", ") + std::string(graph_.node_name(id));
    if (nodes.empty())
      return fmt::format("is not a node: layer '{}' adds no nodes; use '{}'", owner, owner);
    return fmt::format("is not a node of layer '{}'; use '{}' or one of its nodes: {}", owner,
                       owner, nodes);
  }

  std::string source_;
  const ModelLayerOps& extra_;
  Graph graph_;
  std::vector<Layer> layers_;
  std::unordered_map<std::string, std::size_t> layer_index_;
  std::unordered_map<std::string, NodeId> names_;
  std::unordered_map<std::string, std::pair<NodeId, NodeId>> layer_nodes_;  // [begin, end)
  std::unordered_map<std::string, BlockId> block_ids_;
  std::unordered_map<std::string, int> block_marks_;  // every block's name -> 0-based line
  std::vector<std::pair<BlockId, YAML::Node>> written_specs_;
};

}  // namespace

Graph parse_model(const std::string& text, const std::string& source, const ModelLayerOps& extra) {
  const YAML::Node root = parse_yaml_document(text, source, "model file");
  try {
    return ModelLoader(source, extra).load(root);
  } catch (const UserError& e) {
    // Shape inference (Graph::add) names the node but not the file.
    const std::string what = e.what();
    if (what.starts_with(source + ":")) throw;
    throw UserError(fmt::format("{}: {}", source, what));
  }
}

Graph load_model_file(const std::string& path, const ModelLayerOps& extra) {
  return parse_model(read_text_file(path, "model file"), path, extra);
}

}  // namespace hwnas::graph

#include "hwnas/io/pytorch_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/io/pytorch_ops.h"

namespace hwnas::io {
namespace {

using graph::Graph;
using graph::NodeId;

// Python's keywords and the attributes of torch.nn.Module (PyTorch 1.13, and those later
// versions added), which a submodule may not shadow.
constexpr std::string_view kReserved[] = {
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "T_destination", "add_module", "apply",
    "bfloat16", "buffers", "call_super_init", "children", "compile", "cpu", "cuda", "double", "dump_patches", "eval",
    "extra_repr", "float", "forward", "get_buffer", "get_extra_state", "get_parameter", "get_submodule", "half", "ipu",
    "load_state_dict", "modules", "mtia", "named_buffers", "named_children", "named_modules", "named_parameters",
    "parameters", "register_backward_hook", "register_buffer", "register_forward_hook", "register_forward_pre_hook",
    "register_full_backward_hook", "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
    "register_load_state_dict_pre_hook", "register_module", "register_parameter", "register_state_dict_post_hook",
    "register_state_dict_pre_hook", "requires_grad_", "set_extra_state", "set_submodule", "share_memory",
    "state_dict", "to", "to_empty", "train", "training", "type", "xpu", "zero_grad"};
// The helpers' order in the module (_source_coordinates before its callers).
constexpr std::string_view kHelpers[] = {"_source_coordinates", "_resize_nearest", "_resize_bilinear",
                                         "_avg_pool_padded"};

bool has_module(const graph::Op& op) {
  return std::holds_alternative<graph::Conv2d>(op) || std::holds_alternative<graph::BatchNorm>(op) ||
         std::holds_alternative<graph::Linear>(op);
}

std::string attribute_base(std::string_view name, NodeId id) {
  if (name.empty()) return fmt::format("node{}", id);
  std::string out;
  for (const char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += keep ? c : '_';
  }
  if ((out[0] >= '0' && out[0] <= '9') || out[0] == '_') out.insert(0, "n");
  if (std::find(std::begin(kReserved), std::end(kReserved), out) != std::end(kReserved)) out += '_';
  return out;
}

/// User text inside a Python "..." string or docstring: printable(), then \ and " escaped.
std::string string_text(std::string_view text) {
  std::string out;
  for (const char c : printable(text)) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

std::string dims(const graph::Shape& s, int rank) {
  return rank == 4 ? fmt::format("[N, {}, {}, {}]", s.c, s.h, s.w) : fmt::format("[N, {}]", s.elements());
}

class Writer {
 public:
  explicit Writer(const Graph& g)
      : g_(g), attribute_(pytorch_attribute_names(g)), node_(static_cast<std::size_t>(g.size())),
        rep_(node_.size()), last_use_(node_.size(), -1), var_(node_.size()) {}

  std::string run(std::string_view source) {
    inputs_ = g_.input_nodes(), outputs_ = g_.output_nodes();
    if (inputs_.empty() || outputs_.empty())
      throw UserError(fmt::format("network '{}' has no {} node; a PyTorch module needs an input and an output",
                                  printable(g_.name()), inputs_.empty() ? "input" : "output"));
    plan();
    std::string forward = forward_body();
    std::string text = docstring(source);
    text += "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n";
    const graph::Shape& in = g_.shape(inputs_[0]);
    text += fmt::format("INPUT_SHAPE = ({}, {}, {})\n", in.c, in.h, in.w);
    if (inputs_.size() > 1) {
      text += "INPUT_SHAPES = (";
      for (const NodeId id : inputs_) text += fmt::format("({}, {}, {}), ", g_.shape(id).c, g_.shape(id).h, g_.shape(id).w);
      text += ")\n";
    }
    text += "\n\n";
    for (const std::string_view h : kHelpers)
      if (helpers_.contains(h)) text += detail::python_helper(h);
    text += "class Model(nn.Module):\n    def __init__(self):\n        super().__init__()\n";
    for (NodeId id = 0; id < g_.size(); ++id) {
      const std::string& module = node_[static_cast<std::size_t>(id)].module;
      if (module.empty()) continue;
      text += fmt::format("        self.{} = {}  # {}\n", attribute_[static_cast<std::size_t>(id)], module,
                          printable(g_.node_name(id)));
    }
    text += "\n    def forward(self";
    for (const NodeId id : inputs_) text += ", " + var_[static_cast<std::size_t>(id)];
    text += "):\n" + forward;
    text += "\n\ndef build() -> Model:\n    \"\"\"A new Model with PyTorch's default initialisation.\"\"\"\n    return Model()\n";
    return text;
  }

 private:
  // Ranks, aliases (nodes whose value is their input's), modules and helpers of every node,
  // and the last node that reads each value.
  void plan() {
    for (NodeId id = 0; id < g_.size(); ++id) {
      const auto i = static_cast<std::size_t>(id);
      std::vector<detail::PyValue> ins;
      for (const NodeId in : g_.inputs(id)) ins.push_back({"v", node_[static_cast<std::size_t>(in)].rank});
      node_[i] = detail::python_node(g_, id, ins, attribute_[i]);
      HWNAS_CHECK(node_[i].module.empty() == attribute_[i].empty());
      const bool input = std::holds_alternative<graph::Input>(g_.op(id));
      if (!input && node_[i].expr.empty()) node_[i].rank = ins[0].rank;
      rep_[i] = !input && node_[i].expr.empty() ? rep_[static_cast<std::size_t>(g_.inputs(id)[0])] : id;
      helpers_.insert(node_[i].helpers.begin(), node_[i].helpers.end());
      const bool output = std::holds_alternative<graph::Output>(g_.op(id));
      for (const NodeId in : g_.inputs(id)) {
        NodeId& last = last_use_[static_cast<std::size_t>(rep_[static_cast<std::size_t>(in)])];
        if (output) last = std::numeric_limits<NodeId>::max();
        else if (rep_[i] == id) last = std::max(last, id);
      }
    }
  }

  // Values live in variables x, x1, x2, ...: a value takes the first one free, and frees
  // it after its last reader, so a chain reads x = f(x).
  std::string take(NodeId id) {
    std::size_t k = 0;
    while (k < busy_.size() && busy_[k]) ++k;
    if (k == busy_.size()) busy_.push_back(false);
    busy_[k] = true;
    slot_[id] = k;
    return var_[static_cast<std::size_t>(id)] = k == 0 ? "x" : fmt::format("x{}", k);
  }
  void release(NodeId rep) { busy_[slot_.at(rep)] = false; }

  std::string forward_body() {
    std::string body;
    for (const NodeId id : inputs_) take(id);
    for (const NodeId id : inputs_)
      if (last_use_[static_cast<std::size_t>(id)] < 0) release(id);
    for (NodeId id = 0; id < g_.size(); ++id) {
      const auto i = static_cast<std::size_t>(id);
      if (std::holds_alternative<graph::Input>(g_.op(id)) || std::holds_alternative<graph::Output>(g_.op(id))) continue;
      if (rep_[i] != id) {
        var_[i] = var_[static_cast<std::size_t>(rep_[i])];
        body += fmt::format("        # {} ({}): {} as it is\n", printable(g_.node_name(id)), graph::op_name(g_.op(id)), var_[i]);
        continue;
      }
      std::vector<detail::PyValue> ins;
      std::set<NodeId> read;
      for (const NodeId in : g_.inputs(id)) {
        const NodeId r = rep_[static_cast<std::size_t>(in)];
        ins.push_back({var_[static_cast<std::size_t>(r)], node_[static_cast<std::size_t>(r)].rank});
        read.insert(r);
      }
      const std::string expr = detail::python_node(g_, id, ins, attribute_[i]).expr;
      for (const NodeId r : read)
        if (last_use_[static_cast<std::size_t>(r)] == id) release(r);
      const std::string var = take(id);
      if (last_use_[i] < 0) release(id);
      const std::string comment = node_[i].module.empty() ? fmt::format("  # {}", printable(g_.node_name(id))) : "";
      body += fmt::format("        {} = {}{}\n", var, expr, comment);
    }
    std::string values;
    for (const NodeId id : outputs_)
      values += (values.empty() ? "" : ", ") + var_[static_cast<std::size_t>(rep_[static_cast<std::size_t>(id)])];
    return body + fmt::format("        return {}\n", values);
  }

  std::string docstring(std::string_view source) const {
    const graph::Analysis a = graph::analyze(g_, graph::Precision::fp32, 1, graph::MinOrder::skip);
    std::string ins, outs;
    for (const NodeId id : inputs_) ins += (ins.empty() ? "" : ", ") + dims(g_.shape(id), 4);
    for (const NodeId id : outputs_)
      outs += (outs.empty() ? "" : ", ") + dims(g_.shape(id), node_[static_cast<std::size_t>(id)].rank);
    return fmt::format(
        "\"\"\"Network \"{}\" as a PyTorch module, written by hwnas {}{}.\n\n"
        "Input{}: {} float32 (INPUT_SHAPE{}); output{}: {}.\n"
        "Parameters: {} (as PyTorch counts them); MACs per sample: {}.\n\n"
        "Weights are not exported (hwnas models hold none): build() returns the module with\n"
        "PyTorch's default initialisation; train it or load a state_dict. Each conv2d, batch_norm\n"
        "and linear node is an attribute of Model named after it ('.' as '_'); the other ops are\n"
        "calls in forward, each with its node's name in a comment.\n\"\"\"\n",
        string_text(g_.name()), HWNAS_VERSION, source.empty() ? "" : fmt::format(" from \"{}\"", string_text(source)),
        inputs_.size() > 1 ? "s" : "", ins, inputs_.size() > 1 ? "S" : "", outputs_.size() > 1 ? "s" : "", outs,
        a.total.params, a.total.macs);
  }

  const Graph& g_;
  std::vector<std::string> attribute_;
  std::vector<detail::PyNode> node_;
  std::vector<NodeId> rep_, last_use_;
  std::vector<std::string> var_;
  std::vector<NodeId> inputs_, outputs_;
  std::set<std::string_view> helpers_;
  std::vector<bool> busy_;
  std::map<NodeId, std::size_t> slot_;
};

}  // namespace

std::vector<std::string> pytorch_attribute_names(const Graph& graph) {
  std::vector<std::string> names(static_cast<std::size_t>(graph.size()));
  std::set<std::string, std::less<>> taken;
  for (NodeId id = 0; id < graph.size(); ++id) {
    if (!has_module(graph.op(id))) continue;
    const std::string base = attribute_base(graph.node_name(id), id);
    std::string name = base;
    for (int k = 2; taken.contains(name); ++k) name = fmt::format("{}_{}", base, k);
    taken.insert(name);
    names[static_cast<std::size_t>(id)] = std::move(name);
  }
  return names;
}

std::string export_pytorch(const Graph& graph, std::string_view source) { return Writer(graph).run(source); }

void save_pytorch_file(const Graph& graph, const std::string& path, std::string_view source) {
  write_file_atomically(path, export_pytorch(graph, source), "PyTorch module");
}

}  // namespace hwnas::io

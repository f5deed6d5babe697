#include "hwnas/graph/analysis.h"

#include "hwnas/graph/error.h"
#include "hwnas/graph/memory_schedule.h"

namespace hwnas::graph {
namespace {

// The conv/linear node whose only consumer is BN node `bn`, or -1.
NodeId foldable_producer(const Graph& graph, NodeId bn, std::span<const std::int32_t> fanout) {
  const NodeId in = graph.inputs(bn)[0];
  const Op& op = graph.op(in);
  if (!std::holds_alternative<Conv2d>(op) && !std::holds_alternative<Linear>(op)) return -1;
  return fanout[in] == 1 ? in : -1;
}

bool has_bias(const Op& op) {
  if (const auto* conv = std::get_if<Conv2d>(&op)) return conv->bias;
  if (const auto* linear = std::get_if<Linear>(&op)) return linear->bias;
  return false;
}

}  // namespace

std::string_view precision_name(Precision precision) {
  switch (precision) {
    case Precision::int8: return "int8";
    case Precision::fp16: return "fp16";
    case Precision::fp32: return "fp32";
  }
  return "?";
}

bool parse_precision(std::string_view name, Precision& precision) {
  for (Precision p : {Precision::int8, Precision::fp16, Precision::fp32})
    if (precision_name(p) == name) {
      precision = p;
      return true;
    }
  return false;
}

int element_bytes(Precision precision) {
  switch (precision) {
    case Precision::int8: return 1;
    case Precision::fp16: return 2;
    case Precision::fp32: return 4;
  }
  return 4;
}

std::int64_t node_macs(const Graph& graph, NodeId id) {
  const Op& op = graph.op(id);
  if (const auto* conv = std::get_if<Conv2d>(&op)) {
    const Shape& in = graph.shape(graph.inputs(id)[0]);
    return graph.shape(id).elements() * (in.c / conv->groups) * conv->kernel_h * conv->kernel_w;
  }
  if (const auto* linear = std::get_if<Linear>(&op))
    return std::int64_t{graph.shape(graph.inputs(id)[0]).c} * linear->out_features;
  return 0;
}

std::int64_t node_params(const Graph& graph, NodeId id) {
  const Op& op = graph.op(id);
  if (const auto* conv = std::get_if<Conv2d>(&op)) {
    const std::int64_t in_c = graph.shape(graph.inputs(id)[0]).c;
    return std::int64_t{conv->out_channels} * (in_c / conv->groups) * conv->kernel_h *
               conv->kernel_w +
           (conv->bias ? conv->out_channels : 0);
  }
  if (const auto* linear = std::get_if<Linear>(&op)) {
    const std::int64_t in_c = graph.shape(graph.inputs(id)[0]).c;
    return in_c * linear->out_features + (linear->bias ? linear->out_features : 0);
  }
  if (const auto* bn = std::get_if<BatchNorm>(&op)) return bn->affine ? 2 * graph.shape(id).c : 0;
  return 0;
}

Analysis analyze(const Graph& graph, Precision precision, std::int32_t batch) {
  HWNAS_CHECK(batch > 0);
  const auto n = static_cast<std::size_t>(graph.size());
  Analysis a;
  a.precision = precision;
  a.batch = batch;
  a.nodes.resize(n);
  const int elem = element_bytes(precision);
  const int bias_elem = precision == Precision::int8 ? 4 : elem;

  std::vector<std::int32_t> fanout(n, 0);
  for (NodeId id = 0; id < graph.size(); ++id)
    for (NodeId in : graph.inputs(id)) ++fanout[in];

  for (NodeId id = 0; id < graph.size(); ++id) {
    NodeCost& c = a.nodes[id];
    c.macs = node_macs(graph, id) * batch;
    c.params = node_params(graph, id);
    c.params_folded = c.params;
    c.activation_bytes = is_alias(graph.op(id)) ? 0 : graph.shape(id).elements() * elem * batch;
  }
  // Weight bytes split weights (precision) from biases (int32 under int8).
  std::vector<std::int64_t> bias_count(n, 0);
  for (NodeId id = 0; id < graph.size(); ++id)
    if (has_bias(graph.op(id))) bias_count[id] = graph.shape(id).c;
  for (NodeId id = 0; id < graph.size(); ++id) {
    if (!std::holds_alternative<BatchNorm>(graph.op(id))) continue;
    const NodeId producer = foldable_producer(graph, id, fanout);
    if (producer < 0) continue;
    a.nodes[id].params_folded = 0;
    if (bias_count[producer] == 0) {
      bias_count[producer] = graph.shape(producer).c;
      a.nodes[producer].params_folded += bias_count[producer];
    }
  }
  for (NodeId id = 0; id < graph.size(); ++id) {
    NodeCost& c = a.nodes[id];
    const bool is_bn = std::holds_alternative<BatchNorm>(graph.op(id));
    const std::int64_t biases = is_bn ? 0 : bias_count[id];
    c.weight_bytes = (c.params_folded - biases) * elem + biases * bias_elem;
    a.total.macs += c.macs;
    a.total.params += c.params;
    a.total.params_folded += c.params_folded;
    a.total.weight_bytes += c.weight_bytes;
    a.total.activation_bytes += c.activation_bytes;
  }

  std::vector<std::int64_t> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = a.nodes[i].activation_bytes;
  std::vector<NodeId> graph_order(n);
  for (std::size_t i = 0; i < n; ++i) graph_order[i] = static_cast<NodeId>(i);
  a.peak_activation_bytes = peak_memory(graph, graph_order, bytes);
  Schedule schedule = min_memory_schedule(graph, bytes);
  a.peak_activation_bytes_min_order = schedule.peak_bytes;
  a.min_order = std::move(schedule.order);
  return a;
}

}  // namespace hwnas::graph

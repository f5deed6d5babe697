#include "hwnas/graph/analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "hwnas/base/checked.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/memory_schedule.h"
#include "hwnas/graph/op_schema.h"

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

// "model 'NAME': ", or nothing for an unnamed graph.
std::string model_prefix(const Graph& graph) {
  return graph.name().empty() ? "" : fmt::format("model '{}': ", graph.name());
}

// `count` of node `id`, or a UserError naming the node when it overflowed int64.
std::int64_t counted(const Graph& graph, NodeId id, std::string_view what,
                     std::optional<std::int64_t> count) {
  if (!count)
    throw UserError(fmt::format("{}node '{}' ({}): its {} do not fit in 64 bits (more than "
                                "9.2e18); use a smaller layer, input or batch",
                                model_prefix(graph), graph.node_name(id), op_name(graph.op(id)),
                                what));
  return *count;
}

// total += value, or a UserError naming the node at which the network's total overflowed.
void add_to_total(const Graph& graph, NodeId id, std::string_view what, std::int64_t& total,
                  std::int64_t value) {
  const auto sum = checked_add(total, value);
  if (!sum)
    throw UserError(fmt::format("{}total {} pass 2^63 - 1 (9.2e18) at node '{}'; use a "
                                "smaller network, input or batch",
                                model_prefix(graph), what, graph.node_name(id)));
  total = *sum;
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

namespace {

// count(op, input shapes, output shape) of node `id`; no allocation for up to 4 inputs
// (analyze() runs inside search loops).
std::int64_t count_node(const Graph& graph, NodeId id,
                        std::int64_t (*count)(const Op&, std::span<const Shape>, const Shape&)) {
  const std::span<const NodeId> inputs = graph.inputs(id);
  std::array<Shape, 4> few;
  std::vector<Shape> many;
  std::span<Shape> shapes(few.data(), std::min(inputs.size(), few.size()));
  if (inputs.size() > few.size()) {
    many.resize(inputs.size());
    shapes = many;
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) shapes[i] = graph.shape(inputs[i]);
  return count(graph.op(id), shapes, graph.shape(id));
}

}  // namespace

// The op's description counts (op_schema.h); infer_shape guarantees that a conv2d's MACs
// and parameters per sample fit in int64; a linear's are below 2^62 + 2^31 and a batch
// norm's below 2^32.
std::int64_t node_macs(const Graph& graph, NodeId id) {
  return count_node(graph, id, op_macs);
}

std::int64_t node_params(const Graph& graph, NodeId id) {
  return count_node(graph, id, op_params);
}

Analysis analyze(const Graph& graph, Precision precision, std::int32_t batch, MinOrder min_order) {
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
    c.macs = counted(graph, id, "MACs", checked_mul(node_macs(graph, id), batch));
    c.params = node_params(graph, id);
    c.params_folded = c.params;
    c.activation_bytes =
        is_alias(graph.op(id))
            ? 0
            : counted(graph, id, "activation bytes",
                      checked_product({graph.shape(id).elements(), elem, batch}));
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
      NodeCost& p = a.nodes[producer];
      p.params_folded = counted(graph, producer, "parameters",
                                checked_add(p.params_folded, bias_count[producer]));
    }
  }
  for (NodeId id = 0; id < graph.size(); ++id) {
    NodeCost& c = a.nodes[id];
    const bool is_bn = std::holds_alternative<BatchNorm>(graph.op(id));
    const std::int64_t biases = is_bn ? 0 : bias_count[id];
    const auto weights = checked_mul(c.params_folded - biases, elem);
    c.weight_bytes = counted(graph, id, "weight bytes",
                             weights ? checked_add(*weights, biases * bias_elem) : weights);
    add_to_total(graph, id, "MACs", a.total.macs, c.macs);
    add_to_total(graph, id, "parameters", a.total.params, c.params);
    add_to_total(graph, id, "parameters", a.total.params_folded, c.params_folded);
    add_to_total(graph, id, "weight bytes", a.total.weight_bytes, c.weight_bytes);
    add_to_total(graph, id, "activation bytes", a.total.activation_bytes, c.activation_bytes);
  }
  // Every sum of live buffers below is at most total.activation_bytes, which fits.

  std::vector<std::int64_t> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = a.nodes[i].activation_bytes;
  std::vector<NodeId> graph_order(n);
  for (std::size_t i = 0; i < n; ++i) graph_order[i] = static_cast<NodeId>(i);
  a.peak_activation_bytes = peak_memory(graph, graph_order, bytes);
  if (min_order == MinOrder::skip) return a;
  Schedule schedule = min_memory_schedule(graph, bytes);
  a.peak_activation_bytes_min_order = schedule.peak_bytes;
  a.min_order_exact = schedule.exact;
  a.min_order = std::move(schedule.order);
  return a;
}

}  // namespace hwnas::graph

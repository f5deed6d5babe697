#include "hwnas/hw/kernel.h"

#include <fmt/format.h>

#include "hwnas/base/checked.h"
#include "hwnas/base/error.h"
#include "hwnas/base/hash.h"
#include "hwnas/graph/op_json.h"

namespace hwnas::hw {
namespace {

std::string shape_text(const graph::Shape& s) { return fmt::format("{}x{}x{}", s.c, s.h, s.w); }

std::string params_text(const graph::Op& op) {
  std::string out;
  const nlohmann::ordered_json params = graph::op_params_json(op);
  for (const auto& [key, value] : params.items())
    out += (out.empty() ? "" : ",") + key + "=" + value.dump();
  return out;
}

}  // namespace

std::string kernel_key(const Kernel& kernel) {
  std::string key;
  for (std::size_t i = 0; i < kernel.ops.size(); ++i) {
    const KernelOp& op = kernel.ops[i];
    if (i > 0) key += '+';
    key += graph::op_name(op.op);
    const std::string params = params_text(op.op);
    if (!params.empty()) key += "(" + params + ")";
    key += '[';
    for (std::size_t k = 0; k < op.inputs.size(); ++k)
      key += (k ? "," : "") + shape_text(op.inputs[k]);
    key += "]->" + shape_text(op.output);
  }
  return fmt::format("{}|{}|b{}", key, graph::precision_name(kernel.precision), kernel.batch);
}

namespace {

std::uint64_t shape_bits(const graph::Shape& s) {
  return (std::uint64_t(std::uint32_t(s.c)) << 40) ^ (std::uint64_t(std::uint32_t(s.h)) << 20) ^
         std::uint64_t(std::uint32_t(s.w));
}

std::uint64_t hash_start(graph::Precision precision, std::int32_t batch) {
  return hash_mix(static_cast<std::uint64_t>(precision), std::uint64_t(batch));
}

std::uint64_t hash_output(std::uint64_t h, const graph::Shape& s) {
  return hash_mix(h, shape_bits(s) ^ 0x5bd1e995ULL);
}

}  // namespace

std::uint64_t kernel_hash(const Kernel& kernel) {
  std::uint64_t h = hash_start(kernel.precision, kernel.batch);
  for (const KernelOp& op : kernel.ops) {
    h = hash_mix(h, graph::hash_op(op.op));
    for (const graph::Shape& s : op.inputs) h = hash_mix(h, shape_bits(s));
    h = hash_output(h, op.output);
  }
  return h;
}

std::uint64_t kernel_hash(const graph::Graph& graph, std::span<const graph::NodeId> nodes,
                          graph::Precision precision, std::int32_t batch) {
  std::uint64_t h = hash_start(precision, batch);
  for (graph::NodeId id : nodes) {
    h = hash_mix(h, graph::hash_op(graph.op(id)));
    for (graph::NodeId in : graph.inputs(id)) h = hash_mix(h, shape_bits(graph.shape(in)));
    h = hash_output(h, graph.shape(id));
  }
  return h;
}

nlohmann::json kernel_to_json(const Kernel& kernel) {
  nlohmann::json ops = nlohmann::json::array();
  for (const KernelOp& op : kernel.ops) {
    nlohmann::json inputs = nlohmann::json::array();
    for (const graph::Shape& s : op.inputs) inputs.push_back({s.c, s.h, s.w});
    ops.push_back({{"op", graph::op_name(op.op)},
                   {"params", graph::op_params_json(op.op)},
                   {"inputs", inputs},
                   {"output", {op.output.c, op.output.h, op.output.w}}});
  }
  return {{"ops", ops},
          {"precision", graph::precision_name(kernel.precision)},
          {"batch", kernel.batch}};
}

Kernel single_node_kernel(const graph::Graph& graph, graph::NodeId id, graph::Precision precision,
                          std::int32_t batch) {
  KernelOp op{graph.op(id), {}, graph.shape(id)};
  for (graph::NodeId in : graph.inputs(id)) op.inputs.push_back(graph.shape(in));
  return Kernel{{std::move(op)}, precision, batch};
}

std::int64_t kernel_macs(const Kernel& kernel) {
  std::optional<std::int64_t> macs = 0;
  for (const KernelOp& op : kernel.ops) {
    std::optional<std::int64_t> op_macs = 0;
    if (const auto* conv = std::get_if<graph::Conv2d>(&op.op))
      op_macs = checked_product({op.output.elements(), op.inputs[0].c / conv->groups,
                                        conv->kernel_h, conv->kernel_w});
    else if (const auto* linear = std::get_if<graph::Linear>(&op.op))
      op_macs = std::int64_t{op.inputs[0].c} * linear->out_features;
    macs = macs && op_macs ? checked_add(*macs, *op_macs) : std::nullopt;
  }
  if (macs) macs = checked_mul(*macs, kernel.batch);
  if (!macs)
    throw UserError(fmt::format("kernel {}: its MACs do not fit in 64 bits; use a smaller layer "
                                "or batch",
                                kernel_key(kernel)));
  return *macs;
}

}  // namespace hwnas::hw

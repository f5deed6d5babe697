// A kernel: the ops a target executes as one launch, after its compiler's fusion.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/graph.h"

namespace hwnas::hw {

struct KernelOp {
  graph::Op op;
  std::vector<graph::Shape> inputs;  // shapes of one sample
  graph::Shape output;
  bool operator==(const KernelOp&) const = default;
};

/// ops[0] is the main op; the others run in its output stage (e.g. BN, activation,
/// residual add). Shapes are per sample; `batch` samples run in one launch.
struct Kernel {
  std::vector<KernelOp> ops;
  graph::Precision precision = graph::Precision::int8;
  std::int32_t batch = 1;
  bool operator==(const Kernel&) const = default;

  const KernelOp& main() const { return ops.front(); }
};

/// A canonical, human-readable key: equal kernels give equal keys, different ones differ.
/// e.g. "conv2d(o144,k3x3,s1x1,p1x1,d1x1,g144,nobias)[144x56x56]->[144x56x56]+batch_norm+relu6|int8|b1"
std::string kernel_key(const Kernel& kernel);

/// A 64-bit structural hash of the kernel (ops, parameters, shapes, precision, batch): the
/// cheap key of prediction caches.
std::uint64_t kernel_hash(const Kernel& kernel);
/// The same hash for the kernel formed by `nodes` of `graph` (nodes[0] the main op), without
/// building it: kernel_hash(kernel of those nodes) == kernel_hash(graph, nodes, ...).
std::uint64_t kernel_hash(const graph::Graph& graph, std::span<const graph::NodeId> nodes,
                          graph::Precision precision, std::int32_t batch);

/// The JSON form used by the measurement store and the external-program protocol
/// (docs/hardware.md): {"ops": [{"op", "params", "inputs", "output"}], "precision", "batch"}.
nlohmann::json kernel_to_json(const Kernel& kernel);
/// A kernel of one node of `graph` and no fused ops.
Kernel single_node_kernel(const graph::Graph& graph, graph::NodeId id, graph::Precision precision,
                          std::int32_t batch = 1);

/// MACs of all ops of the kernel (conv2d and linear), for all samples. Throws UserError
/// naming the kernel when they do not fit in int64.
std::int64_t kernel_macs(const Kernel& kernel);

}  // namespace hwnas::hw

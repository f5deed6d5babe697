// Per-node and whole-graph cost analysis: MACs, parameters, bytes, peak activation memory.
//
// Conventions (docs/analysis.md):
// - MACs count conv2d and linear only, as a PyTorch forward hook counts them:
//   conv = out_elements · (C_in / groups) · k_h · k_w, linear = in · out; times the batch.
// - `params` counts like PyTorch's sum(p.numel()): BN weight and bias included, running
//   statistics excluded. `params_folded` folds each BN into the conv/linear that feeds only
//   it (the BN vanishes, the conv gains a bias); a BN that cannot be folded keeps 2·C.
// - Weight bytes store folded weights at the precision; int8 keeps biases in int32.
// - Activation bytes are a node's output tensor at the precision times the batch; views of
//   their input (output, dropout, flatten, identity) allocate nothing. Peak activation
//   memory follows memory_schedule.h (BN and activations run in place where they can).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"

namespace hwnas::graph {

enum class Precision : std::uint8_t { int8, fp16, fp32 };

std::string_view precision_name(Precision precision);
/// Inverse of precision_name; false when `name` is none of int8, fp16, fp32.
bool parse_precision(std::string_view name, Precision& precision);
int element_bytes(Precision precision);

struct NodeCost {
  std::int64_t macs = 0;
  std::int64_t params = 0;
  std::int64_t params_folded = 0;
  std::int64_t weight_bytes = 0;
  std::int64_t activation_bytes = 0;  // 0 for aliasing ops
};

struct Analysis {
  Precision precision = Precision::fp32;
  std::int32_t batch = 1;
  std::vector<NodeCost> nodes;  // indexed by NodeId
  NodeCost total;
  /// Largest sum of live activation tensors executing in graph order.
  std::int64_t peak_activation_bytes = 0;
  /// The same under the memory-minimising order below (min_memory_schedule). With
  /// MinOrder::skip these three fields keep their defaults (0, false, empty).
  std::int64_t peak_activation_bytes_min_order = 0;
  /// True when no order has a lower peak; false when the exact search was over its limits
  /// (memory_schedule.h) and min_order is the greedy heuristic's.
  bool min_order_exact = false;
  std::vector<NodeId> min_order;
};

/// Whether analyze() also searches the memory-minimising execution order. That search is
/// most of analyze()'s time on a MobileNet-sized network (about 70 of 85 µs); a search
/// that constrains the graph-order peak skips it.
enum class MinOrder : std::uint8_t { compute, skip };

/// Analyses `graph` at `precision` and `batch` (> 0).
Analysis analyze(const Graph& graph, Precision precision, std::int32_t batch = 1,
                 MinOrder min_order = MinOrder::compute);

/// MACs of one node (per sample), given the graph for input shapes.
std::int64_t node_macs(const Graph& graph, NodeId id);
/// Parameters of one node as PyTorch counts them.
std::int64_t node_params(const Graph& graph, NodeId id);

}  // namespace hwnas::graph

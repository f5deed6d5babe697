// Reading intermediate values of a network without a hook in NetworkImpl: "taps", for the
// proxies that look inside (NASWOT's and TE-NAS's activation codes, Fisher's activations,
// Zen-score's feature map before global pooling).
//
// A tap is an extra Output node appended to a copy of the graph after a node whose value a
// proxy reads. NetworkImpl then returns that value among its outputs, after the graph's own
// outputs (network.h: outputs come in graph order, and the taps are appended last). The
// network computes the same values: an extra reader only stops an activation from
// overwriting its input in place. A tapped map is returned contiguous, so with
// torch::MemoryFormat::Contiguous it is the very tensor the next nodes read, and gradients
// can be taken with respect to it (fisher.h).
#pragma once

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hwnas/graph/graph.h"

namespace hwnas::train::proxies {

/// `graph` with an Output node after each of `nodes`. Its network returns `first_tap`
/// outputs of its own, then one per tapped node, in the order of `nodes`.
struct TappedGraph {
  graph::Graph graph;
  std::size_t first_tap = 0;
};
TappedGraph tap_nodes(const graph::Graph& graph, const std::vector<graph::NodeId>& nodes);

/// The ReLU and ReLU6 nodes of `graph`, in graph order: the rectifiers whose output is
/// positive exactly where their input is, so that `output > 0` is the unit's binary code.
std::vector<graph::NodeId> rectifier_nodes(const graph::Graph& graph);

/// The binary activation codes of `images` [N, C, H, W]: for each ReLU/ReLU6 node of
/// `graph` (rectifier_nodes), a float32 [N, units] tensor, 1 where the unit is active (> 0).
/// One forward of `graph`'s network initialised with `seed`, in training mode (batch
/// statistics), without gradients. Empty when the graph has no rectifier.
std::vector<torch::Tensor> rectifier_codes(const graph::Graph& graph, const torch::Tensor& images,
                                           std::uint64_t seed);

/// The nodes of `graph` whose op is `Op` (graph::Conv2d, graph::BatchNorm, ...), in graph order.
template <typename Op>
std::vector<graph::NodeId> nodes_of(const graph::Graph& graph) {
  std::vector<graph::NodeId> found;
  for (graph::NodeId id = 0; id < graph.size(); ++id)
    if (std::holds_alternative<Op>(graph.op(id))) found.push_back(id);
  return found;
}

}  // namespace hwnas::train::proxies

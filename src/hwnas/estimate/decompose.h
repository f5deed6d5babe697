// Decomposition: a network becomes the list of kernels a target runs, following the
// target's fusion rules.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/hw/fusion.h"
#include "hwnas/hw/kernel.h"

namespace hwnas::estimate {

struct KernelInstance {
  hw::Kernel kernel;
  std::vector<graph::NodeId> nodes;  // the graph nodes it executes; nodes[0] is the main op
};

/// The node groups of the kernels, flat: group i is nodes[begin[i] .. begin[i+1]).
struct KernelGroups {
  std::vector<graph::NodeId> nodes;
  std::vector<std::int32_t> begin;
  std::size_t size() const { return begin.empty() ? 0 : begin.size() - 1; }
  std::span<const graph::NodeId> group(std::size_t i) const {
    return std::span<const graph::NodeId>(nodes).subspan(static_cast<std::size_t>(begin[i]),
                                                         static_cast<std::size_t>(begin[i + 1] - begin[i]));
  }
};

/// The kernels' node groups only (no Kernel structs): the allocation-light path of
/// estimators. decompose() builds its kernels from these groups.
KernelGroups group_kernels(const graph::Graph& graph, const hw::FusionRules& rules);

/// The kernels of `graph`, in execution (graph) order. Views (input, output, flatten,
/// dropout, identity) run no kernel. Fusion, when `rules` has the pattern:
/// - conv_bn_act: a conv or linear absorbs the batch norm and then the activation that
///   are its sole consumers (also a standalone BN its activation, and an add its activation);
/// - conv_add: ... and a residual add whose other addend is computed before the kernel;
/// - act_pool: an activation (fused or not) absorbs the pooling that is its sole consumer;
/// - se_gate: global pool → 1x1 conv → act → 1x1 conv → gate → mul becomes one kernel.
std::vector<KernelInstance> decompose(const graph::Graph& graph, const hw::FusionRules& rules,
                                      graph::Precision precision, std::int32_t batch = 1);

/// True for ops that run no kernel (views and markers).
bool runs_no_kernel(const graph::Op& op);

}  // namespace hwnas::estimate

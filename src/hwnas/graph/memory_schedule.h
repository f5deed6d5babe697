// Peak activation memory of an execution order, and the order that minimises it.
//
// A buffer is live from the step that produces it to the last step that reads it (to the
// end for network outputs). Views (output, flatten, dropout, identity) share their input's
// buffer; batch norm and activations run in place, sharing it too, when their input (and
// every tensor sharing that buffer) has no other reader, as deployment runtimes fuse or
// run them in place. Peak = max over steps of the bytes live during that step.
//
// Finding the order with the lowest peak is NP-hard for general DAGs (it contains register
// sufficiency: R. Sethi, "Complete register allocation problems", SIAM J. Comput. 1975).
// min_memory_schedule solves it exactly by dynamic programming over the sets of nodes that
// can have run (downsets of the DAG), as Ahn et al. do ("Ordering Chaos: Memory-Aware
// Scheduling of Irregularly Wired Neural Networks", MLSys 2020): the bytes live after a set
// depend only on the set, so the lowest peak to reach a set is the minimum, over its last
// node, of the lowest peak to reach the set without it and the bytes live while that node
// runs. Sets are visited level by level (by size); sets whose peak already reaches the
// greedy schedule's (the budget, as in Ahn et al.) are dropped.
//
// Errors: none for valid arguments; a broken precondition is an InternalError.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/graph/graph.h"

namespace hwnas::graph {

/// The exact search runs on graphs of at most this many nodes (a set is a bitset of
/// ceil(nodes / 64) words, two per kept set, so the limit bounds memory and time)...
inline constexpr std::int32_t kExactMaxNodes = 1024;
/// ...and stops, keeping the greedy order, once it has kept this many sets. Every graph of
/// at most 18 nodes has at most 2^18 downsets, so its answer is always exact.
inline constexpr std::int64_t kExactMaxStates = std::int64_t{1} << 18;

/// Peak live bytes when the nodes run in `order` (a topological order of all nodes);
/// `bytes[id]` is the size of node id's output buffer (ignored for aliasing ops). The sum
/// of `bytes` must fit in int64. O(nodes + edges).
std::int64_t peak_memory(const Graph& graph, std::span<const NodeId> order,
                         std::span<const std::int64_t> bytes);

struct Schedule {
  std::vector<NodeId> order;
  std::int64_t peak_bytes = 0;
  /// True when no topological order has a lower peak (proved by the exact search, or
  /// because the graph has only one order).
  bool exact = false;
};

/// The better of graph order and greedy list scheduling that, among ready nodes, runs the
/// one with the smallest (bytes allocated − bytes freed), breaking ties by preferring the
/// most recently readied node (depth first). Never worse than graph order; `exact` only
/// when the graph has a single topological order. O((nodes + edges) · log nodes).
Schedule greedy_memory_schedule(const Graph& graph, std::span<const std::int64_t> bytes);

/// The order with the lowest peak when the exact search finishes within kExactMaxNodes and
/// kExactMaxStates (`exact` true); otherwise greedy_memory_schedule's (`exact` false unless
/// the graph has a single order).
Schedule min_memory_schedule(const Graph& graph, std::span<const std::int64_t> bytes);

}  // namespace hwnas::graph

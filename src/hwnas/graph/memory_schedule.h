// Peak activation memory of an execution order, and an order that keeps it low.
//
// A buffer is live from the step that produces it to the last step that reads it (to the
// end for network outputs). Views (output, flatten, dropout, identity) share their input's
// buffer; batch norm and activations run in place, sharing it too, when their input (and
// every tensor sharing that buffer) has no other reader, as deployment runtimes fuse or
// run them in place. Peak = max over steps of the bytes live during that step.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwnas/graph/graph.h"

namespace hwnas::graph {

/// Peak live bytes when the nodes run in `order` (a topological order of all nodes);
/// `bytes[id]` is the size of node id's output buffer (ignored for aliasing ops).
std::int64_t peak_memory(const Graph& graph, std::span<const NodeId> order,
                         std::span<const std::int64_t> bytes);

struct Schedule {
  std::vector<NodeId> order;
  std::int64_t peak_bytes = 0;
};

/// A topological order with low peak memory. Exact for chains (only one order exists).
/// For DAGs, the best of: graph order and greedy list scheduling that, among ready nodes,
/// runs the one with the smallest (bytes allocated − bytes freed), breaking ties by
/// preferring the most recently readied node (depth first); never worse than graph order.
Schedule min_memory_schedule(const Graph& graph, std::span<const std::int64_t> bytes);

}  // namespace hwnas::graph

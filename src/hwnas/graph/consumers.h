// Who reads each value of a graph: an index built once, in O(nodes + edges).
#pragma once

#include <span>
#include <vector>

#include "hwnas/graph/graph.h"

namespace hwnas::graph {

/// The readers of every node's value. Built from a graph and not updated with it: a pass
/// that edits builds a new graph (rewrite.h) and, if it needs one, a new index.
class ConsumerIndex {
 public:
  explicit ConsumerIndex(const Graph& graph);

  /// The nodes that read `id`'s value, in graph order, each once (an Add of x with itself
  /// lists the Add once). Empty for a value nothing reads (an Output node's, a dead end).
  std::span<const NodeId> consumers(NodeId id) const;

 private:
  std::vector<std::int32_t> begin_;  // readers of node i: readers_[begin_[i], begin_[i + 1])
  std::vector<NodeId> readers_;
};

}  // namespace hwnas::graph

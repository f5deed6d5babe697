#include "hwnas/graph/consumers.h"

namespace hwnas::graph {

ConsumerIndex::ConsumerIndex(const Graph& g) {
  const auto n = static_cast<std::size_t>(g.size());
  // Counting sort of the edges by the node they read; a reader that reads a value twice
  // counts once (its inputs are visited in order, so a repeat is an earlier input).
  const auto first_read = [&](NodeId reader, std::size_t k) {
    const auto inputs = g.inputs(reader);
    for (std::size_t j = 0; j < k; ++j)
      if (inputs[j] == inputs[k]) return false;
    return true;
  };
  begin_.assign(n + 1, 0);
  for (NodeId id = 0; id < g.size(); ++id) {
    const auto inputs = g.inputs(id);
    for (std::size_t k = 0; k < inputs.size(); ++k)
      if (first_read(id, k)) ++begin_[static_cast<std::size_t>(inputs[k]) + 1];
  }
  for (std::size_t i = 0; i < n; ++i) begin_[i + 1] += begin_[i];
  readers_.resize(static_cast<std::size_t>(begin_[n]));
  std::vector<std::int32_t> next(begin_.begin(), begin_.end() - 1);
  // Readers in increasing id: graph order.
  for (NodeId id = 0; id < g.size(); ++id) {
    const auto inputs = g.inputs(id);
    for (std::size_t k = 0; k < inputs.size(); ++k)
      if (first_read(id, k)) readers_[static_cast<std::size_t>(next[static_cast<std::size_t>(inputs[k])]++)] = id;
  }
}

std::span<const NodeId> ConsumerIndex::consumers(NodeId id) const {
  const auto i = static_cast<std::size_t>(id);
  return std::span<const NodeId>(readers_).subspan(static_cast<std::size_t>(begin_[i]),
                                                   static_cast<std::size_t>(begin_[i + 1] - begin_[i]));
}

}  // namespace hwnas::graph

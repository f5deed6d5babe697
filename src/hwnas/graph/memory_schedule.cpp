#include "hwnas/graph/memory_schedule.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "hwnas/graph/error.h"

namespace hwnas::graph {
namespace {

// Buffers: every non-aliasing node owns one; an aliasing node shares its input's.
struct Buffers {
  std::vector<NodeId> of;          // buffer (owning node) of each node's output
  std::vector<bool> is_output;     // indexed by owning node: read by an Output node
  std::vector<std::int32_t> uses;  // indexed by owning node: input edges that read it
};

// True when `u` and every node its buffer passes through on the way up have one reader,
// so an elementwise op reading `u` may overwrite the buffer.
bool exclusively_read(const Graph& graph, const std::vector<NodeId>& of,
                      const std::vector<std::int32_t>& fanout, NodeId u) {
  for (NodeId n = u;; n = graph.inputs(n)[0]) {
    if (fanout[n] != 1) return false;
    if (of[n] == n) return true;
  }
}

bool runs_in_place(const Op& op) {
  return std::holds_alternative<BatchNorm>(op) || std::holds_alternative<Activation>(op);
}

Buffers make_buffers(const Graph& graph) {
  const auto n = static_cast<std::size_t>(graph.size());
  Buffers b{std::vector<NodeId>(n), std::vector<bool>(n, false), std::vector<std::int32_t>(n, 0)};
  std::vector<std::int32_t> fanout(n, 0);
  for (NodeId id = 0; id < graph.size(); ++id)
    for (NodeId in : graph.inputs(id)) ++fanout[in];
  for (NodeId id = 0; id < graph.size(); ++id) {
    const auto ins = graph.inputs(id);
    const Op& op = graph.op(id);
    const bool shares = !ins.empty() && (is_alias(op) || (runs_in_place(op) &&
                                                          exclusively_read(graph, b.of, fanout, ins[0])));
    b.of[id] = shares ? b.of[ins[0]] : id;
    for (NodeId in : ins) ++b.uses[b.of[in]];
    if (std::holds_alternative<Output>(graph.op(id))) b.is_output[b.of[id]] = true;
  }
  return b;
}

std::int64_t buffer_bytes(const Buffers& b, NodeId owner, std::span<const std::int64_t> bytes) {
  return b.of[owner] == owner ? bytes[owner] : 0;
}

}  // namespace

std::int64_t peak_memory(const Graph& graph, std::span<const NodeId> order,
                         std::span<const std::int64_t> bytes) {
  const auto n = static_cast<std::size_t>(graph.size());
  HWNAS_CHECK(order.size() == n && bytes.size() == n);
  const Buffers b = make_buffers(graph);
  std::vector<std::int32_t> pos(n, -1);
  for (std::size_t t = 0; t < n; ++t) pos[order[t]] = static_cast<std::int32_t>(t);
  std::vector<std::int32_t> end(n);
  for (std::size_t id = 0; id < n; ++id) end[id] = pos[id];
  for (NodeId id = 0; id < graph.size(); ++id) {
    HWNAS_CHECK(pos[id] >= 0);
    for (NodeId in : graph.inputs(id)) {
      HWNAS_CHECK(pos[in] < pos[id]);
      end[b.of[in]] = std::max(end[b.of[in]], pos[id]);
    }
  }
  // delta[t]: bytes allocated at step t minus bytes released after step t-1.
  std::vector<std::int64_t> delta(n + 1, 0);
  for (NodeId id = 0; id < graph.size(); ++id) {
    const std::int64_t size = buffer_bytes(b, id, bytes);
    if (size == 0) continue;
    delta[pos[id]] += size;
    if (!b.is_output[id]) delta[end[id] + 1] -= size;
  }
  std::int64_t live = 0, peak = 0;
  for (std::size_t t = 0; t < n; ++t) peak = std::max(peak, live += delta[t]);
  return peak;
}

Schedule min_memory_schedule(const Graph& graph, std::span<const std::int64_t> bytes) {
  const auto n = static_cast<std::size_t>(graph.size());
  Schedule best;
  best.order.resize(n);
  std::iota(best.order.begin(), best.order.end(), 0);
  best.peak_bytes = peak_memory(graph, best.order, bytes);

  Buffers b = make_buffers(graph);
  std::vector<std::vector<NodeId>> consumers(n);
  std::vector<std::int32_t> waiting(n, 0);
  for (NodeId id = 0; id < graph.size(); ++id) {
    for (NodeId in : graph.inputs(id)) consumers[in].push_back(id);
    waiting[id] = static_cast<std::int32_t>(graph.inputs(id).size());
  }
  auto freed_by = [&](NodeId v) {
    std::int64_t freed = 0;
    const auto ins = graph.inputs(v);
    for (std::size_t i = 0; i < ins.size(); ++i) {
      const NodeId buf = b.of[ins[i]];
      if (b.is_output[buf] || b.of[v] == buf) continue;
      bool seen = false;
      std::int32_t reads = 0;
      for (std::size_t j = 0; j < ins.size(); ++j) {
        if (b.of[ins[j]] != buf) continue;
        seen |= j < i;
        ++reads;
      }
      if (!seen && reads == b.uses[buf]) freed += buffer_bytes(b, buf, bytes);
    }
    return freed;
  };

  std::vector<NodeId> ready;
  for (NodeId id = 0; id < graph.size(); ++id)
    if (waiting[id] == 0) ready.push_back(id);
  Schedule greedy;
  std::int64_t live = 0;
  while (!ready.empty()) {
    std::size_t pick = 0;
    std::int64_t best_score = std::numeric_limits<std::int64_t>::max();
    for (std::size_t i = ready.size(); i-- > 0;) {  // latest readied first wins ties
      const NodeId v = ready[i];
      const std::int64_t score = buffer_bytes(b, v, bytes) - freed_by(v);
      if (score < best_score) best_score = score, pick = i;
    }
    const NodeId v = ready[pick];
    ready.erase(ready.begin() + static_cast<std::ptrdiff_t>(pick));
    const std::int64_t alloc = buffer_bytes(b, v, bytes);
    greedy.peak_bytes = std::max(greedy.peak_bytes, live + alloc);
    live += alloc - freed_by(v);
    for (NodeId in : graph.inputs(v)) --b.uses[b.of[in]];
    if (alloc > 0 && b.uses[v] == 0 && !b.is_output[v]) live -= alloc;  // dead output
    greedy.order.push_back(v);
    for (NodeId c : consumers[v])
      if (--waiting[c] == 0) ready.push_back(c);
  }
  HWNAS_CHECK(greedy.order.size() == n);
  greedy.peak_bytes = peak_memory(graph, greedy.order, bytes);
  return greedy.peak_bytes < best.peak_bytes ? greedy : best;
}

}  // namespace hwnas::graph

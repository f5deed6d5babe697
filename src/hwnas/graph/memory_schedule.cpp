#include "hwnas/graph/memory_schedule.h"

#include <algorithm>
#include <bit>
#include <numeric>
#include <optional>
#include <queue>
#include <tuple>

#include "hwnas/base/error.h"
#include "hwnas/base/hash.h"

namespace hwnas::graph {
namespace {

// Buffers and edges of a graph, built once in O(nodes + edges). Every non-aliasing node
// owns a buffer; an aliasing node (view, or BN/activation run in place) shares its input's.
struct MemoryGraph {
  std::vector<NodeId> of;           // buffer (owning node) of each node's output
  std::vector<bool> is_output;      // by owner: read by an Output node, live to the end
  std::vector<std::int32_t> read_first, reader_first;
  std::vector<NodeId> reads;        // distinct buffers node v reads: reads[read_first[v] ..)
  std::vector<NodeId> readers;      // distinct nodes reading buffer b: readers[reader_first[b] ..)
  std::vector<std::vector<NodeId>> consumers;  // by node, one entry per input edge

  static std::span<const NodeId> slice(const std::vector<NodeId>& all,
                                       const std::vector<std::int32_t>& first, NodeId i) {
    return std::span<const NodeId>(all).subspan(static_cast<std::size_t>(first[i]),
                                                static_cast<std::size_t>(first[i + 1] - first[i]));
  }
  std::span<const NodeId> reads_of(NodeId v) const { return slice(reads, read_first, v); }
  std::span<const NodeId> readers_of(NodeId b) const { return slice(readers, reader_first, b); }
};

bool runs_in_place(const Op& op) {
  return std::holds_alternative<BatchNorm>(op) || std::holds_alternative<Activation>(op);
}

MemoryGraph make_memory_graph(const Graph& graph, std::span<const std::int64_t> bytes) {
  const auto n = static_cast<std::size_t>(graph.size());
  HWNAS_CHECK(bytes.size() == n);
  std::int64_t total = 0;  // every live sum below is at most this
  for (const std::int64_t b : bytes) HWNAS_CHECK(b >= 0 && !__builtin_add_overflow(total, b, &total));
  MemoryGraph m;
  m.of.resize(n);
  m.is_output.assign(n, false);
  m.consumers.resize(n);
  std::vector<std::int32_t> fanout(n, 0);
  for (NodeId id = 0; id < graph.size(); ++id)
    for (NodeId in : graph.inputs(id)) ++fanout[in], m.consumers[in].push_back(id);
  // exclusive[u]: u and every node its buffer passes through up to the owner have one
  // reader, so an elementwise op reading u may overwrite the buffer.
  std::vector<bool> exclusive(n, false);
  m.read_first.assign(n + 1, 0);
  m.reader_first.assign(n + 1, 0);
  std::vector<NodeId> last(n, -1);
  for (NodeId id = 0; id < graph.size(); ++id) {
    const auto ins = graph.inputs(id);
    const Op& op = graph.op(id);
    const bool shares = !ins.empty() && (is_alias(op) || (runs_in_place(op) && exclusive[ins[0]]));
    m.of[id] = shares ? m.of[ins[0]] : id;
    exclusive[id] = fanout[id] == 1 && (!shares || exclusive[ins[0]]);
    if (std::holds_alternative<Output>(op)) m.is_output[m.of[id]] = true;
    for (NodeId in : ins)
      if (const NodeId buf = m.of[in]; last[buf] != id) {
        last[buf] = id;
        m.reads.push_back(buf);
        ++m.read_first[id + 1];
        ++m.reader_first[buf + 1];
      }
  }
  std::partial_sum(m.read_first.begin(), m.read_first.end(), m.read_first.begin());
  std::partial_sum(m.reader_first.begin(), m.reader_first.end(), m.reader_first.begin());
  m.readers.resize(m.reads.size());
  std::vector<std::int32_t> next(m.reader_first.begin(), m.reader_first.end() - 1);
  for (NodeId id = 0; id < graph.size(); ++id)
    for (NodeId buf : m.reads_of(id)) m.readers[next[buf]++] = id;
  return m;
}

std::int64_t alloc(const MemoryGraph& m, NodeId v, std::span<const std::int64_t> bytes) {
  return m.of[v] == v ? bytes[v] : 0;
}

std::int64_t peak_of(const MemoryGraph& m, std::span<const NodeId> order,
                     std::span<const std::int64_t> bytes) {
  const std::size_t n = m.of.size();
  HWNAS_CHECK(order.size() == n);
  std::vector<std::int32_t> pos(n, -1);
  for (std::size_t t = 0; t < n; ++t) {
    HWNAS_CHECK(order[t] >= 0 && static_cast<std::size_t>(order[t]) < n && pos[order[t]] < 0);
    pos[order[t]] = static_cast<std::int32_t>(t);
  }
  // A buffer is released after the step of its last reader (its own step if none).
  std::vector<std::int32_t> end(pos);
  for (std::size_t v = 0; v < n; ++v)
    for (NodeId buf : m.reads_of(static_cast<NodeId>(v))) {
      HWNAS_CHECK(pos[buf] < pos[v]);
      end[buf] = std::max(end[buf], pos[v]);
    }
  // delta[t]: bytes allocated at step t minus bytes released after step t-1.
  std::vector<std::int64_t> delta(n + 1, 0);
  for (std::size_t v = 0; v < n; ++v) {
    const std::int64_t size = alloc(m, static_cast<NodeId>(v), bytes);
    delta[pos[v]] += size;
    if (!m.is_output[v]) delta[end[v] + 1] -= size;
  }
  std::int64_t live = 0, peak = 0;
  for (std::size_t t = 0; t < n; ++t) peak = std::max(peak, live += delta[t]);
  return peak;
}

// A lower bound on every order's peak: a node's step holds its output and every buffer it
// reads, and the last step holds every network output.
std::int64_t lower_bound(const MemoryGraph& m, std::span<const std::int64_t> bytes) {
  std::int64_t bound = 0, outputs = 0;
  for (NodeId v = 0; v < static_cast<NodeId>(m.of.size()); ++v) {
    std::int64_t need = alloc(m, v, bytes);
    for (NodeId buf : m.reads_of(v)) need += bytes[buf];
    bound = std::max(bound, need);
    if (m.of[v] == v && m.is_output[v]) outputs += bytes[v];
  }
  return std::max(bound, outputs);
}

// Greedy list scheduling (see greedy_memory_schedule) with a heap: a ready node's score
// only falls, when a buffer it reads loses its other readers, and then it is pushed again.
Schedule greedy_order(const MemoryGraph& m, std::span<const std::int64_t> bytes) {
  const std::size_t n = m.of.size();
  std::vector<std::int32_t> waiting(n, 0), left(n, 0);  // left: unrun readers of a buffer
  std::vector<std::int64_t> freed(n, 0), stamp(n, -1);
  std::vector<bool> done(n, false);
  using Entry = std::tuple<std::int64_t, std::int64_t, NodeId>;  // score, -stamp, node
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  const auto score = [&](NodeId v) { return alloc(m, v, bytes) - freed[v]; };
  // The buffer's readers are down to one: that reader will free it.
  const auto credit = [&](NodeId buf) {
    if (m.is_output[buf]) return;
    for (NodeId r : m.readers_of(buf)) {
      if (done[r]) continue;
      if (m.of[r] == buf) return;  // an in-place reader keeps the buffer
      freed[r] += bytes[buf];
      if (stamp[r] >= 0) heap.emplace(score(r), -stamp[r], r);
      return;
    }
  };
  std::int64_t readied = 0, ready = 0;
  const auto make_ready = [&](NodeId v) {
    stamp[v] = readied++;
    ++ready;
    heap.emplace(score(v), -stamp[v], v);
  };
  for (std::size_t b = 0; b < n; ++b) {
    left[b] = static_cast<std::int32_t>(m.readers_of(static_cast<NodeId>(b)).size());
    if (left[b] == 1) credit(static_cast<NodeId>(b));
  }
  for (std::size_t v = 0; v < n; ++v)
    for (NodeId c : m.consumers[v]) ++waiting[c];
  for (std::size_t v = 0; v < n; ++v)
    if (waiting[v] == 0) make_ready(static_cast<NodeId>(v));
  Schedule s;
  s.exact = true;  // until two nodes are ready at once
  while (!heap.empty()) {
    const auto [key, neg_stamp, v] = heap.top();
    heap.pop();
    if (done[v] || key != score(v)) continue;  // run already, or an older score
    s.exact = s.exact && ready == 1;
    done[v] = true;
    --ready;
    s.order.push_back(v);
    for (NodeId buf : m.reads_of(v))
      if (--left[buf] == 1) credit(buf);
    for (NodeId c : m.consumers[v])
      if (--waiting[c] == 0) make_ready(c);
  }
  HWNAS_CHECK(s.order.size() == n);
  s.peak_bytes = peak_of(m, s.order, bytes);
  return s;
}

Schedule greedy_schedule(const MemoryGraph& m, std::span<const std::int64_t> bytes) {
  Schedule graph_order;
  graph_order.order.resize(m.of.size());
  std::iota(graph_order.order.begin(), graph_order.order.end(), 0);
  graph_order.peak_bytes = peak_of(m, graph_order.order, bytes);
  Schedule greedy = greedy_order(m, bytes);
  graph_order.exact = greedy.exact;
  return greedy.peak_bytes < graph_order.peak_bytes ? greedy : graph_order;
}

// Sets of nodes as bitsets of `words` 64-bit words, stored flat, with an open-addressing
// index from a set to its position.
class SetTable {
 public:
  explicit SetTable(std::size_t words) : words_(words), slots_(16, -1) {}
  std::int32_t size() const { return static_cast<std::int32_t>(sets_.size() / words_); }
  std::span<const std::uint64_t> at(std::int32_t i) const {
    return std::span<const std::uint64_t>(sets_).subspan(static_cast<std::size_t>(i) * words_, words_);
  }
  /// The position of `set`; appends it (fresh = true) when absent.
  std::int32_t insert(std::span<const std::uint64_t> set, bool& fresh) {
    if (2 * static_cast<std::size_t>(size()) + 2 > slots_.size()) rehash(2 * slots_.size());
    std::size_t s = slot_of(set);
    for (; slots_[s] >= 0; s = (s + 1) & (slots_.size() - 1))
      if (std::ranges::equal(at(slots_[s]), set)) {
        fresh = false;
        return slots_[s];
      }
    fresh = true;
    slots_[s] = size();
    sets_.insert(sets_.end(), set.begin(), set.end());
    return slots_[s];
  }

 private:
  std::size_t slot_of(std::span<const std::uint64_t> set) const {
    std::uint64_t h = 0;
    for (const std::uint64_t w : set) h = hash_mix(h, w);
    return static_cast<std::size_t>((h * 0x9e3779b97f4a7c15ULL) >> 32) & (slots_.size() - 1);
  }
  void rehash(std::size_t count) {
    slots_.assign(count, -1);
    for (std::int32_t i = 0; i < size(); ++i) {
      std::size_t s = slot_of(at(i));
      while (slots_[s] >= 0) s = (s + 1) & (count - 1);
      slots_[s] = i;
    }
  }

  std::size_t words_;
  std::vector<std::uint64_t> sets_;
  std::vector<std::int32_t> slots_;  // -1: empty
};

// The downsets of one size reached so far, each with the lowest peak that reaches it.
struct Level {
  explicit Level(std::size_t words) : done(words) {}
  SetTable done;                     // the nodes run
  std::vector<std::uint64_t> ready;  // the nodes whose inputs have all run, same layout
  std::vector<std::int64_t> live, peak;
  std::vector<std::int32_t> parent;  // position of the set without `last` one level down
  std::vector<NodeId> last;
};

// The lowest-peak order among those with peak < budget; an empty order when there is none;
// nullopt when the search would keep more than kExactMaxStates sets.
std::optional<Schedule> exact_schedule(const Graph& graph, const MemoryGraph& m,
                                       std::span<const std::int64_t> bytes, std::int64_t budget) {
  const std::size_t n = m.of.size(), words = (n + 63) / 64;
  const auto bit = [](NodeId v) { return std::uint64_t{1} << (v % 64); };
  std::vector<std::uint64_t> set(words, 0), ready(words, 0);
  const auto has = [&](NodeId v) { return (set[v / 64] & bit(v)) != 0; };
  std::vector<Level> levels;
  levels.emplace_back(words);
  bool fresh = false;
  levels[0].done.insert(set, fresh);
  for (NodeId v = 0; v < graph.size(); ++v)
    if (graph.inputs(v).empty()) ready[v / 64] |= bit(v);
  levels[0].ready = ready;
  levels[0].live = levels[0].peak = {0};
  levels[0].parent = levels[0].last = {-1};
  std::int64_t kept = 1;
  for (std::size_t k = 0; k < n; ++k) {
    Level next(words);
    const Level& at = levels[k];
    for (std::int32_t i = 0; i < at.done.size(); ++i) {
      const auto done = at.done.at(i);
      const std::span<const std::uint64_t> can(at.ready.data() + std::size_t(i) * words, words);
      for (std::size_t w = 0; w < words; ++w)
        for (std::uint64_t bits = can[w]; bits != 0; bits &= bits - 1) {
          const auto v = static_cast<NodeId>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits)));
          const std::int64_t during = at.live[i] + alloc(m, v, bytes);
          const std::int64_t peak = std::max(at.peak[i], during);
          if (peak >= budget) continue;
          std::ranges::copy(done, set.begin());
          set[v / 64] |= bit(v);
          const std::int32_t j = next.done.insert(set, fresh);
          if (!fresh) {
            if (peak < next.peak[j]) next.peak[j] = peak, next.parent[j] = i, next.last[j] = v;
            continue;
          }
          if (++kept > kExactMaxStates) return std::nullopt;
          // Release the buffers whose readers have all run, and v's output if nothing reads it.
          std::int64_t live = during;
          for (NodeId buf : m.reads_of(v))
            if (!m.is_output[buf] && std::ranges::all_of(m.readers_of(buf), has)) live -= bytes[buf];
          if (m.of[v] == v && !m.is_output[v] && m.readers_of(v).empty()) live -= bytes[v];
          std::ranges::copy(can, ready.begin());
          ready[v / 64] &= ~bit(v);
          for (NodeId c : m.consumers[v])
            if (std::ranges::all_of(graph.inputs(c), has)) ready[c / 64] |= bit(c);
          next.ready.insert(next.ready.end(), ready.begin(), ready.end());
          next.live.push_back(live);
          next.peak.push_back(peak);
          next.parent.push_back(i);
          next.last.push_back(v);
        }
    }
    if (next.done.size() == 0) return Schedule{};
    levels.push_back(std::move(next));
    // Keep only what rebuilding the order needs.
    levels[k].done = SetTable(words);
    levels[k].ready = {};
    levels[k].live = levels[k].peak = {};
  }
  Schedule s;
  s.exact = true;
  s.peak_bytes = levels[n].peak[0];
  s.order.resize(n);
  for (std::size_t k = n, i = 0; k > 0; --k) {
    s.order[k - 1] = levels[k].last[i];
    i = static_cast<std::size_t>(levels[k].parent[i]);
  }
  HWNAS_CHECK(peak_of(m, s.order, bytes) == s.peak_bytes);
  return s;
}

}  // namespace

std::int64_t peak_memory(const Graph& graph, std::span<const NodeId> order,
                         std::span<const std::int64_t> bytes) {
  return peak_of(make_memory_graph(graph, bytes), order, bytes);
}

Schedule greedy_memory_schedule(const Graph& graph, std::span<const std::int64_t> bytes) {
  return greedy_schedule(make_memory_graph(graph, bytes), bytes);
}

Schedule min_memory_schedule(const Graph& graph, std::span<const std::int64_t> bytes) {
  const MemoryGraph m = make_memory_graph(graph, bytes);
  Schedule best = greedy_schedule(m, bytes);
  if (best.exact || best.peak_bytes == lower_bound(m, bytes)) {
    best.exact = true;
    return best;
  }
  if (graph.size() > kExactMaxNodes) return best;
  std::optional<Schedule> exact = exact_schedule(graph, m, bytes, best.peak_bytes);
  if (!exact) return best;
  if (exact->order.empty()) {  // no order beats the greedy one
    best.exact = true;
    return best;
  }
  return std::move(*exact);
}

}  // namespace hwnas::graph

#include "hwnas/advise/edit.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "hwnas/base/error.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/consumers.h"
#include "hwnas/graph/rewrite.h"

namespace hwnas::advise {

using graph::BlockId;
using graph::Graph;
using graph::NodeId;

std::string block_label(const Graph& g, BlockId b) {
  return fmt::format("block '{}' ({})", g.block_name(b), graph::block_kind_name(g.block(b).kind));
}

std::string site_label(const Graph& g, const Site& site) {
  if (site.node == kNoNode) return block_label(g, site.block);
  return fmt::format("node '{}' ({})", g.node_name(site.node), graph::op_name(g.op(site.node)));
}

Graph rebuild_blocks(const Graph& g, const std::map<BlockId, SpecChange>& changes, const std::vector<BlockId>& rebuild,
                     std::string& why_not) {
  std::vector<BlockId> blocks;
  for (const auto& [b, change] : changes) blocks.push_back(b);
  for (BlockId b : rebuild)
    if (!changes.contains(b)) blocks.push_back(b);
  const graph::ConsumerIndex readers(g);
  std::vector<graph::BlockSite> sites;
  for (BlockId b : blocks) {
    graph::BlockSite site = graph::block_site(g, readers, b);
    if (!site.why_not.empty()) {
      why_not = site.why_not;
      return g;
    }
    if (site.inputs.size() != 1) {
      why_not = fmt::format("{} reads {} values; only single-input blocks are rebuilt", block_label(g, b),
                            site.inputs.size());
      return g;
    }
    if (!changes.contains(b))
      if (std::string why = graph::why_not_rebuildable(g, b); !why.empty()) {
        why_not = why;
        return g;
      }
    sites.push_back(std::move(site));
  }
  std::sort(sites.begin(), sites.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
  return graph::replace_blocks(g, sites, [&](Graph& t, const graph::BlockSite& site, std::span<const NodeId> in) {
    const auto it = changes.find(site.block);
    if (it == changes.end()) return graph::rebuild_block(t, g, site.block, in);
    // rebuild_block reads a block's kind, name and spec: give it the new ones.
    Graph spec_holder;
    spec_holder.add_block(it->second.kind, g.block_name(site.block), it->second.spec);
    return graph::rebuild_block(t, spec_holder, 0, in);
  });
}

Graph copy_editing(const Graph& g, const std::function<graph::Op(NodeId)>& op_of,
                   const std::function<graph::BlockSpec(BlockId)>& spec_of) {
  Graph out(g.name());
  out.reserve(g.size(), g.num_edges(), g.num_blocks(), g.name_bytes());
  for (BlockId b = 0; b < g.num_blocks(); ++b) out.add_block(g.block(b).kind, g.block_name(b), spec_of(b));
  for (NodeId id = 0; id < g.size(); ++id) out.add(g.node_name(id), op_of(id), g.inputs(id), g.node(id).block);
  return out;
}

std::vector<BlockId> reader_blocks(const Graph& g, BlockId block, std::vector<std::string>* loose) {
  const graph::ConsumerIndex readers(g);
  std::vector<BlockId> out;
  for (NodeId id = 0; id < g.size(); ++id) {
    if (g.node(id).block != block) continue;
    for (NodeId user : readers.consumers(id)) {
      const BlockId b = g.node(user).block;
      if (b == block) continue;
      if (b == graph::kNoBlock) {
        if (loose != nullptr) loose->emplace_back(g.node_name(user));
      } else if (std::find(out.begin(), out.end(), b) == out.end()) {
        out.push_back(b);
      }
    }
  }
  return out;
}

PassResult accepted(const Graph& before, Graph after, std::string_view rule, const Site& site, std::string what) {
  PassResult r;
  RewriteRecord& rec = r.record;
  rec.rule = rule;
  rec.site = site_name(before, site);
  rec.what = std::move(what);
  std::unordered_map<std::string_view, NodeId> in_after;
  for (NodeId id = 0; id < after.size(); ++id) in_after.emplace(after.node_name(id), id);
  std::unordered_map<std::string_view, NodeId> in_before;
  for (NodeId id = 0; id < before.size(); ++id) {
    in_before.emplace(before.node_name(id), id);
    const auto it = in_after.find(before.node_name(id));
    if (it == in_after.end()) {
      rec.removed.emplace_back(before.node_name(id));
      continue;
    }
    const NodeId a = it->second;
    const bool op_changed = !(before.op(id) == after.op(a));
    std::vector<graph::Shape> in_before, in_after;
    for (NodeId in : before.inputs(id)) in_before.push_back(before.shape(in));
    for (NodeId in : after.inputs(a)) in_after.push_back(after.shape(in));
    const bool inputs_changed = in_before != in_after;
    if (!op_changed && !inputs_changed && before.shape(id) == after.shape(a)) continue;
    NodeChange& c = rec.changed.emplace_back();
    c.node = before.node_name(id);
    c.before = before.shape(id);
    c.after = after.shape(a);
    c.op_changed = op_changed;
    c.inputs_changed = inputs_changed;
    if (inputs_changed) {
      c.inputs_before = std::move(in_before);
      c.inputs_after = std::move(in_after);
    }
  }
  std::vector<std::string_view> new_adds;
  for (NodeId id = 0; id < after.size(); ++id)
    if (!in_before.contains(after.node_name(id))) {
      rec.added.emplace_back(after.node_name(id));
      if (std::holds_alternative<graph::Add>(after.op(id))) new_adds.push_back(after.node_name(id));
    }
  // A block rebuilt from its spec adds its residual when its input and output come to match
  // (stride 1, as torchvision's blocks do): a change of function, so the line says it.
  if (!new_adds.empty())
    rec.what += fmt::format("; residual add{} now active: {}", new_adds.size() > 1 ? "s" : "", fmt::join(new_adds, ", "));
  const auto a = graph::analyze(before, graph::Precision::fp32, 1, graph::MinOrder::skip);
  const auto b = graph::analyze(after, graph::Precision::fp32, 1, graph::MinOrder::skip);
  rec.macs_before = a.total.macs;
  rec.macs_after = b.total.macs;
  rec.params_before = a.total.params;
  rec.params_after = b.total.params;
  r.graph = std::move(after);
  return r;
}

PassResult refused(std::string why_not) {
  HWNAS_CHECK(!why_not.empty());
  PassResult r;
  r.why_not = std::move(why_not);
  return r;
}

std::int32_t int_param(const Params& params, std::string_view key, std::int32_t lo, std::int32_t hi) {
  const auto it = params.find(key);
  HWNAS_CHECK(it != params.end());
  const std::string& text = it->second;
  std::int32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < lo || value > hi)
    throw UserError(fmt::format("--param {}={}: use an integer from {} to {}", key, text, lo, hi));
  return value;
}

}  // namespace hwnas::advise

#include "hwnas/graph/rewrite.h"

#include <fmt/format.h>

#include <algorithm>

#include "hwnas/base/error.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/graph/overloaded.h"

namespace hwnas::graph {

GraphRewriter::GraphRewriter(const Graph& source)
    : source_(source),
      target_(source.name()),
      map_(static_cast<std::size_t>(source.size()), -1),
      block_map_(static_cast<std::size_t>(source.num_blocks()), kNoBlock),
      block_has_nodes_(static_cast<std::size_t>(source.num_blocks()), false) {
  target_.reserve(source.size(), source.num_edges(), source.num_blocks(), source.name_bytes());
  for (NodeId id = 0; id < source.size(); ++id)
    if (source.node(id).block != kNoBlock) block_has_nodes_[static_cast<std::size_t>(source.node(id).block)] = true;
}

BlockId GraphRewriter::map_block(BlockId block) {
  const auto open = [&](BlockId b) {
    const Block& from = source_.block(b);
    block_map_[static_cast<std::size_t>(b)] = target_.add_block(from.kind, source_.block_name(b), from.spec);
  };
  if (block_map_[static_cast<std::size_t>(block)] == kNoBlock) {
    for (BlockId b = 0; b < block; ++b)  // empty blocks keep their place
      if (!block_has_nodes_[static_cast<std::size_t>(b)] && block_map_[static_cast<std::size_t>(b)] == kNoBlock)
        open(b);
    open(block);
  }
  return block_map_[static_cast<std::size_t>(block)];
}

NodeId GraphRewriter::mapped(NodeId id) const {
  HWNAS_CHECK(id >= 0 && id < next_);
  const NodeId to = map_[static_cast<std::size_t>(id)];
  if (to < 0)
    throw InternalError(fmt::format("rewrite of '{}': node '{}' was dropped without a new value", source_.name(),
                                    source_.node_name(id)));
  return to;
}

void GraphRewriter::copy_until(NodeId end) {
  HWNAS_CHECK(end >= next_ && end <= source_.size());
  for (; next_ < end; ++next_) {
    const NodeId id = next_;
    inputs_.clear();
    for (NodeId in : source_.inputs(id)) {
      if (map_[static_cast<std::size_t>(in)] < 0)
        throw InternalError(fmt::format("rewrite of '{}': node '{}' reads '{}', which a replacement dropped "
                                        "without a new value",
                                        source_.name(), source_.node_name(id), source_.node_name(in)));
      inputs_.push_back(map_[static_cast<std::size_t>(in)]);
    }
    const BlockId block = source_.node(id).block;
    map_[static_cast<std::size_t>(id)] =
        target_.add(source_.node_name(id), source_.op(id), inputs_, block == kNoBlock ? kNoBlock : map_block(block));
  }
  // Empty blocks before the next node's block open now, ahead of any block a replacement opens.
  const BlockId coming = end < source_.size() ? source_.node(end).block : kNoBlock;
  for (BlockId b = 0; b < coming; ++b)
    if (!block_has_nodes_[static_cast<std::size_t>(b)] && block_map_[static_cast<std::size_t>(b)] == kNoBlock)
      map_block(b);
}

void GraphRewriter::replace(NodeId begin, NodeId end, std::span<const std::pair<NodeId, NodeId>> new_values) {
  HWNAS_CHECK(begin == next_ && begin <= end && end <= source_.size());
  next_ = end;
  for (const auto& [from, to] : new_values) {
    HWNAS_CHECK(from >= begin && from < end && to >= 0 && to < target_.size());
    map_[static_cast<std::size_t>(from)] = to;
  }
}

Graph GraphRewriter::finish() {
  copy_until(source_.size());
  for (BlockId b = 0; b < source_.num_blocks(); ++b)
    if (!block_has_nodes_[static_cast<std::size_t>(b)] && block_map_[static_cast<std::size_t>(b)] == kNoBlock)
      map_block(b);
  return std::move(target_);
}

BlockSite block_site(const Graph& g, const ConsumerIndex& readers, BlockId block) {
  BlockSite site;
  site.block = block;
  const std::string what = fmt::format("block '{}' ({})", g.block_name(block), block_kind_name(g.block(block).kind));
  NodeId first = -1, last = -1;
  for (NodeId id = 0; id < g.size(); ++id)
    if (g.node(id).block == block) {
      if (first < 0) first = id;
      last = id;
    }
  if (first < 0) {
    site.why_not = what + " has no node";
    return site;
  }
  site.begin = first;
  site.end = last + 1;
  for (NodeId id = first; id <= last; ++id)
    if (g.node(id).block != block) {
      site.why_not = fmt::format("{}: its nodes are not contiguous ('{}' lies among them)", what, g.node_name(id));
      return site;
    }
  for (NodeId id = first; id <= last; ++id) {
    for (NodeId in : g.inputs(id))
      if (in < first && std::find(site.inputs.begin(), site.inputs.end(), in) == site.inputs.end())
        site.inputs.push_back(in);
    const auto users = readers.consumers(id);
    if (std::any_of(users.begin(), users.end(), [&](NodeId u) { return u > last; })) site.outputs.push_back(id);
  }
  if (site.outputs.empty())
    site.why_not = what + ": no node outside it reads its value";
  else if (site.outputs.size() > 1)
    site.why_not = fmt::format("{}: its node '{}' is read outside the block too", what, g.node_name(site.outputs[0]));
  return site;
}

Graph replace_blocks(const Graph& g, std::span<const BlockSite> sites, const BlockEmitter& emit) {
  GraphRewriter r(g);
  std::vector<NodeId> inputs;
  for (const BlockSite& site : sites) {
    HWNAS_CHECK(site.why_not.empty());
    r.copy_until(site.begin);
    inputs.clear();
    for (NodeId in : site.inputs) inputs.push_back(r.mapped(in));
    const NodeId y = emit(r.target(), site, inputs);
    r.replace(site.begin, site.end, {{site.outputs[0], y}});
  }
  return r.finish();
}

std::string why_not_rebuildable(const Graph& g, BlockId block) {
  const std::string what = fmt::format("block '{}' ({})", g.block_name(block), block_kind_name(g.block(block).kind));
  const auto elsewhere = [&](std::string_view module) {
    return fmt::format("{} has a {} spec, which {} rebuilds", what, block_spec_name(g.block(block).spec), module);
  };
  return std::visit(Overloaded{[&](const std::monostate&) { return what + " has no spec"; },
                               [&](const Nb201CellSpec&) { return elsewhere("space/nb201.h"); },
                               [&](const Nb201ReductionSpec&) { return elsewhere("space/nb201.h"); },
                               [&](const FbnetSpec&) { return elsewhere("space/fbnet.h"); },
                               [&](const LrasppHeadSpec&) { return elsewhere("zoo/heads.h"); },
                               [&](const PredictionHeadSpec&) { return elsewhere("zoo/heads.h"); },
                               [](const ConvBnActSpec&) { return std::string(); },
                               [](const SsdLiteExtraSpec&) { return std::string(); },
                               [](const SqueezeExciteSpec&) { return std::string(); },
                               [](const IbnSpec&) { return std::string(); },
                               [](const FusedIbnSpec&) { return std::string(); },
                               [](const ResNetSpec&) { return std::string(); },
                               [](const ClassifierHeadSpec&) { return std::string(); },
                               [](const BnActSpec&) { return std::string(); }},
                    g.block(block).spec);
}

NodeId rebuild_block(Graph& target, const Graph& source, BlockId block, std::span<const NodeId> inputs) {
  if (const std::string why = why_not_rebuildable(source, block); !why.empty()) throw InternalError(why);
  HWNAS_CHECK(inputs.size() == 1);
  const NodeId x = inputs[0];
  const std::string name(source.block_name(block));
  const BlockKind kind = source.block(block).kind;
  return std::visit(
      Overloaded{[&](const ConvBnActSpec& s) { return conv_bn_act(target, x, s, name); },
                 [&](const SsdLiteExtraSpec& s) { return ssdlite_extra(target, x, s, name); },
                 [&](const SqueezeExciteSpec& s) { return squeeze_excite(target, x, s, name); },
                 [&](const IbnSpec& s) { return ibn(target, x, s, name).output; },
                 [&](const FusedIbnSpec& s) { return fused_ibn(target, x, s, name).output; },
                 [&](const ResNetSpec& s) {
                   return kind == BlockKind::resnet_basic ? resnet_basic(target, x, s.planes, s.stride, name)
                                                          : resnet_bottleneck(target, x, s.planes, s.stride, name);
                 },
                 [&](const ClassifierHeadSpec& s) { return classifier(target, x, s, name); },
                 [&](const BnActSpec& s) { return bn_act(target, x, s, name); },
                 // why_not_rebuildable refused these above.
                 [](const std::monostate&) -> NodeId { throw InternalError("rebuild_block: no spec"); },
                 [](const Nb201CellSpec&) -> NodeId { throw InternalError("rebuild_block: nb201_cell"); },
                 [](const Nb201ReductionSpec&) -> NodeId { throw InternalError("rebuild_block: nb201_reduction"); },
                 [](const FbnetSpec&) -> NodeId { throw InternalError("rebuild_block: fbnet"); },
                 [](const LrasppHeadSpec&) -> NodeId { throw InternalError("rebuild_block: lraspp_head"); },
                 [](const PredictionHeadSpec&) -> NodeId { throw InternalError("rebuild_block: prediction_head"); }},
      source.block(block).spec);
}

}  // namespace hwnas::graph

// Rewrite an IBN's (or fused IBN's) squeeze-excite on its expanded channels into a
// squeeze_excite block on the block's output (after the residual add, as torchvision's
// SqueezeExcitation module after the block), so that the global pool and the channel
// multiply run on `out` instead of `expanded` channels; or back: a squeeze_excite block
// that alone reads an IBN or fused IBN without SE moves into it, onto its expanded
// channels. The squeeze width keeps its ratio to the channels unless `squeeze` is given.
#include <fmt/format.h>

#include <cmath>

#include "hwnas/advise/edit.h"
#include "hwnas/advise/passes/passes.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/graph/consumers.h"
#include "hwnas/graph/rewrite.h"

namespace hwnas::advise {
namespace {

using graph::BlockId;
using graph::Graph;
using graph::NodeId;

// The IBN's or fused IBN's SE field, or nullptr for other specs.
std::optional<graph::SqueezeExciteSpec>* se_of(graph::BlockSpec& spec) {
  if (auto* s = std::get_if<graph::IbnSpec>(&spec)) return &s->se;
  if (auto* s = std::get_if<graph::FusedIbnSpec>(&spec)) return &s->se;
  return nullptr;
}
std::int32_t expanded_of(const graph::BlockSpec& spec) {
  if (const auto* s = std::get_if<graph::IbnSpec>(&spec)) return s->expanded;
  return std::get<graph::FusedIbnSpec>(spec).expanded;
}

// The squeeze width on `to` channels of an SE that squeezed `from` channels to `squeeze`.
std::int32_t rescaled(const Params& params, std::int32_t squeeze, std::int32_t from, std::int32_t to) {
  const std::int32_t given = int_param(params, "squeeze", 0, 1 << 16);
  if (given > 0) return given;
  return std::max<std::int32_t>(1, static_cast<std::int32_t>(std::lround(double{squeeze} * to / from)));
}

// The block emitted anew from `kind` and `spec` under the name of `block` of `g`.
NodeId emit(Graph& t, const Graph& g, BlockId block, graph::BlockKind kind, const graph::BlockSpec& spec,
            std::span<const NodeId> in) {
  Graph holder;
  holder.add_block(kind, g.block_name(block), spec);
  return graph::rebuild_block(t, holder, 0, in);
}

PassResult move_out(const Graph& g, const Site& site, const Params& params, graph::BlockSpec spec) {
  const std::string label = block_label(g, site.block);
  std::optional<graph::SqueezeExciteSpec>& se = *se_of(spec);
  if (!se) return refused(label + " has no squeeze-excite");
  const graph::BlockSite where = graph::block_site(g, graph::ConsumerIndex(g), site.block);
  if (!where.why_not.empty()) return refused(where.why_not);
  if (where.inputs.size() != 1) return refused(fmt::format("{} reads {} values", label, where.inputs.size()));
  const std::string name = fmt::format("{}.se", g.block_name(site.block));
  for (BlockId b = 0; b < g.num_blocks(); ++b)
    if (g.block_name(b) == name) return refused(fmt::format("{}: a block '{}' exists already", label, name));
  const std::int32_t expanded = expanded_of(spec), out = g.shape(where.outputs[0]).c, squeeze = se->squeeze;
  graph::SqueezeExciteSpec moved = *se;
  moved.squeeze = rescaled(params, squeeze, expanded, out);
  se.reset();
  const graph::BlockKind kind = g.block(site.block).kind;
  Graph after = graph::replace_blocks(g, {&where, 1}, [&](Graph& t, const graph::BlockSite&, std::span<const NodeId> in) {
    return graph::squeeze_excite(t, emit(t, g, site.block, kind, spec, in), moved, name);
  });
  return accepted(g, std::move(after), "move_se", site,
                  fmt::format("squeeze-excite on the {} expanded channels (squeeze {}) into block '{}' on the {} "
                              "output channels (squeeze {})",
                              expanded, squeeze, name, out, moved.squeeze));
}

PassResult move_in(const Graph& g, const Site& site, const Params& params) {
  const std::string label = block_label(g, site.block);
  const auto* se = std::get_if<graph::SqueezeExciteSpec>(&g.block(site.block).spec);
  if (se == nullptr) return refused(label + " has no spec");
  const graph::ConsumerIndex readers(g);
  const graph::BlockSite where = graph::block_site(g, readers, site.block);
  if (!where.why_not.empty()) return refused(where.why_not);
  if (where.inputs.size() != 1) return refused(fmt::format("{} reads {} values", label, where.inputs.size()));
  const NodeId x = where.inputs[0];
  const BlockId from = g.node(x).block;
  if (from == graph::kNoBlock) return refused(fmt::format("{}: its input '{}' is in no block", label, g.node_name(x)));
  graph::BlockSpec spec = g.block(from).spec;
  std::optional<graph::SqueezeExciteSpec>* inner = se_of(spec);
  if (inner == nullptr) return refused(fmt::format("{}: it reads {}, not an IBN or fused IBN with a spec", label,
                                                   block_label(g, from)));
  if (*inner) return refused(fmt::format("{}: {} has a squeeze-excite already", label, block_label(g, from)));
  for (NodeId user : readers.consumers(x))
    if (g.node(user).block != site.block)
      return refused(fmt::format("{}: '{}' reads the ungated '{}' too", label, g.node_name(user), g.node_name(x)));
  const graph::BlockSite host = graph::block_site(g, readers, from);
  if (!host.why_not.empty()) return refused(host.why_not);
  if (host.inputs.size() != 1) return refused(fmt::format("{} reads {} values", block_label(g, from), host.inputs.size()));
  const std::int32_t expanded = expanded_of(spec), out = g.shape(x).c;
  *inner = *se;
  (*inner)->squeeze = rescaled(params, se->squeeze, out, expanded);
  const graph::BlockKind kind = g.block(from).kind;
  const std::vector<graph::BlockSite> sites = {host, where};
  Graph after = graph::replace_blocks(g, sites, [&](Graph& t, const graph::BlockSite& s, std::span<const NodeId> in) {
    // The squeeze_excite block goes: its readers read the block that now holds it.
    return s.block == from ? emit(t, g, from, kind, spec, in) : in[0];
  });
  return accepted(g, std::move(after), "move_se", site,
                  fmt::format("squeeze-excite on the {} output channels (squeeze {}) into block '{}' on its {} "
                              "expanded channels (squeeze {})",
                              out, se->squeeze, g.block_name(from), expanded, (*inner)->squeeze));
}

PassResult apply(const Graph& g, const Site& site, const Params& params) {
  const graph::Block& block = g.block(site.block);
  if (block.kind == graph::BlockKind::squeeze_excite) return move_in(g, site, params);
  if (std::holds_alternative<graph::IbnSpec>(block.spec) || std::holds_alternative<graph::FusedIbnSpec>(block.spec))
    return move_out(g, site, params, block.spec);
  const bool se_kind = block.kind == graph::BlockKind::ibn || block.kind == graph::BlockKind::fused_ibn;
  return refused(block_label(g, site.block) +
                 (se_kind ? " has no spec" : ": neither an IBN, a fused IBN nor a squeeze_excite block"));
}

}  // namespace

Pass move_se_pass() {
  return {.name = "move_se",
          .description = "rewrite an IBN's squeeze-excite into a squeeze_excite block on its output, or back",
          .sites = SiteKind::block,
          .params = {{"squeeze", "0", "the moved SE's squeeze channels; 0: keep its ratio to the channels"}},
          .apply = apply};
}

}  // namespace hwnas::advise

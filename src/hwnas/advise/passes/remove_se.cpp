// Rewrite a block with squeeze-excite into the same block without it (an IBN's or fused
// IBN's SE, or a squeeze_excite block, whose input then goes straight on).
#include <fmt/format.h>

#include "hwnas/advise/edit.h"
#include "hwnas/advise/passes/passes.h"
#include "hwnas/graph/consumers.h"
#include "hwnas/graph/rewrite.h"

namespace hwnas::advise {
namespace {

PassResult remove_block(const graph::Graph& g, const Site& site) {
  const graph::BlockSite where = graph::block_site(g, graph::ConsumerIndex(g), site.block);
  if (!where.why_not.empty()) return refused(where.why_not);
  if (where.inputs.size() != 1 || g.shape(where.inputs[0]) != g.shape(where.outputs[0]))
    return refused(block_label(g, site.block) + ": not a gate on one input (reads " +
                   std::to_string(where.inputs.size()) + " values)");
  graph::GraphRewriter r(g);
  r.copy_until(where.begin);
  // The SE output is input · gate: without it, its readers read the input.
  const graph::NodeId x = r.mapped(where.inputs[0]);
  r.replace(where.begin, where.end, {{where.outputs[0], x}});
  return accepted(g, r.finish(), "remove_se", site, "squeeze_excite block removed: its readers read its input");
}

template <class Spec>
PassResult remove_from(const graph::Graph& g, const Site& site, Spec spec) {
  if (!spec.se) return refused(block_label(g, site.block) + " has no squeeze-excite");
  const std::int32_t squeeze = spec.se->squeeze;
  spec.se.reset();
  std::string why;
  graph::Graph out = rebuild_blocks(g, {{site.block, {g.block(site.block).kind, spec}}}, {}, why);
  if (!why.empty()) return refused(why);
  return accepted(g, std::move(out), "remove_se", site,
                  fmt::format("squeeze-excite ({} to {} channels and back) removed", spec.expanded, squeeze));
}

PassResult apply(const graph::Graph& g, const Site& site, const Params&) {
  const graph::BlockSpec& spec = g.block(site.block).spec;
  if (g.block(site.block).kind == graph::BlockKind::squeeze_excite) return remove_block(g, site);
  if (const auto* ibn = std::get_if<graph::IbnSpec>(&spec)) return remove_from(g, site, *ibn);
  if (const auto* fused = std::get_if<graph::FusedIbnSpec>(&spec)) return remove_from(g, site, *fused);
  return refused(block_label(g, site.block) + ": " +
                 (std::holds_alternative<std::monostate>(spec) ? "has no spec"
                                                               : "neither an IBN, a fused IBN nor a squeeze_excite block"));
}

}  // namespace

Pass remove_se_pass() {
  return {.name = "remove_se",
          .description = "rewrite a block with squeeze-excite into the block without it",
          .sites = SiteKind::block,
          .params = {},
          .apply = apply};
}

}  // namespace hwnas::advise

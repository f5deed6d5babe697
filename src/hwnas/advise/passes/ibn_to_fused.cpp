// Rewrite an IBN (1x1 expand -> kxk depthwise -> 1x1 project) into a fused IBN (kxk full
// conv expand -> 1x1 project): the article's "fused IBN", more MACs but one dense kernel.
#include <fmt/format.h>

#include "hwnas/advise/edit.h"
#include "hwnas/advise/passes/passes.h"
#include "hwnas/graph/consumers.h"
#include "hwnas/graph/rewrite.h"

namespace hwnas::advise {
namespace {

PassResult apply(const graph::Graph& g, const Site& site, const Params&) {
  const graph::Block& block = g.block(site.block);
  if (block.kind != graph::BlockKind::ibn) return refused(block_label(g, site.block) + ": not an IBN");
  const auto* ibn = std::get_if<graph::IbnSpec>(&block.spec);
  if (ibn == nullptr) return refused(block_label(g, site.block) + " has no spec");
  const graph::FusedIbnSpec fused{.out = ibn->out,
                                  .expanded = ibn->expanded,
                                  .kernel = ibn->kernel,
                                  .stride = ibn->stride,
                                  .dilation = ibn->dilation,
                                  .act = ibn->act,
                                  .se = ibn->se,
                                  .residual = ibn->residual,
                                  .bn_epsilon = ibn->bn_epsilon};
  std::string why;
  graph::Graph out = rebuild_blocks(g, {{site.block, {graph::BlockKind::fused_ibn, fused}}}, {}, why);
  if (!why.empty()) return refused(why);
  // An IBN whose expansion equals its input channels has no expand conv (blocks.cpp).
  const graph::BlockSite where = graph::block_site(g, graph::ConsumerIndex(g), site.block);
  const bool has_expand = where.inputs.empty() || g.shape(where.inputs[0]).c != ibn->expanded;
  const std::string before = has_expand ? fmt::format("ibn (1x1 expand to {0}, {1}x{1} depthwise)", ibn->expanded,
                                                      ibn->kernel)
                                        : fmt::format("ibn without expand conv ({1}x{1} depthwise on {0})",
                                                      ibn->expanded, ibn->kernel);
  return accepted(g, std::move(out), "ibn_to_fused", site,
                  fmt::format("{0} into fused_ibn ({1}x{1} conv to {2}), out {3}, stride {4}", before, ibn->kernel,
                              ibn->expanded, ibn->out, ibn->stride));
}

}  // namespace

Pass ibn_to_fused_pass() {
  return {.name = "ibn_to_fused",
          .description = "rewrite an IBN's 1x1 expand and kxk depthwise conv into one kxk conv (fused IBN)",
          .sites = SiteKind::block,
          .params = {},
          .apply = apply};
}

}  // namespace hwnas::advise

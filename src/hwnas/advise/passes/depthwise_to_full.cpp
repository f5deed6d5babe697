// Rewrite a block's kxk depthwise convolutions into full (groups = 1) or grouped
// convolutions of the same kernel, stride and channels: the article's "replace depthwise by
// full convolutions", which an accelerator with a wide MAC array runs at higher utilisation.
#include <fmt/format.h>

#include <vector>

#include "hwnas/advise/edit.h"
#include "hwnas/advise/passes/passes.h"

namespace hwnas::advise {
namespace {

PassResult apply(const graph::Graph& g, const Site& site, const Params& params) {
  const std::int32_t groups = int_param(params, "groups", 1, 1 << 20);
  const bool layer = site.node != kNoNode;
  std::vector<graph::NodeId> depthwise;
  std::string why;
  for (graph::NodeId id = 0; id < g.size(); ++id) {
    if (layer ? id != site.node : g.node(id).block != site.block) continue;
    const auto* conv = std::get_if<graph::Conv2d>(&g.op(id));
    if (conv == nullptr || g.inputs(id).empty() || !graph::is_depthwise(*conv, g.shape(g.inputs(id)[0]).c)) continue;
    if (conv->out_channels % groups != 0 || groups >= conv->out_channels) {
      why = fmt::format("{}: {} has {} channels, which {} groups do not divide into more than one channel per group",
                        site_label(g, site), layer ? "it" : fmt::format("its depthwise conv '{}'", g.node_name(id)),
                        conv->out_channels, groups);
      continue;
    }
    depthwise.push_back(id);
  }
  if (!why.empty()) return refused(why);
  if (depthwise.empty())
    return refused(site_label(g, site) + (layer ? ": not a depthwise convolution" : " has no depthwise convolution"));
  // No spec describes an IBN with a full or grouped kxk conv: the block keeps no spec.
  const bool had_spec = !layer && !std::holds_alternative<std::monostate>(g.block(site.block).spec);
  graph::Graph out = copy_editing(
      g,
      [&](graph::NodeId id) {
        graph::Op op = g.op(id);
        if (std::find(depthwise.begin(), depthwise.end(), id) != depthwise.end()) std::get<graph::Conv2d>(op).groups = groups;
        return op;
      },
      [&](graph::BlockId b) { return b == site.block ? graph::BlockSpec{} : g.block(b).spec; });
  const auto& first = std::get<graph::Conv2d>(g.op(depthwise[0]));
  std::string what = fmt::format("{} depthwise {}x{} conv{} ('{}'{}) into {}{}", depthwise.size(),
                                 first.kernel_h, first.kernel_w, depthwise.size() > 1 ? "s" : "",
                                 g.node_name(depthwise[0]), depthwise.size() > 1 ? ", ..." : "",
                                 groups == 1 ? "full convolution" : fmt::format("grouped convolution ({} groups)", groups),
                                 had_spec ? "; the block's spec is dropped (no spec describes it)" : "");
  return accepted(g, std::move(out), "depthwise_to_full", site, std::move(what));
}

}  // namespace

Pass depthwise_to_full_pass() {
  return {.name = "depthwise_to_full",
          .description = "rewrite a block's (or a loose node's) depthwise convs into full (or grouped) convs",
          .sites = SiteKind::block,
          .params = {{"groups", "1", "groups of the new conv: 1 is a full conv; must divide the channels"}},
          .apply = apply,
          .layers = [](const graph::Op& op) {  // grouped or depthwise convs
            const auto* conv = std::get_if<graph::Conv2d>(&op);
            return conv != nullptr && conv->groups > 1;
          }};
}

}  // namespace hwnas::advise

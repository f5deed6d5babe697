// Rewrite a block's activations of one kind (one the target lacks, e.g. hardswish) into
// another of the same shape (e.g. ReLU6): shapes, MACs and parameters stay; the block's
// spec follows when it names the activation (IBN act, SE act and gate, conv-bn-act, heads).
// A layer site is one activation outside every block.
#include <fmt/format.h>

#include "hwnas/advise/edit.h"
#include "hwnas/advise/passes/passes.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/overloaded.h"
#include "hwnas/graph/rewrite.h"

namespace hwnas::advise {
namespace {

graph::ActKind act_param(const Params& params, std::string_view key) {
  const std::string& text = params.find(key)->second;
  for (int k = 0; k <= static_cast<int>(graph::ActKind::identity); ++k)
    if (graph::act_name(static_cast<graph::ActKind>(k)) == text) return static_cast<graph::ActKind>(k);
  throw UserError(fmt::format("--param {}={}: not an activation; use relu, relu6, hardswish, hardsigmoid, "
                                "sigmoid, silu or identity",
                                key, text));
}

// The spec with `from` replaced by `to` wherever it names an activation.
graph::BlockSpec swapped(graph::BlockSpec spec, graph::ActKind from, graph::ActKind to) {
  const auto swap = [&](graph::ActKind& k) {
    if (k == from) k = to;
  };
  const auto swap_se = [&](std::optional<graph::SqueezeExciteSpec>& se) {
    if (se) swap(se->act), swap(se->gate);
  };
  std::visit(Overloaded{[&](graph::IbnSpec& s) { swap(s.act), swap_se(s.se); },
                        [&](graph::FusedIbnSpec& s) { swap(s.act), swap_se(s.se); },
                        [&](graph::SqueezeExciteSpec& s) { swap(s.act), swap(s.gate); },
                        [&](graph::ConvBnActSpec& s) {
                          if (s.act) swap(*s.act);
                        },
                        [&](graph::ClassifierHeadSpec& s) {
                          if (s.hidden > 0) swap(s.hidden_act);
                        },
                        [&](graph::BnActSpec& s) { swap(s.act); },
                        [](auto&) {}},
             spec);
  return spec;
}

PassResult apply(const graph::Graph& g, const Site& site, const Params& params) {
  const graph::ActKind from = act_param(params, "from"), to = act_param(params, "to");
  if (from == to) throw UserError(fmt::format("--param to={}: the same as from", graph::act_name(to)));
  const bool layer = site.node != kNoNode;
  // The nodes to swap: the block's `from` activations, or the layer itself.
  const auto swaps = [&](graph::NodeId id) {
    const auto* a = std::get_if<graph::Activation>(&g.op(id));
    return a != nullptr && a->kind == from && (layer ? id == site.node : g.node(id).block == site.block);
  };
  std::int32_t count = 0;
  for (graph::NodeId id = 0; id < g.size(); ++id) count += swaps(id) ? 1 : 0;
  if (count == 0)
    return refused(layer && !std::holds_alternative<graph::Activation>(g.op(site.node))
                       ? site_label(g, site) + ": not an activation"
                       : fmt::format("{} {} no {} activation", site_label(g, site), layer ? "is" : "has",
                                     graph::act_name(from)));
  const auto op_of = [&](graph::NodeId id) {
    graph::Op op = g.op(id);
    if (swaps(id)) std::get<graph::Activation>(op).kind = to;
    return op;
  };
  const auto keep_spec = [&](graph::BlockId b) { return g.block(b).spec; };
  if (layer)
    return accepted(g, copy_editing(g, op_of, keep_spec), "swap_activation", site,
                    fmt::format("{} activation into {}", graph::act_name(from), graph::act_name(to)));
  const graph::BlockSpec& spec = g.block(site.block).spec;
  const graph::BlockSpec new_spec = swapped(spec, from, to);
  // Node by node, so that every activation of the block changes; the spec is kept when
  // swapping in it describes the new block, and dropped when it cannot (e.g. a ResNet
  // block's ReLUs, which its spec does not name).
  graph::Graph out = copy_editing(g, op_of, [&](graph::BlockId b) { return b == site.block ? new_spec : keep_spec(b); });
  bool spec_kept = !std::holds_alternative<std::monostate>(spec);
  if (spec_kept && graph::why_not_rebuildable(out, site.block).empty()) {
    std::string why;
    const graph::Graph rebuilt = rebuild_blocks(out, {}, {site.block}, why);
    spec_kept = why.empty() && rebuilt.identical(out);
  } else {
    spec_kept = false;
  }
  if (!spec_kept && !std::holds_alternative<std::monostate>(spec))
    out = copy_editing(g, op_of, [&](graph::BlockId b) { return b == site.block ? graph::BlockSpec{} : keep_spec(b); });
  return accepted(g, std::move(out), "swap_activation", site,
                  fmt::format("{} {} activation{} into {}{}", count, graph::act_name(from), count > 1 ? "s" : "",
                              graph::act_name(to),
                              spec_kept || std::holds_alternative<std::monostate>(spec)
                                  ? ""
                                  : "; the block's spec is dropped (it does not name these activations)"));
}

}  // namespace

Pass swap_activation_pass() {
  return {.name = "swap_activation",
          .description = "rewrite a block's (or a loose node's) activations of one kind into another",
          .sites = SiteKind::block,
          .params = {{"from", "hardswish", "the activation to replace"},
                     {"to", "relu6", "its replacement: relu, relu6, hardswish, hardsigmoid, sigmoid, silu, identity"}},
          .apply = apply,
          .layers = [](const graph::Op& op) { return std::holds_alternative<graph::Activation>(op); }};
}

}  // namespace hwnas::advise

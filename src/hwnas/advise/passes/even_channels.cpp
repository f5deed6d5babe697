// Rewrite a stage's IBNs (or fused IBNs) so that all have the same expanded channels: the
// stage is a block that starts a residual chain and the residual blocks that add to its
// output (stride 1, same output channels). Every block gets the stage's largest expanded
// count (or the smallest), so one kernel shape serves the stage; outputs are unchanged.
#include <fmt/format.h>

#include <algorithm>

#include "hwnas/advise/edit.h"
#include "hwnas/advise/passes/passes.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/consumers.h"
#include "hwnas/graph/rewrite.h"

namespace hwnas::advise {
namespace {

using graph::BlockId;

// The IBN or fused-IBN fields every such spec has; nullopt for other specs.
struct IbnFields {
  std::int32_t out, expanded, stride;
  bool residual;
};
std::optional<IbnFields> fields(const graph::BlockSpec& spec) {
  if (const auto* s = std::get_if<graph::IbnSpec>(&spec)) return IbnFields{s->out, s->expanded, s->stride, s->residual};
  if (const auto* s = std::get_if<graph::FusedIbnSpec>(&spec))
    return IbnFields{s->out, s->expanded, s->stride, s->residual};
  return std::nullopt;
}

graph::BlockSpec with_expanded(graph::BlockSpec spec, std::int32_t expanded) {
  if (auto* s = std::get_if<graph::IbnSpec>(&spec)) s->expanded = expanded;
  if (auto* s = std::get_if<graph::FusedIbnSpec>(&spec)) s->expanded = expanded;
  return spec;
}

PassResult apply(const graph::Graph& g, const Site& site, const Params& params) {
  const std::string& mode = params.find("to")->second;
  if (mode != "max" && mode != "min") throw UserError(fmt::format("--param to={}: use max or min", mode));
  const std::string label = block_label(g, site.block);
  const auto head = fields(g.block(site.block).spec);
  if (!head) return refused(label + (std::holds_alternative<std::monostate>(g.block(site.block).spec)
                                         ? " has no spec"
                                         : ": not an IBN or fused IBN"));
  const graph::ConsumerIndex readers(g);
  const auto input_channels = [&](BlockId b) {
    const graph::BlockSite s = graph::block_site(g, readers, b);
    return s.inputs.empty() ? -1 : g.shape(s.inputs[0]).c;
  };
  const auto in_chain = [&](BlockId b, const IbnFields& f) {
    return f.residual && f.stride == 1 && input_channels(b) == f.out;
  };
  if (in_chain(site.block, *head))
    return refused(label + ": adds its input to its output, so it is inside a stage; give the stage's first block");
  // The stage: the head, then each block that alone reads the last one and adds to it.
  std::vector<BlockId> stage{site.block};
  for (;;) {
    const std::vector<BlockId> next = reader_blocks(g, stage.back());
    if (next.size() != 1) break;
    const auto f = fields(g.block(next[0]).spec);
    if (!f || !in_chain(next[0], *f) || f->out != head->out) break;
    stage.push_back(next[0]);
  }
  if (stage.size() == 1) return refused(label + ": no residual block follows it, so its stage is one block");
  std::int32_t target = head->expanded;
  for (BlockId b : stage) {
    const std::int32_t e = fields(g.block(b).spec)->expanded;
    target = mode == "max" ? std::max(target, e) : std::min(target, e);
  }
  std::map<BlockId, SpecChange> changes;
  std::vector<std::string> changed;
  for (BlockId b : stage) {
    const auto f = fields(g.block(b).spec);
    // An IBN without expand conv (expanded = input) would gain one: leave it.
    if (f->expanded == target ||
        (std::holds_alternative<graph::IbnSpec>(g.block(b).spec) && f->expanded == input_channels(b)))
      continue;
    changes[b] = {g.block(b).kind, with_expanded(g.block(b).spec, target)};
    changed.push_back(fmt::format("{} {} -> {}", g.block_name(b), f->expanded, target));
  }
  if (changes.empty())
    return refused(fmt::format("{}: its stage's {} blocks already have the same expanded channels ({})", label,
                               stage.size(), target));
  std::string why;
  graph::Graph out = rebuild_blocks(g, changes, {}, why);
  if (!why.empty()) return refused(why);
  return accepted(g, std::move(out), "even_channels", site,
                  fmt::format("stage of {} blocks, expanded to the {} ({}): {}", stage.size(), mode, target,
                              fmt::join(changed, ", ")));
}

}  // namespace

Pass even_channels_pass() {
  return {.name = "even_channels",
          .description = "rewrite a stage's IBNs to one expanded channel count",
          .sites = SiteKind::block,
          .params = {{"to", "max", "the stage's largest expanded count (max) or smallest (min)"}},
          .apply = apply};
}

}  // namespace hwnas::advise

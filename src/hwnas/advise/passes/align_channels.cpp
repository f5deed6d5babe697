// Rewrite an IBN's (or fused IBN's) expanded and output channels into multiples of the
// parallelism factor P (rounded up or down): the article's "channels multiples of P".
// An output change ripples: the residual blocks that add to it (its residual chain) take
// the same output, and the blocks that read the chain are rebuilt from their specs on the
// new channels. A block whose own residual ties its output to its input is aligned from
// the chain's first block.
#include <fmt/format.h>

#include "hwnas/advise/edit.h"
#include "hwnas/advise/passes/passes.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/consumers.h"
#include "hwnas/graph/rewrite.h"

namespace hwnas::advise {
namespace {

using graph::BlockId;

// The IBN fields of a block (IbnSpec or FusedIbnSpec), or nullptr.
template <class F>
auto with_ibn(graph::BlockSpec& spec, F f) {
  if (auto* s = std::get_if<graph::IbnSpec>(&spec)) return f(s->out, s->expanded, s->stride, s->residual);
  if (auto* s = std::get_if<graph::FusedIbnSpec>(&spec)) return f(s->out, s->expanded, s->stride, s->residual);
  return decltype(f(std::declval<std::int32_t&>(), std::declval<std::int32_t&>(), std::declval<std::int32_t&>(),
                    std::declval<bool&>()))();
}

std::int32_t in_channels(const graph::Graph& g, BlockId b) {
  const graph::BlockSite site = graph::block_site(g, graph::ConsumerIndex(g), b);
  return site.inputs.empty() ? 0 : g.shape(site.inputs[0]).c;
}

bool residual_active(std::int32_t in, std::int32_t out, std::int32_t stride, bool residual) {
  return residual && stride == 1 && in == out;
}

PassResult apply(const graph::Graph& g, const Site& site, const Params& params) {
  const std::int32_t p = int_param(params, "p", 1, 4096);
  const std::string& direction = params.find("direction")->second;
  if (direction != "up" && direction != "down")
    throw UserError(fmt::format("--param direction={}: use up or down", direction));
  const auto align = [&](std::int32_t c) {
    return direction == "up" ? (c + p - 1) / p * p : std::max(p, c / p * p);
  };
  const std::string label = block_label(g, site.block);
  graph::BlockSpec spec = g.block(site.block).spec;
  const bool is_ibn = std::holds_alternative<graph::IbnSpec>(spec);
  if (!is_ibn && !std::holds_alternative<graph::FusedIbnSpec>(spec))
    return refused(label + (std::holds_alternative<std::monostate>(spec) ? " has no spec" : ": not an IBN or fused IBN"));
  const std::int32_t in = in_channels(g, site.block);
  std::map<BlockId, SpecChange> changes;
  std::vector<BlockId> rebuild;
  std::vector<std::string> notes;
  // The block's own expanded channels (an IBN whose expanded equals its input has no expand conv).
  const bool ok = with_ibn(spec, [&](std::int32_t& out, std::int32_t& expanded, std::int32_t& stride, bool& residual) {
    const bool has_expand = !is_ibn || expanded != in;
    if (has_expand && align(expanded) != expanded) {
      notes.push_back(fmt::format("expanded {} -> {}", expanded, align(expanded)));
      expanded = align(expanded);
    }
    if (align(out) == out) return true;
    if (residual_active(in, out, stride, residual)) {
      notes.push_back(fmt::format("out {} kept: its residual add ties it to the input; align the block that "
                                  "starts the residual chain",
                                  out));
      return true;
    }
    const std::int32_t old_out = out, new_out = align(out);
    notes.push_back(fmt::format("out {} -> {}", old_out, new_out));
    out = new_out;
    changes[site.block] = {g.block(site.block).kind, spec};
    // Follow the chain of residual blocks reading it; rebuild the other readers.
    std::vector<BlockId> frontier{site.block};
    std::vector<std::string> chain, readers;
    while (!frontier.empty()) {
      const BlockId b = frontier.back();
      frontier.pop_back();
      for (BlockId r : reader_blocks(g, b)) {
        if (changes.contains(r) || std::find(rebuild.begin(), rebuild.end(), r) != rebuild.end()) continue;
        graph::BlockSpec rs = g.block(r).spec;
        bool member = false, follows = false;
        with_ibn(rs, [&](std::int32_t& r_out, std::int32_t& r_exp, std::int32_t& r_stride, bool& r_res) {
          member = residual_active(old_out, r_out, r_stride, r_res);
          if (member) r_out = new_out;
          follows = std::holds_alternative<graph::IbnSpec>(rs) && r_exp == old_out;  // no expand conv: keep it so
          if (follows) r_exp = new_out;
          return 0;
        });
        if (member || follows) {
          changes[r] = {g.block(r).kind, rs};
          (member ? chain : readers).emplace_back(g.block_name(r));
          if (member) frontier.push_back(r);
        } else {
          rebuild.push_back(r);
          readers.emplace_back(g.block_name(r));
        }
      }
    }
    if (!chain.empty()) notes.push_back(fmt::format("residual chain {} -> {}", fmt::join(chain, ", "), new_out));
    if (!readers.empty()) notes.push_back(fmt::format("readers rebuilt: {}", fmt::join(readers, ", ")));
    return true;
  });
  (void)ok;
  if (changes.empty() && spec == g.block(site.block).spec) {
    std::string why = label + ": " + (notes.empty() ? "expanded and out are already multiples of " + std::to_string(p)
                                                    : notes.back());
    return refused(why);
  }
  changes.try_emplace(site.block, SpecChange{g.block(site.block).kind, spec});
  std::string why;
  std::optional<graph::Graph> out;
  try {
    out = rebuild_blocks(g, changes, rebuild, why);
  } catch (const UserError& e) {
    return refused(fmt::format("{}: the new channels do not fit a reader: {}", label, e.what()));
  }
  if (!why.empty()) return refused(fmt::format("{}: a block to rebuild cannot be: {}", label, why));
  return accepted(g, std::move(*out), "align_channels", site,
                  fmt::format("to multiples of {} ({}): {}", p, direction, fmt::join(notes, "; ")));
}

}  // namespace

Pass align_channels_pass() {
  return {.name = "align_channels",
          .description = "rewrite an IBN's expanded and output channels into multiples of P",
          .sites = SiteKind::block,
          .params = {{"p", "16", "the parallelism factor: channels become multiples of it"},
                     {"direction", "up", "round up or down (never below p)"}},
          .apply = apply};
}

}  // namespace hwnas::advise

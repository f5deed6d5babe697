// Rewrite every block's channel counts by a width multiplier, each rounded as torchvision's
// _make_divisible rounds (nearest multiple of the divisor, at least the divisor, at most
// 10% below): the channel-multiplier scaling of MobileNets. Counts are the blocks' current
// ones (a rewritten model scales as it is); equal counts stay equal, so residual adds hold.
#include <fmt/format.h>

#include <charconv>

#include "hwnas/advise/edit.h"
#include "hwnas/advise/passes/passes.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/overloaded.h"
#include "hwnas/graph/rewrite.h"
#include "hwnas/graph/zoo/builders.h"

namespace hwnas::advise {
namespace {

double width_param(const Params& params) {
  const std::string& text = params.find("width")->second;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0 || value > 16)
    throw UserError(fmt::format("--param width={}: use a multiplier above 0 and at most 16, e.g. width=0.5", text));
  return value;
}

PassResult apply(const graph::Graph& g, const Site& site, const Params& params) {
  const double width = width_param(params);
  if (width == 0) throw UserError("pass 'scale_channels' needs --param width=W (the channel multiplier, e.g. 0.5)");
  const std::int32_t divisor = int_param(params, "divisor", 1, 4096);
  const auto scale = [&](std::int32_t& c) { c = graph::zoo::make_divisible(c * width, divisor); };
  const auto scale_se = [&](std::optional<graph::SqueezeExciteSpec>& se) {
    if (se) scale(se->squeeze);
  };
  std::map<graph::BlockId, SpecChange> changes;
  std::vector<graph::BlockId> rebuild;
  for (graph::BlockId b = 0; b < g.num_blocks(); ++b) {
    graph::BlockSpec spec = g.block(b).spec;
    std::string refusal;
    std::visit(Overloaded{[&](graph::IbnSpec& s) { scale(s.out), scale(s.expanded), scale_se(s.se); },
                          [&](graph::FusedIbnSpec& s) { scale(s.out), scale(s.expanded), scale_se(s.se); },
                          [&](graph::ConvBnActSpec& s) {
                            const bool depthwise = s.groups > 1 && s.groups == s.out;
                            if (s.groups > 1 && !depthwise)
                              refusal = fmt::format("{}: its conv has {} groups, which a scaled width may not divide",
                                                    block_label(g, b), s.groups);
                            scale(s.out);
                            if (depthwise) s.groups = s.out;
                          },
                          [&](graph::SqueezeExciteSpec& s) { scale(s.squeeze); },
                          [&](graph::ResNetSpec& s) { scale(s.planes); },
                          [&](graph::ClassifierHeadSpec& s) {
                            if (s.hidden > 0) scale(s.hidden);
                          },
                          [](auto&) {}},
               spec);
    if (!refusal.empty()) return refused(refusal);
    if (!(spec == g.block(b).spec))
      changes[b] = {g.block(b).kind, spec};
    else if (graph::why_not_rebuildable(g, b).empty())
      rebuild.push_back(b);  // rebuilt on its scaled input
  }
  if (changes.empty()) return refused(fmt::format("width {} with divisor {} changes no block's channels", width, divisor));
  std::string why;
  std::optional<graph::Graph> out;
  try {
    out = rebuild_blocks(g, changes, rebuild, why);
  } catch (const UserError& e) {
    return refused(fmt::format("width {}: {}", width, e.what()));
  }
  if (!why.empty()) return refused(why);
  return accepted(g, std::move(*out), "scale_channels", site,
                  fmt::format("{} blocks' channels times {}, multiples of {}", changes.size(), width, divisor));
}

}  // namespace

Pass scale_channels_pass() {
  return {.name = "scale_channels",
          .description = "rewrite every block's channels by a width multiplier",
          .sites = SiteKind::graph,
          .params = {{"width", "0", "the multiplier (0.5 halves the channels); required"},
                     {"divisor", "8", "channels become multiples of it (8, or the parallelism factor P)"}},
          .apply = apply};
}

}  // namespace hwnas::advise

// The advisor's candidates: which settings of each pass it tries (the menu), whether a
// setting keeps the network's capacity (structural) or reduces it or changes its function
// (lossy), and every eligible (pass, site, setting) of a graph (docs/advisor.md#candidates).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/advise/pass.h"
#include "hwnas/graph/graph.h"

namespace hwnas::advise {

/// One setting the advisor tries: the given params (the pass's defaults fill in the rest)
/// and its class.
struct MenuSetting {
  Params params;
  bool lossy = false;
};

/// The settings of `pass` on `graph`, with P = `parallelism` (output-channel lanes):
///   ibn_to_fused {} · depthwise_to_full {groups=1} · align_channels {p=P, up}, {p=P, down}
///   · even_channels {to=max}, {to=min} · change_kernel {kernel=3}, {kernel=5} · remove_se {}
///   · move_se {} · swap_activation {hardswish→relu6},
///   {silu→relu6} · scale_resolution {7/8, 3/4, 1/2 of the input height, rounded to a
///   multiple of 8, ≥ 32} · scale_channels {width 0.75, 0.5; divisor P, and 8 when P ≠ 8}.
/// Structural (keep capacity): ibn_to_fused, depthwise_to_full, align up, even to=max; every
/// other setting is lossy. A pass not in this table: its defaults, lossy (the advisor cannot
/// know that it keeps capacity); a pass whose defaults are no valid setting is skipped by
/// candidates().
std::vector<MenuSetting> menu(const graph::Graph& graph, const Pass& pass, std::int32_t parallelism);

/// The class of any setting of `pass` (resolved params), by the same table: e.g.
/// align_channels with direction=up is structural whatever its p.
bool is_lossy(const Pass& pass, const Params& params);

/// An eligible application of one setting of one pass at one site.
struct Candidate {
  const Pass* pass = nullptr;
  Params params;  // resolved (defaults filled in)
  bool lossy = false;
  PassResult result;  // result.graph holds a value
};

/// Every eligible candidate of `passes` (in the registry's order, each pass's menu in
/// order, sites in graph order); a setting that gives the same graph at a site as an
/// earlier setting of the pass is left out. A setting that a pass rejects as a bad parameter value
/// (UserError from resolve_params or apply: a required parameter without a usable
/// default) is skipped.
std::vector<Candidate> candidates(const graph::Graph& graph, const std::vector<const Pass*>& passes,
                                  std::int32_t parallelism);

/// Why a pass has no candidate on a graph: the sites it was tried at and their distinct
/// reasons, in graph order (the first few).
struct Refusal {
  std::string pass;
  std::int64_t sites = 0;            // blocks, layers or the graph it was tried at
  std::vector<std::string> reasons;  // at most 3, each a site's why_not; empty when no site
};
/// For each of `passes` without a candidate on `graph` (as candidates() finds them), why.
std::vector<Refusal> refusals(const graph::Graph& graph, const std::vector<const Pass*>& passes,
                              std::int32_t parallelism);

/// The passes named in "a,b,..." (--passes), in the registry's order. UserError naming
/// `option`, the unknown (or empty: "", "a,,b") name and the choices.
std::vector<const Pass*> select_passes(std::string_view names, std::string_view option = "--passes");

/// "p=16,direction=up" ("" for none): how steps and candidates show their params.
std::string params_text(const Params& params);

}  // namespace hwnas::advise

// How `hwnas rewrite` shows a pass's sites and records: one line per site, the record in
// full, and both as JSON (docs/rewrites.md shows them).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "hwnas/advise/pass.h"

namespace hwnas::advise {

/// One line for a site: "features.2 (ibn): MACs +21374976 (+7.3%), params +11232 (+0.3%):
/// WHAT", or for a refused one "features.0 (conv_bn_act): not eligible: WHY".
std::string site_line(const PassResult& result);

/// The record as text: the site line, then the removed, added and changed nodes (with
/// shapes before -> after, "(op)" when the op changed, and "(reads A -> B)" with the input
/// shapes when only those changed; the first kChangedShown changed ones), one per line.
inline constexpr std::size_t kChangedShown = 12;
std::string record_text(const RewriteRecord& record);

/// {"rule", "site", "kind", "eligible", "why_not"} and, when eligible, "what", "removed",
/// "added", "changed" [{node, before, after, op_changed, inputs_changed, and when it is
/// true inputs_before, inputs_after}], "macs_before", "macs_after",
/// "params_before", "params_after".
nlohmann::ordered_json result_json(const PassResult& result);

}  // namespace hwnas::advise

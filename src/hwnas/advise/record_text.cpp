#include "hwnas/advise/record_text.h"

#include <fmt/format.h>

#include <algorithm>

namespace hwnas::advise {
namespace {

std::string label(const RewriteRecord& r) { return r.kind.empty() ? r.site : fmt::format("{} ({})", r.site, r.kind); }

double percent(std::int64_t before, std::int64_t after) {
  return before == 0 ? 0.0 : 100.0 * static_cast<double>(after - before) / static_cast<double>(before);
}

std::string delta(std::string_view what, std::int64_t before, std::int64_t after) {
  return fmt::format("{} {:+} ({:+.1f}%)", what, after - before, percent(before, after));
}

nlohmann::ordered_json shape_json(const graph::Shape& s) { return {s.c, s.h, s.w}; }

}  // namespace

std::string site_line(const PassResult& result) {
  const RewriteRecord& r = result.record;
  if (!result.graph) return fmt::format("{}: not eligible: {}", label(r), result.why_not);
  return fmt::format("{}: {}, {}: {}", label(r), delta("MACs", r.macs_before, r.macs_after),
                     delta("params", r.params_before, r.params_after), r.what);
}

std::string record_text(const RewriteRecord& r) {
  std::string out = fmt::format("{} at {}: {}\n", r.rule, label(r), r.what);
  out += fmt::format("  MACs {} -> {} ({:+}, {:+.1f}%), params {} -> {} ({:+}, {:+.1f}%)\n", r.macs_before,
                     r.macs_after, r.macs_after - r.macs_before, percent(r.macs_before, r.macs_after), r.params_before,
                     r.params_after, r.params_after - r.params_before, percent(r.params_before, r.params_after));
  for (const std::string& n : r.removed) out += fmt::format("  - {}\n", n);
  for (const std::string& n : r.added) out += fmt::format("  + {}\n", n);
  const std::size_t shown = std::min(r.changed.size(), kChangedShown);
  for (std::size_t k = 0; k < shown; ++k) {
    const NodeChange& c = r.changed[k];
    out += fmt::format("  ~ {}{}: {} -> {}\n", c.node, c.op_changed ? " (op)" : "", graph::to_string(c.before),
                       graph::to_string(c.after));
  }
  if (shown < r.changed.size())
    out += fmt::format("  ~ ... {} more nodes changed (--json lists them all)\n", r.changed.size() - shown);
  return out;
}

nlohmann::ordered_json result_json(const PassResult& result) {
  const RewriteRecord& r = result.record;
  nlohmann::ordered_json j = {{"rule", r.rule}, {"site", r.site}, {"kind", r.kind}, {"eligible", result.graph.has_value()},
                              {"why_not", result.why_not}};
  if (!result.graph) return j;
  nlohmann::ordered_json changed = nlohmann::ordered_json::array();
  for (const NodeChange& c : r.changed)
    changed.push_back({{"node", c.node}, {"before", shape_json(c.before)}, {"after", shape_json(c.after)},
                       {"op_changed", c.op_changed}});
  j["what"] = r.what;
  j["removed"] = r.removed;
  j["added"] = r.added;
  j["changed"] = changed;
  j["macs_before"] = r.macs_before;
  j["macs_after"] = r.macs_after;
  j["params_before"] = r.params_before;
  j["params_after"] = r.params_after;
  return j;
}

}  // namespace hwnas::advise

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

nlohmann::ordered_json shapes_json(const std::vector<graph::Shape>& shapes) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const graph::Shape& s : shapes) j.push_back(shape_json(s));
  return j;
}

std::string shapes_text(const std::vector<graph::Shape>& shapes) {
  std::string out;
  for (const graph::Shape& s : shapes) out += (out.empty() ? "" : ", ") + graph::to_string(s);
  return out;
}

// "c.conv (op): [40,8,8] -> [40,16,16]"; a node whose output stays but whose inputs
// changed says what it reads: "c.conv (reads [24,8,8] -> [32,8,8]): [40,8,8]".
std::string change_text(const NodeChange& c) {
  std::vector<std::string> notes;
  if (c.op_changed) notes.emplace_back("op");
  const bool same_out = c.before == c.after;
  if (c.inputs_changed && same_out)
    notes.push_back(fmt::format("reads {} -> {}", shapes_text(c.inputs_before), shapes_text(c.inputs_after)));
  const std::string note = notes.empty() ? "" : fmt::format(" ({})", fmt::join(notes, "; "));
  if (same_out && c.inputs_changed && !c.op_changed) return fmt::format("{}{}: {}", c.node, note, graph::to_string(c.after));
  return fmt::format("{}{}: {} -> {}", c.node, note, graph::to_string(c.before), graph::to_string(c.after));
}

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
    out += fmt::format("  ~ {}\n", change_text(r.changed[k]));
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
  for (const NodeChange& c : r.changed) {
    nlohmann::ordered_json n = {{"node", c.node},
                                {"before", shape_json(c.before)},
                                {"after", shape_json(c.after)},
                                {"op_changed", c.op_changed},
                                {"inputs_changed", c.inputs_changed}};
    if (c.inputs_changed) {
      n["inputs_before"] = shapes_json(c.inputs_before);
      n["inputs_after"] = shapes_json(c.inputs_after);
    }
    changed.push_back(std::move(n));
  }
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

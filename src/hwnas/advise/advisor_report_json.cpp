// The advisor's JSON (advice_json; docs/advisor.md#json).
#include "hwnas/advise/advisor_report.h"
#include "hwnas/advise/advisor_report_parts.h"

namespace hwnas::advise {
namespace {

using Json = nlohmann::ordered_json;
using report_parts::gain_s;

Json ms_or_null(const std::optional<double>& s) { return s ? Json(*s * 1e3) : Json(nullptr); }

Json figures_json(const Figures& f) {
  return {{"latency_ms", f.latency_s * 1e3}, {"measured_latency_ms", ms_or_null(f.measured_s)},
          {"macs", f.macs},                  {"params", f.params},
          {"weight_bytes", f.weight_bytes},  {"peak_activation_bytes", f.peak_activation_bytes}};
}

Json change_json(const Change& c) {
  return {{"pass", c.pass},
          {"site", c.site},
          {"kind", c.kind},
          {"params", c.params},
          {"lossy", c.lossy},
          {"what", c.what},
          {"latency_ms_before", c.before.latency_s * 1e3},
          {"latency_ms_after", c.after.latency_s * 1e3},
          {"gain_ms", gain_s(c) * 1e3},
          {"gain_percent", c.before.latency_s > 0 ? gain_s(c) / c.before.latency_s * 100 : 0.0},
          {"measured_ms_before", ms_or_null(c.before.measured_s)},
          {"measured_ms_after", ms_or_null(c.after.measured_s)},
          {"macs_after", c.after.macs},
          {"params_after", c.after.params},
          {"weight_bytes_after", c.after.weight_bytes},
          {"peak_activation_bytes_after", c.after.peak_activation_bytes},
          {"breaks", c.breaks},
          {"explanation", c.explanation},
          {"why", c.why}};
}

Json step_json(const PlannedStep& s) { return {{"pass", s.pass}, {"site", s.site}, {"params", s.params}, {"why", s.why}}; }

}  // namespace

Json advice_json(const Advice& a, const AdviceSource& src) {
  Json limits = Json::array(), ranked = Json::array(), steps = Json::array(), dropped = Json::array(),
       skipped = Json::array(), refusals = Json::array();
  for (const Refusal& r : a.refusals) refusals.push_back({{"pass", r.pass}, {"sites", r.sites}, {"reasons", r.reasons}});
  for (const LimitStatus& l : a.limits)
    limits.push_back({{"key", l.given.key}, {"value", l.given.value}, {"percent", l.given.percent}, {"limit", l.limit},
                      {"baseline", l.baseline}, {"final", l.final}, {"met", l.met}});
  for (const Change& c : a.ranked) ranked.push_back(change_json(c));
  for (const Change& c : a.steps) steps.push_back(change_json(c));
  for (const PlannedStep& d : a.dropped) dropped.push_back(step_json(d));
  for (const Skipped& k : a.skipped) {
    Json j = step_json(k.step);
    j["why_not"] = k.why_not;
    skipped.push_back(std::move(j));
  }
  auto opt = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
  return {{"model", a.model},
          {"estimator", {{"file", src.estimator}, {"target", src.estimator_target}, {"parallelism", a.parallelism}}},
          {"target", src.target.empty() ? Json(nullptr) : Json(src.target)},
          {"baseline", figures_json(a.baseline)},
          {"limits", limits},
          {"candidates", ranked},
          {"refusals", refusals},
          {"spearman", opt(a.spearman)},
          {"max_error", opt(a.max_error)},
          {"max_error_gains", opt(a.max_error_gains)},
          {"steps", steps},
          {"dropped", dropped},
          {"skipped", skipped},
          {"final", figures_json(a.final)},
          {"limits_met", a.limits_met},
          {"evaluated", a.evaluated},
          {"out", src.out.empty() ? Json(nullptr) : Json(src.out)},
          {"summary", src.summary.empty() ? Json(nullptr) : Json(src.summary)}};
}

}  // namespace hwnas::advise

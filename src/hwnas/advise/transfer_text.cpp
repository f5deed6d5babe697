// The patterns and plans as text and JSON (transfer.h).
#include <fmt/format.h>

#include "hwnas/advise/transfer.h"

namespace hwnas::advise {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

std::string kernels_text(const DepthPattern& d) {
  std::vector<std::string> parts;
  for (const auto& [kernel, n] : d.kernels) parts.push_back(fmt::format("k{} {}", kernel, n));
  return join(parts, ", ");
}

nlohmann::ordered_json traits_json(const std::optional<BucketTraits>& t) {
  if (!t) return nullptr;
  return {{"blocks", t->blocks}, {"fused", t->fused}, {"kernel", t->kernel}, {"aligned", t->aligned},
          {"expansion", t->expansion}};
}

nlohmann::ordered_json step_json(const PlannedStep& step) {
  return {{"pass", step.pass}, {"site", step.site}, {"params", step.params}, {"why", step.why}};
}

}  // namespace

std::string patterns_text(const TransferPatterns& p) {
  std::string out = fmt::format("patterns of {} (space {}; objectives {}; P = {}): {} Pareto architecture{}\n",
                                p.experiment_dir, p.space, join(p.objectives, ", "),
                                p.parallelism_factor ? std::to_string(*p.parallelism_factor) : "unknown",
                                p.pareto_trials.size(), p.pareto_trials.size() == 1 ? "" : "s");
  out += fmt::format("{:<8} {:>5}  {:<16} {:<22} {:<16} {}\n", "depth", "archs", "fused (baseline)", "kernels (baseline)",
                     "aligned to P", "expansion (baseline)");
  for (const DepthPattern& d : p.depths) {
    const auto base = [&](const std::string& text) { return d.baseline ? " (" + text + ")" : std::string(); };
    out += fmt::format(
        "{:<8} {:>5}  {:<16} {:<22} {:<16} {}\n", depth_label(d.bucket), d.architectures,
        fmt::format("{}/{}{}", d.fused, d.architectures, base(d.baseline && d.baseline->fused ? "fused" : "ibn")),
        kernels_text(d) + base(d.baseline ? fmt::format("k{}", d.baseline->kernel) : ""),
        p.parallelism_factor
            ? fmt::format("{}/{}{}", d.aligned, d.architectures, base(d.baseline && d.baseline->aligned ? "yes" : "no"))
                             : "-",
        fmt::format("{:.2f}{}", d.expansion, base(d.baseline ? fmt::format("{:.2f}", d.baseline->expansion) : "")));
  }
  return out;
}

nlohmann::ordered_json patterns_json(const TransferPatterns& p) {
  nlohmann::ordered_json depths = nlohmann::ordered_json::array();
  for (const DepthPattern& d : p.depths) {
    nlohmann::ordered_json kernels = nlohmann::ordered_json::object();
    for (const auto& [kernel, n] : d.kernels) kernels[std::to_string(kernel)] = n;
    depths.push_back({{"depth", depth_label(d.bucket)},
                      {"architectures", d.architectures},
                      {"fused", d.fused},
                      {"kernels", kernels},
                      {"aligned", d.aligned},
                      {"expansion", d.expansion},
                      {"baseline", traits_json(d.baseline)}});
  }
  return {{"experiment", p.experiment_dir},
          {"space", p.space},
          {"objectives", p.objectives},
          {"parallelism_factor", p.parallelism_factor ? nlohmann::ordered_json(*p.parallelism_factor) : nullptr},
          {"pareto_trials", p.pareto_trials},
          {"baseline_genome", p.baseline_genome ? nlohmann::ordered_json(*p.baseline_genome) : nullptr},
          {"depths", depths}};
}

std::string plan_text(const TransferPlan& plan) {
  std::string out = fmt::format("{} steps\n", plan.steps.size());
  const auto params = [](const Params& ps) {
    std::string text;
    for (const auto& [k, v] : ps) text += fmt::format(" {}={}", k, v);
    return text;
  };
  for (const PlannedStep& s : plan.steps) out += fmt::format("  {} at {}{}: {}\n", s.pass, s.site, params(s.params), s.why);
  if (!plan.skipped.empty()) out += fmt::format("{} steps did not apply\n", plan.skipped.size());
  for (const TransferPlan::Skipped& s : plan.skipped)
    out += fmt::format("  {} at {}{}: {}; not applied: {}\n", s.step.pass, s.step.site, params(s.step.params), s.step.why,
                       s.why_not);
  return out;
}

nlohmann::ordered_json plan_json(const TransferPlan& plan) {
  nlohmann::ordered_json steps = nlohmann::ordered_json::array(), skipped = nlohmann::ordered_json::array();
  for (const PlannedStep& s : plan.steps) steps.push_back(step_json(s));
  for (const TransferPlan::Skipped& s : plan.skipped) {
    nlohmann::ordered_json j = step_json(s.step);
    j["why_not"] = s.why_not;
    skipped.push_back(j);
  }
  return {{"steps", steps}, {"skipped", skipped}};
}

}  // namespace hwnas::advise

#include "hwnas/advise/advisor_menu.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"

namespace hwnas::advise {
namespace {

// The settings tried (given params; defaults fill in the rest) and the class of a resolved
// setting: true when it reduces capacity or changes the function.
using Settings = std::function<std::vector<Params>(const graph::Graph&, std::int32_t p)>;
using Lossy = std::function<bool(const Params&)>;
struct Entry {
  std::string_view pass;
  Settings settings;
  Lossy lossy;
};

// Input heights 7/8, 3/4 and 1/2 of the current one, each rounded to a multiple of 8 and at
// least 32, distinct and smaller than the current.
std::vector<Params> resolutions(const graph::Graph& g, std::int32_t) {
  const std::vector<graph::NodeId> inputs = g.input_nodes();
  if (inputs.empty()) return {};
  const std::int32_t h = g.shape(inputs.front()).h;
  std::vector<Params> out;
  for (const auto& [num, den] : {std::pair{7, 8}, std::pair{3, 4}, std::pair{1, 2}}) {
    const std::int32_t r = std::max(32, (h * num / den + 4) / 8 * 8);
    const Params setting{{"resolution", std::to_string(r)}};
    if (r < h && std::find(out.begin(), out.end(), setting) == out.end()) out.push_back(setting);
  }
  return out;
}

std::vector<Params> one(Params p) { return {std::move(p)}; }
bool always(const Params&) { return true; }
bool never(const Params&) { return false; }
bool param_is(const Params& p, std::string_view key, std::string_view value) {
  const auto it = p.find(key);
  return it != p.end() && it->second == value;
}

// The one table of what the advisor tries and how it classes it (docs/advisor.md).
const std::vector<Entry>& table() {
  static const std::vector<Entry> t = {
      {"ibn_to_fused", [](const graph::Graph&, std::int32_t) { return one({}); }, never},
      {"depthwise_to_full", [](const graph::Graph&, std::int32_t) { return one({{"groups", "1"}}); }, never},
      {"align_channels",
       [](const graph::Graph&, std::int32_t p) {
         const std::string ps = std::to_string(p);
         return std::vector<Params>{{{"p", ps}, {"direction", "up"}}, {{"p", ps}, {"direction", "down"}}};
       },
       [](const Params& p) { return !param_is(p, "direction", "up"); }},
      {"even_channels", [](const graph::Graph&, std::int32_t) { return std::vector<Params>{{{"to", "max"}}, {{"to", "min"}}}; },
       [](const Params& p) { return !param_is(p, "to", "max"); }},
      {"change_kernel",
       [](const graph::Graph&, std::int32_t) { return std::vector<Params>{{{"kernel", "3"}}, {{"kernel", "5"}}}; },
       always},
      {"remove_se", [](const graph::Graph&, std::int32_t) { return one({}); }, always},
      {"move_se", [](const graph::Graph&, std::int32_t) { return one({}); }, always},
      {"swap_activation",
       [](const graph::Graph&, std::int32_t) {
         return std::vector<Params>{{{"from", "hardswish"}, {"to", "relu6"}}, {{"from", "silu"}, {"to", "relu6"}}};
       },
       always},
      {"scale_resolution", resolutions, always},
      {"scale_channels",
       [](const graph::Graph&, std::int32_t p) {
         // Rounding small counts up to a large P can add weights: divisor 8 is tried too.
         std::vector<Params> out;
         for (const std::int32_t divisor : p == 8 ? std::vector<std::int32_t>{8} : std::vector<std::int32_t>{p, 8})
           for (const char* width : {"0.75", "0.5"})
             out.push_back({{"width", width}, {"divisor", std::to_string(divisor)}});
         return out;
       },
       always},
  };
  return t;
}

const Entry* entry(const Pass& pass) {
  for (const Entry& e : table())
    if (e.pass == pass.name) return &e;
  return nullptr;
}

}  // namespace

std::vector<MenuSetting> menu(const graph::Graph& g, const Pass& pass, std::int32_t parallelism) {
  const Entry* e = entry(pass);
  if (e == nullptr) return {{{}, true}};
  std::vector<MenuSetting> out;
  for (Params& p : e->settings(g, parallelism)) {
    const bool lossy = e->lossy(p);
    out.push_back({std::move(p), lossy});
  }
  return out;
}

bool is_lossy(const Pass& pass, const Params& params) {
  const Entry* e = entry(pass);
  return e == nullptr || e->lossy(params);
}

std::vector<Candidate> candidates(const graph::Graph& g, const std::vector<const Pass*>& passes,
                                  std::int32_t parallelism) {
  std::vector<Candidate> out;
  for (const Pass* pass : passes) {
    for (const MenuSetting& setting : menu(g, *pass, parallelism)) {
      std::vector<PassResult> results;
      Params params;
      try {
        params = resolve_params(*pass, setting.params);
        results = try_pass(g, *pass, params);
      } catch (const UserError&) {
        continue;  // no valid setting (e.g. a required parameter the menu does not know)
      }
      for (PassResult& r : results) {
        if (!r.graph) continue;
        // Two settings of one pass that give the same graph at a site (divisor 8 and 16 on
        // counts that are multiples of 16) are one candidate: the first.
        const bool seen = std::any_of(out.begin(), out.end(), [&](const Candidate& c) {
          return c.pass == pass && c.result.record.site == r.record.site && c.result.graph->identical(*r.graph);
        });
        if (!seen) out.push_back({pass, params, setting.lossy, std::move(r)});
      }
    }
  }
  return out;
}

std::vector<Refusal> refusals(const graph::Graph& g, const std::vector<const Pass*>& passes,
                              std::int32_t parallelism) {
  constexpr std::size_t kReasons = 3;
  std::vector<Refusal> out;
  for (const Pass* pass : passes) {
    if (!candidates(g, {pass}, parallelism).empty()) continue;
    Refusal r{std::string(pass->name)};
    for (const MenuSetting& setting : menu(g, *pass, parallelism)) {
      std::vector<PassResult> results;
      try {
        results = try_pass(g, *pass, resolve_params(*pass, setting.params));
      } catch (const UserError& e) {
        results = {PassResult{std::nullopt, {}, e.what()}};
      }
      r.sites = std::max(r.sites, static_cast<std::int64_t>(results.size()));
      for (const PassResult& p : results)
        if (r.reasons.size() < kReasons && std::find(r.reasons.begin(), r.reasons.end(), p.why_not) == r.reasons.end())
          r.reasons.push_back(p.why_not);
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<const Pass*> select_passes(std::string_view names, std::string_view option) {
  std::vector<const Pass*> out;
  std::vector<std::string_view> wanted;
  while (true) {
    const std::string_view name = names.substr(0, names.find(','));
    const auto it = std::find_if(passes().begin(), passes().end(), [&](const Pass& p) { return p.name == name; });
    if (it == passes().end()) {
      std::string all;
      for (const Pass& p : passes()) all += fmt::format("{}{}", all.empty() ? "" : ",", p.name);
      throw UserError(fmt::format("{} '{}': {}; give a comma-separated list of {} (or leave {} out to try every "
                                  "pass)",
                                  option, printable(name, 40), name.empty() ? "no pass named" : "no such pass", all,
                                  option));
    }
    wanted.push_back(name);
    if (name.size() == names.size()) break;
    names.remove_prefix(name.size() + 1);
  }
  for (const Pass& p : passes())
    if (std::find(wanted.begin(), wanted.end(), p.name) != wanted.end()) out.push_back(&p);
  return out;
}

std::string params_text(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) out += fmt::format("{}{}={}", out.empty() ? "" : ",", k, v);
  return out;
}

}  // namespace hwnas::advise

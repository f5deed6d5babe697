#include "hwnas/search/fidelity_schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "hwnas/base/error.h"

namespace hwnas::search {
namespace {

constexpr std::int64_t kMaxBracket = 1'000'000;  // candidates in one bracket
constexpr std::int64_t kMaxRungs = 10;

/// eta^k, or kMaxBracket + 1 once it passes kMaxBracket.
std::int64_t capped_power(std::int64_t eta, std::int64_t k) {
  std::int64_t p = 1;
  for (std::int64_t i = 0; i < k && p <= kMaxBracket; ++i) p *= eta;
  return std::min(p, kMaxBracket + 1);
}

/// The multi_fidelity section after its checks (make_fidelity_schedule's).
struct MultiFidelity {
  FidelitySchedule schedule;
  std::vector<ExperimentSection> rungs;
};

MultiFidelity read_multi_fidelity(const YAML::Node& experiment, const std::string& file,
                                  const std::set<std::string>& set_keys) {
  const ExperimentSection top(experiment, file, "", set_keys);
  const ExperimentSection mf = top.section("multi_fidelity");
  mf.only({"method", "eta", "rungs", "candidates"});
  if (!top.has("accuracy"))
    top.fail("multi_fidelity", "needs an accuracy source that trains at several fidelities; add accuracy: train: "
                               "(or command:), or remove multi_fidelity");
  if (const ExperimentSection acc = top.section("accuracy"); acc.node().IsMap() && acc.has("csv"))
    top.fail("multi_fidelity", "accuracy.csv has one fidelity (a table); multi-fidelity needs accuracy.train or "
                               "accuracy.command, or remove multi_fidelity");

  const std::string method = mf.text("method", {}, "give successive_halving or hyperband");
  if (method != "successive_halving" && method != "hyperband")
    mf.fail("method", fmt::format("'{}' is not a method; use successive_halving or hyperband", method));
  const auto eta = static_cast<std::int32_t>(mf.integer("eta", 2, 100, 3));

  const YAML::Node list = mf.required("rungs", "give the fidelities from low to high, e.g. [{epochs: 1}, {epochs: 3}, "
                                               "{epochs: 9}]");
  if (!list.IsSequence() || list.size() < 2 || list.size() > kMaxRungs)
    mf.fail("rungs", fmt::format("must be a list of 2 to {} fidelities from low to high, got {}", kMaxRungs,
                                 list.IsSequence() ? fmt::format("{} item(s)", list.size()) : "no list"));
  const auto rungs = static_cast<std::int32_t>(list.size());
  const std::int64_t full = capped_power(eta, rungs - 1);
  if (full > kMaxBracket)
    mf.fail("rungs", fmt::format("{} rungs at eta {} make brackets of eta^{} > {} candidates; use fewer rungs or a "
                                 "smaller eta",
                                 rungs, eta, rungs - 1, kMaxBracket));

  std::int64_t candidates = full;
  if (method == "hyperband") {
    if (mf.has("candidates"))
      mf.fail("candidates", "hyperband sets each bracket's candidates itself (Li et al. 2018); remove it, or use "
                            "method: successive_halving");
  } else {
    candidates = mf.integer("candidates", eta, kMaxBracket, full);
  }
  std::vector<ExperimentSection> sections;
  for (std::size_t i = 0; i < list.size(); ++i)
    sections.emplace_back(list[i], file, fmt::format("multi_fidelity.rungs[{}]", i), set_keys);
  const FidelityMethod kind = method == "hyperband" ? FidelityMethod::hyperband : FidelityMethod::successive_halving;
  return {FidelitySchedule(kind, rungs, eta, static_cast<std::int32_t>(candidates)), std::move(sections)};
}

}  // namespace

FidelitySchedule::FidelitySchedule(FidelityMethod method, std::int32_t rungs, std::int32_t eta,
                                   std::int32_t candidates)
    : method_(method), rungs_(rungs), eta_(eta), candidates_(candidates) {
  HWNAS_CHECK(rungs >= 1 && rungs <= kMaxRungs && eta >= 2 && candidates >= 1);
  HWNAS_CHECK((method == FidelityMethod::single) == (rungs == 1));
  HWNAS_CHECK(capped_power(eta, rungs - 1) <= kMaxBracket);
}

Bracket FidelitySchedule::bracket(std::int64_t step) const {
  HWNAS_CHECK(step >= 0);
  if (method_ != FidelityMethod::hyperband) return {candidates_, 0};
  const std::int64_t s_max = rungs_ - 1;
  const std::int64_t s = s_max - step % (s_max + 1);
  // n = ceil((s_max + 1) / (s + 1) * eta^s), in integers.
  const std::int64_t n = ((s_max + 1) * capped_power(eta_, s) + s) / (s + 1);
  return {static_cast<std::int32_t>(n), static_cast<std::int32_t>(s_max - s)};
}

FidelitySchedule::Promotion FidelitySchedule::promote(std::int32_t rung,
                                                     std::span<const std::optional<double>> accuracies,
                                                     std::span<const std::optional<std::uint64_t>> networks,
                                                     std::size_t n) const {
  HWNAS_CHECK(rung >= 0 && rung < rungs_);
  HWNAS_CHECK(networks.empty() || networks.size() == accuracies.size());
  std::vector<std::size_t> ok;
  for (std::size_t i = 0; i < accuracies.size(); ++i) {
    if (!accuracies[i]) continue;
    HWNAS_CHECK(std::isfinite(*accuracies[i]));
    ok.push_back(i);
  }
  if (rung == rungs_ - 1 || ok.empty()) return {};
  std::stable_sort(ok.begin(), ok.end(), [&](std::size_t a, std::size_t b) { return *accuracies[a] > *accuracies[b]; });
  const std::size_t slots = std::max<std::size_t>(1, n / static_cast<std::size_t>(eta_));
  Promotion out;
  std::set<std::uint64_t> promoted;  // the networks that took a slot
  for (const std::size_t i : ok) {
    const std::optional<std::uint64_t> network = networks.empty() ? std::nullopt : networks[i];
    if (network && promoted.contains(*network)) {
      out.positions.push_back(i);  // follows its network
    } else if (out.slots < slots) {
      out.positions.push_back(i);
      ++out.slots;
      if (network) promoted.insert(*network);
    }
  }
  std::sort(out.positions.begin(), out.positions.end());
  return out;
}

FidelitySchedule make_fidelity_schedule(const YAML::Node& experiment, const std::string& file, std::int32_t batch,
                                        const std::set<std::string>& set_keys) {
  HWNAS_CHECK(batch >= 1);
  if (!experiment["multi_fidelity"]) return FidelitySchedule(FidelityMethod::single, 1, 2, batch);
  return read_multi_fidelity(experiment, file, set_keys).schedule;
}

std::vector<ExperimentSection> fidelity_rungs(const YAML::Node& experiment, const std::string& file,
                                              const std::set<std::string>& set_keys) {
  if (!experiment["multi_fidelity"]) return {};
  return read_multi_fidelity(experiment, file, set_keys).rungs;
}

}  // namespace hwnas::search

// The `accuracy:` section's kind (csv, command or train) and, with `multi_fidelity:`, one
// source per rung.
#include <fmt/format.h>

#include "hwnas/base/error.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/fidelity_schedule.h"

namespace hwnas::search {
namespace {

void check_one_kind(const ExperimentSection& s) {
  const int kinds = int{s.has("csv")} + int{s.has("command")} + int{s.has("train")};
  if (!s.node().IsMap() || kinds != 1)
    throw UserError(fmt::format("{}: {}: give exactly one of csv: FILE with column: NAME, or command: [PROGRAM, "
                                "ARGS...] naming {{model}}, or train: {{epochs: N, ...}} (docs/experiments.md); "
                                "leave accuracy: out for a latency-only search",
                                s.file(), s.prefix()));
  if (s.has("train")) s.only({"train"});
}

/// A command rung: the text put in {fidelity}, different from the rung below.
std::string command_rung(const ExperimentSection& rung, const std::string* below) {
  const YAML::Node& v = rung.node();
  const auto fail = [&](const std::string& message) {
    throw UserError(fmt::format("{}:{}: {}: {}", rung.file(), v.Mark().line + 1, rung.prefix(), message));
  };
  if (!v.IsScalar() || v.Scalar().empty())
    fail(fmt::format("must be the text put in the command's {{fidelity}}, e.g. 3, got {}", value_words(v)));
  for (char ch : v.Scalar())
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
      fail(fmt::format("holds the control byte 0x{:02x}; remove it", static_cast<unsigned char>(ch)));
  if (below != nullptr && *below == v.Scalar())
    fail(fmt::format("'{}' is the rung below's fidelity too; give each rung its own", v.Scalar()));
  return v.Scalar();
}

}  // namespace

std::vector<std::unique_ptr<AccuracySource>> make_accuracy_sources(const YAML::Node& experiment,
                                                                   const std::string& file,
                                                                   const space::Space& space) {
  const std::vector<ExperimentSection> rungs = fidelity_rungs(experiment, file);  // checks multi_fidelity
  const ExperimentSection top(experiment, file, "");
  std::vector<std::unique_ptr<AccuracySource>> sources;
  if (!top.has("accuracy")) return sources;
  const ExperimentSection s = top.section("accuracy");
  check_one_kind(s);
  if (s.has("train")) return make_train_accuracies(s.section("train"), rungs);
  if (s.has("csv")) {
    sources.push_back(make_csv_accuracy(s, space));  // make_fidelity_schedule refused rungs
    return sources;
  }
  if (rungs.empty()) {
    sources.push_back(make_external_accuracy(s));
    return sources;
  }
  std::string below;
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    below = command_rung(rungs[i], i == 0 ? nullptr : &below);
    sources.push_back(make_external_accuracy(s, below));
  }
  return sources;
}

}  // namespace hwnas::search

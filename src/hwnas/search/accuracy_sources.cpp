// The `accuracy:` section's kind (csv, command, train or proxy) and, with
// `multi_fidelity:`, one source per rung.
#include <fmt/format.h>

#include "hwnas/base/error.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/fidelity_schedule.h"
#include "hwnas/train/model_input.h"

namespace hwnas::search {
namespace {

void check_one_kind(const ExperimentSection& s) {
  const int kinds = int{s.has("csv")} + int{s.has("command")} + int{s.has("train")} + int{s.has("proxy")};
  if (!s.node().IsMap() || kinds != 1)
    throw UserError(fmt::format("{}: {}: give exactly one of csv: FILE with column: NAME, or command: [PROGRAM, "
                                "ARGS...] naming {{model}}, or train: {{epochs: N, ...}}, or proxy: NAME "
                                "(docs/experiments.md, docs/proxies.md); leave accuracy: out for a latency-only "
                                "search",
                                s.file(), s.prefix()));
  if (s.has("train")) s.only({"train"});
  if (s.has("proxy")) s.only({"proxy"});
}

/// A command rung: the text put in {fidelity}, different from the rung below.
std::string command_rung(const ExperimentSection& rung, const std::string* below) {
  const YAML::Node& v = rung.node();
  const auto fail = [&](const std::string& message) { rung.fail_here(message); };
  if (!v.IsScalar() || v.Scalar().empty())
    fail(fmt::format("must be the text put in the command's {{fidelity}}, e.g. 3, got {}", value_words(v)));
  for (char ch : v.Scalar())
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
      fail(fmt::format("holds the control byte 0x{:02x}; remove it", static_cast<unsigned char>(ch)));
  if (below != nullptr && *below == v.Scalar())
    fail(fmt::format("'{}' is the rung below's fidelity too; give each rung its own", v.Scalar()));
  return v.Scalar();
}

/// For classification, that the space's networks are classifiers hwnas-train can train on
/// Fashion-MNIST (10 classes, 1 or 3 input channels), judged on its baseline or, without
/// one, its first random genome: a space of another head would fail every trial.
void check_trainable(const ExperimentSection& train, const space::Space& space) {
  if (train.has("task") && train.text("task") != "classification") return;
  const space::Genome genome = space.baseline() ? *space.baseline() : space::sample_distinct(space, 1, 0).front();
  const graph::Graph network = space.decode(genome);
  try {
    const train::InputShape in = train::input_shape(network);
    if (in.channels != 1 && in.channels != 3)
      throw UserError(fmt::format("its networks take {}-channel images; Fashion-MNIST's are grayscale (1 channel, or "
                                  "replicated to 3)",
                                  in.channels));
    train::check_classifier(network, 10);
  } catch (const UserError& e) {
    std::string why = e.what();
    if (const std::size_t fix = why.find("; use "); fix != std::string::npos) why.resize(fix);  // the fix is ours
    throw UserError(fmt::format("{}: {}: space '{}' cannot be trained on Fashion-MNIST ({}); give a space whose "
                                "networks take 1- or 3-channel images and end in 10 classes (e.g. "
                                "configs/spaces/mobilenet-cls-fmnist.yaml)",
                                train.file(), train.prefix(), space.name(), why));
  }
}

}  // namespace

std::vector<std::unique_ptr<AccuracySource>> make_accuracy_sources(const YAML::Node& experiment,
                                                                   const std::string& file,
                                                                   const space::Space& space,
                                                                   const std::set<std::string>& set_keys) {
  const std::vector<ExperimentSection> rungs = fidelity_rungs(experiment, file, set_keys);  // checks multi_fidelity
  const ExperimentSection top(experiment, file, "", set_keys);
  std::vector<std::unique_ptr<AccuracySource>> sources;
  if (!top.has("accuracy")) return sources;
  const ExperimentSection s = top.section("accuracy");
  check_one_kind(s);
  if (s.has("train")) {
    sources = make_train_accuracies(s.section("train"), rungs);
    check_trainable(s.section("train"), space);
    return sources;
  }
  if (s.has("proxy")) {
    if (!rungs.empty())
      s.fail("proxy", "a proxy scores without training, so it has no fidelity rungs; remove multi_fidelity:");
    sources.push_back(make_proxy_accuracy(s, space));
    return sources;
  }
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

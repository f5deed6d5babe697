// The `accuracy:` section's kind (csv, command, train, proxy or supernet) and, with
// `multi_fidelity:`, one source per rung: rungs of their own source (proxy, supernet) first,
// then the rungs of the accuracy: source (docs/hybrid.md).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "hwnas/base/error.h"
#include "hwnas/base/suggest.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/experiment_input.h"
#include "hwnas/search/fidelity_schedule.h"
#include "hwnas/space/registry.h"
#include "hwnas/space/yaml_space.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/tasks/task_heads.h"
#include "hwnas/train/train_options.h"

namespace hwnas::search {
namespace {

constexpr std::string_view kKindKeys[] = {"csv", "command", "train", "proxy", "supernet"};
// Every key accuracy: may hold beside its kind (csv's and command's settings).
constexpr std::string_view kAccuracyKeys[] = {"csv",     "column",    "arch_column", "command", "timeout_s",
                                              "fidelity", "model_format", "train",   "proxy",   "supernet"};

void check_one_kind(const ExperimentSection& s) {
  const auto kinds = std::count_if(std::begin(kKindKeys), std::end(kKindKeys),
                                   [&](std::string_view kind) { return s.has(kind); });
  const std::string kinds_hint =
      "give exactly one of csv: FILE with column: NAME, or command: [PROGRAM, ARGS...] naming {model}, or train: "
      "{epochs: N, ...}, or proxy: NAME, or supernet: FILE (docs/experiments.md, docs/proxies.md); leave accuracy: "
      "out for a latency-only search";
  if (s.node().IsMap() && kinds == 0)  // a misspelt kind: named at its line, with the kind it is closest to
    for (const auto& entry : s.node()) {
      const std::string key = entry.first.Scalar();
      if (std::find(std::begin(kAccuracyKeys), std::end(kAccuracyKeys), key) != std::end(kAccuracyKeys)) continue;
      const std::string close = closest_name(key, kKindKeys);
      s.fail(key, fmt::format("unknown key{}; {}", close.empty() ? "" : " (did you mean '" + close + "'?)",
                              kinds_hint));
    }
  if (kinds > 1) {  // "supernet and proxy", in the file's order, at the section's line
    std::vector<std::string> given;
    for (const auto& entry : s.node())
      if (std::find(std::begin(kKindKeys), std::end(kKindKeys), entry.first.Scalar()) != std::end(kKindKeys))
        given.push_back(entry.first.Scalar());
    const bool csv = std::find(given.begin(), given.end(), "csv") != given.end();
    const std::string last = given.back();
    given.pop_back();
    constexpr std::string_view kCount[] = {"two", "three", "four", "five"};  // kinds is 2 to std::size(kKindKeys)
    s.fail_here(fmt::format("{} and {} are {} sources, and accuracy: takes one; keep one{}", fmt::join(given, ", "),
                            last, kCount[kinds - 2],
                            csv ? " (a csv table has one fidelity: it cannot be a rung of multi_fidelity)"
                                : ", or combine them as the rungs of multi_fidelity under accuracy: train: "
                                  "(rungs: [{proxy: synflow}, {supernet: FILE}, {epochs: 10}], docs/hybrid.md)"));
  }
  if (!s.node().IsMap() || kinds != 1) throw UserError(fmt::format("{}: {}: {}", s.file(), s.prefix(), kinds_hint));
  if (s.has("train")) s.only({"train"});
  if (s.has("proxy")) s.only({"proxy"});
  if (s.has("supernet")) s.only({"supernet"});
}

constexpr std::string_view kSourceKeys[] = {"proxy", "supernet"};

bool is_train_rung_key(std::string_view key) {
  const std::span<const std::string_view> keys = train_rung_keys();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

/// The source a multi_fidelity rung names for itself ("proxy", "supernet"), or "" for a
/// rung of the accuracy: source.
std::string rung_source(const ExperimentSection& rung) {
  if (!rung.node().IsMap()) return "";
  for (const char* kind : {"proxy", "supernet"})
    if (rung.has(kind)) return kind;
  return "";
}

/// Checks that the rungs are an optional proxy rung (rung 0), an optional supernet rung,
/// then at least one rung of accuracy.`kind` (train or command), and that a source rung has
/// its source's key alone. Returns how many source rungs come first.
std::size_t check_rung_order(const std::vector<ExperimentSection>& rungs, const std::string& kind) {
  const std::string example = kind == "train" ? "{epochs: 10}" : "10 (the text put in {fidelity})";
  std::size_t sources = 0;
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    const ExperimentSection& r = rungs[i];
    const std::string own = rung_source(r);
    if (own.empty()) {
      if (!r.node().IsMap()) continue;
      for (const char* other : {"csv", "command", "train"})
        if (r.has(other))
          r.fail(other, fmt::format("a rung is a fidelity of accuracy.{}, or a source of its own: {{proxy: NAME}} "
                                    "or {{supernet: FILE}} (docs/hybrid.md); remove {}",
                                    kind, other));
      for (const auto& entry : r.node()) {  // a misspelt source key: read as a training key, it has no suggestion
        const std::string key = entry.first.Scalar();
        const std::string close = closest_name(key, kSourceKeys);
        if (!close.empty() && !is_train_rung_key(key))
          r.fail(key, fmt::format("unknown key (did you mean '{}'?); a rung is a fidelity of accuracy.{}, or a source "
                                  "of its own: {{proxy: NAME}} or {{supernet: FILE}} (docs/hybrid.md)",
                                  close, kind));
      }
      continue;
    }
    for (const auto& entry : r.node()) {
      const std::string key = entry.first.Scalar();
      if (key == own) continue;
      if (key == "proxy" || key == "supernet")
        r.fail(key, fmt::format("a rung has one source; this one is {} already: give {} a rung of its own", own, key));
      const std::string example =
          own == "proxy" ? "proxy: {name: synflow, batch: 64}" : "supernet: {file: FILE, threads: 1}";
      const char* does = own == "proxy" ? "scores candidates" : "evaluates shared weights";
      if (kind == "train" && !is_train_rung_key(key)) {
        // Suggest the rung's own key; a near training key is no fix here (this rung refuses
        // those too), so it is named with where it belongs.
        const std::string_view own_keys[] = {own};
        const std::string own_close = closest_name(key, own_keys);
        const std::string train_close = closest_name(key, train_rung_keys());
        const std::string hint =
            !own_close.empty()     ? " (did you mean '" + own_close + "'?)"
            : !train_close.empty() ? " ('" + train_close + "', if you meant it, belongs in a rung of accuracy.train)"
                                   : "";
        r.fail(key, fmt::format("unknown key{}; a {} rung {} without training: its only key is {} (its settings go "
                                "inside it, e.g. {})",
                                hint, own, does, own, example));
      }
      r.fail(key, fmt::format("a {} rung {} without training: its only key is {} (its settings go inside it, e.g. "
                              "{}); {} belongs in a rung of accuracy.{}: remove it here",
                              own, does, own, example, key, kind));
    }
    for (std::size_t j = 0; j < i; ++j)
      if (rung_source(rungs[j]) == own)
        r.fail_here(fmt::format("rung {} is a {} rung already, and a bracket has one {} rung at most: remove this "
                                "one{}",
                                j, own, own,
                                own == "proxy" ? " and keep the proxy that ranks this space best at rung 0 "
                                                 "(docs/proxies.md compares them)"
                                               : ""));
    if (own == "proxy" && i != 0)
      r.fail_here("a proxy rung screens candidates for nothing before any other rung: make it rung 0 (one proxy rung "
                  "at most)");
    if (sources != i)
      r.fail_here(fmt::format("a {} rung comes below the rungs of accuracy.{} (rung {} is one): move it before them",
                              own, kind, sources));
    ++sources;
  }
  if (sources == rungs.size())
    rungs.back().fail_here(fmt::format("the last rung is the full fidelity, measured by accuracy.{}: end the rungs "
                                       "with one of its rungs, e.g. {}",
                                       kind, example));
  return sources;
}

/// The planned sources of the first `count` rungs (proxy or supernet rungs); a proxy rung
/// takes `proxy` (the training's data and scenes) where it gives none of its own.
void add_source_rungs(const std::vector<ExperimentSection>& rungs, std::size_t count, const space::Space& space,
                      std::vector<PlannedSource>& sources, const ProxyDefaults& proxy = {}) {
  for (std::size_t i = 0; i < count; ++i)
    sources.push_back(rung_source(rungs[i]) == "proxy" ? plan_proxy_accuracy(rungs[i], space, proxy)
                                                       : plan_supernet_accuracy(rungs[i], space));
}

}  // namespace

ProxyDefaults training_proxy_defaults(const ExperimentSection& train) {
  ProxyDefaults d;
  if (train.has("data")) d.data = std::filesystem::absolute(train.path("data")).lexically_normal().string();
  if (train.has("scene_size")) d.scene_size = train.integer("scene_size", 32, 1024);
  if (train.has("scene_labels")) d.scene_labels = train.text("scene_labels");
  return d;
}

namespace {

/// A source made already (nothing slow to start), as a planned one.
PlannedSource made(std::unique_ptr<AccuracySource> source) {
  auto held = std::make_shared<std::unique_ptr<AccuracySource>>(std::move(source));
  return {[held] { return std::move(*held); }, {}};
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

/// That the space's networks are what accuracy.train's task trains, judged on its baseline
/// or, without one, its first random genome, at each resolution a rung trains at (its own
/// `resolution`, else accuracy.train's; 0: the network's own): classifiers of Fashion-MNIST
/// (train/model_input.h classifier_at: 10 classes, 1 or 3 input channels), or detectors or
/// segmenters of the scenes' classes (train/tasks/task_heads.h scene_model). A space of
/// another head would fail every trial (s27 fresh-user finding 2: mobilenet-seg's 21
/// classes). The error names the key that gives the resolution when a rung gives it and the
/// network passes at its own resolution; one that fails at its own too (a head of the wrong
/// classes) names accuracy.train (s29 fresh-user finding 7). For classification, a space of
/// the scenes' segmenters or detectors is told the task: to set (finding 10).
void check_trainable(const ExperimentSection& train, const std::vector<ExperimentSection>& rungs,
                     const space::Space& space) {
  const space::Genome genome = space.baseline() ? *space.baseline() : space::sample_distinct(space, 1, 0).front();
  const graph::Graph network = space.decode(genome);
  const train::Task task =
      train.has("task") ? train::parse_task(train.text("task"), "task") : train::Task::classification;
  const train::SceneLabels labels =
      train.has("scene_labels") ? train::parse_scene_labels(train.text("scene_labels"), "scene_labels")
                                : train::SceneLabels::items;  // both checked when the keys were read
  const auto resolution_of = [](const ExperimentSection& s) {
    return static_cast<std::int32_t>(s.integer("resolution", 0, 1 << 20));
  };
  // Each trained resolution with the section that gives it (accuracy.train's for a rung
  // without its own, and for a single fidelity).
  std::vector<std::pair<const ExperimentSection*, std::int32_t>> where;
  const std::int32_t own = train.has("resolution") ? resolution_of(train) : 0;
  for (const ExperimentSection& rung : rungs)
    if (rung.node().IsMap() && rung.has("resolution")) where.emplace_back(&rung, resolution_of(rung));
    else where.emplace_back(&train, own);
  if (rungs.empty()) where.emplace_back(&train, own);
  const auto check_at = [&](train::Task as, std::int32_t resolution) {
    if (as == train::Task::classification) train::classifier_at(network, resolution, 10);
    else train::scene_model(network, resolution, as, as == task ? labels : train::SceneLabels::items);
  };
  // The scene task whose networks these are, when not `task` (a space of segmenters with
  // task: left out suggests task: segmentation; s29 fresh-user finding 10).
  const auto scene_task_that_fits = [&]() -> std::optional<train::Task> {
    for (const train::Task other : {train::Task::segmentation, train::Task::detection}) {
      if (other == task) continue;
      try {
        check_at(other, 0);
        return other;
      } catch (const UserError&) {
      }
    }
    return std::nullopt;
  };
  std::set<std::int32_t> checked;
  for (auto [section, resolution] : where) {
    if (!checked.insert(resolution).second) continue;
    std::optional<UserError> failure;
    try {
      check_at(task, resolution);
    } catch (const UserError& e) {
      failure = e;
    }
    if (!failure) continue;
    // A network that fails at its own resolution fails at every one: the space is at fault,
    // not the rung's resolution, and accuracy.train is named (s29 fresh-user finding 7).
    if (resolution != 0) {
      try {
        check_at(task, 0);
      } catch (const UserError& e) {
        failure = e;
        section = &train;
        resolution = 0;
      }
    }
    const std::string at = resolution == 0 ? "" : fmt::format(" at resolution {}", resolution);
    const std::string key = section == &train ? train.prefix() : section->key_path("resolution");
    if (task == train::Task::classification) {
      const std::optional<train::Task> fits = scene_task_that_fits();
      throw UserError(fmt::format("{}: {}: space '{}' cannot be trained on Fashion-MNIST{} ({}); {}{}",
                                  train.file(), key, space.name(), at, train::reason_without_model_fix(*failure),
                                  fits ? fmt::format("its networks are {} of the scenes: set accuracy.train.task: {}, "
                                                     "or ",
                                                     *fits == train::Task::detection ? "detectors" : "segmenters",
                                                     train::task_name(*fits))
                                       : "",
                                  train::kFashionMnistSpaceFix));
    }
    const std::int32_t classes = train::object_classes(labels) + 1;  // with the background
    const bool detection = task == train::Task::detection;
    throw UserError(fmt::format("{}: {}: space '{}' cannot be trained on the scenes for {}{} ({}); give a space "
                                "of {} of {} classes (the head's classes: {}, background included), e.g. "
                                "configs/spaces/mobilenet-{}-scenes.yaml{}",
                                train.file(), key, space.name(), train::task_name(task), at,
                                train::reason_without_model_fix(*failure),
                                detection ? "SSD detectors" : "segmenters", classes, classes,
                                detection ? "det" : "seg",
                                classes == 11 ? "" : fmt::format(" with classes: {}", classes)));
  }
}

}  // namespace

std::vector<PlannedSource> plan_accuracy_sources(const YAML::Node& experiment, const std::string& file,
                                                 const space::Space& space, const std::set<std::string>& set_keys,
                                                 const EvaluationsAtOnce& at_once) {
  const std::vector<ExperimentSection> rungs = fidelity_rungs(experiment, file, set_keys);  // checks multi_fidelity
  const ExperimentSection top(experiment, file, "", set_keys);
  std::vector<PlannedSource> sources;
  if (!top.has("accuracy")) return sources;
  const ExperimentSection s = top.section("accuracy");
  check_one_kind(s);
  const std::string kind = s.has("train") ? "train" : s.has("command") ? "command" : "";
  const std::size_t own = kind.empty() || rungs.empty() ? 0 : check_rung_order(rungs, kind);
  const std::vector<ExperimentSection> fidelities(rungs.begin() + static_cast<std::ptrdiff_t>(own), rungs.end());
  if (s.has("train")) {
    std::vector<std::unique_ptr<AccuracySource>> trained =
        make_train_accuracies(s.section("train"), fidelities, own, at_once, &top);
    check_trainable(s.section("train"), fidelities, space);
    add_source_rungs(rungs, own, space, sources, training_proxy_defaults(s.section("train")));
    for (auto& source : trained) sources.push_back(made(std::move(source)));
    return sources;
  }
  if (s.has("proxy") || s.has("supernet")) {
    const bool proxy = s.has("proxy");
    if (!rungs.empty())
      s.fail(proxy ? "proxy" : "supernet",
             fmt::format("{} without training, so it has no fidelity rungs; to {} before training, make it a rung "
                         "under accuracy: train: (rungs: [{}, {{epochs: 10}}], docs/hybrid.md), or remove "
                         "multi_fidelity:",
                         proxy ? "a proxy scores" : "a supernet evaluates shared weights",
                         proxy ? "screen with it" : "rank with it", proxy ? "{proxy: synflow}" : "{supernet: FILE}"));
    sources.push_back(proxy ? plan_proxy_accuracy(s, space) : plan_supernet_accuracy(s, space));
    return sources;
  }
  if (s.has("csv")) {
    sources.push_back(made(make_csv_accuracy(s, space)));  // make_fidelity_schedule refused rungs
    return sources;
  }
  if (rungs.empty()) {
    sources.push_back(made(make_external_accuracy(s)));
    return sources;
  }
  std::vector<std::unique_ptr<AccuracySource>> commands;
  std::string below;
  for (std::size_t i = 0; i < fidelities.size(); ++i) {
    below = command_rung(fidelities[i], i == 0 ? nullptr : &below);
    commands.push_back(make_external_accuracy(s, below));
  }
  add_source_rungs(rungs, own, space, sources);
  for (auto& source : commands) sources.push_back(made(std::move(source)));
  return sources;
}

namespace {

// The task of the experiment's space's head: a space file's `head.task` (its path as the
// experiment names it, from `experiment_file`'s directory), a built-in YAML space's;
// nullopt when it cannot be told here (no such file, as a stored experiment's may be).
std::optional<space::Task> space_head_task(const YAML::Node& experiment, const std::string& experiment_file) {
  try {
    const YAML::Node node = experiment["space"];
    const std::string spec = node.IsScalar() ? node.Scalar() : node["name"].Scalar();
    if (space::is_space_file(spec)) {
      const YAML::Node head = YAML::LoadFile(resolve_experiment_path(spec, experiment_file, "space"))["head"];
      const std::string task = head.IsMap() && head["task"].IsScalar() ? head["task"].Scalar() : "classification";
      for (const space::Task t : {space::Task::classification, space::Task::detection, space::Task::segmentation})
        if (space::task_name(t) == task) return t;
      return std::nullopt;
    }
    const std::unique_ptr<space::Space> built_in = space::make_space(spec, {});
    if (const auto* yaml = dynamic_cast<const space::YamlSpace*>(built_in.get())) return yaml->definition().head.task;
  } catch (const std::exception&) {  // YAML's and UserError: the space's own errors are the search's to say
  }
  return std::nullopt;
}

}  // namespace

std::string accuracy_metric(const YAML::Node& experiment, const std::string& experiment_file) {
  // A key that is absent gives an invalid node, which only IsDefined() may be asked.
  const auto has = [](const YAML::Node& map, const char* name) { return map.IsMap() && map[name].IsDefined(); };
  if (!has(experiment, "accuracy")) return "";
  const YAML::Node accuracy = experiment["accuracy"];
  if (has(accuracy, "train")) {
    const YAML::Node train = accuracy["train"];
    const std::string task = has(train, "task") && train["task"].IsScalar() ? train["task"].Scalar() : "";
    return task == "detection" ? "100 x mAP@0.5" : task == "segmentation" ? "100 x mIoU" : "top-1 %";
  }
  if (has(accuracy, "proxy")) return "proxy percentile";
  if (has(accuracy, "supernet")) {
    const std::optional<space::Task> task = space_head_task(experiment, experiment_file);
    if (!task) return "top-1 %, 100 x mAP@0.5 or 100 x mIoU with shared weights";
    return *task == space::Task::detection      ? "100 x mAP@0.5 with shared weights"
           : *task == space::Task::segmentation ? "100 x mIoU with shared weights"
                                                : "top-1 % with shared weights";
  }
  if (has(accuracy, "csv") && has(accuracy, "column") && accuracy["column"].IsScalar())
    return "column " + accuracy["column"].Scalar();
  return "";
}

std::string accuracy_baseline_name(const YAML::Node& experiment) {
  const std::string metric = accuracy_metric(experiment, "");
  return metric == "100 x mIoU" ? "all-background" : metric == "100 x mAP@0.5" ? "prior-box" : "";
}

std::vector<std::unique_ptr<AccuracySource>> start_accuracy_sources(std::vector<PlannedSource> planned) {
  std::vector<std::unique_ptr<AccuracySource>> sources(planned.size());
  for (std::size_t i = planned.size(); i-- > 0;) sources[i] = planned[i].start();
  return sources;
}

std::vector<std::unique_ptr<AccuracySource>> make_accuracy_sources(const YAML::Node& experiment,
                                                                   const std::string& file,
                                                                   const space::Space& space,
                                                                   const std::set<std::string>& set_keys) {
  return start_accuracy_sources(plan_accuracy_sources(experiment, file, space, set_keys));
}

}  // namespace hwnas::search

// Accuracy from training in hwnas: `accuracy: train:` trains each candidate's model file
// with hwnas-train (beside the running hwnas) and reads its answer's `accuracy` (top-1 %,
// 100 x mAP@0.5 or 100 x mIoU, by task). hwnas-train runs as `train --serve`, one
// long-lived process per worker that trains at once (served_program.h), so a trial pays
// for its training and measurement, not for loading torch and the data again (2 s of a
// 5 s low-fidelity training here). The options are checked when the experiment is read
// with the trainer's own torch-free checks (train/train_options.h), so a typo fails
// before any trial runs.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/served_program.h"
#include "hwnas/search/trial_program.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/data/scene_cache.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/scene_plan.h"
#include "hwnas/train/train_options.h"

namespace hwnas::search {
namespace {

namespace fs = std::filesystem;

constexpr double kMaxTimeoutS = 7 * 86400.0;  // a week per trial
const char* kAnswerHelp = "hwnas-train train --serve answers one JSON line per model";

/// One rung's training: the trainer's options, what hwnas-train is given explicitly, and
/// the trial's time limit.
struct TrainSettings {
  train::TrainOptions options;
  std::optional<double> lr, weight_decay;  // unset: the optimizer's default
  double timeout_s = 86400;
};

/// `message` without its first word: the trainer's checks name the CLI option ("--subset
/// 0 is out of range (0, 1]"), the experiment's errors name the key instead.
std::string without_option(const std::string& message) {
  const std::size_t space = message.find(' ');
  return space == std::string::npos ? message : message.substr(space + 1);
}

/// Runs `check`; its UserError becomes one naming `key` of `s`.
void check_key(const ExperimentSection& s, std::string_view key, const std::function<void()>& check) {
  try {
    check();
  } catch (const UserError& e) {
    s.fail(key, without_option(e.what()));
  }
}

bool read_bool(const ExperimentSection& s, std::string_view key) {
  const YAML::Node v = s.get(key);
  if (!v.IsScalar() || !is_plain_scalar(v) || (v.Scalar() != "true" && v.Scalar() != "false"))
    s.fail(key, fmt::format("must be true or false, got {}", value_words(v)));
  return v.Scalar() == "true";
}

/// Reads the keys `s` gives over `settings`, checking each as hwnas-train would.
void read_train_keys(const ExperimentSection& s, TrainSettings& settings, bool top) {
  train::TrainOptions& o = settings.options;
  if (top) {
    s.only(train_keys());
  } else {
    s.only(train_rung_keys());
  }
  if (s.has("task")) check_key(s, "task", [&] { o.task = train::parse_task(s.text("task"), "task"); });
  if (o.task == train::Task::classification)
    for (const char* key : {"scenes", "test_scenes", "scene_size", "scene_labels"})
      if (s.has(key)) s.fail(key, "is for detection and segmentation (scenes); remove it, or set task");
  if (o.task != train::Task::classification && s.has("label_smoothing"))
    s.fail("label_smoothing", fmt::format("smooths class labels of classification; {} trains without it: remove it",
                                          train::task_name(o.task)));
  if (o.task != train::Task::classification && s.has("validation"))
    s.fail("validation", "holds out Fashion-MNIST training images for classification; detection and segmentation "
                         "are measured on test_scenes: remove it");
  if (s.has("data")) o.data_dir = fs::absolute(s.path("data")).lexically_normal().string();
  if (s.has("scene_labels"))
    check_key(s, "scene_labels",
              [&] { o.scene_labels = train::parse_scene_labels(s.text("scene_labels"), "scene_labels"); });
  if (s.has("optimizer"))
    check_key(s, "optimizer", [&] { o.optimizer.kind = train::parse_optimizer(s.text("optimizer"), "optimizer"); });
  if (s.has("augment")) o.augment = read_bool(s, "augment");
  if (s.has("seed")) o.seed = static_cast<std::uint64_t>(s.integer("seed", 0, INT64_MAX));
  settings.timeout_s = s.number("timeout_s", 1e-3, kMaxTimeoutS, settings.timeout_s);

  // Each number is checked alone on default options, so that an error names its own key.
  const auto check_alone = [&](std::string_view key, const std::function<void(train::TrainOptions&)>& set) {
    train::TrainOptions probe;
    probe.task = o.task;  // the scene knobs are checked for detection and segmentation
    set(probe);
    check_key(s, key, [&] { train::check_train_options(probe); });
  };
  const auto integer = [&]<typename Int>(std::string_view key, Int train::TrainOptions::*field) {
    if (!s.has(key)) return;
    std::int64_t whole = 0;
    if (read_integer(s.get(key), INT64_MIN, INT64_MAX, whole) == NumberProblem::malformed) {
      // The trainer's check says the knob's range: -1 is outside every one of them.
      std::string range;
      try {
        check_alone(key, [&](train::TrainOptions& p) { p.*field = -1; });
      } catch (const UserError& e) {
        const std::string what = e.what();
        if (const std::size_t at = what.rfind("out of range "); at != std::string::npos) range = what.substr(at + 13);
      }
      s.fail(key, fmt::format("must be a whole number{}, got {}", range.empty() ? "" : " in " + range,
                              value_words(s.get(key))));
    }
    const auto v = static_cast<Int>(s.integer(key, std::numeric_limits<Int>::min(), std::numeric_limits<Int>::max()));
    check_alone(key, [&](train::TrainOptions& p) { p.*field = v; });
    o.*field = v;
  };
  integer("epochs", &train::TrainOptions::epochs);
  integer("resolution", &train::TrainOptions::resolution);
  integer("batch", &train::TrainOptions::batch);
  integer("threads", &train::TrainOptions::threads);
  integer("scenes", &train::TrainOptions::scenes);
  integer("test_scenes", &train::TrainOptions::test_scenes);
  integer("scene_size", &train::TrainOptions::scene_size);
  integer("validation", &train::TrainOptions::validation);
  if (s.has("threads") && o.threads == 0)  // 0 is the trainer's "all cores", not a value to write
    check_key(s, "threads", [] { train::check_threads(0, "--threads"); });
  const auto real = [&](std::string_view key, const std::function<void(train::TrainOptions&, double)>& set) {
    if (!s.has(key)) return std::optional<double>();
    const double v = s.number(key, -1e300, 1e300);
    check_alone(key, [&](train::TrainOptions& p) { set(p, v); });
    return std::optional<double>(v);
  };
  if (auto v = real("subset", [](train::TrainOptions& p, double x) { p.subset = x; })) o.subset = *v;
  if (auto v = real("label_smoothing", [](train::TrainOptions& p, double x) { p.label_smoothing = x; }))
    o.label_smoothing = *v;
  if (auto v = real("warmup", [](train::TrainOptions& p, double x) { p.warmup = x; })) o.warmup = *v;
  if (auto v = real("lr", [](train::TrainOptions& p, double x) { p.optimizer.lr = x; })) settings.lr = v;
  if (auto v = real("weight_decay", [](train::TrainOptions& p, double x) { p.optimizer.weight_decay = x; }))
    settings.weight_decay = v;
}

/// The optimizer's defaults, then the explicit lr and weight decay.
void resolve_optimizer(TrainSettings& settings) {
  train::OptimizerConfig& c = settings.options.optimizer;
  c = train::default_optimizer(c.kind);
  if (settings.lr) c.lr = *settings.lr;
  if (settings.weight_decay) c.weight_decay = *settings.weight_decay;
}

/// What would fail every trial of a detection or segmentation rung, refused before any:
/// fewer than 2 training scenes, scenes that cannot fit in memory (train/scene_plan.h; s29
/// fresh-user findings 1 and 4), each naming the key that gives the value (the rung's, else
/// accuracy.train's); scenes of which one training's fit but not `at_once.count` trainings'
/// (each holds its own), naming at_once.knob (parallel.workers at its line in `top`, the
/// file's top level, when there) and the keys to lower by their full path, the rung's when
/// it gives one ("multi_fidelity.rungs[1].subset").
void check_scenes(const ExperimentSection& train, const ExperimentSection* rung, const train::TrainOptions& o,
                  const EvaluationsAtOnce& at_once, const ExperimentSection* top) {
  const auto section_of = [&](std::string_view key) -> const ExperimentSection* {
    if (rung != nullptr && rung->has(key)) return rung;
    return train.has(key) ? &train : nullptr;
  };
  const train::SceneKnobNames keys{"scenes", "test_scenes", "scene_size", "subset", at_once.knob};
  const ExperimentSection* subset = section_of("subset");
  check_key(subset != nullptr ? *subset : train, subset != nullptr ? "subset" : "scenes",
            [&] { train::check_training_scenes(o, keys); });
  const std::uint64_t memory = train::physical_memory_bytes();
  if (const std::string why = train::scene_memory_problem(o, memory, keys, at_once.count); !why.empty()) {
    if (train::scene_memory_problem(o, memory, keys).empty()) {  // one training fits: fewer at once would
      // Each key by its path, the rung's when it gives one: the rung is what raised them.
      std::vector<std::string> paths;
      for (const char* key : {"scenes", "test_scenes", "scene_size", "subset"}) {
        const ExperimentSection* at = section_of(key);
        paths.push_back(at != nullptr ? at->key_path(key) : train.key_path(key));
      }
      const std::string full = train::scene_memory_problem(
          o, memory, {paths[0], paths[1], paths[2], paths[3], at_once.knob}, at_once.count);
      if (at_once.knob != "parallel.workers") throw UserError(fmt::format("{}: {}", train.file(), full));
      if (top != nullptr && top->has("parallel")) {
        const ExperimentSection parallel = top->section("parallel");
        if (parallel.has("workers")) parallel.fail("workers", full);
      }
      throw UserError(fmt::format("{}: parallel.workers{}: {}", train.file(),
                                  from_set(train.set_keys(), "parallel.workers") ? " (from --set)" : "", full));
    }
    // The rung's own knob first: the rung is what raised them.
    for (const char* key : {"scenes", "subset", "test_scenes"})
      if (rung != nullptr && rung->has(key)) rung->fail(key, why);
    for (const char* key : {"scene_size", "scenes", "subset", "test_scenes"})
      if (train.has(key)) train.fail(key, why);
    train.fail_here(why);
  }
}

class TrainAccuracy : public AccuracySource {
 public:
  TrainAccuracy(const fs::path& program, const TrainSettings& settings)
      : servers_(argv(program, settings.options), "hwnas-train", kAnswerHelp, settings.timeout_s),
        resolution_(settings.options.resolution) {}

  Family family() const override { return Family::multishot; }

  double accuracy(const Candidate& c) override {
    const TrialDir dir;
    const std::string model = (dir.path() / "model.json").string();
    graph::save_model_file(c.network, model);
    const nlohmann::json answer = servers_.ask(model);
    const double accuracy = accuracy_of(answer);
    if (const std::optional<double> b = baseline_of(answer)) {
      const std::lock_guard lock(mutex_);
      baselines_[c.network.hash()] = *b;
    }
    return accuracy;
  }

  /// At a fixed resolution, genomes that differ only in their own resolution train one
  /// network (hwnas-train's --res): the key is that network's (s27 fresh-user finding 13).
  /// A network hwnas-train refuses at that resolution is its own (the trial says why).
  std::optional<std::uint64_t> evaluation_key(const Candidate& c) const override {
    if (resolution_ <= 0) return c.network.hash();
    try {
      return train::at_resolution(c.network, resolution_).hash();
    } catch (const UserError&) {
      return std::nullopt;
    }
  }

  std::optional<double> baseline(const Candidate& c) const override {
    const std::lock_guard lock(mutex_);
    const auto it = baselines_.find(c.network.hash());
    return it == baselines_.end() ? std::nullopt : std::optional<double>(it->second);
  }

 private:
  static std::vector<std::string> argv(const fs::path& program, const train::TrainOptions& o) {
    std::vector<std::string> a = {program.string(), "train", "--serve", "--task", std::string(train::task_name(o.task)),
                                  "--epochs", std::to_string(o.epochs), "--subset", fmt::format("{}", o.subset),
                                  "--threads", std::to_string(o.threads), "--seed", std::to_string(o.seed),
                                  "--batch", std::to_string(o.batch), "--optimizer",
                                  std::string(train::optimizer_name(o.optimizer.kind)), "--lr",
                                  fmt::format("{}", o.optimizer.lr), "--weight-decay",
                                  fmt::format("{}", o.optimizer.weight_decay), "--warmup", fmt::format("{}", o.warmup)};
    if (o.task == train::Task::classification)  // refused for the scenes' tasks
      a.insert(a.end(), {"--label-smoothing", fmt::format("{}", o.label_smoothing)});
    if (o.resolution > 0) a.insert(a.end(), {"--res", std::to_string(o.resolution)});
    if (o.validation > 0) a.insert(a.end(), {"--validation", std::to_string(o.validation)});
    if (o.task != train::Task::classification)
      a.insert(a.end(), {"--scenes", std::to_string(o.scenes), "--test-scenes", std::to_string(o.test_scenes),
                         "--scene-size", std::to_string(o.scene_size), "--scene-labels",
                         std::string(train::scene_labels_name(o.scene_labels))});
    if (!o.data_dir.empty()) a.insert(a.end(), {"--data", o.data_dir});
    if (!o.augment) a.emplace_back("--no-augment");
    return a;
  }

  /// The answer's `accuracy`: top-1 %, 100 x mAP@0.5 or 100 x mIoU (cli/train_output.h);
  /// a diverged training ("status": "failed") is a failed trial with its reason.
  static double accuracy_of(const nlohmann::json& answer) {
    const auto status = answer.find("status");
    if (status != answer.end() && *status == "failed") {
      const auto failure = answer.find("failure");
      if (failure == answer.end() || !failure->is_string())
        throw UserError(fmt::format("hwnas-train's training failed without a reason: '{}'", one_line(answer.dump())));
      throw UserError(fmt::format("training failed: {}", failure->get<std::string>()));
    }
    if (status == answer.end() || *status != "ok")
      throw UserError(fmt::format("its answer's status is {}, not \"ok\"; {}",
                                  status == answer.end() ? "absent" : status->dump(), kAnswerHelp));
    const auto v = answer.find("accuracy");
    const double x = v != answer.end() && v->is_number() ? v->get<double>() : NAN;
    if (!std::isfinite(x) || x < 0 || x > 100)
      throw UserError(fmt::format("its accuracy {} is not a number from 0 to 100 (percent)",
                                  v != answer.end() ? v->dump() : "(absent)"));
    return x;
  }

  /// 100 × the answer's baseline_map_50 or baseline_miou (scenes), on accuracy's scale.
  static std::optional<double> baseline_of(const nlohmann::json& answer) {
    const auto metrics = answer.find("metrics");
    if (metrics == answer.end() || !metrics->is_object()) return std::nullopt;
    for (const char* key : {"baseline_map_50", "baseline_miou"})
      if (const auto v = metrics->find(key); v != metrics->end() && v->is_number()) return 100 * v->get<double>();
    return std::nullopt;
  }

  ServedPrograms servers_;
  std::int32_t resolution_;  // 0: each network's own
  mutable std::mutex mutex_;        // trials of several workers ask at once
  std::unordered_map<std::uint64_t, double> baselines_;  // network hash → the scenes' trivial baseline it measured
};

/// A fidelity knob of a rung: its name in the rung and its value (resolution 0: the
/// model's own).
struct Knob {
  const char* name;
  double value;
};

std::vector<Knob> fidelity_knobs(const train::TrainOptions& o) {
  std::vector<Knob> knobs = {{"epochs", static_cast<double>(o.epochs)}, {"subset", o.subset},
                             {"resolution", static_cast<double>(o.resolution)}};
  if (o.task != train::Task::classification) knobs.push_back({"scenes", static_cast<double>(o.scenes)});
  return knobs;
}

/// Why `high` is no higher fidelity than `low` (rung `below`), or "" when it is: every
/// fidelity knob (epochs, subset, resolution, and scenes for the scene tasks) at least
/// rung `below`'s and one above it. An unset resolution (the model's own) counts as the
/// highest: a rung may go from a set resolution to the model's own, not back. `knob` is set
/// to the knob that is lowered (empty when none is raised).
std::string lower_fidelity(const train::TrainOptions& low, const train::TrainOptions& high, std::size_t below,
                           std::string& knob) {
  const std::vector<Knob> lo = fidelity_knobs(low), hi = fidelity_knobs(high);
  bool raised = false;
  for (std::size_t k = 0; k < lo.size(); ++k) {
    const std::string name = lo[k].name;
    knob = name;
    if (name == "resolution" && (lo[k].value == 0 || hi[k].value == 0)) {
      if (lo[k].value == 0 && hi[k].value != 0)
        return fmt::format("sets resolution {:g}, but rung {} trains at the model's own resolution (the highest); "
                           "give rung {} a resolution too, or remove this one",
                           hi[k].value, below, below);
      raised = raised || (hi[k].value == 0 && lo[k].value != 0);
      continue;
    }
    if (hi[k].value < lo[k].value)
      return fmt::format("lowers {} to {:g} from rung {}'s {:g}; a higher rung keeps each of epochs, subset, "
                         "resolution{} at least as high and raises one",
                         name, hi[k].value, below, lo[k].value,
                         low.task == train::Task::classification ? "" : ", scenes");
    raised = raised || hi[k].value > lo[k].value;
  }
  knob.clear();
  if (!raised)
    return fmt::format("raises none of epochs, subset, resolution{} over rung {}; a higher rung trains at a higher "
                       "fidelity",
                       low.task == train::Task::classification ? "" : ", scenes", below);
  return "";
}

/// The keys --set gave that decide `knob` (every key when empty) of rung `rung` (a rung's
/// own key, else the accuracy.train key it inherits), e.g. "multi_fidelity.rungs[0].epochs".
std::vector<std::string> set_origins(const ExperimentSection& train, const ExperimentSection& rung,
                                     const std::string& knob) {
  std::vector<std::string> out;
  if (knob.empty()) {
    for (const ExperimentSection* s : {&rung, &train})
      if (from_set(s->set_keys(), s->prefix())) out.push_back(s->prefix());
    return out;
  }
  const std::string path = rung.has(knob) ? rung.key_path(knob) : train.key_path(knob);
  if (from_set(train.set_keys(), path)) out.push_back(path);
  return out;
}

/// Refuses rung `i` for `why`. When --set gave a value it compares of rung i - 1, or the
/// accuracy.train key the rungs inherit, the error names those keys and no line of the
/// file ("FILE: multi_fidelity.rungs[1] (with multi_fidelity.rungs[0].epochs from --set):
/// WHY"): the file's line is not what is wrong. A rung --set gave or changed:
/// "FILE: multi_fidelity.rungs[1] (from --set): WHY".
[[noreturn]] void fail_rung(const ExperimentSection& train, const std::vector<ExperimentSection>& rungs,
                            std::size_t i, const std::string& knob, const std::string& why) {
  std::vector<std::string> set = set_origins(train, rungs[i - 1], knob);
  for (const std::string& key : set_origins(train, rungs[i], knob))
    if (std::find(set.begin(), set.end(), key) == set.end()) set.push_back(key);
  // A rung --set gave (or changed) says "(from --set)" itself.
  if (set.empty() || from_set(train.set_keys(), rungs[i].prefix())) rungs[i].fail_here(why);
  throw UserError(fmt::format("{}: {} (with {} from --set): {}", train.file(), rungs[i].prefix(), fmt::join(set, ", "),
                              why));
}

/// hwnas-train beside this program, or an error saying how to build it.
fs::path train_program(const ExperimentSection& s) {
  const fs::path program = hw::program_beside_this_one("hwnas-train");
  std::error_code ec;
  if (!fs::is_regular_file(program, ec) || ::access(program.c_str(), X_OK) != 0)
    throw UserError(fmt::format("{}: {}: training runs {}, which is missing; build it with scripts/build.sh "
                                "(it is built beside hwnas)",
                                s.file(), s.prefix(), program.string()));
  return program;
}

}  // namespace

/// Fashion-MNIST's files (classification: `data` or the default directory; scenes are drawn
/// from the default one), with the data module's error (and install command) when missing.
void check_training_data(const ExperimentSection& s, const train::TrainOptions& o) {
  std::error_code ec;
  if (o.task != train::Task::classification && !o.data_dir.empty() && fs::exists(o.data_dir, ec) &&
      !fs::is_directory(o.data_dir, ec))
    s.fail("data", fmt::format("'{}' is a file, not a directory; give the directory that keeps the scene cache, or "
                               "remove data: for the default cache",
                               o.data_dir));
  // The resolved path: a relative one is taken from the experiment file's directory (s30 finding 12).
  if (o.task != train::Task::classification && !o.data_dir.empty() && !fs::is_directory(o.data_dir, ec))
    s.fail("data", fmt::format("{}: no such directory; create it (mkdir -p {}) to keep the scene cache there, or "
                               "remove data: for the default cache",
                               o.data_dir, o.data_dir));
  if (o.task != train::Task::classification) {
    // The scene cache: never beside Fashion-MNIST's files (s29 fresh-user finding 5: a
    // `data:` kept from a classification experiment wrote scenes into the dataset), and
    // writable, or every trial would fail (finding 4: $HWNAS_SCENE_CACHE_DIR=/proc/nope).
    if (!o.data_dir.empty() && train::holds_fashion_mnist(o.data_dir))
      s.fail("data", fmt::format("holds Fashion-MNIST's files; for detection and segmentation, data: is the scene "
                                 "cache directory (the scenes are drawn from {}): remove data: to use the default "
                                 "cache, {}, or give another directory",
                                 train::fashion_mnist_dir_text(train::default_fashion_mnist_dir()),
                                 train::scene_cache_dir_text(train::default_scene_cache_dir())));
    try {
      train::check_scene_cache_dir(o.data_dir.empty() ? train::default_scene_cache_dir() : fs::path(o.data_dir));
    } catch (const UserError& e) {
      if (!o.data_dir.empty()) s.fail("data", e.what());
      throw UserError(fmt::format("{}: {}: {}", s.file(), s.prefix(), e.what()));
    }
  }
  const bool in_data = o.task == train::Task::classification && !o.data_dir.empty();
  const fs::path dir = in_data ? fs::path(o.data_dir) : train::default_fashion_mnist_dir();
  try {
    train::fashion_mnist_files(dir, train::Split::train);
    train::fashion_mnist_files(dir, train::Split::test);
  } catch (const UserError& e) {
    if (in_data) s.fail("data", e.what());
    throw UserError(fmt::format("{}: {}: {}", s.file(), s.prefix(), e.what()));
  }
}


std::span<const std::string_view> train_keys() {
  static constexpr std::string_view kKeys[] = {
      "task",         "data",           "epochs",     "subset",      "resolution", "batch",       "threads",
      "seed",         "optimizer",      "lr",         "weight_decay", "label_smoothing", "warmup", "augment",
      "scenes",       "test_scenes",    "scene_size", "scene_labels", "validation", "timeout_s"};
  return kKeys;
}

std::span<const std::string_view> train_rung_keys() {
  static constexpr std::string_view kKeys[] = {"epochs",       "subset",          "resolution", "batch",
                                               "threads",      "seed",            "optimizer",  "lr",
                                               "weight_decay", "label_smoothing", "warmup",     "augment",
                                               "scenes",       "test_scenes",     "timeout_s"};
  return kKeys;
}

YAML::Node effective_train_keys(const YAML::Node& train, const std::string& file) {
  TrainSettings settings;
  settings.options.threads = 1;  // as make_train_accuracies
  read_train_keys(ExperimentSection(train, file, "accuracy.train"), settings, true);
  resolve_optimizer(settings);
  const train::TrainOptions& o = settings.options;
  YAML::Node out(YAML::NodeType::Map);
  const auto put = [&](const char* key, const std::string& text) {
    YAML::Node value(text);
    value.SetTag("?");  // a plain scalar, as the normalised config holds a number
    out[key] = value;
  };
  put("task", std::string(train::task_name(o.task)));
  if (train["data"].IsDefined()) out["data"] = YAML::Clone(train["data"]);  // a path, as written
  put("epochs", std::to_string(o.epochs));
  put("subset", fmt::format("{}", o.subset));
  put("resolution", std::to_string(o.resolution));
  put("batch", std::to_string(o.batch));
  put("threads", std::to_string(o.threads));
  put("seed", std::to_string(o.seed));
  put("optimizer", std::string(train::optimizer_name(o.optimizer.kind)));
  put("lr", fmt::format("{}", o.optimizer.lr));
  put("weight_decay", fmt::format("{}", o.optimizer.weight_decay));
  put("label_smoothing", fmt::format("{}", o.label_smoothing));
  put("warmup", fmt::format("{}", o.warmup));
  put("augment", o.augment ? "true" : "false");
  if (o.task == train::Task::classification) {
    put("validation", std::to_string(o.validation));
  } else {
    put("scenes", std::to_string(o.scenes));
    put("test_scenes", std::to_string(o.test_scenes));
    put("scene_size", std::to_string(o.scene_size));
    put("scene_labels", std::string(train::scene_labels_name(o.scene_labels)));
  }
  return out;
}

std::vector<std::unique_ptr<AccuracySource>> make_train_accuracies(const ExperimentSection& train,
                                                                   const std::vector<ExperimentSection>& rungs,
                                                                   std::size_t first_rung,
                                                                   const EvaluationsAtOnce& at_once,
                                                                   const ExperimentSection* top) {
  TrainSettings base;
  base.options.threads = 1;  // not the cores: torch's results depend on its threads
  read_train_keys(train, base, true);
  std::vector<TrainSettings> settings;
  for (const ExperimentSection& rung : rungs) {
    settings.push_back(base);
    read_train_keys(rung, settings.back(), false);
  }
  if (settings.empty()) settings.push_back(base);
  for (std::size_t i = 0; i < settings.size(); ++i) {
    resolve_optimizer(settings[i]);
    if (i > 0) {
      const train::TrainOptions& low = settings[i - 1].options;
      const train::TrainOptions& high = settings[i].options;
      if (train::run_identity(low) == train::run_identity(high))
        fail_rung(train, rungs, i, "",
                  fmt::format("trains as rung {} does; give each rung its own fidelity", first_rung + i - 1));
      std::string knob;
      if (const std::string why = lower_fidelity(low, high, first_rung + i - 1, knob); !why.empty())
        fail_rung(train, rungs, i, knob, why);
    }
  }
  check_training_data(train, base.options);
  if (base.options.task == train::Task::classification)  // a subset that fills no batch, before any trial
    for (std::size_t i = 0; i < settings.size(); ++i) {
      const ExperimentSection& where = !rungs.empty() && rungs[i].has("subset") ? rungs[i] : train;
      check_key(where, "subset", [&] { train::check_subset_fills_batch(settings[i].options, "subset", "batch"); });
    }
  else
    for (std::size_t i = 0; i < settings.size(); ++i)
      check_scenes(train, rungs.empty() ? nullptr : &rungs[i], settings[i].options, at_once, top);
  const fs::path program = train_program(train);
  std::vector<std::unique_ptr<AccuracySource>> sources;
  for (const TrainSettings& rung : settings) sources.push_back(std::make_unique<TrainAccuracy>(program, rung));
  return sources;
}

}  // namespace hwnas::search

#include "hwnas/search/experiment_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"
#include "hwnas/base/suggest.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/experiment_input.h"

namespace hwnas::search {
namespace {

constexpr std::int64_t kMaxCount = 1'000'000'000;
constexpr double kMaxSeconds = 1e9;
constexpr std::int64_t kMaxWorkers = 1024;  // accuracy_pool.h's kMaxThreadWorkers
constexpr std::int64_t kMaxBatch = 100'000;
const std::vector<std::string> kBudgetKeys = {"evaluations", "trials", "seconds"};
const std::vector<std::string> kParallelKeys = {"workers", "batch"};

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

/// Reads and reports on one mapping of the file: `prefix` is its dotted key ("" at the top).
class Section {
 public:
  Section(const ExperimentConfig& config, YAML::Node node, std::string prefix)
      : config_(config), node_(std::move(node)), prefix_(std::move(prefix)) {}

  std::string key(std::string_view name) const {
    if (name.empty()) return prefix_;
    return prefix_.empty() ? std::string(name) : prefix_ + "." + std::string(name);
  }

  /// "FILE:LINE: K: WHY" as the cost model's sections say it (experiment_input.h); "FILE: K
  /// (from --set): WHY" for a value an override gave, whose marks are the override's text.
  [[noreturn]] void fail(std::string_view name, const YAML::Node& at, std::string_view why) const {
    const std::string k = key(name);
    const bool from_set = config_.from_set(k);
    const std::string where = from_set || !at.IsDefined() || at.Mark().is_null()
                                  ? config_.file
                                  : fmt::format("{}:{}", config_.file, at.Mark().line + 1);
    throw UserError(fmt::format("{}: {}{}: {}", where, k, from_set ? " (from --set)" : "", why));
  }

  void require_mapping(std::string_view what) const {
    if (!node_.IsMap()) fail("", node_, fmt::format("must be a mapping ({}), got {}", what, value_words(node_)));
  }

  void only(const std::vector<std::string>& allowed) const {
    for (const auto& entry : node_) {
      const std::string name = entry.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      const std::vector<std::string_view> known(allowed.begin(), allowed.end());
      const std::string close = closest_name(name, known);
      const std::string hint = close.empty() ? "" : fmt::format(" (did you mean '{}'?)", close);
      fail(name, entry.first, fmt::format("unknown key{}; allowed: {}", hint, join(allowed)));
    }
  }

  YAML::Node get(std::string_view name) const { return node_[std::string(name)]; }

  std::optional<std::int64_t> integer(std::string_view name, std::int64_t lo, std::int64_t hi) const {
    const YAML::Node v = get(name);
    if (!v.IsDefined()) return std::nullopt;
    std::int64_t out = 0;
    const NumberProblem p = read_integer(v, lo, hi, out);
    if (p == NumberProblem::none) return out;
    if (p == NumberProblem::malformed) fail(name, v, fmt::format("must be an integer, got {}", value_words(v)));
    if (p == NumberProblem::quoted) fail(name, v, "must be an integer, " + number_problem_words(p, v.Scalar(), "", ""));
    fail(name, v, fmt::format("{} {}", printable(v.Scalar()),
                              number_problem_words(p, v.Scalar(), std::to_string(lo), std::to_string(hi))));
  }

  std::optional<double> real(std::string_view name, double lo, double hi) const {
    const YAML::Node v = get(name);
    if (!v.IsDefined()) return std::nullopt;
    double out = 0;
    const NumberProblem p = read_real(v, lo, hi, out);
    if (p == NumberProblem::none) return out;
    if (p == NumberProblem::malformed) fail(name, v, fmt::format("must be a number, got {}", value_words(v)));
    if (p == NumberProblem::quoted) fail(name, v, "must be a number, " + number_problem_words(p, v.Scalar(), "", ""));
    fail(name, v, fmt::format("{} {}", printable(v.Scalar()),
                              number_problem_words(p, v.Scalar(), fmt::format("{:g}", lo), fmt::format("{:g}", hi))));
  }

  std::string text(std::string_view name, std::string_view hint) const {
    const YAML::Node v = get(name);
    if (!v.IsDefined()) fail(name, node_, fmt::format("missing; {}", hint));
    if (!v.IsScalar() || v.Scalar().empty())
      fail(name, v, fmt::format("must be a non-empty name, got {}; {}", value_words(v), hint));
    return v.Scalar();
  }

 private:
  const ExperimentConfig& config_;
  YAML::Node node_;
  std::string prefix_;
};

void read_budget(ExperimentConfig& config, const Section& top) {
  const YAML::Node node = top.get("budget");
  if (!node.IsDefined()) top.fail("budget", node, "missing; give budget: {evaluations: N} (accuracy evaluations), trials: N or seconds: S");
  const Section budget(config, node, "budget");
  budget.require_mapping("evaluations, trials, seconds");
  budget.only(kBudgetKeys);
  config.budget.evaluations = budget.integer("evaluations", 1, kMaxCount);
  config.budget.trials = budget.integer("trials", 1, kMaxCount);
  config.budget.seconds = budget.real("seconds", 0.001, kMaxSeconds);
  if (!config.budget.evaluations && !config.budget.trials && !config.budget.seconds)
    top.fail("budget", node, "needs at least one of evaluations, trials, seconds");
}

void read_strategy(ExperimentConfig& config, const Section& top) {
  const YAML::Node node = top.get("strategy");
  const std::string hint = "give strategy: {name: evolution, ...} (docs/strategies.md)";
  if (!node.IsDefined()) top.fail("strategy", node, "missing; " + hint);
  if (node.IsScalar()) {
    config.strategy = top.text("strategy", hint);
    config.strategy_params = nlohmann::json::object();
    return;
  }
  const Section strategy(config, node, "strategy");
  strategy.require_mapping("name and the strategy's parameters");
  config.strategy = strategy.text("name", hint);
  config.strategy_params = nlohmann::json::object();
  for (const auto& entry : node)
    if (entry.first.Scalar() != "name") config.strategy_params[entry.first.Scalar()] = yaml_to_json(entry.second);
}

void read_space(ExperimentConfig& config, const Section& top) {
  const YAML::Node node = top.get("space");
  const std::string hint = "give a built-in space (mobilenet-cls, nb201, ...) or a space YAML file (docs/spaces.md)";
  if (!node.IsDefined()) top.fail("space", node, "missing; " + hint);
  if (node.IsScalar()) top.text("space", hint);
  else Section(config, node, "space").text("name", hint);
  config.space = node;
}

void read_parallel(ExperimentConfig& config, const Section& top) {
  const YAML::Node node = top.get("parallel");
  if (!node.IsDefined()) return;
  const Section parallel(config, node, "parallel");
  parallel.require_mapping("workers, batch");
  parallel.only(kParallelKeys);
  config.parallel.workers = static_cast<std::int32_t>(parallel.integer("workers", 1, kMaxWorkers).value_or(1));
  if (const std::optional<std::int64_t> batch = parallel.integer("batch", 1, kMaxBatch))
    config.parallel.batch = static_cast<std::int32_t>(*batch);
}

}  // namespace

bool ExperimentConfig::from_set(std::string_view key) const {
  return search::from_set(set_keys, key);
}

const std::vector<std::string>& experiment_keys() {
  static const std::vector<std::string> keys = {"name",      "description", "space",    "latency", "accuracy",
                                                "objective", "precision",   "batch",    "strategy", "budget",
                                                "seed",      "parallel",    "multi_fidelity"};
  return keys;
}

const std::vector<std::string>& experiment_value_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = {"name", "description", "space", "precision", "batch", "seed", "strategy.name",
                                  "latency.target", "latency.estimator"};
    for (const std::string& b : kBudgetKeys) k.push_back("budget." + b);
    for (const std::string& p : kParallelKeys) k.push_back("parallel." + p);
    for (const std::string_view t : train_keys()) k.push_back("accuracy.train." + std::string(t));
    return k;
  }();
  return keys;
}

ExperimentConfig parse_experiment_config(std::string_view text, const std::string& file, const std::string& base_dir,
                                         const std::vector<std::string>& sets) {
  ExperimentConfig config;
  config.file = file;
  config.base_dir = base_dir;
  config.root = parse_yaml_document(text, file, "experiment file");
  if (!config.root.IsMap())
    throw UserError(fmt::format("{}: an experiment file is a mapping (space, latency, objective, strategy, budget, "
                                "...), got {}; see docs/experiments.md",
                                file, value_words(config.root)));
  for (const std::string& set : sets) config.set_keys.insert(apply_override(config.root, set));
  const Section top(config, config.root, "");
  top.only(experiment_keys());
  for (const char* text : {"name", "description"})
    if (const YAML::Node v = top.get(text); v.IsDefined() && !v.IsScalar())
      top.fail(text, v, fmt::format("must be text, got {}", value_words(v)));
  read_space(config, top);
  read_strategy(config, top);
  read_budget(config, top);
  read_parallel(config, top);
  config.seed = static_cast<std::uint64_t>(top.integer("seed", 0, std::numeric_limits<std::int64_t>::max()).value_or(0));
  return config;
}

ExperimentConfig read_experiment_config(const std::string& path, const std::vector<std::string>& sets) {
  const std::string text = read_text_file(path, "experiment file");
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::absolute(std::filesystem::path(path), ec).parent_path();
  return parse_experiment_config(text, path, dir.string(), sets);
}

}  // namespace hwnas::search

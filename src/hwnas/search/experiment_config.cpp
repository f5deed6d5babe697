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

namespace hwnas::search {
namespace {

constexpr std::int64_t kMaxCount = 1'000'000'000;
constexpr double kMaxSeconds = 1e9;

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
    const bool from_set = std::any_of(config_.set_keys.begin(), config_.set_keys.end(), [&](const std::string& s) {
      return s == k || k.starts_with(s + ".") || s.starts_with(k + ".");
    });
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

/// Splits "a.b.c" into its parts; every part non-empty.
std::vector<std::string> split_key(const std::string& key, const std::string& set) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (parts.back().empty())
      throw UserError(fmt::format("--set '{}': the key has an empty part; write dotted names like strategy.population=64",
                                  set));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

std::optional<std::size_t> list_index(const std::string& part, std::size_t size) {
  if (part.empty() || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      part.size() > 9 || (part.size() > 1 && part[0] == '0'))
    return std::nullopt;
  const std::size_t i = std::stoul(part);
  if (i >= size) return std::nullopt;
  return i;
}

/// Applies one "KEY=VALUE" to `root`, creating the mappings on the way; returns KEY.
std::string apply_set(YAML::Node& root, const std::string& set) {
  const std::size_t eq = set.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UserError(fmt::format("--set '{}': write KEY=VALUE, e.g. --set strategy.population=64", set));
  const std::string key = set.substr(0, eq), text = set.substr(eq + 1);
  if (text.empty())
    throw UserError(fmt::format("--set '{}': no value after '='; write KEY=VALUE", set));
  const YAML::Node value = parse_yaml_document(text, fmt::format("--set '{}'", set), "--set value");
  const std::vector<std::string> parts = split_key(key, set);
  YAML::Node at = root;
  std::string path;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    if (at.IsSequence()) {
      const std::optional<std::size_t> index = list_index(part, at.size());
      if (!index)
        throw UserError(fmt::format("--set '{}': '{}' is a list of {}; '{}' is not an index of it (0 to {})", set,
                                    path, at.size(), part, at.size() - 1));
      if (last) at[*index] = value;
      else at.reset(at[*index]);
    } else if (at.IsMap() || at.IsNull()) {
      if (last) {
        at[part] = value;
      } else {
        if (!at[part].IsDefined() || at[part].IsNull()) at[part] = YAML::Node(YAML::NodeType::Map);
        at.reset(at[part]);
      }
    } else {
      throw UserError(fmt::format("--set '{}': '{}' is a value ({}), not a mapping; set '{}' itself", set, path,
                                  value_words(at), path));
    }
    path += (path.empty() ? "" : ".") + part;
  }
  return key;
}

void emit_sorted(YAML::Emitter& out, const YAML::Node& node) {
  if (node.IsMap()) {
    std::vector<std::string> keys;
    for (const auto& entry : node) keys.push_back(entry.first.Scalar());
    std::sort(keys.begin(), keys.end());
    out << YAML::BeginMap;
    for (const std::string& k : keys) {
      out << YAML::Key << k << YAML::Value;
      emit_sorted(out, node[k]);
    }
    out << YAML::EndMap;
  } else if (node.IsSequence()) {
    out << YAML::BeginSeq;
    for (const YAML::Node& item : node) emit_sorted(out, item);
    out << YAML::EndSeq;
  } else if (node.IsScalar()) {
    if (is_plain_scalar(node)) out << node.Scalar();
    else out << YAML::DoubleQuoted << node.Scalar();
  } else {
    out << YAML::Null;
  }
}

std::optional<std::string> difference(const YAML::Node& a, const YAML::Node& b, const std::string& key) {
  if (a.Type() != b.Type()) return key;
  const auto sub = [&](const std::string& k) { return key.empty() ? k : key + "." + k; };
  if (a.IsScalar()) {
    if (a.Scalar() != b.Scalar() || is_plain_scalar(a) != is_plain_scalar(b)) return key;
  } else if (a.IsSequence()) {
    if (a.size() != b.size()) return key;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (auto d = difference(a[i], b[i], sub(std::to_string(i)))) return d;
  } else if (a.IsMap()) {
    std::set<std::string> keys;
    for (const auto& e : a) keys.insert(e.first.Scalar());
    for (const auto& e : b) keys.insert(e.first.Scalar());
    for (const std::string& k : keys) {
      if (key.empty() && k == "budget") continue;
      if (!a[k].IsDefined() || !b[k].IsDefined()) return sub(k);
      if (auto d = difference(a[k], b[k], sub(k))) return d;
    }
  }
  return std::nullopt;
}

void read_budget(ExperimentConfig& config, const Section& top) {
  const YAML::Node node = top.get("budget");
  if (!node.IsDefined()) top.fail("budget", node, "missing; give budget: {evaluations: N} (accuracy evaluations), trials: N or seconds: S");
  const Section budget(config, node, "budget");
  budget.require_mapping("evaluations, trials, seconds");
  budget.only({"evaluations", "trials", "seconds"});
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

}  // namespace

const std::vector<std::string>& experiment_keys() {
  static const std::vector<std::string> keys = {"name",   "description", "space",  "latency", "accuracy", "objective",
                                                "precision", "batch",    "strategy", "budget", "seed"};
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
  for (const std::string& set : sets) config.set_keys.insert(apply_set(config.root, set));
  const Section top(config, config.root, "");
  top.only(experiment_keys());
  for (const char* text : {"name", "description"})
    if (const YAML::Node v = top.get(text); v.IsDefined() && !v.IsScalar())
      top.fail(text, v, fmt::format("must be text, got {}", value_words(v)));
  read_space(config, top);
  read_strategy(config, top);
  read_budget(config, top);
  config.seed = static_cast<std::uint64_t>(top.integer("seed", 0, std::numeric_limits<std::int64_t>::max()).value_or(0));
  return config;
}

ExperimentConfig read_experiment_config(const std::string& path, const std::vector<std::string>& sets) {
  const std::string text = read_text_file(path, "experiment file");
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::absolute(std::filesystem::path(path), ec).parent_path();
  return parse_experiment_config(text, path, dir.string(), sets);
}

std::string normalised_yaml(const YAML::Node& root) {
  YAML::Emitter out;
  emit_sorted(out, root);
  return std::string(out.c_str()) + "\n";
}

std::optional<std::string> first_difference(const YAML::Node& stored, const YAML::Node& given) {
  return difference(stored, given, "");
}

nlohmann::json yaml_to_json(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& entry : node) out[entry.first.Scalar()] = yaml_to_json(entry.second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const YAML::Node& item : node) out.push_back(yaml_to_json(item));
    return out;
  }
  if (!node.IsScalar()) return nullptr;
  if (!is_plain_scalar(node)) return node.Scalar();
  const std::string& s = node.Scalar();
  if (s == "true") return true;
  if (s == "false") return false;
  if (s == "null" || s == "~") return nullptr;
  std::int64_t i = 0;
  if (read_integer(node, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), i) ==
      NumberProblem::none)
    return i;
  double d = 0;
  if (read_real(node, -std::numeric_limits<double>::max(), std::numeric_limits<double>::max(), d) == NumberProblem::none)
    return d;
  return s;
}

}  // namespace hwnas::search

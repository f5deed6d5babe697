#include "hwnas/search/experiment_input.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <span>

#include "hwnas/base/error.h"
#include "hwnas/base/suggest.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/hw/targets/targets.h"

namespace hwnas::search {

namespace fs = std::filesystem;

fs::path data_dir() {
  if (const char* env = std::getenv("HWNAS_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return fs::path(HWNAS_DEFAULT_DATA_DIR);
}

namespace {

constexpr std::string_view kDataPrefix = "data:";

/// Why `value` cannot name a file, or "" when it can.
std::string path_problem(std::string_view value) {
  if (value.empty()) return "the path is empty; give a file path";
  if (value == kDataPrefix) return "'data:' names no file; write e.g. data:nb201/nb201.csv";
  return "";
}

}  // namespace

std::string resolve_experiment_path(std::string_view value, const std::string& experiment_file,
                                    std::string_view where) {
  if (const std::string why = path_problem(value); !why.empty()) throw UserError(fmt::format("{}: {}", where, why));
  if (value.starts_with(kDataPrefix))
    return (data_dir() / fs::path(value.substr(kDataPrefix.size()))).lexically_normal().string();
  const fs::path p(value);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (fs::path(experiment_file).parent_path() / p).lexically_normal().string();
}

bool from_set(const std::set<std::string>& set_keys, std::string_view key) {
  std::string k;  // "rungs[1]" as --set writes it: "rungs.1"
  for (const char c : key) {
    if (c == '[') k += '.';
    else if (c != ']') k += c;
  }
  return std::any_of(set_keys.begin(), set_keys.end(), [&](const std::string& s) {
    return s == k || k.starts_with(s + ".") || s.starts_with(k + ".");
  });
}

ExperimentSection::ExperimentSection(YAML::Node node, std::string file, std::string prefix,
                                     std::set<std::string> set_keys)
    : node_(std::move(node)), file_(std::move(file)), prefix_(std::move(prefix)), set_keys_(std::move(set_keys)) {}

std::string ExperimentSection::key_path(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : fmt::format("{}.{}", prefix_, key);
}

YAML::Node ExperimentSection::get(std::string_view key) const {
  const YAML::Node& n = node_;  // const access never inserts the key
  return n.IsMap() ? n[std::string(key)] : YAML::Node(YAML::NodeType::Undefined);
}

namespace {

/// "FILE:LINE" at `mark`, or "FILE" when the mark is unknown (a value given by --set).
std::string at_mark(const std::string& file, const YAML::Mark& mark) {
  return mark.is_null() ? file : fmt::format("{}:{}", file, mark.line + 1);
}

}  // namespace

std::string ExperimentSection::origin(std::string_view key_path, const YAML::Mark& mark) const {
  if (from_set(set_keys_, key_path)) return fmt::format("{}: {} (from --set): ", file_, key_path);
  // A key of the file that an override of another key in its section made wrong
  // (--set accuracy.train.task=detection, the file's validation: 5000; s27 finding 8).
  std::string section;  // prefix_ as --set writes it: rungs.1, not rungs[1]
  for (const char c : prefix_)
    if (c != ']') section += c == '[' ? '.' : c;
  std::vector<std::string> siblings;
  if (!section.empty())
    for (const std::string& set : set_keys_)
      if (set.starts_with(section + ".")) siblings.push_back(set);
  if (!siblings.empty())
    return fmt::format("{}: {} (with {} from --set): ", at_mark(file_, mark), key_path, fmt::join(siblings, ", "));
  return fmt::format("{}: {}: ", at_mark(file_, mark), key_path);
}

void ExperimentSection::fail(std::string_view key, std::string_view message) const {
  // A missing key is placed at its section, except at the top level, where that would
  // be the first line of the file whatever the key.
  const YAML::Node at = get(key);
  const YAML::Mark mark = at ? at.Mark() : prefix_.empty() ? YAML::Mark::null_mark() : node_.Mark();
  throw UserError(origin(key_path(key), mark) + std::string(message));
}

void ExperimentSection::fail_here(std::string_view message) const {
  throw UserError(origin(prefix_, node_.Mark()) + std::string(message));
}

void ExperimentSection::only(std::span<const std::string_view> allowed) const {
  if (!node_.IsMap())
    fail_here(fmt::format("must be a mapping of keys ({}), got {}", fmt::join(allowed, ", "), value_words(node_)));
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      const std::string close = closest_name(key, allowed);
      throw UserError(origin(key_path(key), entry.first.Mark()) +
                      fmt::format("unknown key{}; allowed: {}", close.empty() ? "" : " (did you mean '" + close + "'?)",
                                  fmt::join(allowed, ", ")));
    }
  }
}

YAML::Node ExperimentSection::required(std::string_view key, std::string_view hint) const {
  const YAML::Node v = get(key);
  if (!v) fail(key, fmt::format("missing; {}", hint));
  return v;
}

std::string ExperimentSection::text(std::string_view key, std::optional<std::string_view> fallback,
                                    std::string_view hint) const {
  const YAML::Node v = fallback ? get(key) : required(key, hint);
  if (!v) return std::string(*fallback);
  if (!v.IsScalar() || v.Scalar().empty())
    fail(key, fmt::format("must be a non-empty string, got {}{}{}", value_words(v), hint.empty() ? "" : "; ", hint));
  return v.Scalar();
}

double ExperimentSection::number(std::string_view key, double lo, double hi, std::optional<double> fallback) const {
  const YAML::Node v = fallback ? get(key) : required(key, fmt::format("give a number from {:g} to {:g}", lo, hi));
  if (!v) return *fallback;
  double out = 0;
  const NumberProblem problem = read_real(v, lo, hi, out);
  if (problem == NumberProblem::none) return out;
  if (problem == NumberProblem::malformed)
    fail(key, fmt::format("must be a number from {:g} to {:g}, got {}", lo, hi, value_words(v)));
  if (problem == NumberProblem::quoted)
    fail(key, "must be a number, " + number_problem_words(problem, v.Scalar(), "", ""));
  fail(key, fmt::format("{} {}", v.Scalar(),
                        number_problem_words(problem, v.Scalar(), fmt::format("{:g}", lo), fmt::format("{:g}", hi))));
}

std::int64_t ExperimentSection::integer(std::string_view key, std::int64_t lo, std::int64_t hi,
                                        std::optional<std::int64_t> fallback) const {
  const YAML::Node v = fallback ? get(key) : required(key, fmt::format("give an integer from {} to {}", lo, hi));
  if (!v) return *fallback;
  std::int64_t out = 0;
  const NumberProblem problem = read_integer(v, lo, hi, out);
  if (problem == NumberProblem::none) return out;
  if (problem == NumberProblem::malformed)
    fail(key, fmt::format("must be an integer from {} to {}, got {}", lo, hi, value_words(v)));
  if (problem == NumberProblem::quoted)
    fail(key, "must be an integer, " + number_problem_words(problem, v.Scalar(), "", ""));
  fail(key, fmt::format("{} {}", v.Scalar(),
                        number_problem_words(problem, v.Scalar(), std::to_string(lo), std::to_string(hi))));
}

std::vector<std::string> ExperimentSection::text_list(std::string_view key, std::string_view hint,
                                                      bool scalar_ok) const {
  const YAML::Node v = required(key, hint);
  if (scalar_ok && v.IsScalar()) return {text(key, {}, hint)};
  if (!v.IsSequence() || v.size() == 0)
    fail(key, fmt::format("must be a non-empty list of strings, got {}; {}",
                          v.IsSequence() ? "an empty list" : value_words(v), hint));
  std::vector<std::string> out;
  for (const YAML::Node& item : v) {
    if (!item.IsScalar() || item.Scalar().empty())
      fail(key, fmt::format("entry {} must be a non-empty string, got {}; {}", out.size() + 1, value_words(item), hint));
    out.push_back(item.Scalar());
  }
  return out;
}

std::string ExperimentSection::path(std::string_view key) const {
  const std::string value = text(key, {}, "give a file path (relative to the experiment file, or data:PATH)");
  if (const std::string why = path_problem(value); !why.empty()) fail(key, why);
  return resolve_experiment_path(value, file_, key_path(key));
}

std::string ExperimentSection::target_spec(std::string_view key) const {
  const std::string spec = text(key, {}, "name a preset (e.g. edgetpu-like) or a description file");
  return hw::names_a_description_file(spec) || spec.starts_with(kDataPrefix) ? path(key) : spec;
}

ExperimentSection ExperimentSection::section(std::string_view key) const {
  return ExperimentSection(get(key), file_, key_path(key), set_keys_);
}

}  // namespace hwnas::search

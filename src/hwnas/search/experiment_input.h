// Reading one section of an experiment file (docs/experiments.md) strictly, and resolving
// the paths it names.
//
// Every error is one line naming the file, the line when known, and the dotted key:
// "exp.yaml:7: latency.column: must be a non-empty string", "exp.yaml: objective.maximize:
// missing; ...", and for a key an override gave (hwnas search --set), no line, as the
// experiment's other keys say it (experiment_config.h): "exp.yaml: multi_fidelity.eta (from
// --set): 1 is too small (at least 2)". Values are read through yaml_input.h: numbers must
// be plain decimal scalars (a quoted "4" is a string), tags are refused by the document
// parser.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hwnas::search {

/// The shared data directory (../shared/data/README.md): $HWNAS_DATA_DIR when it is set
/// and not empty, else ../shared/data beside the source tree.
std::filesystem::path data_dir();

/// A path written in an experiment file: "data:REST" is REST inside data_dir(); an
/// absolute path is kept; a relative one is taken from the experiment file's directory
/// (so an experiment and its files move together); each lexically normal (no "." or "..",
/// so errors name the file plainly; the sources make theirs absolute likewise). Throws UserError "WHERE: ..." for an
/// empty path or "data:" with nothing after it.
std::string resolve_experiment_path(std::string_view value, const std::string& experiment_file,
                                    std::string_view where);

/// Whether `key` (dotted; a list index as ".1" or "[1]") is one of the keys `set_keys`
/// (--set's dotted keys) gave: the key itself, a mapping above it or a key below it.
bool from_set(const std::set<std::string>& set_keys, std::string_view key);

/// One mapping of an experiment file, e.g. `latency:`, read key by key.
class ExperimentSection {
 public:
  /// `prefix` is the section's dotted path ("latency"), or "" for the file's top level;
  /// `set_keys` the dotted keys --set gave (ExperimentConfig::set_keys), passed on to
  /// section(): errors about them say "(from --set)" and name no line.
  ExperimentSection(YAML::Node node, std::string file, std::string prefix, std::set<std::string> set_keys = {});

  /// Throws unless the section is a mapping whose keys are all in `allowed`:
  /// "FILE:LINE: latency.colum: unknown key; allowed: csv, column, arch_column".
  void only(std::initializer_list<std::string_view> allowed) const {
    only(std::span<const std::string_view>(allowed.begin(), allowed.size()));
  }
  void only(std::span<const std::string_view> allowed) const;

  /// "latency.column".
  std::string key_path(std::string_view key) const;
  /// Throws "FILE:LINE: KEY_PATH: MESSAGE" (the line of the key's value, when present).
  [[noreturn]] void fail(std::string_view key, std::string_view message) const;
  /// The same about the section as a whole: "FILE:LINE: PREFIX: MESSAGE".
  [[noreturn]] void fail_here(std::string_view message) const;

  bool has(std::string_view key) const { return static_cast<bool>(get(key)); }
  YAML::Node get(std::string_view key) const;
  /// The value at `key`; "missing; HINT" when absent.
  YAML::Node required(std::string_view key, std::string_view hint) const;

  /// A non-empty string scalar; `fallback` when absent (required without one).
  std::string text(std::string_view key, std::optional<std::string_view> fallback = {},
                   std::string_view hint = "") const;
  /// A plain finite decimal number in [lo, hi]; `fallback` when absent.
  double number(std::string_view key, double lo, double hi, std::optional<double> fallback = {}) const;
  /// A plain decimal integer in [lo, hi]; `fallback` when absent.
  std::int64_t integer(std::string_view key, std::int64_t lo, std::int64_t hi,
                       std::optional<std::int64_t> fallback = {}) const;
  /// A non-empty list of non-empty strings, or a single string read as a list of one when
  /// `scalar_ok`.
  std::vector<std::string> text_list(std::string_view key, std::string_view hint, bool scalar_ok = false) const;
  /// A required file path, resolved as resolve_experiment_path does.
  std::string path(std::string_view key) const;
  /// A required target: a preset name as written, or, when it names a description file
  /// (hw::names_a_description_file) or starts with "data:", a path resolved as path() does; what
  /// hw::make_target takes.
  std::string target_spec(std::string_view key) const;
  /// The sub-mapping at `key` as a section "PREFIX.KEY".
  ExperimentSection section(std::string_view key) const;

  const std::string& file() const { return file_; }
  /// The section's dotted path, e.g. "latency".
  const std::string& prefix() const { return prefix_; }
  const YAML::Node& node() const { return node_; }
  const std::set<std::string>& set_keys() const { return set_keys_; }

 private:
  /// "FILE:LINE: KEY_PATH: " for a value at `mark` (FILE alone when unknown), or "FILE:
  /// KEY_PATH (from --set): " when an override gave it.
  std::string origin(std::string_view key_path, const YAML::Mark& mark) const;

  YAML::Node node_;
  std::string file_, prefix_;
  std::set<std::string> set_keys_;
};

}  // namespace hwnas::search

// An experiment file (configs/experiments/*.yaml, docs/experiments.md): the space, the
// cost model's sections (latency, accuracy, objective; read by make_cost_model), the
// strategy and its parameters, the budget and the seed.
//
// The file is read strictly (base/yaml_input.h), then each `--set KEY=VALUE` is applied to
// the YAML tree (dotted keys: strategy.population=64; a list item by its index:
// objective.constraints.0=...), and only then is the tree validated, so an override is
// checked exactly as the file's own text. Errors are one line, worded as the cost model's
// sections word theirs (experiment_input.h): "FILE:LINE: budget.trials: ...", "FILE:
// budget.trials (from --set): ...".
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace hwnas::search {

/// When the search stops: the first limit reached. At least one is given.
struct Budget {
  std::optional<std::int64_t> evaluations;  // accuracy evaluations (the expensive queries)
  std::optional<std::int64_t> trials;       // trials recorded (feasible, infeasible or failed)
  std::optional<double> seconds;            // wall time, summed over resumed sessions
};

/// `parallel:` (docs/experiments.md, "Parallel evaluations"): how many accuracy
/// evaluations run at once, and how many candidates each step of the search asks for.
struct Parallel {
  std::int32_t workers = 1;            // threads of this process running accuracy evaluations
  std::optional<std::int32_t> batch;   // candidates per step; unset: the pool's workers
};

struct ExperimentConfig {
  std::string file;      // the experiment file as given (errors name it)
  std::string base_dir;  // its directory, absolute: relative paths in the file start there
  YAML::Node root;       // the whole tree after --set (make_cost_model reads its sections)
  std::set<std::string> set_keys;  // dotted keys given by --set, for error messages
  /// Whether an override gave `key` (dotted), itself, a mapping above it or a key below it.
  bool from_set(std::string_view key) const;

  YAML::Node space;              // `space`: a name or path, or a mapping with `name`
  std::string strategy;          // `strategy.name`
  nlohmann::json strategy_params;  // the rest of `strategy`, for make_strategy
  Budget budget;
  std::uint64_t seed = 0;
  Parallel parallel;
};

/// The top-level keys an experiment file may hold.
const std::vector<std::string>& experiment_keys();

/// Dotted keys of the experiment file that hold one value, for the CLI's answer to one
/// given as an option (`hwnas search --seed 3`: --set seed=3): the top level's, budget's,
/// parallel's, strategy.name, latency.target, latency.estimator and accuracy.train's
/// (`hwnas search --epochs 3`: --set accuracy.train.epochs=3).
const std::vector<std::string>& experiment_value_keys();

/// Reads `path` (read_text_file + parse_yaml_document), applies `sets` ("KEY=VALUE", the
/// value read as YAML: 64, true, [1, 2], {a: 1}, text) and validates this module's keys
/// (top-level names, space, strategy, budget, seed, parallel). The cost-model sections are checked
/// later by make_cost_model. Throws UserError:
/// - "FILE:LINE: stratgy: unknown key (did you mean 'strategy'?); allowed: ..." at any
///   level this module reads;
/// - "--set 'KEY=VALUE': ..." for a malformed override (no '=', an empty key or value, a
///   path through a scalar, a list index past its end);
/// - "FILE: budget: needs at least one of evaluations, trials, seconds", wrong types,
///   out-of-range numbers (naming the key): "FILE:LINE: parallel.workers: 0 is too small
///   (at least 1)".
ExperimentConfig read_experiment_config(const std::string& path, const std::vector<std::string>& sets);

/// The same from text; `file` names it in errors, `base_dir` as ExperimentConfig's.
ExperimentConfig parse_experiment_config(std::string_view text, const std::string& file, const std::string& base_dir,
                                         const std::vector<std::string>& sets);

/// Applies one override "KEY=VALUE" to `root` (as read_experiment_config does for each
/// `sets` entry): the value is read as YAML; mappings on the dotted path are created; a
/// numeric part indexes a list. Returns KEY. Throws UserError "--set 'KEY=VALUE': ..." as
/// listed above.
std::string apply_override(YAML::Node& root, const std::string& set);

/// The tree as YAML with every mapping's keys sorted (block style), so that two trees that
/// read the same give the same text.
std::string normalised_yaml(const YAML::Node& root);

/// The first dotted key (in sorted order) whose value differs between `stored` and
/// `given`, e.g. "strategy.population"; keys under `budget` and `parallel.workers` are not
/// compared (a resumed search may be given more budget, or more workers: the trials depend
/// on `parallel.batch` only). Unset when they agree.
std::optional<std::string> first_difference(const YAML::Node& stored, const YAML::Node& given);
/// Every such key, in sorted order (empty when they agree): --resume names them all.
std::vector<std::string> differences(const YAML::Node& stored, const YAML::Node& given);

/// A YAML value as JSON: plain scalars that read as integers, numbers, booleans or null
/// become those, everything else text; mappings objects, sequences arrays.
nlohmann::json yaml_to_json(const YAML::Node& node);

}  // namespace hwnas::search

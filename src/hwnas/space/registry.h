// Search spaces by name or path: the built-ins (mobilenet-cls, mobilenet-det,
// mobilenet-seg, nb201, fbnet) or a YAML space file (docs/spaces.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/space/filters.h"
#include "hwnas/space/space.h"

namespace hwnas::space {

/// What a space is built for.
struct SpaceOptions {
  /// The target's parallelism factor: what the symbol `P` in a space file stands for.
  std::optional<std::int32_t> parallelism_factor;
  /// Where it came from, for errors: "target 'edgetpu-like'", "estimator 'e.json'"; empty
  /// when no target or estimator was given.
  std::string parallelism_source;
  /// The option that gives `hwnas space show` the same P: "--target edgetpu-like",
  /// "--estimator e.json"; empty without one (Space::show_command).
  std::string parallelism_option;
  /// Build the uncurated twin, as `curated: false` in the file does (YAML spaces only).
  bool uncurated = false;
};

/// P from a target: its parallelism factor (hw::Target::parallelism_factor: an npu
/// description's; nullopt for cpu, external and table targets, then P is refused). `spec`
/// is how the user named the target.
SpaceOptions space_options_for_target(std::optional<std::int32_t> parallelism_factor, std::string_view spec);
/// P from an estimator file: the output-channel lanes it detected (estimate::Lanes::cout);
/// 0 when it detected none (a fit that found no lanes, a table estimator): then P is refused.
SpaceOptions space_options_for_estimator(std::int32_t detected_cout_lanes, std::string_view path);

/// Names of the built-in spaces, in the order `hwnas space show` lists them.
std::vector<std::string> builtin_space_names();

/// Whether `name_or_path` names a space file rather than a built-in: it ends in .yaml or
/// .yml (make_space's rule; nothing is read).
bool is_space_file(std::string_view name_or_path);

/// A built-in by name, else a YAML space file (a path ending in .yaml or .yml). Throws
/// UserError "unknown space 'X'; built-in spaces: ...; or give a .yaml file" for any other
/// name, and the space file's errors (yaml_space.h). nb201 and fbnet refuse `uncurated`.
std::unique_ptr<Space> make_space(std::string_view name_or_path, const SpaceOptions& options);

/// The validity filters a space file states (its `filters:` section); none for other spaces.
Filters space_filters(const Space& space);

}  // namespace hwnas::space

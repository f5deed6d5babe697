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

namespace hwnas::estimate {
class Estimator;
}
namespace hwnas::hw {
class Target;
}

namespace hwnas::space {

/// What a space is built for.
struct SpaceOptions {
  /// The target's parallelism factor: what the symbol `P` in a space file stands for.
  std::optional<std::int32_t> parallelism_factor;
  /// Where it came from, for errors: "target 'edgetpu-like'", "estimator 'e.json'"; empty
  /// when no target or estimator was given.
  std::string parallelism_source;
  /// Build the uncurated twin, as `curated: false` in the file does (YAML spaces only).
  bool uncurated = false;
};

/// The parallelism factor of a target: an npu description's `parallelism_factor`; other
/// kinds (cpu, external, table) state none. `spec` is how the user named the target.
SpaceOptions space_options_for_target(const hw::Target& target, std::string_view spec);
/// The output-channel lanes an estimator detected (Lanes::cout); none when it detected
/// none (a fit that found no lanes): then P is refused.
SpaceOptions space_options_for_estimator(const estimate::Estimator& estimator, std::string_view path);
/// The same from the lanes alone (0: none), e.g. for a table estimator, which has none.
SpaceOptions space_options_for_estimator(std::int32_t detected_cout_lanes, std::string_view path);

/// Names of the built-in spaces, in the order `hwnas space show` lists them.
std::vector<std::string> builtin_space_names();

/// A built-in by name, else a YAML space file (a path ending in .yaml or .yml). Throws
/// UserError "unknown space 'X'; built-in spaces: ...; or give a .yaml file" for any other
/// name, and the space file's errors (yaml_space.h). nb201 and fbnet refuse `uncurated`.
std::unique_ptr<Space> make_space(std::string_view name_or_path, const SpaceOptions& options);

/// The validity filters a space file states (its `filters:` section); none for other spaces.
Filters space_filters(const Space& space);

}  // namespace hwnas::space

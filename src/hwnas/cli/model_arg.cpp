#include "hwnas/cli/model_arg.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/io/model_io.h"
#include "hwnas/space/models.h"
#include "hwnas/space/registry.h"

namespace hwnas::cli {
namespace {

/// Whether `spec` names a YAML file whose top level is a search space's (it has `stages`):
/// read only when the model reader refused it, so a file that does not read is no space.
bool is_space_file(std::string_view spec) {
  if (!space::is_space_file(spec)) return false;
  try {
    const YAML::Node root = YAML::LoadFile(std::string(spec));
    return root.IsMap() && root["stages"].IsDefined() && !root["layers"].IsDefined() && !root["blocks"].IsDefined();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

graph::Graph load_model_arg(std::string_view spec) {
  try {
    return io::load_model_spec(spec, [](std::string_view s) { return space::load_model(s); });
  } catch (const UserError&) {
    // A search space where a model is expected (s29 fresh-user finding 8): the model
    // reader's "unknown top-level key 'description'" or "unknown zoo model" does not say so.
    // nb201 and fbnet are zoo models too (nb201:arch=...): their own errors say what is missing.
    const std::vector<std::string> spaces = space::builtin_space_names();
    const std::vector<graph::ZooModel> zoo = space::zoo_models();
    const bool builtin = std::find(spaces.begin(), spaces.end(), spec) != spaces.end() &&
                         std::none_of(zoo.begin(), zoo.end(), [&](const graph::ZooModel& m) { return m.name == spec; });
    if (!builtin && !is_space_file(spec)) throw;
    throw UserError(fmt::format("model '{0}': a {1}, not a model; 'hwnas space show {0}' shows it, and 'hwnas space "
                                "decode {0} baseline --out m.yaml' writes one of its networks as a model file (a MODEL "
                                "is a zoo model, 'hwnas zoo' lists them, or a model file of layers or blocks)",
                                printable(spec), builtin ? "built-in search space" : "search space file (stages, head)"));
  }
}

}  // namespace hwnas::cli

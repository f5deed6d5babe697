#include "hwnas/space/registry.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"
#include "hwnas/space/builtin.h"
#include "hwnas/space/fbnet.h"
#include "hwnas/space/nb201.h"
#include "hwnas/space/yaml_space.h"

namespace hwnas::space {
namespace {

/// The top-level key that makes `text` a model file rather than a space ("layers",
/// "blocks"), or empty: asked only when the space reader refused it.
std::string model_file_key(const std::string& text) {
  try {
    const YAML::Node root = YAML::Load(text);
    if (!root.IsMap() || root["stages"].IsDefined()) return "";
    for (const char* key : {"layers", "blocks"})
      if (root[key].IsDefined()) return key;
  } catch (const std::exception&) {
  }
  return "";
}

}  // namespace

SpaceOptions space_options_for_target(std::optional<std::int32_t> parallelism_factor, std::string_view spec) {
  SpaceOptions options;
  options.parallelism_source = "target '" + std::string(spec) + "'";
  options.parallelism_option = "--target " + std::string(spec);
  options.parallelism_factor = parallelism_factor;
  return options;
}

SpaceOptions space_options_for_estimator(std::int32_t detected_cout_lanes, std::string_view path) {
  SpaceOptions options;
  options.parallelism_source = "estimator '" + std::string(path) + "' (its detected lanes)";
  options.parallelism_option = "--estimator " + std::string(path);
  if (detected_cout_lanes > 0) options.parallelism_factor = detected_cout_lanes;
  return options;
}

std::vector<std::string> builtin_space_names() {
  std::vector<std::string> names;
  for (const BuiltinSpaceText& text : builtin_space_texts()) names.emplace_back(text.name);
  names.emplace_back("nb201");
  names.emplace_back("fbnet");
  return names;
}

bool is_space_file(std::string_view name_or_path) {
  return name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml");
}

std::unique_ptr<Space> make_space(std::string_view name_or_path, const SpaceOptions& options) {
  for (const BuiltinSpaceText& text : builtin_space_texts())
    if (name_or_path == text.name) {
      SpaceDefinition d = read_space_definition(text.yaml, std::string(text.name) + " (built-in space)", options);
      d.builtin = true;
      return std::make_unique<YamlSpace>(std::move(d));
    }
  if (name_or_path == "nb201" || name_or_path == "fbnet") {
    if (options.uncurated)
      throw UserError("space '" + std::string(name_or_path) +
                      "' has no uncurated twin (only YAML spaces have channel choices to uncurate)");
    return name_or_path == "nb201" ? make_nb201_space() : make_fbnet_space();
  }
  if (is_space_file(name_or_path)) {
    const std::string path(name_or_path);
    const std::string text = read_text_file(path, "space file");
    try {
      return std::make_unique<YamlSpace>(read_space_definition(text, path, options));
    } catch (const UserError&) {
      // A model file where a space is expected (s29 fresh-user finding 8): the space
      // reader's "key 'blocks': unknown key" does not say so.
      const std::string key = model_file_key(text);
      if (key.empty()) throw;
      throw UserError(fmt::format("{}: is a model file ({}), not a search space; 'hwnas inspect {}' shows that network, "
                                  "and a search space file has stages and head (docs/spaces.md)",
                                  printable(path), key, printable(path)));
    }
  }
  std::string names;
  for (const std::string& n : builtin_space_names()) names += (names.empty() ? "" : ", ") + n;
  throw UserError(
      fmt::format("unknown space '{}'; built-in spaces: {}; or give a space file ending in .yaml "
                  "(docs/spaces.md)",
                  printable(name_or_path), names));
}

Filters space_filters(const Space& space) {
  const auto* yaml = dynamic_cast<const YamlSpace*>(&space);
  return yaml ? yaml->definition().filters : Filters{};
}

}  // namespace hwnas::space

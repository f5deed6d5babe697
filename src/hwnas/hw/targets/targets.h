// Targets by name: shipped presets (configs/hardware/*.yaml) or a user's YAML file.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/hw/target.h"

namespace hwnas::hw {

/// The folder of shipped presets: $HWNAS_CONFIG_DIR/hardware if set, else the source tree's
/// configs/hardware.
std::filesystem::path preset_dir();
/// Preset names (file stems), sorted.
std::vector<std::string> preset_names();

/// A target from a preset name or a path to a description YAML (exactly one YAML document,
/// yaml_input.h). The description's kind (description_kind) picks the implementation:
/// npu, cpu, external or table. Throws UserError naming the spec or file and key.
std::unique_ptr<Target> make_target(const std::string& spec);

/// The kind of a description: its `kind` key; without one, the one kind that has some of
/// its keys as its own (`threads` is only cpu's, `clock_mhz` only npu's; `name` tells
/// nothing). Throws UserError naming `source` when the mapping is not one, when no key
/// tells the kind, or when keys of two kinds appear.
std::string description_kind(const YAML::Node& node, const std::string& source);

/// Whether a --target `spec` names a description file rather than a preset: it holds a '/'
/// or ends with .yaml, .yml or .json (JSON is YAML); a preset name has neither.
bool names_a_description_file(std::string_view spec);

/// The path make_target would read for `spec`: the file it names, or the preset's. Throws
/// UserError for an unknown preset, listing them; when a file of that name is in the
/// current directory, the error asks "did you mean ./NAME?".
std::filesystem::path target_description_path(const std::string& spec);

}  // namespace hwnas::hw

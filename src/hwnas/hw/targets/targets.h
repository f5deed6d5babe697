// Targets by name: shipped presets (configs/hardware/*.yaml) or a user's YAML file.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/hw/target.h"

namespace hwnas::hw {

/// The folder of shipped presets: $HWNAS_CONFIG_DIR/hardware if set, else the source tree's
/// configs/hardware.
std::filesystem::path preset_dir();
/// Preset names (file stems), sorted.
std::vector<std::string> preset_names();

/// A target from a preset name or a path to a description YAML. The description's `kind`
/// picks the implementation: npu (default), cpu, external, table. Throws UserError naming
/// the spec or file and key.
std::unique_ptr<Target> make_target(const std::string& spec);

/// The path make_target would read for `spec`.
std::filesystem::path target_description_path(const std::string& spec);

}  // namespace hwnas::hw

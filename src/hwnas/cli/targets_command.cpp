#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/hw/targets/targets.h"

namespace hwnas::cli {

void add_targets_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("targets", "List hardware target presets, or show one");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON object on stdout");
  auto* show = cmd->add_subcommand("show", "Print a preset's (or a file's) description YAML");
  auto name = std::make_shared<std::string>();
  show->add_option("NAME", *name, "Preset name or description path")->required();
  show->callback([name] {
    hw::make_target(*name);  // refuses a description every other verb would refuse
    fmt::print("{}", read_text_file(hw::target_description_path(*name).string(), "target description"));
  });
  cmd->callback([cmd, show, json] {
    if (show->parsed()) return;
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const std::string& preset : hw::preset_names()) {
      const std::string path = (hw::preset_dir() / (preset + ".yaml")).string();
      const YAML::Node node = load_yaml_file(path, "target description");
      const std::string kind = hw::description_kind(node, path);
      const std::string about = node["description"].IsScalar() ? node["description"].Scalar() : "";
      if (*json) list.push_back({{"name", preset}, {"kind", kind}, {"description", about}});
      else fmt::print("{:<22}{:<10}{}\n", printable(preset), kind, printable(about));
    }
    if (*json) emit_json(nlohmann::ordered_json{{"targets", list}});
  });
}

}  // namespace hwnas::cli

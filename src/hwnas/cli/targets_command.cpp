#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/graph/error.h"
#include "hwnas/graph/printable.h"
#include "hwnas/hw/targets/targets.h"

namespace hwnas::cli {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw UserError(fmt::format("{}: cannot read the target description", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

void add_targets_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("targets", "List hardware target presets, or show one");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON object on stdout");
  auto* show = cmd->add_subcommand("show", "Print a preset's (or a file's) description YAML");
  auto name = std::make_shared<std::string>();
  show->add_option("NAME", *name, "Preset name or description path")->required();
  show->callback([name] { fmt::print("{}", read_text(hw::target_description_path(*name))); });
  cmd->callback([cmd, show, json] {
    if (show->parsed()) return;
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const std::string& preset : hw::preset_names()) {
      const YAML::Node node = YAML::LoadFile((hw::preset_dir() / (preset + ".yaml")).string());
      const std::string kind = node["kind"] ? node["kind"].as<std::string>() : "npu";
      const std::string about = node["description"] ? node["description"].as<std::string>() : "";
      if (*json) list.push_back({{"name", preset}, {"kind", kind}, {"description", about}});
      else fmt::print("{:<22}{:<10}{}\n", printable(preset), kind, printable(about));
    }
    if (*json) emit_json(nlohmann::ordered_json{{"targets", list}});
  });
}

}  // namespace hwnas::cli

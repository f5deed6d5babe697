#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hwnas/cli/commands.h"
#include "hwnas/space/models.h"

namespace hwnas::cli {

void add_zoo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("zoo", "List the zoo models and their options");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON object on stdout");
  cmd->callback([json] {
    const std::vector<graph::ZooModel> models = space::zoo_models();
    if (*json) {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const graph::ZooModel& m : models) {
        nlohmann::ordered_json options = nlohmann::ordered_json::array();
        for (const graph::ZooOptionInfo& o : m.options)
          options.push_back({{"key", o.key}, {"default", o.default_value}, {"help", o.help}});
        out.push_back({{"name", m.name}, {"description", m.description}, {"options", options}});
      }
      fmt::print("{}\n", nlohmann::ordered_json{{"models", out}}.dump(2));
      return;
    }
    for (const graph::ZooModel& m : models) {
      fmt::print("{:<28}{}\n", m.name, m.description);
      for (const graph::ZooOptionInfo& o : m.options)
        fmt::print("    {:<10}{:<8}{}\n", o.key, o.default_value.empty() ? "-" : o.default_value,
                   o.help);
    }
    fmt::print("\nA MODEL is NAME[:key=value,...], e.g. mobilenet_v2:width=0.5,res=160,classes=10,"
               "\nor a model file (.yaml, .yml, .json; see docs/model-format.md).\n");
  });
}

}  // namespace hwnas::cli

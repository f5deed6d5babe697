#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/report/search_report.h"

namespace hwnas::cli {

void add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("report", "Write the HTML report of search experiments (docs/report.md)");
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("DIR", *dirs, "Experiment directories written by hwnas search (several: compared in one page)")
      ->required();
  cmd->add_option("--out", *out, "The HTML file to write (default: DIR/report.html; required for several DIRs)");
  cmd->add_flag("--json", *json, "Print one JSON object on stdout");
  cmd->callback([dirs, out, json] {
    const std::string path = report::write_report(*dirs, *out);
    if (*json) {
      emit_json(nlohmann::ordered_json{{"report", path}, {"experiments", *dirs}});
      return;
    }
    fmt::print("wrote {} ({} experiment{})\n", printable(path), dirs->size(), dirs->size() == 1 ? "" : "s");
  });
}

}  // namespace hwnas::cli

#include <fmt/format.h>

#include "hwnas/base/file_io.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/model_arg.h"
#include "hwnas/io/model_io.h"

namespace hwnas::cli {

namespace {
struct ExportArgs {
  std::string model, format, out;
};
}  // namespace

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = app.add_subcommand("export", "Write a model as ONNX, JSON or YAML (docs/onnx.md)");
  cmd->add_option("MODEL", args->model, "Zoo spec, model file or ONNX file")->required();
  cmd->add_option("--format", args->format, "onnx, json or yaml (default: from --out's extension)");
  cmd->add_option("--out", args->out, "File to write")->required();
  cmd->callback([args] {
    const io::ModelFormat format = args->format.empty() ? io::model_format_of_path(args->out, "--out")
                                                        : io::parse_model_format(args->format, "--format");
    check_output_path(args->out, "exported model (--out)", {{io::model_file_path(args->model), "model (MODEL)"}});
    const graph::Graph g = load_model_arg(args->model);
    io::export_model(g, format, args->out);
    fmt::print("wrote {} ({}, {} nodes)\n", args->out, io::model_format_name(format), g.size());
  });
}

}  // namespace hwnas::cli

// hwnas export MODEL [--format onnx|json|yaml|pytorch] --out FILE (docs/export.md): the
// writers are io's (model_io.h).
#include <fmt/format.h>

#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/model_arg.h"
#include "hwnas/io/model_io.h"

namespace hwnas::cli {

namespace {
struct ExportArgs {
  std::string model, format, out, weights;
};
}  // namespace

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = app.add_subcommand(
      "export",
      "Write a model as ONNX, JSON, YAML or a PyTorch module (docs/export.md). ONNX carries trained weights "
      "with --weights, else placeholders (zeros); PyTorch modules the default initialisation");
  cmd->add_option("MODEL", args->model, "Zoo spec, model file or ONNX file")->required();
  cmd->add_option("--format", args->format,
                  "onnx, json, yaml or pytorch (default: from --out's extension: .onnx, .json, .yaml/.yml, .py)");
  cmd->add_option("--out", args->out, "File to write")->required();
  cmd->add_option("--weights", args->weights,
                  "ONNX: the initialisers take these trained weights (hwnas train --save, a checkpoint, supernet "
                  "extract --weights) instead of placeholders; run by hwnas-train");
  cmd->callback([args] {
    if (!args->weights.empty()) {  // reading torch's files is hwnas-train's
      std::vector<std::string> forwarded = {args->model, "--out", args->out, "--weights", args->weights};
      if (!args->format.empty()) forwarded.insert(forwarded.end(), {"--format", args->format});
      exec_train_program("export", forwarded);
    }
    check_output_path(args->out, "exported model (--out)", {{io::model_file_path(args->model), "the input model (MODEL)"}});
    const io::ModelFormat format = io::output_format(args->out, "--out", args->format);
    const graph::Graph g = load_model_arg(args->model);
    io::export_model(g, format, args->out, args->model);
    fmt::print("wrote {} ({}, {} nodes)\n", printable(args->out), io::model_format_name(format), g.size());
  });
}

}  // namespace hwnas::cli

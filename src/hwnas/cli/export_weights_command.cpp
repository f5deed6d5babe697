// hwnas export MODEL --weights W --out M.onnx, run by hwnas-train (hwnas export forwards it
// here: reading a torch weights file needs torch): the model's ONNX with the trained
// tensors as initialisers (train/onnx_weights.h, io/onnx_export.h; docs/export.md).
#include <fmt/format.h>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/model_arg.h"
#include "hwnas/io/model_io.h"
#include "hwnas/io/onnx_export.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/onnx_weights.h"

namespace hwnas::cli {

void add_export_weights_command(CLI::App& app) {
  struct Args {
    std::string model, format, out, weights;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("export", "Write a model as ONNX with trained weights (hwnas export --weights)");
  cmd->add_option("MODEL", args->model, "Zoo spec, model file or ONNX file")->required();
  cmd->add_option("--format", args->format, "onnx (the only format that carries weights)");
  cmd->add_option("--out", args->out, "File to write")->required();
  cmd->add_option("--weights", args->weights, "Trained weights (or a checkpoint) of MODEL")->required();
  cmd->callback([args] {
    const io::ModelFormat format = io::output_format(args->out, "--out", args->format);
    if (format != io::ModelFormat::onnx)
      throw UserError(fmt::format("--weights: only ONNX carries weights, not {} ({}); write a .onnx file, or drop "
                                  "--weights (load them into the PyTorch module from the weights file with "
                                  "torch.load: docs/export.md)",
                                  io::model_format_name(format), printable(args->out)));
    check_output_path(args->out, "exported model (--out)",
                      {{io::model_file_path(args->model), "the input model (MODEL)"},
                       {args->weights, "the weights (--weights)"}});
    const graph::Graph model = load_model_arg(args->model);
    const train::ExportedWeights e = train::exported_weights(model, args->weights);
    io::save_onnx_file(e.graph, args->out, args->model, &e.weights);
    const std::int32_t resolution = train::input_shape(e.graph).resolution;
    fmt::print("wrote {} (onnx, {} nodes at {}x{}, {} trained tensors from {})\n", printable(args->out),
               e.graph.size(), resolution, resolution, e.weights.values.size(), printable(args->weights));
  });
}

}  // namespace hwnas::cli

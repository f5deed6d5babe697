// MODEL arguments that may be ONNX files, and writing a model in a chosen format
// (hwnas export, hwnas rewrite --out; docs/export.md, docs/onnx.md, docs/cli.md).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hwnas/graph/graph.h"

namespace hwnas::io {

/// onnx: onnx_export.h; json, yaml: model files (docs/model-format.md); pytorch: a Python
/// module (pytorch_export.h). Only onnx, json and yaml can be read back.
enum class ModelFormat : std::uint8_t { onnx, json, yaml, pytorch };

std::string_view model_format_name(ModelFormat format);
/// "onnx", "json", "yaml" or "pytorch"; throws UserError naming `option` and the choices
/// otherwise.
ModelFormat parse_model_format(std::string_view text, std::string_view option);
/// The format a path's extension names (.onnx, .json, .yaml or .yml, .py), or nullopt.
std::optional<ModelFormat> format_of_extension(std::string_view path);
/// The format to write `path` in: `format_text` when given (parse_model_format), else the
/// extension's. Throws UserError naming `path_option` when neither names one ("give
/// --format"), or when the extension names another format than `format_text` does
/// ("--format json but --out 'x.yaml' ends in .yaml (format yaml)...").
/// The extension's format, for a command without --format; else UserError naming `option`
/// and the extensions.
ModelFormat model_format_of_path(const std::string& path, std::string_view option);
ModelFormat output_format(const std::string& path, std::string_view path_option, std::string_view format_text = {});

/// Whether MODEL names an ONNX file: "FILE.onnx" or "FILE.onnx:input_shape=C,H,W".
bool is_onnx_model(std::string_view spec);

/// The file a MODEL names (the ONNX file without its input_shape, or a .yaml, .yml, .json
/// model file); empty for a zoo spec.
std::string model_file_path(std::string_view spec);

/// A MODEL argument: an ONNX file (is_onnx_model; input_shape overrides the file's input
/// C, H, W, for files exported with dynamic axes), else `other(spec)` (a zoo spec or a
/// model file: space::load_model). A .py file is refused (hwnas export writes them, nothing
/// reads them). Errors one line, naming the spec.
graph::Graph load_model_spec(std::string_view spec, const std::function<graph::Graph(std::string_view)>& other);

/// Writes `graph` to `path` in `format` atomically (ONNX: save_onnx_file; JSON/YAML:
/// graph::model_to_json / model_to_yaml; PyTorch: save_pytorch_file). `source`, the MODEL
/// argument the graph was read from, is named in ONNX and PyTorch files (may be empty).
/// Throws UserError when writing fails.
void export_model(const graph::Graph& graph, ModelFormat format, const std::string& path, std::string_view source = {});

}  // namespace hwnas::io

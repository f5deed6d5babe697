// MODEL arguments that may be ONNX files, and writing a model in a chosen format
// (hwnas export; docs/onnx.md, docs/cli.md).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "hwnas/graph/graph.h"

namespace hwnas::io {

enum class ModelFormat : std::uint8_t { onnx, json, yaml };

std::string_view model_format_name(ModelFormat format);
/// "onnx", "json" or "yaml"; throws UserError naming `option` and the choices otherwise.
ModelFormat parse_model_format(std::string_view text, std::string_view option);
/// The format a path's extension names (.onnx, .json, .yaml, .yml), or UserError naming
/// `option` and saying to give --format.
ModelFormat model_format_of_path(const std::string& path, std::string_view option);

/// Whether MODEL names an ONNX file: "FILE.onnx" or "FILE.onnx:input_shape=C,H,W".
bool is_onnx_model(std::string_view spec);

/// The file a MODEL names (the ONNX file without its input_shape, or a .yaml, .yml, .json
/// model file); empty for a zoo spec.
std::string model_file_path(std::string_view spec);

/// A MODEL argument: an ONNX file (is_onnx_model; input_shape overrides the file's input
/// C, H, W, for files exported with dynamic axes), else `other(spec)` (a zoo spec or a
/// model file: space::load_model). Errors one line, naming the spec.
graph::Graph load_model_spec(std::string_view spec, const std::function<graph::Graph(std::string_view)>& other);

/// Writes `graph` to `path` in `format` atomically (ONNX: save_onnx_file; JSON/YAML:
/// graph::model_to_json / model_to_yaml). Throws UserError when writing fails.
void export_model(const graph::Graph& graph, ModelFormat format, const std::string& path);

}  // namespace hwnas::io

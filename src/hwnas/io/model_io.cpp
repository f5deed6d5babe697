#include "hwnas/io/model_io.h"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/io/onnx_export.h"
#include "hwnas/io/onnx_import.h"
#include "hwnas/io/pytorch_export.h"

namespace hwnas::io {
namespace {

constexpr std::string_view kFormatNames[] = {"onnx", "json", "yaml", "pytorch"};
// Each format's extensions, the first the one errors suggest.
constexpr std::string_view kExtensions[][2] = {{".onnx", ""}, {".json", ""}, {".yaml", ".yml"}, {".py", ""}};
constexpr std::string_view kShapeKey = ".onnx:input_shape=";

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

graph::Shape parse_shape(std::string_view text, std::string_view spec) {
  graph::Shape s;
  std::int32_t* out[] = {&s.c, &s.h, &s.w};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 3; ++i) {
    const auto [next, ec] = std::from_chars(p, end, *out[i]);
    const bool last = i == 2;
    if (ec != std::errc() || *out[i] <= 0 || (last ? next != end : (next == end || *next != ',')))
      throw UserError(fmt::format("{}: input_shape '{}' is not C,H,W (three positive integers, e.g. 3,224,224)",
                                  spec, text));
    p = next + 1;
  }
  return s;
}

}  // namespace

std::string_view model_format_name(ModelFormat format) { return kFormatNames[static_cast<int>(format)]; }

ModelFormat parse_model_format(std::string_view text, std::string_view option) {
  for (std::size_t i = 0; i < std::size(kFormatNames); ++i)
    if (text == kFormatNames[i]) return static_cast<ModelFormat>(i);
  throw UserError(fmt::format("{} '{}': use onnx, json, yaml or pytorch", option, printable(text)));
}

std::optional<ModelFormat> format_of_extension(std::string_view path) {
  for (std::size_t i = 0; i < std::size(kExtensions); ++i)
    for (const std::string_view extension : kExtensions[i])
      if (!extension.empty() && ends_with(path, extension)) return static_cast<ModelFormat>(i);
  return std::nullopt;
}

ModelFormat model_format_of_path(const std::string& path, std::string_view option) {
  if (const std::optional<ModelFormat> format = format_of_extension(path)) return *format;
  throw UserError(fmt::format("{} '{}': the extension names no format; end the name in .yaml, .yml, .json, .onnx or .py",
                              option, printable(path)));
}

ModelFormat output_format(const std::string& path, std::string_view path_option, std::string_view format_text) {
  const std::optional<ModelFormat> by_extension = format_of_extension(path);
  if (format_text.empty()) {
    if (by_extension) return *by_extension;
    throw UserError(fmt::format("{} '{}': the extension names no format (.onnx, .json, .yaml, .yml, .py); give --format "
                                "or one of those",
                                path_option, printable(path)));
  }
  const ModelFormat format = parse_model_format(format_text, "--format");
  if (by_extension && *by_extension != format)
    throw UserError(fmt::format("--format {} but {} '{}' ends in {} (format {}); name it *{} or leave out --format",
                                format_text, path_option, printable(path),
                                std::filesystem::path(path).extension().string(), model_format_name(*by_extension),
                                kExtensions[static_cast<std::size_t>(format)][0]));
  return format;
}

bool is_onnx_model(std::string_view spec) {
  return ends_with(spec, ".onnx") || spec.find(kShapeKey) != std::string_view::npos;
}

std::string model_file_path(std::string_view spec) {
  if (const std::size_t at = spec.find(kShapeKey); at != std::string_view::npos) return std::string(spec.substr(0, at + 5));
  if (ends_with(spec, ".onnx") || ends_with(spec, ".json") || ends_with(spec, ".yaml") || ends_with(spec, ".yml"))
    return std::string(spec);
  return "";
}

graph::Graph load_model_spec(std::string_view spec, const std::function<graph::Graph(std::string_view)>& other) {
  if (ends_with(spec, ".py"))
    throw UserError(fmt::format("model '{}': hwnas does not read Python modules; give the model it was exported from, "
                                "or export the module to ONNX with torch.onnx.export",
                                printable(spec)));
  if (ends_with(spec, ".pt") || ends_with(spec, ".pth"))
    throw UserError(fmt::format("model '{}': a torch file (weights, a checkpoint or a supernet), not a model; give the "
                                "model it belongs to (a zoo model or a model file) and the weights with --weights where "
                                "the verb takes them",
                                printable(spec)));
  if (!is_onnx_model(spec)) {
    try {
      return other(spec);
    } catch (const UserError&) {
      // "unknown zoo model 'adir'" misleads when MODEL names a directory or a device; a
      // name with a model file's extension got the model reader's own words already.
      if (!model_file_path(spec).empty()) throw;
      std::error_code ec;
      const std::filesystem::file_status st = std::filesystem::status(std::string(spec), ec);
      if (ec || !std::filesystem::exists(st) || std::filesystem::is_regular_file(st)) throw;
      const std::string kind = std::filesystem::is_directory(st) ? "a directory" : "a special file (device, FIFO or socket)";
      throw UserError(fmt::format("model '{0}': '{0}' is {1}, not a model file; give a model file (.yaml, .yml, "
                                  ".json, .onnx) or a zoo model name ('hwnas zoo' lists them)",
                                  printable(spec), kind));
    }
  }
  OnnxImportOptions options;
  if (const std::size_t at = spec.find(kShapeKey); at != std::string_view::npos)
    options.input_shape = parse_shape(spec.substr(at + kShapeKey.size()), spec);
  return import_onnx_file(model_file_path(spec), options);
}

void export_model(const graph::Graph& graph, ModelFormat format, const std::string& path, std::string_view source) {
  switch (format) {
    case ModelFormat::onnx: save_onnx_file(graph, path, source); break;
    case ModelFormat::json: write_file_atomically(path, graph::model_to_json(graph), "model file"); break;
    case ModelFormat::yaml: write_file_atomically(path, graph::model_to_yaml(graph), "model file"); break;
    case ModelFormat::pytorch: save_pytorch_file(graph, path, source); break;
  }
}

}  // namespace hwnas::io

#include "hwnas/io/onnx_import.h"

#include <fmt/format.h>
#include <onnx/checker.h>

#include <algorithm>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/io/block_recognition.h"
#include "hwnas/io/onnx_importer.h"

namespace hwnas::io {

graph::Graph import_onnx_file(const std::string& path, const OnnxImportOptions& options) {
  const std::string bytes = read_text_file(path, "ONNX model");
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes))
    throw UserError(fmt::format("{}: not an ONNX model (the file does not parse as an ONNX ModelProto); "
                                "give a .onnx file written by torch.onnx.export or hwnas export",
                                path));
  return import_onnx(model, path, options);
}

graph::Graph import_onnx(const onnx::ModelProto& model, std::string_view source,
                         const OnnxImportOptions& options) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    std::string why = e.what();
    for (char& c : why)
      if (c == '\n' || c == '\r') c = ' ';
    while (!why.empty() && why.back() == ' ') why.pop_back();
    throw UserError(fmt::format("{}: not a valid ONNX model (onnx checker: {}); re-export it", source, why));
  }
  graph::Graph g = detail::Importer(model, source, options).run();
  const bool from_hwnas = std::any_of(model.metadata_props().begin(), model.metadata_props().end(),
                                      [](const auto& p) { return p.key() == detail::kBlocksMetadata; });
  return options.recognise_blocks && !from_hwnas ? recognise_blocks(g) : g;
}

std::string supported_onnx_ops() {
  std::string out;
  for (const std::string_view op : detail::Importer::supported())
    out += (out.empty() ? "" : ", ") + std::string(op);
  return out;
}

}  // namespace hwnas::io

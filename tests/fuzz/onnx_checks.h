// What fuzz_onnx does with an ONNX file, shared with the replay of its regressions
// (tests/io/fuzz_regression_test.cpp): import it as `hwnas inspect m.onnx` does (protobuf
// parse, onnx::checker, the importer, block recognition when the file has no hwnas block
// table), analyse the graph at int8 and at fp32 batch 3, export it to ONNX and import that:
// the graph must come back identical (io/onnx_export.h: names, blocks and specs included).
#pragma once

#include <string>

#include "fuzz/fuzz_contract.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/io/onnx_export.h"
#include "hwnas/io/onnx_import.h"

namespace hwnas::fuzz {

/// Throws UserError for a file the importer refuses, ContractViolation for a broken
/// guarantee; anything else is a bug too. `scratch` is where the export is written.
inline void exercise_onnx_file(const std::string& path, const std::string& scratch) {
  const graph::Graph g = io::import_onnx_file(path);
  graph::analyze(g, graph::Precision::int8);
  graph::analyze(g, graph::Precision::fp32, 3);
  require_success("exporting and re-importing", [&] {
    io::save_onnx_file(g, scratch);  // imported names are [A-Za-z0-9_.-]: always UTF-8
    if (!io::import_onnx_file(scratch).identical(g))
      throw ContractViolation("the re-imported ONNX model differs from the one exported");
  });
}

}  // namespace hwnas::fuzz

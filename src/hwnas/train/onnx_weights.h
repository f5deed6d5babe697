// A trained network's tensors as ONNX initialiser values (`hwnas export MODEL --weights W
// --out M.onnx`, run by hwnas-train; docs/export.md): the weights file's tensors, checked
// against the model as `hwnas evaluate` checks them, keyed by the names the ONNX exporter
// gives its initialisers (io/onnx_export.h; they are train/network.h named_state's).
#pragma once

#include <string>

#include "hwnas/graph/graph.h"
#include "hwnas/io/onnx_export.h"

namespace hwnas::train {

struct ExportedWeights {
  graph::Graph graph;        // the model at the weights' resolution
  io::OnnxWeights weights;   // every tensor of the network but batch-norm step counts
};

/// Reads `weights_path` (a weights file or checkpoint: checkpoint.h read_weights_or_checkpoint)
/// and loads it into `model` rebuilt at the weights' resolution. UserError naming the file:
/// it cannot be read, is not a weights file, holds tensors of another model (a tensor
/// missing or of another shape: network.h load_state) or of another graph
/// (check_weights_graph).
ExportedWeights exported_weights(const graph::Graph& model, const std::string& weights_path);

}  // namespace hwnas::train

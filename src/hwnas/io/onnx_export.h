// ONNX export of any graph (opset 13; docs/onnx.md): the file passes onnx::checker and
// ONNX shape inference gives every tensor the shape hwnas infers ([1, C, H, W], or [1, C]
// after a Flatten or Linear), and import_onnx of it gives an equal graph (== and, with the
// block table below, equal blocks and specs).
//
// - Weights: the IR has none, so initialisers are deterministic placeholders: every
//   weight and bias 0, BatchNormalization scale 1, mean 0, variance 1 (the model computes
//   zeros; it is for tools that read structure: viewers, compilers' shape checks, hwnas).
//   The model's doc_string says so (kPlaceholderWeightsDoc), and producer_version is
//   hwnas's version. Given OnnxWeights (trained tensors by the names the initialisers take,
//   NODE.weight, NODE.bias, NODE.running_mean, NODE.running_var: those of hwnas's networks,
//   train/network.h named_state), the initialisers hold those values instead and the
//   doc_string names their source (`hwnas export MODEL --weights W`, run by hwnas-train).
// - Ops without an ONNX operator of their own at opset 13: relu6 is Clip(0, 6); hardswish
//   is x·HardSigmoid(x) and silu x·Sigmoid(x), as PyTorch exports them; a channel shuffle
//   is Reshape-Transpose-Reshape; zero is Mul by 0; a BN without affine parameters has
//   scale 1 and bias 0 and says so in its doc_string.
// - Ranks: ONNX tensors after Flatten, Gemm and ReduceMean(keepdims 0) have rank 2; where
//   an op needs the other rank the exporter adds a Reshape or Flatten marked as a view in
//   its doc_string, which the importer passes through.
// - Blocks: the model's metadata "hwnas.blocks" lists the blocks (name, kind, spec as in
//   model files) and each node's doc_string names its block ("hwnas: block=3").
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"

namespace onnx {
class ModelProto;
}

namespace hwnas::io {

inline constexpr int kOnnxExportOpset = 13;

/// What every exported model's doc_string says of its weights.
inline constexpr std::string_view kPlaceholderWeightsDoc =
    "Structure only: the weights are placeholders, not trained values (every weight and bias 0, "
    "BatchNormalization scale and variance 1), so the model computes zeros; train it or load "
    "weights before use.";

/// Trained values of a network's initialisers: row-major float32 by initialiser name
/// (above), and the file they came from (named in the doc_string and in errors).
struct OnnxWeights {
  std::map<std::string, std::vector<float>> values;
  std::string source;
};

/// The graph as an ONNX model; its doc_string names the network, `source` (the MODEL
/// argument it was read from, when not empty) and kPlaceholderWeightsDoc, or with `weights`
/// "Trained weights from W.": each initialiser whose name `weights` holds takes its values
/// (the others, e.g. the scale and bias of a batch norm without affine parameters, keep
/// their placeholders). Throws UserError when a block's name is not UTF-8 (the block table
/// is JSON text), and "W: tensor 'N' has K values, the model's needs M (DIMS)" for values of
/// another shape.
onnx::ModelProto export_onnx(const graph::Graph& graph, std::string_view source = {},
                             const OnnxWeights* weights = nullptr);

/// Writes export_onnx(graph, source, weights) to `path` atomically (write_file_atomically).
void save_onnx_file(const graph::Graph& graph, const std::string& path, std::string_view source = {},
                    const OnnxWeights* weights = nullptr);

}  // namespace hwnas::io

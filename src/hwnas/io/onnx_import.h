// ONNX import: an ONNX ModelProto (as PyTorch 1.13's torch.onnx.export writes it, opsets
// 11 to 17) becomes a graph::Graph (docs/onnx.md lists the operators and their mapping).
//
// - Weights are not kept (the IR has none): initialisers give shapes only (a Conv's output
//   channels from its weight [O, C/group, kH, kW], whether it has a bias, a Gemm's out
//   features). BatchNormalization folded into Conv by the exporter comes back as a conv
//   and a BN (unfold_batch_norm below), so params and MACs equal the zoo's.
// - Patterns: Mul(x, Sigmoid(x)) is SiLU and Mul(x, HardSigmoid(x)) hardswish when the
//   sigmoid feeds only that Mul; MatMul then Add of a constant is one Linear with a bias;
//   Reshape to [N, g, C/g, H, W], Transpose [0,2,1,3,4], Reshape back is a channel shuffle.
// - The input: the one graph input that is no initialiser, [N, C, H, W] (N ignored); a
//   dynamic C, H or W needs `input_shape`.
// - Node names: the ONNX node name, a PyTorch scope path read as the module's name and the
//   op ("/features/features.1/conv/conv.0/conv.0.0/Conv" -> "features.1.conv.0.0.Conv"),
//   characters other than [A-Za-z0-9_.-] replaced by '_', made unique with a "_2" suffix.
//
// Errors: a one-line UserError naming the file (and the ONNX node and op type), e.g.
// "m.onnx: node 'x' (LSTM): unsupported op; supported: Add, ...".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hwnas/graph/graph.h"

namespace onnx {
class ModelProto;
}

namespace hwnas::io {

struct OnnxImportOptions {
  /// Replaces the input's C, H, W (needed when the file's are dynamic).
  std::optional<graph::Shape> input_shape;
  /// In a file without any BatchNormalization (PyTorch's eval-mode export folds each into
  /// its Conv), a Conv with a bias outside squeeze-excite branches imports as a conv
  /// without bias followed by a BN (epsilon 1e-5): the network as trained, with the
  /// zoo's params, kernels and decomposition. False: a conv with a bias, as in the file.
  bool unfold_batch_norm = true;
  /// A file without hwnas's block table (metadata hwnas.blocks, written by onnx_export even
  /// when empty) gets its blocks recognised (block_recognition.h).
  bool recognise_blocks = true;
};

/// Reads, checks (onnx::checker) and imports the .onnx file at `path`.
graph::Graph import_onnx_file(const std::string& path, const OnnxImportOptions& options = {});

/// Imports `model` (already parsed); `source` names it in errors.
graph::Graph import_onnx(const onnx::ModelProto& model, std::string_view source,
                         const OnnxImportOptions& options = {});

/// The ONNX operator types import_onnx maps, sorted.
std::string supported_onnx_ops();

}  // namespace hwnas::io

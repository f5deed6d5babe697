// PyTorch export (docs/export.md): a graph as a self-contained Python module that imports
// only torch, torch.nn and torch.nn.functional and defines
//
//   INPUT_SHAPE = (C, H, W)        # the first Input node's; INPUT_SHAPES too with several
//   class Model(nn.Module)         # forward(self, x[, x1, ...]): one tensor per Input node
//   def build() -> Model
//
// and a module docstring naming the network, what it was read from, the hwnas version, the
// input and output shapes, the parameters (analyze()'s, as PyTorch counts them) and MACs.
//
// - Weights: hwnas models hold none. The module keeps PyTorch's default initialisation
//   (nn.Conv2d, nn.BatchNorm2d, nn.Linear); train it or load a state_dict.
// - Modules: each conv2d, batch_norm and linear node is one attribute of Model, named after
//   the node (pytorch_attribute_names); every other op is a torch.nn.functional call in
//   forward with the node's name in a comment. A BN on a flat value is nn.BatchNorm1d.
// - Values: [N, C, H, W] maps, or [N, F] after a linear or flatten (kept through elementwise
//   ops and concats of flat values; an op that needs a map gets x[:, :, None, None]), as
//   train/network.h. forward returns the Output nodes' values in graph order: one tensor,
//   or a tuple for several. Shapes equal graph::infer_shape's (the batch added).
// - Each op is written as the PyTorch call it stands for (graph/ops.h): asymmetric conv
//   padding is F.pad before the convolution; a pool whose padding is asymmetric or over half
//   the kernel pads first (-inf for max; for average, the window sums divided by the counted
//   elements); an upsample PyTorch's F.interpolate has no mode for (ONNX Resize coordinates
//   and roundings other than PyTorch's) is computed by a helper written into the module.
//
// Deterministic: the same graph and source give the same bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"

namespace hwnas::io {

/// The Python source of the module. `source` (the MODEL argument the graph was read from,
/// may be empty) goes into the docstring. Throws UserError naming the network when it has
/// no Input or no Output node.
std::string export_pytorch(const graph::Graph& graph, std::string_view source = {});

/// Writes export_pytorch(graph, source) to `path` atomically (write_file_atomically).
void save_pytorch_file(const graph::Graph& graph, const std::string& path, std::string_view source = {});

/// The Model attribute of each node that has one (conv2d, batch_norm, linear), "" for the
/// others; indexed by NodeId. The node's name with every character a Python name cannot
/// hold (anything but ASCII letters, digits and '_') as '_' ("features.1.dw.conv" ->
/// "features_1_dw_conv"); "n" before a leading digit or '_' ("0.conv" -> "n0_conv");
/// "node<ID>" for an unnamed node; '_' after a Python keyword or a torch.nn.Module
/// attribute ("forward" -> "forward_"); then "_2", "_3", ... after a name already taken.
/// State-dict keys are these names plus ".weight", ".bias", ".running_mean", ...
std::vector<std::string> pytorch_attribute_names(const graph::Graph& graph);

}  // namespace hwnas::io

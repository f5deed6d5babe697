// A hwnas graph as a libtorch module (issue 11 §1; docs/training.md, "Networks in torch").
//
// Every node of the IR (graph/ops.h) runs as the PyTorch op it stands for: conv2d (grouped,
// depthwise, dilated), batch_norm (F.batch_norm with the node's epsilon, momentum 0.1:
// PyTorch's default; torchvision's MobileNetV3 (0.01) and MNASNet (0.0003) use others, which
// only training sees), each activation, add, mul (broadcasting a [C,1,1] gate:
// squeeze-excite), concat, avg/max pool (ceil_mode, count_include_pad), global pool
// (adaptive_avg_pool2d / adaptive_max_pool2d to 1x1), upsample (nearest, or bilinear with
// align_corners=false as torchvision's LR-ASPP calls F.interpolate; to the node's inferred
// size), linear, flatten, channel shuffle, zero (zeros_like: NAS-Bench-201's `none`),
// dropout (F.dropout at the node's rate, in training mode only) and output. train() and
// eval() switch batch norm and dropout as in PyTorch. Every node's output is checked
// against shape inference (graph::infer_shape): a mismatch is an InternalError.
//
// Initialisation follows torchvision's MobileNetV2/V3 (models/mobilenetv2.py): conv weight
// kaiming_normal_(mode=fan_out), i.e. normal(0, sqrt(2 / (out_channels · kernel_h ·
// kernel_w))); conv bias 0; batch-norm weight 1, bias 0, running mean 0, running var 1;
// linear weight normal(0, 0.01), bias 0. Drawn from a torch CPU generator seeded with
// `seed`, node after node in graph order: the same seed gives the same weights whatever
// torch's thread count, and the global torch RNG is left untouched.
//
// A network may instead borrow its weights (the second constructor): conv, linear and
// batch-norm weights and biases are then tensors a WeightSource hands out — views of a
// weight-sharing supernet's bank (supernet/weight_bank.h) — and nothing is drawn; batch
// norm's running statistics stay the network's own.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hwnas/graph/graph.h"

namespace hwnas::train {

/// Tensors by graph name ("features.1.dw.conv.weight", "features.1.dw.bn.running_mean").
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

/// The tensor a network borrows for `tensor` ("weight" or "bias") of node `node` of
/// `graph` (a conv2d, linear or batch_norm), of exactly `sizes` (as the first constructor
/// would create it: conv [out, in/groups, kh, kw], linear [out, in], batch norm and biases
/// [C]). It may be a view of a larger tensor; gradients then reach that tensor. Throws
/// UserError (naming the node) when it has none.
using WeightSource = std::function<torch::Tensor(const graph::Graph& graph, graph::NodeId node,
                                                 std::string_view tensor, c10::IntArrayRef sizes)>;

class NetworkImpl : public torch::nn::Module {
 public:
  /// Every node of `graph` as torch modules, initialised as described above.
  /// Throws UserError naming the node when the graph holds something the builder cannot
  /// express: no Input node or more than one, no Output node, two nodes with parameters
  /// under one name. `memory_format`: how activations and 4-D conv weights are laid out
  /// inside (ChannelsLast, NHWC, by default: MobileNetV2 trains 1.6-4x faster in it than in
  /// NCHW on this machine, docs/training.md "Speed"; or Contiguous). The values
  /// are the same either way (to rounding); outputs are returned contiguous (NCHW).
  NetworkImpl(graph::Graph graph, std::uint64_t seed,
              torch::MemoryFormat memory_format = torch::MemoryFormat::ChannelsLast);

  /// The same network with borrowed weights: every conv, linear and affine batch-norm
  /// weight and bias is `source`'s tensor, called once per tensor in graph order (with
  /// autograd recording as the caller's grad mode says, so a view made with gradients on
  /// sends them to its base). Running statistics are fresh (mean 0, var 1). Borrowed tensors
  /// are not registered as torch parameters: named_state() and graph_parameters() list
  /// them, Module::parameters() does not, and to() does not convert them. Errors as the
  /// first constructor's, and whatever `source` throws.
  NetworkImpl(graph::Graph graph, const WeightSource& source,
              torch::MemoryFormat memory_format = torch::MemoryFormat::ChannelsLast);

  /// `input` [N, C, H, W] float32 (float64 after to(torch::kDouble)) with C, H, W those of
  /// the graph's Input node (UserError otherwise, naming the network and the expected
  /// shape) → one tensor per Output node, in graph order. An output computed from a linear
  /// or flatten through elementwise ops and concats of such values only is flat, [N, F];
  /// every other output is a map [N, C, H, W] (a global pool's is [N, C, 1, 1]). Each
  /// intermediate tensor is released after its last reader (autograd keeps what backward
  /// needs).
  std::vector<torch::Tensor> forward(const torch::Tensor& input);

  const graph::Graph& graph() const { return graph_; }

  /// Parameters and buffers under the graph's names: "<node>.weight", "<node>.bias" for
  /// conv2d, linear and batch norm; batch norm's "<node>.running_mean",
  /// "<node>.running_var", "<node>.num_batches_tracked" (as PyTorch's state_dict). Graph
  /// order. The tensors are the module's own (not copies).
  NamedTensors named_state();

  /// The trainable parameters alone, under graph names, in graph order (for optimiser
  /// groups: e.g. no weight decay on 1-D tensors, batch norm and biases).
  NamedTensors graph_parameters();

  /// Copies each tensor of `state` into the tensor of the same graph name. Throws UserError
  /// naming `source` and the first tensor that is missing from `state`, not in this network
  /// (extra), or of another shape, so the weights of another model are refused; nothing
  /// is copied then.
  void load_state(const NamedTensors& state, std::string_view source);

  /// How training-mode batch norm updates its running statistics: running = (1 − m) ·
  /// running + m · batch statistic with m = `momentum` (0.1 by default, PyTorch's), or, with
  /// nullopt, the cumulative average over the batches since num_batches_tracked was 0 (m =
  /// 1 / num_batches_tracked: PyTorch's momentum=None), as batch-norm recalibration uses
  /// (supernet/bn_recalibration.h). The batch variance is the unbiased one either way.
  void set_batch_norm_momentum(std::optional<double> momentum) { batch_norm_momentum_ = momentum; }

  /// With `on`, hardsigmoid and hardswish run as hardtanh(x + 3, 0, 6) / 6 and x times it
  /// (their definitions: Howard et al. 2019, "Searching for MobileNetV3", eq. 2; the same
  /// values to rounding, out of place), because torch 1.13 has no derivative of their
  /// backward ("derivative for aten::hardsigmoid_backward is not implemented") and a
  /// gradient of a gradient needs one: GraSP's Hessian-gradient product
  /// (proxies/grasp.h). Off by default: the fused kernels are faster.
  void set_twice_differentiable(bool on) { twice_differentiable_ = on; }

 private:
  // One node's tensors (conv2d, batch_norm, linear; empty for the others), registered in a
  // submodule named after the node with '.' replaced by '_' (torch forbids '.').
  struct Layer {
    torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;
    bool flat = false;            // the value is [N, F] for the user (kept [N, F, 1, 1] inside)
    bool in_place = false;        // an activation that may overwrite its input
    graph::NodeId last_use = -1;  // the last node that reads this value (-1: none)
  };

  torch::Tensor run_node(graph::NodeId id, const std::vector<torch::Tensor>& values,
                         const torch::Tensor& input);
  // Both constructors: the layers, with weights drawn from `seed` or taken from `source`.
  void build(std::uint64_t seed, const WeightSource* source);

  graph::Graph graph_;
  torch::MemoryFormat memory_format_;  // of activations and 4-D weights (ChannelsLast or Contiguous)
  std::vector<Layer> layers_;          // indexed by NodeId
  std::optional<double> batch_norm_momentum_ = 0.1;  // nullopt: cumulative average
  bool twice_differentiable_ = false;                 // set_twice_differentiable
};
TORCH_MODULE(Network);

}  // namespace hwnas::train

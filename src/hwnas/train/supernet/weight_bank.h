// The weights a supernet's subnets share (issue 13 §2; docs/supernet.md, "Design").
//
// One tensor per key "<block kind>:<node name>.<weight|bias>" — the block kind of the
// block tag the node belongs to (graph.h; "none" for an untagged node), so that IBN and
// fused IBN, whose first conv is ".expand" in both, keep their own weights — of the
// element-wise largest shape that key has in the networks the bank was sized by. A subnet
// (a decoded genome of the space, or a model file of it) takes for each of its conv,
// linear and batch-norm weights and biases a VIEW of its key's tensor (NetworkImpl's
// WeightSource): dims 0 and 1 their first k entries (output and input channels: a conv
// [out, in/groups, kh, kw], a depthwise [C, 1, k, k], a linear [classes, features], a
// batch norm or bias [C]); dims 2 and 3 their centre (kernel 3 of 5: [1:4, 1:4]): elastic
// width and kernel as in Once-for-All (Cai et al., ICLR 2020, §3.2; OFA also learns a
// kernel transformation matrix, not done here) and BigNAS (Yu et al., ECCV 2020, §3.1).
// Depth needs nothing: a subnet of d layers names the first d. Gradients through a view
// reach the bank, so one optimiser step over the bank trains every subnet's weights.
//
// Initialisation as NetworkImpl's (network.h, torchvision's) at the bank's shapes: conv
// weight normal(0, sqrt(2 / (out · kh · kw))), linear weight normal(0, 0.01), batch-norm
// weight 1, biases 0; drawn from a CPU generator seeded with `seed`, key after key in
// key order — except the batch-norm weight γ that ends a residual branch (its output feeds
// the Add of its own block) in every network that has the key: 0, so that each residual
// block starts as the identity (BigNAS §3.2, "Initialization": without it, training the
// supernet at a large learning rate is unstable; measured in docs/supernet.md). 4-D tensors are laid out channels-last, as the networks' own weights.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/train/network.h"

namespace hwnas::train::supernet {

/// The key of `tensor` ("weight" or "bias") of node `node` of `graph`.
std::string bank_key(const graph::Graph& graph, graph::NodeId node, std::string_view tensor);

/// What a key's tensor is, for its initialisation.
enum class TensorRole : std::uint8_t { conv_weight, linear_weight, norm_weight, bias };

struct BankShape {
  std::vector<std::int64_t> sizes;
  TensorRole role = TensorRole::bias;
  /// A batch-norm weight that ends a residual branch in every network with this key
  /// (initialised to 0, above).
  bool residual_end = false;
};

/// The key → largest shape of every conv, linear and affine batch-norm weight and bias of
/// `graphs` (e.g. the decodes of subnet_genomes.h bank_genomes). Throws UserError naming
/// the node when one key is of two ranks or roles, or a kernel dim differs from the
/// largest by an odd count (no centre to crop).
std::map<std::string, BankShape> bank_shapes(const std::vector<graph::Graph>& graphs);

class WeightBankImpl : public torch::nn::Module {
 public:
  /// Fresh tensors of `shapes`, initialised as above from `seed`.
  WeightBankImpl(const std::map<std::string, BankShape>& shapes, std::uint64_t seed);
  /// The tensors of a saved bank (supernet_file.h), copied.
  explicit WeightBankImpl(const NamedTensors& tensors);

  /// Every key's tensor (the bank's own, trainable), in key order.
  const NamedTensors& tensors() const { return tensors_; }

  /// The view of `sizes` the network `graph` takes for `tensor` of `node` (above).
  /// Throws UserError naming the node, the key and the supernet's shape when the key is
  /// missing or the tensor does not fit in it ("the model is not of the supernet's space").
  torch::Tensor view(const graph::Graph& graph, graph::NodeId node, std::string_view tensor,
                     c10::IntArrayRef sizes) const;

  /// `graph` as a network whose weights are views into this bank (NetworkImpl's
  /// WeightSource), fresh running statistics. The bank must outlive it. Errors as view()'s
  /// and NetworkImpl's.
  Network subnet(graph::Graph graph) const;

  /// Copies `tensors` (the same keys and shapes) into the bank; UserError naming `source`
  /// and the first key missing, extra or of another shape.
  void load(const NamedTensors& tensors, std::string_view source);

 private:
  NamedTensors tensors_;
  std::map<std::string, std::size_t, std::less<>> index_;
  void add(const std::string& key, torch::Tensor tensor);
};
TORCH_MODULE(WeightBank);

}  // namespace hwnas::train::supernet

// What the proxies of this folder share: the layers whose weights a proxy sums over, the
// logits and loss of a classifier, a score checked for overflow and NaN, and the guard
// that leaves torch as a proxy found it (proxy.h's contract).
#pragma once

#include <torch/torch.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hwnas/train/network.h"
#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

/// The weight tensors of the conv2d and linear nodes, with the node names, in graph order:
/// the layers the zero-cost-proxies reference sums over (`get_layer_metric_array`:
/// nn.Conv2d and nn.Linear; batch norm's scale and every bias are left out).
std::vector<std::pair<std::string, torch::Tensor>> conv_linear_weights(NetworkImpl& network);

/// Throws UserError before any network is built unless `graph` is a classifier the trainer
/// would accept (model_input.h, check_classifier: one Output node, [K,1,1] class scores, a
/// linear's [N,K] or a global pool's [N,K,1,1]) with K >= classes (the loss reads the first
/// `classes` labels' scores; a zoo model's 1,000 classes are fine). The message names the
/// proxy, the model and the trainer's reason: "proxy snip scores classifiers of at least
/// 10 classes: model 'lraspp_mobilenet_v2': output 'classifier.add' is [21,520,520], a map;
/// classification needs [10,1,1] class scores (end the network with a global pool and a
/// linear layer)". A segmentation or feature model is refused without a forward pass (one
/// at its full resolution may not fit in memory).
void require_classifier_head(const graph::Graph& graph, std::int32_t classes, std::string_view proxy);

/// A classifier's first output as logits [N, K]: flattened, as the trainer reads it
/// (trainer.h, trainable), so a global pool's [N,K,1,1] serves as a linear's [N,K].
torch::Tensor as_logits(const torch::Tensor& first_output);

/// Every output [N, ...] flattened per image and joined: [N, Σ outputs' sizes] (a
/// classifier's one output as [N, K]; a detector's box and class maps of every level).
torch::Tensor joined_outputs(const std::vector<torch::Tensor>& outputs);

/// require_classifier_head for classification; for detection, UserError unless `graph` has
/// an SSD head for `classes` object classes (task_heads.h ssd_head_layout), for
/// segmentation unless it is a segmenter of classes + 1 (check_segmenter); the message
/// names the proxy, then the head's own reason with the model, the node and the fix.
void require_task_head(const graph::Graph& graph, Task task, std::int32_t classes, std::string_view proxy);

/// The training loss of `input.task` on `outputs` (forward()'s first outputs of `graph`'s
/// network, one per Output node of `graph`, in graph order; more, e.g. tapped values, are
/// ignored) against the batch's targets, as `hwnas train` computes it without label
/// smoothing: classification, the mean cross-entropy of as_logits(outputs[0]) (all its K
/// scores) against input.labels (PyTorch's
/// F.cross_entropy, the zero-cost-proxies reference's loss_fn); detection, SSD's loss
/// (tasks/detection_task.h ssd_loss, total); segmentation, the per-pixel cross-entropy
/// (tasks/segmentation_task.h segmentation_loss). require_task_head's UserError first.
torch::Tensor task_loss(const graph::Graph& graph, const std::vector<torch::Tensor>& outputs, const ProxyInput& input,
                        std::string_view proxy);

/// `value` as a score: defined when finite and, unless `zero_is_defined`, non-zero (a sum
/// of gradients that is exactly 0 means no weight reaches the output: every path from
/// input to output is cut, as in a NAS-Bench-201 cell of `none` edges). `proxy` names the
/// proxy in the reason.
ProxyScore checked_score(double value, std::string_view proxy, bool zero_is_defined = false);

/// Sums |t| over `tensors` in float64; +inf or NaN pass through for checked_score.
double sum_abs(const std::vector<torch::Tensor>& tensors);

/// While alive: grad mode on, and the global CPU generator's state saved and then seeded
/// from `seed` (the proxy's), so that what draws from it, dropout in training mode, is
/// fixed by the seed as the weights are (s37 fresh-user finding: the loss-based proxies of
/// a network with dropout, every mobilenet-cls candidate, changed from run to run); both
/// restored on destruction (a proxy leaves torch as it found it).
class ProxyGuard {
 public:
  explicit ProxyGuard(std::uint64_t seed);
  ~ProxyGuard();
  ProxyGuard(const ProxyGuard&) = delete;
  ProxyGuard& operator=(const ProxyGuard&) = delete;

 private:
  bool grad_enabled_;
  torch::Tensor generator_state_;
};

/// Throws UserError "proxy NAME needs a batch of images; it was given none" when a
/// data-dependent proxy is called without one, or its targets (labels, boxes or masks, as
/// input.task has them) disagree with its images.
void require_batch(const ProxyInput& input, std::string_view proxy);

}  // namespace hwnas::train::proxies

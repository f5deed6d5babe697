// The step grad_norm, snip and other loss-based proxies share: one forward and backward
// pass of the task's loss of a batch (a classifier's cross-entropy; on scenes, SSD's loss or
// the per-pixel cross-entropy: proxy_support.h task_loss) through the freshly initialised
// network, in training mode, as the zero-cost-proxies reference runs it (bn=True,
// net.train()).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

/// The conv2d and linear weights (graph order, proxy_support.h) of `graph`'s network
/// initialised with `seed`, with their gradients of the batch's task_loss. A weight no
/// gradient reaches has an undefined grad(). Throws require_batch's and require_task_head's
/// UserErrors, naming `proxy`.
std::vector<torch::Tensor> loss_gradients(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed,
                               std::string_view proxy);

}  // namespace hwnas::train::proxies

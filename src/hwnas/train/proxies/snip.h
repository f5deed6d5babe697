// snip: connection sensitivity at initialisation (Lee, Ajanthan and Torr, "SNIP: Single-shot
// network pruning based on connection sensitivity", ICLR 2019), summed over the network as
// a NAS proxy by Abdelfattah, Mehrotra, Dudziak and Lane, "Zero-Cost Proxies for Lightweight
// NAS", ICLR 2021 (reference code read: github.com/SamsungLabs/zero-cost-nas,
// foresight/pruners/measures/snip.py).
//
//   snip = Σ_{l ∈ conv2d, linear} Σ_i |W_i · ∂L/∂W_i|,   L = cross-entropy of one batch
//
// (the reference differentiates a mask of ones multiplying W: ∂L/∂mask = W ⊙ ∂L/∂W, the
// same number). Network in training mode (batch-norm statistics of the batch; bn=True),
// mean cross-entropy of the batch's labels. Weights: NetworkImpl's initialisation of
// `seed`. Undefined when the sum is not finite or is 0 (no weight reaches the output).
// On a batch of scenes (ProxyInput::task detection or segmentation) L is that task's training
// loss instead: SSD's loss or the per-pixel cross-entropy (proxy_support.h task_loss).
#pragma once

#include <memory>

#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

std::unique_ptr<Proxy> make_snip();

}  // namespace hwnas::train::proxies

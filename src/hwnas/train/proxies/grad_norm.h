// grad_norm: the summed Euclidean norms of the loss gradient of each layer's weights at
// initialisation (Abdelfattah, Mehrotra, Dudziak and Lane, "Zero-Cost Proxies for
// Lightweight NAS", ICLR 2021, §3; reference code read: github.com/SamsungLabs/zero-cost-nas,
// foresight/pruners/measures/grad_norm.py).
//
//   grad_norm = Σ_{l ∈ conv2d, linear} ‖∂L/∂W_l‖₂,   L = cross-entropy of one batch
//
// As the reference: the network in training mode (batch norm normalises with the batch's
// statistics; bn=True), the loss the mean cross-entropy of the batch's labels (its batch is
// 64 images; here the batch ProxyInput holds), the norm of each layer's whole weight tensor
// (Frobenius). Weights: NetworkImpl's initialisation of `seed`. Undefined when the sum is
// not finite or is 0 (no weight reaches the output).
// On a batch of scenes (ProxyInput::task detection or segmentation) L is that task's training
// loss instead: SSD's loss or the per-pixel cross-entropy (proxy_support.h task_loss).
#pragma once

#include <memory>

#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

std::unique_ptr<Proxy> make_grad_norm();

}  // namespace hwnas::train::proxies

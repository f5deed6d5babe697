// fisher: the Fisher-information saliency of "Single shot structured pruning before
// training" (Turner, Crowley, O'Boyle, Storkey and Gray, arXiv:2007.00389, 2020; Theis et
// al. 2018), summed over the network as a NAS proxy by Abdelfattah, Mehrotra, Dudziak and
// Lane, "Zero-Cost Proxies for Lightweight NAS", ICLR 2021 (reference code read:
// github.com/SamsungLabs/zero-cost-nas, foresight/pruners/measures/fisher.py: the
// activation after every Conv2d and Linear, times its gradient).
//
//   a_l          the output of conv2d or linear node l, [N, C, H, W] (H = W = 1 for linear)
//   g_l          ∂L/∂a_l, L the batch's mean cross-entropy (on scenes, the task's loss:
//                proxy_support.h task_loss)
//   fisher       = Σ_l Σ_c ½ · mean_n (Σ_{h,w} a_l[n,c,h,w] · g_l[n,c,h,w])²
//
// One forward and backward in training mode, NetworkImpl's initialisation of `seed` (run
// with contiguous NCHW activations so that a_l is the tensor the network reads on).
// A layer no gradient reaches adds 0. Undefined when the network has no conv2d or linear
// node, or the sum is not finite.
#pragma once

#include <memory>

#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

std::unique_ptr<Proxy> make_fisher();

}  // namespace hwnas::train::proxies

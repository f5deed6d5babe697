// grasp: Gradient Signal Preservation (Wang, Zhang and Grosse, "Picking winning tickets
// before training by preserving gradient flow", ICLR 2020), summed over the network as a
// NAS proxy by Abdelfattah, Mehrotra, Dudziak and Lane, "Zero-Cost Proxies for Lightweight
// NAS", ICLR 2021 (reference code read: github.com/SamsungLabs/zero-cost-nas,
// foresight/pruners/measures/grasp.py, T = 1, one split).
//
//   g      = ∂L/∂θ                     (θ: the conv2d and linear weights; L the batch's
//                                        mean cross-entropy of the first output; on
//                                        scenes the task's loss, proxy_support.h task_loss)
//   Hg     = ∂(gᵀ · stop_gradient(g))/∂θ   (Hessian-gradient product)
//   grasp  = Σ_θ −θ ⊙ Hg
//
// The reference runs two forwards of the same batch in training mode (one for g, one with
// create_graph for the product); both give the same g, so one forward serves here.
// NetworkImpl's initialisation of `seed`. Undefined when no weight reaches the loss or the
// sum is not finite.
#pragma once

#include <memory>

#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

std::unique_ptr<Proxy> make_grasp();

}  // namespace hwnas::train::proxies

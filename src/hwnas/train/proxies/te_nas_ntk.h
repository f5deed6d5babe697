// te_nas_ntk: TE-NAS's trainability score (Chen, Gong and Wang, "Neural Architecture Search
// on ImageNet in Four GPU Hours: A Theoretically Inspired Perspective", ICLR 2021, §3.1;
// reference code read: github.com/VITA-Group/TENAS, lib/procedures/ntk.py get_ntk_n), the
// condition number of the empirical neural tangent kernel, NEGATED so that higher is better
// (a well-conditioned NTK trains faster: TE-NAS ranks ascending).
//
//   G[i]        = ∂(Σ_k f_k(x_i))/∂θ, flattened     (f: every output, flattened and joined,
//                                                    as jacob_cov's; θ: every weight, i.e. conv2d, linear
//                                                    and batch-norm scales, as the
//                                                    reference's 'weight' in name; one
//                                                    backward per image)
//   Θ           = G · Gᵀ                            (N × N, float64)
//   te_nas_ntk  = −λ_max(Θ) / λ_min(Θ)
//
// One forward of the first min(N, `max_images`) images in training mode (the reference's
// train_mode=True), NetworkImpl's initialisation of `seed`. Costs one backward per image.
// Undefined when λ_min ≤ 10⁻¹² · λ_max (a kernel singular to the precision of float32
// gradients, e.g. more images than weights, or none reaching the output: the reference
// then gets NaN, which it maps to a condition number of 10⁵, or a rounding to λ_min ≤ 0
// that would rank the network best) or the ratio is not finite.
#pragma once

#include <cstdint>
#include <memory>

#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

std::unique_ptr<Proxy> make_te_nas_ntk(std::int64_t max_images = 32);

}  // namespace hwnas::train::proxies

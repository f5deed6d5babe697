// synflow: Synaptic Flow, data-free (Tanaka, Kunin, Yamins and Ganguli, "Pruning neural
// networks without any data by iteratively conserving synaptic flow", NeurIPS 2020), as a
// NAS proxy by Abdelfattah, Mehrotra, Dudziak and Lane, "Zero-Cost Proxies for Lightweight
// NAS", ICLR 2021 (reference code read: github.com/SamsungLabs/zero-cost-nas,
// foresight/pruners/measures/synflow.py and predictive.py).
//
//   synflow = Σ_{l ∈ conv2d, linear} Σ_i |θ_i · ∂R/∂θ_i|,   R = 1ᵀ f(1; |θ|)
//
// f is the network with every parameter and buffer replaced by its absolute value, run on
// one all-ones image (1 × C × H × W), in float64 (the reference's net.double(): synflow
// overflows float32 on NAS-Bench-201's 15 cells). Batch norm as the reference's `synflow`
// (bn=False, which removes the batch-norm layers): here every batch norm runs in eval mode
// with its initial statistics (mean 0, variance 1, scale 1, shift 0), i.e. y = x / √(1 + ε),
// the identity up to a factor 1 − 5·10⁻⁶ per layer. (The reference's NAS-Bench-201 model
// keeps the batch norms of its two reduction blocks, in training mode; docs/proxies.md
// measures what this changes.) Weights: NetworkImpl's initialisation of `seed` (the
// reference keeps PyTorch's default one). Undefined when the sum overflows float64 or is
// NaN, and when it is 0 (no weight reaches the output).
#pragma once

#include <memory>

#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

std::unique_ptr<Proxy> make_synflow();

}  // namespace hwnas::train::proxies

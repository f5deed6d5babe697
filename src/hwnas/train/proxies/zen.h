// zen: the Zen-score (Lin, Wang, Sun, Chen, Sun, Qian, Li and Jin, "Zen-NAS: A Zero-Shot NAS
// for High-Performance Image Recognition", ICCV 2021, §3.2 and Algorithm 1; reference code
// read: github.com/idstcv/ZenNAS, ZeroShotProxy/compute_zen_score.py). Data-free.
//
//   θ ~ N(0, 1)            every conv2d and linear weight (biases 0, batch-norm scale 1
//                          and shift 0), drawn from a generator seeded with `seed`
//   x, ε ~ N(0, 1)         two batches of B Gaussian images (same generator)
//   Δ    = mean_n Σ_{c,h,w} |f(x)[n] − f(x + γ·ε)[n]|,   γ = 10⁻²
//   zen  = log Δ + Σ_{batch norms b} log √(mean_c running_var_{b,c})
//
// f is the feature map before global average pooling: the input of the network's last
// global-pool node (its first output when it has none). Both forwards run in training
// mode (batch statistics, momentum 0.1) without gradients; running_var is read after them,
// as the reference code does (the paper writes the batch variance σ²; the reference's
// running_var mixes it with the initial 1, which keeps a batch norm on a constant input —
// a NAS-Bench-201 edge after a `none` — finite instead of log 0). Repeats keep the
// running statistics, as the reference's do. The reference averages `repeats` = 32 draws
// of B = 16 images; the default here is one draw per seed, B = 16. Undefined when Δ is 0
// or not finite (no path from the input to f, or an overflow of the N(0, 1) weights
// without batch norms).
#pragma once

#include <cstdint>
#include <memory>

#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

struct ZenOptions {
  std::int32_t batch = 16;    // B
  std::int32_t repeats = 1;   // draws of weights and images averaged
  double mixup_gamma = 1e-2;  // γ
};

std::unique_ptr<Proxy> make_zen(ZenOptions options = {});

}  // namespace hwnas::train::proxies

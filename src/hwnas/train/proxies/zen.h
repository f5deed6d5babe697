// zen: the Zen-score (Lin, Wang, Sun, Chen, Sun, Qian, Li and Jin, "Zen-NAS: A Zero-Shot NAS
// for High-Performance Image Recognition", ICCV 2021, §3.2 and Algorithm 1; reference code
// read: github.com/idstcv/ZenNAS, ZeroShotProxy/compute_zen_score.py). Data-free.
//
//   θ ~ N(0, 1)            every conv2d and linear weight (biases 0, batch-norm scale 1
//                          and shift 0), drawn from a generator seeded with `seed`
//   x, ε ~ N(0, 1)         two batches of B Gaussian images (same generator)
//   Δ    = mean_n Σ_{c,h,w} |f(x)[n] − f(x + γ·ε)[n]|,   γ = 10⁻²
//   zen  = log Δ + Σ_{batch norms b} log √(mean_c σ²_{b,c})
//
// f is the feature map before global average pooling: the input of the network's last
// global-pool node (its first output when it has none). Both forwards run in training
// mode (batch statistics) without gradients. σ²_{b,c} is the variance of batch norm b's
// input channel c over the batch and positions in the forward of x: the paper's
// definition (the reference reads running_var after its two forwards, which its momentum
// mixes with the initial 1). The reference averages `repeats` = 32 draws of B = 16
// images; the default here is one draw (one weight and image draw per seed), B = 16.
// Undefined when Δ is 0 or not finite (no path from the input to f, or an overflow of the
// N(0, 1) weights without batch norms), or a batch norm's input is constant.
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

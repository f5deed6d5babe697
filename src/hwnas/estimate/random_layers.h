// Random networks of the layers that search-space blocks never make, so that the kernel
// sampler (kernel_sampler.h) forms every kernel type decompose() can form, under any fusion
// rules: concatenations of 2–4 branches; nearest and bilinear upsampling, by a scale or to
// a size, merged with a skip by add or concat (segmentation decoders such as LR-ASPP's);
// gates x·σ(conv(pool(x))) and products of two tensors; standalone batch norms and
// activations of every kind; channel shuffles; NAS-Bench-201's zero; max and average pools
// of kernel 2–5, stride 1–2, any legal padding, ceil_mode and count_include_pad; dilated
// and grouped convolutions.
#pragma once

#include <array>
#include <cstdint>
#include <random>

#include "hwnas/graph/graph.h"

namespace hwnas::estimate {

/// The sampling helpers of the kernel sampler and of random_layer_network.
inline std::int32_t uniform(std::mt19937_64& rng, std::int32_t lo, std::int32_t hi) {
  return std::uniform_int_distribution<std::int32_t>(lo, hi)(rng);
}
template <class T, std::size_t N>
T pick(std::mt19937_64& rng, const std::array<T, N>& options) {
  return options[std::uniform_int_distribution<std::size_t>(0, N - 1)(rng)];
}
/// Channels in [lo, hi]: a multiple of 8 half of the time, any integer otherwise.
inline std::int32_t channels(std::mt19937_64& rng, std::int32_t lo, std::int32_t hi) {
  if (uniform(rng, 0, 1) == 0) return std::max(8, uniform(rng, lo, hi) / 8 * 8);
  return uniform(rng, lo, hi);
}

/// A network of 3–6 such layers on a random input (3–256 channels, 7–112 pixels), each
/// layer's output at most 512 channels.
graph::Graph random_layer_network(std::mt19937_64& rng);

}  // namespace hwnas::estimate

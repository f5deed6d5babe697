// Samples kernel configurations from the distributions real networks produce, for
// profiling a target and for an estimator's initial design (docs/hardware.md).
//
// A quarter of the samples are kernels of zoo networks at random width multipliers and
// input resolutions (classifiers, the SSDLite detector, LR-ASPP segmentation, random
// NAS-Bench-201 and FBNet architectures); a quarter are kernels of random layer networks
// (random_layers.h: concat, upsample, gates, standalone elementwise ops, pools of every
// padding and ceil_mode), so that every kernel type decompose() forms is sampled; half are
// kernels of random search-space blocks — conv-bn-act, IBN, fused IBN, with or without
// squeeze-excite. Channel counts are multiples of 8 half of the time and any integer
// otherwise, so estimators learn the staircases of any parallelism factor. Each network's
// kernels are formed at a batch size drawn from the sampler's batch sizes.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/hw/fusion.h"
#include "hwnas/hw/kernel.h"

namespace hwnas::estimate {

class KernelSampler {
 public:
  /// Largest kernel of wide mode: a real network's largest layers (VGG's 3x3 convolutions
  /// at 224²) are about 2 GMACs.
  static constexpr std::int64_t kWideMaxMacs = 2'000'000'000;

  /// Kernels are formed with `rules` (the target's fusion) at `precision`, each network's
  /// at one of `batches` (not empty) drawn uniformly.
  KernelSampler(hw::FusionRules rules, graph::Precision precision, std::uint64_t seed,
                std::vector<std::int32_t> batches = {1});

  /// The next kernel; the sequence depends only on the constructor's arguments.
  hw::Kernel next();
  /// The next `count` kernels.
  std::vector<hw::Kernel> next_batch(std::int64_t count);
  /// Restarts the sequence from another seed.
  void reseed(std::uint64_t seed);
  /// Wide mode samples only random blocks, with up to 1536 channels at every resolution
  /// (4 to 160 pixels) and at most kWideMaxMacs per kernel: the kernels whose weights or
  /// activations overflow on-chip memory, which adaptive rounds offer the committee
  /// alongside ordinary candidates.
  void set_wide(bool wide) { wide_ = wide; }

  /// A random network of the kinds above.
  graph::Graph random_network();
  /// A whole random search-space network (half of the time): stem, 5–12 random conv / IBN /
  /// fused-IBN blocks (kernel sizes, expansions, strides, SE, channel counts — multiples of
  /// 8 or not), head conv, global pool and classifier; or a zoo, NB201 or FBNet network; or
  /// a random layer network (concat, upsample, gates, shuffles, pools).
  graph::Graph random_validation_network();

 private:
  graph::Graph random_zoo_network();
  graph::Graph random_block_network();
  graph::NodeId random_block(graph::Graph& g, graph::NodeId x, std::int32_t out, std::int32_t stride,
                             const std::string& name);
  void refill();
  std::int32_t random_batch();

  hw::FusionRules rules_;
  graph::Precision precision_;
  std::mt19937_64 rng_;
  std::vector<std::int32_t> batches_;
  std::vector<hw::Kernel> pending_;
  bool wide_ = false;
};

}  // namespace hwnas::estimate

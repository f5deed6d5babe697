// The batch data-dependent proxies see (issue 13 §1: "proxies that need data use
// Fashion-MNIST"). There is no CIFAR on this project's machines, so a NAS-Bench-201 network
// (3×32×32 input) is scored on Fashion-MNIST images resized to 32×32 (bilinear) with the
// grey channel repeated to 3 — a documented departure from the reference, which feeds the
// benchmark's own dataset (docs/proxies.md).
#pragma once

#include <cstdint>
#include <filesystem>

#include "hwnas/graph/graph.h"
#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/image_set.h"
#include "hwnas/train/proxies/proxy.h"

namespace hwnas::train::proxies {

class ProxyData {
 public:
  /// Fashion-MNIST's training split from `dir` (load_fashion_mnist's UserErrors when it is
  /// missing or corrupt), and the images of one batch: the first `batch` (1…60,000) of
  /// epoch_order(60000, seed, 0) — a seeded random batch, as the reference takes the first
  /// batch of a shuffled loader.
  ProxyData(const std::filesystem::path& dir, std::int32_t batch, std::uint64_t seed);

  /// The batch for `graph`'s input: resized to its resolution, channels 1 or 3 (replicated),
  /// normalised by the training set's pixel mean and deviation (network_batches), labels
  /// int64 in 0…9, classes 10. Throws UserError naming the model when it takes other than
  /// 1 or 3 channels or a non-square input.
  ProxyInput input_for(const graph::Graph& graph) const;

  /// input_for's checks of `graph`'s input alone (no batch made): UserError naming the
  /// model when it takes other than 1 or 3 channels or a non-square input.
  void check_input(const graph::Graph& graph) const;

  /// The labels' classes (10).
  std::int32_t classes() const { return set_.classes; }

  /// `count` inputs [count, 1, size, size] for TE-NAS's thin copy (te_nas_linear_regions.h;
  /// the reference's RandomCrop(3) of shuffled training images): of each of the first
  /// `count` images of epoch_order(60000, seed, 1), the size × size crop at an offset drawn
  /// uniformly in each axis (SplitMix of the seed, the image's draw), pixels normalised as
  /// input_for's; labels theirs, classes 10. HWNAS_CHECK: count in 1…60,000, size in 1…28.
  ProxyInput crops(std::int32_t count, std::int32_t size) const;

  std::int32_t batch() const { return static_cast<std::int32_t>(indices_.size()); }

 private:
  ImageSet set_;
  std::uint64_t seed_ = 0;
  std::vector<std::int64_t> indices_;
  BatchOptions normalisation_;  // the training set's mean and deviation
};

}  // namespace hwnas::train::proxies

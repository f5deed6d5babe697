// Fashion-MNIST as a supernet sees it: the held-out validation images, the training subset,
// and batches at whichever resolution a subnet takes (a space's resolution gene), prepared
// as `hwnas train` prepares them (classification_run.h: normalised by the training set's
// pixel moments, channels replicated for a 3-channel input; training batches augmented by
// a crop after padding by max(1, round(res / 14)) pixels and a horizontal flip).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/image_set.h"
#include "hwnas/train/trainer.h"

namespace hwnas::train::supernet {

struct SupernetData {
  ImageSet train_set, test_set;
  std::vector<std::int64_t> validation;  // indices into train_set held out (sampling.h validation_split), ascending
  std::vector<std::int64_t> training;    // indices into train_set trained on: the --subset of the rest
  BatchOptions base;                     // the normalisation (pixel moments of train_set)
};

/// Loads Fashion-MNIST from `data_dir` (default_fashion_mnist_dir() when empty), holds out
/// `validation` images and draws the class-stratified `subset` of the rest with `seed`, as
/// train_classification does (so the same --validation gives the same held-out images).
/// UserError: the dataset's errors; fewer than 2 training images left.
SupernetData load_supernet_data(const std::string& data_dir, std::int64_t validation, double subset,
                                std::uint64_t seed);

/// The images `indices` of `set` at `resolution` × `resolution` with `channels` channels:
/// float [N, C, H, W] and labels int64 [N]; augmented with `seed` when `augment`.
using ImageBatch = LabelledBatch;
ImageBatch image_batch(const SupernetData& data, const ImageSet& set, std::span<const std::int64_t> indices,
                       std::int32_t resolution, std::int32_t channels, bool augment, std::uint64_t seed);

}  // namespace hwnas::train::supernet

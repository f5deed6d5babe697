// The images a supernet trains and is measured on, prepared as `hwnas train` prepares them.
// Classification: Fashion-MNIST, the held-out validation images and the training subset
// (classification_run.h: normalised by the training set's pixel moments, channels
// replicated for a 3-channel input; training batches augmented by a crop after padding by
// max(1, round(res / 14)) pixels and a horizontal flip). Detection and segmentation: the
// scenes (scene_sets.h: the training subset and the test scenes from the scene cache,
// normalised by the reference scenes' pixel moments; training batches padded by
// max(1, res / 12) pixels before the crop, boxes and masks moved with the image). Batches at
// whichever resolution a subnet takes (a space's resolution gene).
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
  Task task = Task::classification;
  SceneLabels scene_labels = SceneLabels::items;  // scene tasks
  ImageSet train_set, test_set;
  std::vector<std::int64_t> validation;  // classification: indices into train_set held out (sampling.h
                                         // validation_split), ascending; scene tasks: none
  std::vector<std::int64_t> training;    // indices into train_set trained on: the --subset of the rest
                                         // (scene tasks: train_set holds only the subset, all trained on)
  std::vector<std::int64_t> draw_index;  // scene tasks: train_set's scene i is scene draw_index[i] of the
                                         // training scenes (its augmentation draws are that scene's)
  ImageSet reference;                    // scene tasks: the reference scenes (normalisation, the baseline)
  BatchOptions base;                     // the normalisation (pixel moments)
  std::string cache_note;                // scene tasks: a corrupt cache file generated again, else ""
};

/// Loads Fashion-MNIST from `data_dir` (default_fashion_mnist_dir() when empty), holds out
/// `validation` images and draws the class-stratified `subset` of the rest with `seed`, as
/// train_classification does (so the same --validation gives the same held-out images).
/// UserError: the dataset's errors; fewer than 2 training images left.
SupernetData load_supernet_data(const std::string& data_dir, std::int64_t validation, double subset,
                                std::uint64_t seed);

/// The scenes of `options` (task detection or segmentation): the training subset
/// (options.subset of options.scenes by options.seed) and the first options.test_scenes test
/// scenes, from the scene cache options.data_dir (generated there when absent, said on
/// `progress`), as train_scenes reads them. UserError: the cache's and Fashion-MNIST's errors.
SupernetData load_supernet_scenes(const TrainOptions& options, const ProgressCallback& progress);

/// The images `indices` of `set` (data.train_set or data.test_set) at `resolution` ×
/// `resolution` with `channels` channels, with their labels, boxes or masks; augmented with
/// `seed` when `augment` (training images only).
Batch supernet_batch(const SupernetData& data, const ImageSet& set, std::span<const std::int64_t> indices,
                     std::int32_t resolution, std::int32_t channels, bool augment, std::uint64_t seed);

/// supernet_batch of a classifier's images as tensors: float [N, C, H, W] and labels int64 [N].
using ImageBatch = LabelledBatch;
ImageBatch image_batch(const SupernetData& data, const ImageSet& set, std::span<const std::int64_t> indices,
                       std::int32_t resolution, std::int32_t channels, bool augment, std::uint64_t seed);

}  // namespace hwnas::train::supernet

#include "hwnas/train/supernet/supernet_data.h"

#include <fmt/format.h>

#include <cmath>

#include "hwnas/base/error.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/sampling.h"
#include "hwnas/train/scene_sets.h"

namespace hwnas::train::supernet {

SupernetData load_supernet_data(const std::string& data_dir, std::int64_t validation, double subset,
                                std::uint64_t seed) {
  const std::filesystem::path dir = data_dir.empty() ? default_fashion_mnist_dir() : std::filesystem::path(data_dir);
  SupernetData d;
  d.train_set = load_fashion_mnist(dir, Split::train);
  d.test_set = load_fashion_mnist(dir, Split::test);
  ValidationSplit split = validation_split(d.train_set.labels, validation);
  d.validation = std::move(split.validation);
  std::vector<std::int32_t> rest_labels;
  for (const std::int64_t i : split.training) rest_labels.push_back(d.train_set.labels[static_cast<std::size_t>(i)]);
  d.training = training_subset(rest_labels, subset, seed);
  for (std::int64_t& i : d.training) i = split.training[static_cast<std::size_t>(i)];
  if (d.training.size() < 2)
    throw UserError(fmt::format("--subset {} leaves {} training image; give a larger fraction", subset,
                                d.training.size()));
  const auto [mean, std] = pixel_moments(d.train_set.pixels);
  d.base.mean = mean;
  d.base.std = std;
  return d;
}

SupernetData load_supernet_scenes(const TrainOptions& options, const ProgressCallback& progress) {
  HWNAS_CHECK(options.task != Task::classification);
  SupernetData d;
  d.task = options.task;
  d.scene_labels = options.scene_labels;
  const SceneOptions scenes = scene_options(options);
  SceneReader read(scenes, options.data_dir, d.cache_note, progress);
  HeldScenes held = read_training_scenes(options, read);
  d.train_set = std::move(held.train);
  d.draw_index = std::move(held.subset);
  d.reference = std::move(held.reference);
  d.test_set = read.all(Split::test, options.test_scenes);
  for (std::int64_t i = 0; i < d.train_set.size(); ++i) d.training.push_back(i);
  const auto [mean, std] = pixel_moments(d.reference.pixels);
  d.base.mean = mean;
  d.base.std = std;
  return d;
}

Batch supernet_batch(const SupernetData& data, const ImageSet& set, std::span<const std::int64_t> indices,
                     std::int32_t resolution, std::int32_t channels, bool augment, std::uint64_t seed) {
  BatchOptions options = data.base;
  options.resolution = resolution;
  options.channels = channels;
  options.augment = augment;
  options.seed = seed;
  if (data.task == Task::classification) {
    options.pad = std::max(1, static_cast<std::int32_t>(std::lround(resolution / 14.0)));
  } else {  // as train_scenes augments them
    options.pad = std::max(1, resolution / 12);
    if (&set == &data.train_set) options.draw_index = data.draw_index;
  }
  return make_batch(set, indices, options);
}

ImageBatch image_batch(const SupernetData& data, const ImageSet& set, std::span<const std::int64_t> indices,
                       std::int32_t resolution, std::int32_t channels, bool augment, std::uint64_t seed) {
  Batch b = supernet_batch(data, set, indices, resolution, channels, augment, seed);
  return labelled_batch(b);
}

}  // namespace hwnas::train::supernet

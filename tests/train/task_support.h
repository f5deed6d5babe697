// Tiny scenes for the task tests without Fashion-MNIST: render_scenes over hand-drawn items
// (a filled shape per class), so that the tests need no dataset.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/scenes.h"

namespace hwnas::train::testing {

/// 20 items 1x28x28, labels 0-9: class k a bright rectangle whose width and height depend on k.
inline ImageSet hand_items() {
  ImageSet items;
  items.channels = 1;
  items.height = items.width = 28;
  items.classes = 10;
  for (int i = 0; i < 20; ++i) {
    const int k = i % 10, w = 8 + 2 * k, h = 26 - 2 * k;
    std::vector<std::uint8_t> image(28 * 28, 0);
    for (int y = (28 - h) / 2; y < (28 + h) / 2; ++y)
      for (int x = (28 - w) / 2; x < (28 + w) / 2; ++x) image[static_cast<std::size_t>(y * 28 + x)] = 200;
    items.pixels.insert(items.pixels.end(), image.begin(), image.end());
    items.labels.push_back(k);
  }
  return items;
}

/// `count` 64x64 scenes of hand_items().
inline ImageSet hand_scenes(std::int64_t count) {
  SceneOptions options;
  options.height = options.width = 64;
  options.item_min = 20;
  options.item_max = 32;
  options.fragments = 2;
  return render_scenes(options, hand_items(), Split::train, count);
}

/// The scenes' first `n` images as a batch (no augmentation).
inline Batch first_images(const ImageSet& scenes, std::int64_t n) {
  std::vector<std::int64_t> indices(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) indices[static_cast<std::size_t>(i)] = i;
  BatchOptions options;
  options.mean = 0.3f;
  options.std = 0.3f;
  return make_batch(scenes, indices, options);
}

inline torch::Tensor images_of(Batch& batch) {
  return torch::from_blob(batch.pixels.data(), {batch.n, batch.channels, batch.height, batch.width}, torch::kFloat32)
      .clone();
}

}  // namespace hwnas::train::testing

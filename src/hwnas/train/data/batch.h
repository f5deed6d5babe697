// Batches as a network sees them: float pixels, normalised, resized to the model's
// resolution, channels replicated for 3-channel models, and for training the standard
// augmentation (random crop after zero padding, horizontal flip; He et al. 2016, §4.2, as
// torchvision's RandomCrop(padding) and RandomHorizontalFlip do it). Boxes and masks move
// with their image. Torch-free: the trainer wraps `pixels` in a tensor.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "hwnas/train/data/image_set.h"

namespace hwnas::train {

struct BatchOptions {
  std::int32_t resolution = 0;   // output H = W; 0 keeps the set's size (bilinear resize otherwise)
  std::int32_t channels = 0;     // 0 keeps; 3 replicates a 1-channel image
  bool augment = false;          // random crop after zero padding + horizontal flip (training)
  std::int32_t pad = 0;          // padding of the random crop, in output pixels
  bool flip = true;              // horizontal flip when augmenting
  std::uint64_t seed = 0;        // augmentation is a function of (seed, image index)
  /// When not empty, image i of the set draws its augmentation as image draw_index[i] does
  /// (one entry per image): a set picked out of a larger one is augmented as that one was.
  std::span<const std::int64_t> draw_index;
  float mean = 0, std = 1;       // (x / 255 - mean) / std
};

struct Batch {
  std::int32_t n = 0, channels = 0, height = 0, width = 0;
  std::vector<float> pixels;                 // N·C·H·W
  std::vector<std::int32_t> labels;          // classification
  std::vector<std::vector<Box>> boxes;       // detection: transformed with the image
  std::vector<std::uint8_t> masks;           // segmentation: N·H·W, nearest-resized, transformed with the image
};

/// The images `indices` of `set` (in that order, repeats allowed) and whatever of labels,
/// boxes and masks the set has.
///
/// Per image, in this order: (1) resize to resolution × resolution when it differs from the
/// set's size — pixels bilinearly with half-pixel centres (PyTorch's interpolate, bilinear,
/// align_corners=False, no antialiasing), masks by nearest neighbour (the source pixel under
/// the output pixel's centre), boxes scaled; (2) when augmenting, pad by `pad` zero pixels
/// (mask 0 = background) on each side and crop the output size at an offset drawn uniformly
/// from 0…2·pad on each axis; (3) when augmenting with `flip`, mirror left-right with
/// probability 1/2; (4) pixels (v / 255 - mean) / std, so padding becomes -mean / std.
/// Boxes are clipped to the image; a box left narrower or lower than 1 pixel is dropped.
/// The draws depend on (seed, the image's index in `set` or its draw_index) only, not on
/// the batch it is in: pass a different seed per epoch (e.g. hash of the run's seed and the epoch).
///
/// Errors: UserError for options a user chose badly (resolution or pad < 0, std ≤ 0 or not
/// finite, channels other than 0, the set's, or 3 from 1); InternalError (HWNAS_CHECK) for
/// an index outside the set, or a set whose vectors disagree with its size.
Batch make_batch(const ImageSet& set, std::span<const std::int64_t> indices, const BatchOptions& options);

/// Mean and standard deviation of `pixels` (0–255 bytes) on the 0–1 scale, as
/// BatchOptions::mean and ::std take them; {0, 1} for no pixels.
std::pair<float, float> pixel_moments(std::span<const std::uint8_t> pixels);

/// Batches for a network input of `resolution` and `channels`, normalised by the
/// pixel_moments of `reference` (the training images), not augmented.
BatchOptions network_batches(std::int32_t resolution, std::int32_t channels, std::span<const std::uint8_t> reference);

/// The augmentation make_batch draws for image `index`: crop offsets in 0…2·pad and flip.
struct Augmentation {
  std::int32_t offset_x = 0, offset_y = 0;
  bool flip = false;
};
Augmentation draw_augmentation(const BatchOptions& options, std::int64_t index);

}  // namespace hwnas::train

// make_batch: normalisation, bilinear resizing checked by hand, channel replication, and
// the augmentation moving boxes and masks with the pixels; determinism by seed; errors.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/train/data/batch.h"

namespace hwnas::train {
namespace {

/// n 1-channel images of h×w; image i's pixel (y, x) is (i * 31 + y * w + x) % 256.
ImageSet ramp_set(std::int32_t n, std::int32_t h, std::int32_t w) {
  ImageSet set;
  set.channels = 1, set.height = h, set.width = w, set.classes = 10;
  for (std::int32_t i = 0; i < n; ++i) {
    for (std::int32_t p = 0; p < h * w; ++p) set.pixels.push_back(static_cast<std::uint8_t>((i * 31 + p) % 256));
    set.labels.push_back(i % 10);
  }
  return set;
}

/// One 20×20 image per rectangle: 255 inside [x0, x1) × [y0, y1), 0 elsewhere; its box
/// is the rectangle and its mask holds 2 there.
ImageSet rectangle_set(const std::vector<Box>& rectangles) {
  ImageSet set;
  set.channels = 1, set.height = 20, set.width = 20, set.classes = 3;
  for (const Box& r : rectangles) {
    for (int y = 0; y < 20; ++y)
      for (int x = 0; x < 20; ++x) {
        const bool inside = x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1;
        set.pixels.push_back(inside ? 255 : 0);
        set.masks.push_back(inside ? 2 : 0);
      }
    set.boxes.push_back({r});
  }
  return set;
}

std::vector<std::int64_t> iota(std::int64_t n) {
  std::vector<std::int64_t> v(n);
  for (std::int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

TEST(Batch, WithoutOptionsItIsTheImagesOverTwoFiftyFiveInTheIndicesOrder) {
  const ImageSet set = ramp_set(5, 4, 3);
  const std::vector<std::int64_t> indices = {3, 1, 3};
  const Batch batch = make_batch(set, indices, {});
  EXPECT_EQ(batch.n, 3);
  EXPECT_EQ(batch.channels, 1);
  EXPECT_EQ(batch.height, 4);
  EXPECT_EQ(batch.width, 3);
  ASSERT_EQ(batch.pixels.size(), 3u * 12);
  for (int i = 0; i < 3; ++i)
    for (int p = 0; p < 12; ++p)
      EXPECT_FLOAT_EQ(batch.pixels[i * 12 + p], set.pixels[indices[i] * 12 + p] / 255.0f);
  EXPECT_EQ(batch.labels, (std::vector<std::int32_t>{3, 1, 3}));
  EXPECT_TRUE(batch.boxes.empty());
  EXPECT_TRUE(batch.masks.empty());
}

TEST(Batch, NormalisesAndReplicatesChannels) {
  const ImageSet set = ramp_set(2, 4, 4);
  BatchOptions options;
  options.channels = 3, options.mean = 0.5f, options.std = 0.25f;
  const std::vector<std::int64_t> indices = {1};
  const Batch batch = make_batch(set, indices, options);
  EXPECT_EQ(batch.channels, 3);
  ASSERT_EQ(batch.pixels.size(), 3u * 16);
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 16; ++p)
      EXPECT_NEAR(batch.pixels[c * 16 + p], (set.pixels[16 + p] / 255.0f - 0.5f) / 0.25f, 1e-5);
}

TEST(Batch, BilinearResizeUsesHalfPixelCentresLikePyTorch) {
  // 2×2 → 4×4 with align_corners=False: source coordinates -0.25 (clamped to 0), 0.25, 0.75,
  // 1.25 (clamped to the last pixel), so each row is a, ¾a+¼b, ¼a+¾b, b.
  ImageSet set;
  set.channels = 1, set.height = 2, set.width = 2;
  set.pixels = {0, 100, 200, 40};
  BatchOptions options;
  options.resolution = 4;
  options.std = 1.0f / 255;  // pixels stay in 0–255
  const std::vector<std::int64_t> zero = {0};
  const Batch batch = make_batch(set, zero, options);
  const std::vector<float> top = {0, 25, 75, 100}, bottom = {200, 160, 80, 40};
  for (int x = 0; x < 4; ++x) {
    EXPECT_NEAR(batch.pixels[0 * 4 + x], top[x], 1e-3) << x;
    EXPECT_NEAR(batch.pixels[1 * 4 + x], 0.75f * top[x] + 0.25f * bottom[x], 1e-3) << x;
    EXPECT_NEAR(batch.pixels[2 * 4 + x], 0.25f * top[x] + 0.75f * bottom[x], 1e-3) << x;
    EXPECT_NEAR(batch.pixels[3 * 4 + x], bottom[x], 1e-3) << x;
  }
  // Halving averages each 2×2 block (the sample point is the block's centre).
  const ImageSet ramp = ramp_set(1, 4, 4);
  options.resolution = 2;
  const Batch half = make_batch(ramp, zero, options);
  EXPECT_NEAR(half.pixels[0], (0 + 1 + 4 + 5) / 4.0f, 1e-3);
  EXPECT_NEAR(half.pixels[3], (10 + 11 + 14 + 15) / 4.0f, 1e-3);
}

TEST(Batch, ResizingScalesBoxesAndResizesMasksByNearestNeighbour) {
  const ImageSet set = rectangle_set({Box{4, 6, 10, 16, 1}});
  BatchOptions options;
  options.resolution = 40;
  const std::vector<std::int64_t> zero = {0};
  const Batch batch = make_batch(set, zero, options);
  ASSERT_EQ(batch.boxes.size(), 1u);
  EXPECT_EQ(batch.boxes[0], (std::vector<Box>{Box{8, 12, 20, 32, 1}}));
  ASSERT_EQ(batch.masks.size(), 1600u);
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 40; ++x)
      EXPECT_EQ(batch.masks[y * 40 + x], x >= 8 && x < 20 && y >= 12 && y < 32 ? 2 : 0) << x << "," << y;
}

TEST(Batch, CropAndFlipMoveBoxesAndMasksWithThePixels) {
  // At the set's 20×20 and resized to 40×40 (twice: the step edges fall on 0.25/0.75
  // blends, so "lit" > half is exactly the doubled rectangle, as is the nearest mask).
  const ImageSet set = rectangle_set({Box{2, 3, 9, 12, 0}, Box{12, 0, 20, 5, 1}, Box{0, 15, 4, 20, 2}});
  for (const int side : {20, 40}) {
    BatchOptions options;
    options.augment = true, options.pad = 4 * side / 20, options.resolution = side;
    int flipped = 0;
    for (std::uint64_t seed = 0; seed < 40; ++seed) {
      options.seed = seed;
      const std::vector<std::int64_t> all = iota(3);
      const Batch batch = make_batch(set, all, options);
      for (int i = 0; i < 3; ++i) {
        flipped += draw_augmentation(options, i).flip;
        // Every lit pixel lies in its box and carries the mask; the box is tight around them.
        float x0 = 999, y0 = 999, x1 = -1, y1 = -1;
        for (int y = 0; y < side; ++y)
          for (int x = 0; x < side; ++x) {
            const bool lit = batch.pixels[(i * side + y) * side + x] > 0.5f;
            EXPECT_EQ(batch.masks[(i * side + y) * side + x], lit ? 2 : 0);
            if (lit)
              x0 = std::min<float>(x0, x), y0 = std::min<float>(y0, y), x1 = std::max<float>(x1, x + 1),
              y1 = std::max<float>(y1, y + 1);
          }
        if (x1 < 0) {  // cropped away entirely, or to a sliver narrower than a pixel
          EXPECT_TRUE(batch.boxes[i].empty());
          continue;
        }
        ASSERT_EQ(batch.boxes[i].size(), 1u) << "seed " << seed << " image " << i;
        EXPECT_EQ(batch.boxes[i][0], (Box{x0, y0, x1, y1, set.boxes[i][0].label}))
            << side << " seed " << seed << " image " << i;
      }
    }
    EXPECT_GT(flipped, 30);  // of 120 draws, about 60 flip
    EXPECT_LT(flipped, 90);
  }
}

TEST(Batch, AugmentationIsAFunctionOfSeedAndImageIndexOnly) {
  const ImageSet set = ramp_set(10, 8, 8);
  BatchOptions options;
  options.augment = true, options.pad = 2, options.seed = 7;
  const std::vector<std::int64_t> first = {5, 6}, second = {9, 5};
  const Batch a = make_batch(set, first, options), b = make_batch(set, second, options);
  EXPECT_TRUE(std::equal(a.pixels.begin(), a.pixels.begin() + 64, b.pixels.begin() + 64));
  EXPECT_EQ(make_batch(set, first, options).pixels, a.pixels);  // same seed, same batch
  std::set<std::vector<float>> distinct;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    options.seed = seed;
    distinct.insert(make_batch(set, first, options).pixels);
  }
  EXPECT_GT(distinct.size(), 10u);
  // Offsets cover 0…2·pad and flips occur, over many images.
  std::set<std::pair<int, int>> offsets;
  for (std::int64_t i = 0; i < 500; ++i) {
    const Augmentation aug = draw_augmentation(options, i);
    offsets.insert({aug.offset_x, aug.offset_y});
  }
  EXPECT_EQ(offsets.size(), 25u);
  options.flip = false;
  for (std::int64_t i = 0; i < 100; ++i) EXPECT_FALSE(draw_augmentation(options, i).flip);
}

// A set picked out of a larger one (a run's subset of the scenes) is augmented as the
// larger set's images were, given their indices there (draw_index).
TEST(Batch, APickedSetDrawsAsTheWholeSetWithItsDrawIndex) {
  const ImageSet set = ramp_set(10, 8, 8);
  const std::vector<std::int64_t> picked = {3, 8};
  ImageSet some = set;
  some.pixels.clear();
  some.labels.clear();
  for (const std::int64_t i : picked) {
    some.pixels.insert(some.pixels.end(), set.pixels.begin() + i * 64, set.pixels.begin() + (i + 1) * 64);
    some.labels.push_back(set.labels[static_cast<std::size_t>(i)]);
  }
  BatchOptions options;
  options.augment = true, options.pad = 2, options.seed = 7;
  const std::vector<std::int64_t> positions = {0, 1};
  const Batch whole = make_batch(set, picked, options);
  EXPECT_NE(make_batch(some, positions, options).pixels, whole.pixels);  // drawn as images 0 and 1
  options.draw_index = picked;
  EXPECT_EQ(make_batch(some, positions, options).pixels, whole.pixels);
}

TEST(Batch, PaddingIsZeroBeforeNormalisation) {
  const ImageSet set = rectangle_set({Box{0, 0, 20, 20, 0}});  // all 255
  BatchOptions options;
  options.augment = true, options.pad = 3, options.flip = false, options.mean = 0.5f, options.std = 0.5f;
  for (std::int64_t seed = 0; seed < 10; ++seed) {
    options.seed = static_cast<std::uint64_t>(seed);
    const Augmentation aug = draw_augmentation(options, 0);
    const std::vector<std::int64_t> zero = {0};
    const Batch batch = make_batch(set, zero, options);
    for (int y = 0; y < 20; ++y)
      for (int x = 0; x < 20; ++x) {
        const bool inside = x + aug.offset_x - 3 >= 0 && x + aug.offset_x - 3 < 20 && y + aug.offset_y - 3 >= 0 &&
                            y + aug.offset_y - 3 < 20;
        EXPECT_FLOAT_EQ(batch.pixels[y * 20 + x], inside ? 1.0f : -1.0f);
      }
  }
}

std::string user_error(const ImageSet& set, const BatchOptions& options) {
  const std::vector<std::int64_t> zero = {0};
  try {
    make_batch(set, zero, options);
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

TEST(BatchErrors, BadOptionsAreUserErrorsAndBadIndicesInternalOnes) {
  const ImageSet set = ramp_set(2, 4, 4);
  BatchOptions options;
  options.resolution = -1;
  EXPECT_NE(user_error(set, options).find("batch resolution -1 is negative"), std::string::npos);
  options = {};
  options.pad = -2;
  EXPECT_NE(user_error(set, options).find("crop padding -2 is negative"), std::string::npos);
  options = {};
  options.std = 0;
  EXPECT_NE(user_error(set, options).find("std must be positive"), std::string::npos);
  options.std = NAN;
  EXPECT_NE(user_error(set, options).find("std must be positive"), std::string::npos);
  options = {};
  options.channels = 2;
  EXPECT_EQ(user_error(set, options),
            "cannot make 2-channel inputs from 1-channel images; the model's input must have 1 channels (or 3, "
            "replicated from 1)");
  const std::vector<std::int64_t> outside = {2};
  EXPECT_THROW(make_batch(set, outside, {}), InternalError);
  const std::vector<std::int64_t> negative = {-1};
  EXPECT_THROW(make_batch(set, negative, {}), InternalError);
}

}  // namespace
}  // namespace hwnas::train

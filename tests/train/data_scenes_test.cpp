// The scene generator: determinism and stable prefixes, boxes tight around the visible
// pixels their masks mark, the presence variant's objects and distractors, clutter that a
// brightness threshold does not separate from the items, split separation, option errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/scenes.h"
#include "support/scratch_dir.h"
#include "train/data_support.h"

namespace hwnas::train {
namespace {

namespace fs = std::filesystem;

const ImageSet& test_items() { return testing::fashion_mnist(Split::test); }

std::vector<std::int64_t> iota_of(std::int64_t n) {
  std::vector<std::int64_t> v(n);
  for (std::int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

// A run that trains on a subset draws only those scenes (s29 fresh-user finding 1): each is
// the scene at its index in the whole set.
TEST(Scenes, PickedScenesAreThoseAtTheirIndicesInTheWholeSet) {
  HWNAS_REQUIRE_FASHION_MNIST();
  SceneOptions options;
  options.height = options.width = 48, options.item_max = 40, options.seed = 5;
  const ImageSet all = render_scenes(options, test_items(), Split::train, 9);
  const std::vector<std::int64_t> picked = {1, 4, 8};
  const ImageSet some = render_scenes(options, test_items(), Split::train, picked);
  ASSERT_EQ(some.size(), 3);
  const std::size_t plane = 48 * 48;
  for (std::size_t k = 0; k < picked.size(); ++k) {
    const auto at = static_cast<std::ptrdiff_t>(picked[k] * plane), to = static_cast<std::ptrdiff_t>(k * plane);
    EXPECT_TRUE(std::equal(all.pixels.begin() + at, all.pixels.begin() + at + plane, some.pixels.begin() + to)) << k;
    EXPECT_TRUE(std::equal(all.masks.begin() + at, all.masks.begin() + at + plane, some.masks.begin() + to)) << k;
    EXPECT_EQ(some.boxes[k], all.boxes[static_cast<std::size_t>(picked[k])]) << k;
  }
  EXPECT_NE(std::vector<std::uint8_t>(all.pixels.begin(), all.pixels.begin() + 3 * plane), some.pixels);
}

TEST(Scenes, SameSeedSameScenesAndASmallerCountIsAPrefix) {
  HWNAS_REQUIRE_FASHION_MNIST();
  SceneOptions options;
  options.seed = 3;
  const ImageSet a = render_scenes(options, test_items(), Split::test, 12);
  const ImageSet b = render_scenes(options, test_items(), Split::test, 5);
  EXPECT_EQ(a.size(), 12);
  EXPECT_EQ(a.channels, 1);
  EXPECT_EQ(a.height, 96);
  EXPECT_EQ(a.width, 96);
  EXPECT_EQ(a.classes, 10);
  EXPECT_TRUE(a.labels.empty());
  EXPECT_EQ(render_scenes(options, test_items(), Split::test, 12).pixels, a.pixels);
  EXPECT_TRUE(std::equal(b.pixels.begin(), b.pixels.end(), a.pixels.begin()));
  EXPECT_TRUE(std::equal(b.masks.begin(), b.masks.end(), a.masks.begin()));
  EXPECT_TRUE(std::equal(b.boxes.begin(), b.boxes.end(), a.boxes.begin()));
  options.seed = 4;
  EXPECT_NE(render_scenes(options, test_items(), Split::test, 5).pixels, b.pixels);
  options.seed = 3;  // the split keys the streams too
  EXPECT_NE(render_scenes(options, test_items(), Split::train, 5).pixels, b.pixels);
}

TEST(Scenes, BoxesAreTightAroundTheVisiblePixelsTheirMasksMark) {
  HWNAS_REQUIRE_FASHION_MNIST();
  SceneOptions options;
  options.height = 80, options.width = 112;  // not square, to catch swapped axes
  const ImageSet scenes = render_scenes(options, test_items(), Split::test, 200);
  const std::size_t plane = 80 * 112;
  std::array<int, 5> per_count{};
  for (std::int64_t i = 0; i < scenes.size(); ++i) {
    const std::uint8_t* mask = scenes.masks.data() + plane * i;
    const std::vector<Box>& boxes = scenes.boxes[i];
    ASSERT_GE(boxes.size(), 1u);
    ASSERT_LE(boxes.size(), 4u);
    ++per_count[boxes.size()];
    for (const Box& b : boxes) {
      EXPECT_GE(b.x0, 0);
      EXPECT_LE(b.x1, 112);
      EXPECT_GE(b.y0, 0);
      EXPECT_LE(b.y1, 80);
      EXPECT_LE(b.x1 - b.x0, options.item_max);
      EXPECT_LE(b.y1 - b.y0, options.item_max);
      // Each edge row and column of the box holds a pixel of its class: tight.
      const auto marks = [&](int x, int y) { return mask[std::size_t(y) * 112 + x] == b.label + 1; };
      bool top = false, bottom = false, left = false, right = false;
      for (int x = int(b.x0); x < int(b.x1); ++x) top |= marks(x, int(b.y0)), bottom |= marks(x, int(b.y1) - 1);
      for (int y = int(b.y0); y < int(b.y1); ++y) left |= marks(int(b.x0), y), right |= marks(int(b.x1) - 1, y);
      EXPECT_TRUE(top && bottom && left && right) << "scene " << i;
    }
    // Every marked pixel lies in a box of its class.
    for (int y = 0; y < 80; ++y)
      for (int x = 0; x < 112; ++x) {
        const int m = mask[std::size_t(y) * 112 + x];
        if (m == 0) continue;
        ASSERT_LE(m, 10);
        EXPECT_TRUE(std::any_of(boxes.begin(), boxes.end(), [&](const Box& b) {
          return b.label + 1 == m && x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1;
        })) << "scene " << i << " pixel " << x << "," << y;
      }
  }
  for (int k = 1; k <= 4; ++k) EXPECT_GT(per_count[k], 20) << k << " items";  // 1–4 items, each count common
}

TEST(Scenes, PresenceLabelsTheGarmentsAsOneClassAndLeavesTheDistractorsUnlabelled) {
  HWNAS_REQUIRE_FASHION_MNIST();
  SceneOptions options;
  const ImageSet items = render_scenes(options, test_items(), Split::test, 100);
  options.labels = SceneLabels::presence;
  const ImageSet presence = render_scenes(options, test_items(), Split::test, 100);
  EXPECT_EQ(presence.classes, 1);
  EXPECT_EQ(presence.pixels, items.pixels);  // labels do not change what is drawn
  const std::set<int> garments = {0, 1, 2, 3, 4, 6};
  int without_object = 0;
  for (std::int64_t i = 0; i < 100; ++i) {
    std::vector<Box> expected;
    for (Box b : items.boxes[i])
      if (garments.contains(b.label)) b.label = 0, expected.push_back(b);
    EXPECT_EQ(presence.boxes[i], expected) << "scene " << i;
    without_object += expected.empty();
  }
  for (std::size_t p = 0; p < items.masks.size(); ++p)
    ASSERT_EQ(presence.masks[p], items.masks[p] != 0 && garments.contains(items.masks[p] - 1) ? 1 : 0);
  EXPECT_GT(without_object, 0);  // some scenes hold only distractors
  options.presence_classes = {8};  // bags alone
  for (const std::vector<Box>& boxes : render_scenes(options, test_items(), Split::test, 20).boxes)
    for (const Box& b : boxes) EXPECT_EQ(b.label, 0);
}

TEST(Scenes, BrightnessAloneDoesNotSeparateItemsFromClutter) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const ImageSet scenes = render_scenes({}, test_items(), Split::test, 100);
  // The best single threshold on pixel brightness, as an item-vs-background classifier:
  // errors(t) = item pixels darker than t + background pixels at least t.
  std::array<std::int64_t, 256> item{}, background{};
  for (std::size_t p = 0; p < scenes.pixels.size(); ++p) ++(scenes.masks[p] != 0 ? item : background)[scenes.pixels[p]];
  std::int64_t item_below = 0, background_at_or_above = 0, best_errors = 0;
  for (const std::int64_t n : background) background_at_or_above += n;
  best_errors = background_at_or_above;  // t = 0
  for (int t = 1; t <= 256; ++t) {
    item_below += item[t - 1];
    background_at_or_above -= background[t - 1];
    best_errors = std::min(best_errors, item_below + background_at_or_above);
  }
  // Items cover about 20% of the pixels; the best threshold misclassifies about 11% (measured
  // at generator version 1): far from separating them.
  EXPECT_GT(double(best_errors) / scenes.pixels.size(), 0.05);
}

TEST(Scenes, BoxesStillCoverTheirMasksAfterResizeCropAndFlip) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const ImageSet scenes = render_scenes({}, test_items(), Split::test, 60);
  BatchOptions options;
  options.resolution = 128, options.augment = true, options.pad = 12;
  const Batch batch = make_batch(scenes, iota_of(60), options);
  int flipped = 0, outside = 0, marked = 0;
  for (std::int64_t i = 0; i < 60; ++i) {
    flipped += draw_augmentation(options, i).flip;
    const std::vector<Box>& boxes = batch.boxes[i];
    for (int y = 0; y < 128; ++y)
      for (int x = 0; x < 128; ++x) {
        const int m = batch.masks[(i * 128 + y) * 128 + x];
        if (m == 0) continue;
        ++marked;
        // The pixel's centre lies in a box of its class (nearest-neighbour masks sample at centres).
        outside += std::none_of(boxes.begin(), boxes.end(), [&](const Box& b) {
          return b.label + 1 == m && x + 0.5f >= b.x0 && x + 0.5f <= b.x1 && y + 0.5f >= b.y0 && y + 0.5f <= b.y1;
        });
      }
  }
  EXPECT_EQ(outside, 0);
  EXPECT_GT(marked, 60 * 1000);
  EXPECT_GT(flipped, 15);
  EXPECT_LT(flipped, 45);
}

TEST(Scenes, EachSplitsScenesReadOnlyThatSplitsItems) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const testing::ScratchDir scratch("hwnas_scenes_split");
  for (const char* file : {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    fs::copy_file(default_fashion_mnist_dir() / file, scratch.path() / file);
  // Test scenes need only the test files, and are drawn from the test items.
  EXPECT_EQ(make_scenes({}, Split::test, 3, scratch.path()).pixels, render_scenes({}, test_items(), Split::test, 3).pixels);
  try {
    make_scenes({}, Split::train, 3, scratch.path());
    ADD_FAILURE() << "training scenes made without the training files";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("has no train-images-idx3-ubyte.gz"), std::string::npos) << e.what();
  }
}

std::string option_error(const SceneOptions& options) {
  try {
    check_scene_options(options);
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

TEST(SceneErrors, OptionsThatCannotMakeScenesNameTheOptionAndItsRange) {
  EXPECT_EQ(option_error({}), "no error");
  const auto with = [](auto change) {
    SceneOptions o;
    change(o);
    return option_error(o);
  };
  EXPECT_EQ(with([](SceneOptions& o) { o.height = 0; }), "scene option height = 0 is out of range: 1 to 4096 pixels");
  EXPECT_EQ(with([](SceneOptions& o) { o.min_items = 0; }), "scene option min_items = 0 is out of range: 1 to 100");
  EXPECT_EQ(with([](SceneOptions& o) { o.max_items = 0; }), "scene option max_items = 0 is out of range: min_items to 100");
  EXPECT_EQ(with([](SceneOptions& o) { o.item_max = 97; }),
            "scene option item_max = 97 is out of range: item_min to the canvas's smaller side");
  EXPECT_EQ(with([](SceneOptions& o) { o.width = 40; }),
            "scene option item_max = 56 is out of range: item_min to the canvas's smaller side");
  EXPECT_EQ(with([](SceneOptions& o) { o.min_visible = 1.5; }), "scene option min_visible = 1.5 is out of range: 0 to 1");
  EXPECT_EQ(with([](SceneOptions& o) { o.silhouette_threshold = 0; }),
            "scene option silhouette_threshold = 0 is out of range: 1 to 255");
  EXPECT_EQ(with([](SceneOptions& o) { o.fragment_max = 5; }),
            "scene option fragment_max = 5 is out of range: fragment_min or more");
  EXPECT_EQ(with([](SceneOptions& o) { o.noise = -1; }), "scene option noise = -1 is out of range: 0 to 1000");
  EXPECT_NE(with([](SceneOptions& o) { o.gradient = std::nan(""); }).find("scene option gradient = nan"), std::string::npos);
  EXPECT_EQ(with([](SceneOptions& o) { o.presence_classes = {3, 10}; }),
            "scene option presence_classes = 10 is out of range: classes 0 to 9");
  EXPECT_EQ(with([](SceneOptions& o) { o.presence_classes = {3, 3}; }),
            "scene option presence_classes names class 3 twice");
  EXPECT_EQ(with([](SceneOptions& o) { o.labels = SceneLabels::presence, o.presence_classes.clear(); }),
            "scene option presence_classes is empty: name at least one class (0-9) as the object");
  SceneOptions big_fragments;
  big_fragments.fragment_max = 30;
  EXPECT_EQ(option_error(big_fragments), "no error");  // the items' size is known when scenes are drawn
  if (testing::missing_fashion_mnist().empty()) {
    try {
      render_scenes(big_fragments, test_items(), Split::test, 1);
      ADD_FAILURE() << "no error";
    } catch (const UserError& e) {
      EXPECT_STREQ(e.what(), "scene option fragment_max = 30 is out of range: fragment_min to the items' side, 28");
    }
  }
}

}  // namespace
}  // namespace hwnas::train

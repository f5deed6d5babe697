// COCO mAP against a second, independent implementation (tests/train/coco_map_reference.py,
// written from COCOeval's definition; Debian 12 has no python3-pycocotools) on seeded random
// detections that exercise every rule: jittered true boxes at all IoUs, false positives,
// misses, duplicate truth boxes (equal IoUs), equal scores within and across images, more
// than maxDets detections of a class in an image, a class without ground truth. Needs
// /usr/bin/python3 with numpy (tests/support/resources.h: skipped without it, a failure
// under HWNAS_REQUIRE_ALL_TESTS).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "hwnas/train/metrics/detection_map.h"
#include "support/python_json.h"
#include "support/resources.h"

namespace hwnas::train {
namespace {

using nlohmann::json;

struct Scene {
  std::vector<Box> truth;
  std::vector<Detection> detections;
};

/// Images of 128 x 128 with 5 classes; class 4 is never in the ground truth.
std::vector<Scene> random_scenes(std::uint32_t seed, std::size_t images) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::uniform_int_distribution<int> label_of(0, 3), count(0, 4);
  std::vector<Scene> scenes(images);
  for (std::size_t i = 0; i < images; ++i) {
    Scene& s = scenes[i];
    const bool integral = i % 3 == 0;    // integer corners: equal IoUs happen
    const bool coarse_scores = i % 2 == 0;  // scores in steps of 1/16: equal scores happen
    const auto coordinate = [&](float v) { return integral ? std::round(v) : v; };
    const auto score = [&] { const float v = unit(rng); return coarse_scores ? std::round(v * 16) / 16 : v; };
    const auto random_box = [&](std::int32_t label) {
      const float x = unit(rng) * 100, y = unit(rng) * 100, w = 4 + unit(rng) * 24, h = 4 + unit(rng) * 24;
      return Box{coordinate(x), coordinate(y), coordinate(x + w), coordinate(y + h), label};
    };
    for (int t = count(rng); t > 0; --t) s.truth.push_back(random_box(label_of(rng)));
    if (i % 7 == 0 && !s.truth.empty()) s.truth.push_back(s.truth.front());  // a duplicate box
    for (const Box& b : s.truth) {
      if (unit(rng) < 0.2f) continue;  // missed
      const float jitter = 6 * unit(rng) * unit(rng);
      Box d{coordinate(b.x0 + jitter * (unit(rng) - 0.5f)), coordinate(b.y0 + jitter * (unit(rng) - 0.5f)),
            coordinate(b.x1 + jitter * (unit(rng) - 0.5f)), coordinate(b.y1 + jitter * (unit(rng) - 0.5f)),
            unit(rng) < 0.1f ? label_of(rng) : b.label};  // now and then the wrong class
      if (d.x1 <= d.x0) d.x1 = d.x0 + 1;
      if (d.y1 <= d.y0) d.y1 = d.y0 + 1;
      s.detections.push_back({d, score()});
    }
    const int false_positives = i % 50 == 0 ? 120 : count(rng);  // past maxDets now and then
    for (int f = 0; f < false_positives; ++f)
      s.detections.push_back({random_box(i % 50 == 0 ? 0 : (unit(rng) < 0.1f ? 4 : label_of(rng))), score()});
  }
  return scenes;
}

json to_json(const std::vector<Scene>& scenes, std::int32_t classes) {
  json images = json::array();
  for (const Scene& s : scenes) {
    json truth = json::array(), detections = json::array();
    for (const Box& b : s.truth) truth.push_back({b.x0, b.y0, b.x1, b.y1, b.label});
    for (const Detection& d : s.detections)
      detections.push_back({d.box.x0, d.box.y0, d.box.x1, d.box.y1, d.box.label, d.score});
    images.push_back({{"truth", truth}, {"detections", detections}});
  }
  return {{"classes", classes}, {"images", images}};
}

TEST(MapReference, EqualsAnIndependentCocoevalOnRandomDetections) {
  constexpr std::int32_t kClasses = 5;
  for (const std::uint32_t seed : {1u, 2u, 3u}) {
    const std::vector<Scene> scenes = random_scenes(seed, 400);
    MeanAveragePrecision map(kClasses);
    for (const Scene& s : scenes) map.add_image(s.truth, s.detections);
    const DetectionMap ours = map.result();

    const std::filesystem::path input = std::filesystem::temp_directory_path() /
                                        ("hwnas_map_reference_" + std::to_string(getpid()) + ".json");
    std::ofstream(input) << to_json(scenes, kClasses).dump();
    const testing::PythonJson ref =
        testing::run_python_json("tests/train/coco_map_reference.py", "python3-numpy, as scripts/setup.sh does", input);
    std::filesystem::remove(input);
    ASSERT_TRUE(ref.failure.empty()) << ref.failure;
    if (!ref.skip.empty()) HWNAS_MISSING_RESOURCE(ref.skip);
    const json& theirs = ref.doc;

    EXPECT_NEAR(ours.map_50_95, theirs["map_50_95"].get<double>(), 1e-12) << "seed " << seed;
    EXPECT_NEAR(ours.map_50, theirs["map_50"].get<double>(), 1e-12) << "seed " << seed;
    EXPECT_NEAR(ours.map_75, theirs["map_75"].get<double>(), 1e-12) << "seed " << seed;
    for (std::int32_t c = 0; c < kClasses; ++c) {
      const json& ap = theirs["ap_50_95"][static_cast<std::size_t>(c)];
      ASSERT_EQ(ours.ap_50_95[static_cast<std::size_t>(c)].has_value(), !ap.is_null()) << "class " << c;
      if (!ap.is_null()) {
        EXPECT_NEAR(*ours.ap_50_95[static_cast<std::size_t>(c)], ap.get<double>(), 1e-12) << "class " << c;
      }
    }
    std::cout << "seed " << seed << ": mAP@[.5:.95] " << ours.map_50_95 << " (reference "
              << theirs["map_50_95"].get<double>() << "), mAP@0.5 " << ours.map_50 << "\n";
  }
}

}  // namespace
}  // namespace hwnas::train

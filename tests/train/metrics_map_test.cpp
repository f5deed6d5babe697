// COCO mAP: hand-computed cases for each rule of COCOeval (greedy matching, the IoU tie,
// monotone precision, the 101 recall levels, recall never reached, maxDets, score ties
// across images, classes without ground truth) and the errors.
// Below, precisions equal to 1 are 1 / (1 + 2^-52) as COCOeval computes them: hence NEAR.
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/train/metrics/detection_map.h"

namespace hwnas::train {
namespace {

constexpr double kTolerance = 1e-12;

TEST(MeanAveragePrecision, IouThresholdsAreCocoevals) {
  const auto t = MeanAveragePrecision::iou_thresholds();
  EXPECT_EQ(t[0], 0.5);
  EXPECT_EQ(t[5], 0.75);
  EXPECT_EQ(t[9], 0.95);
  EXPECT_NEAR(t[3], 0.65, 1e-15);
}

TEST(MeanAveragePrecision, OneImageOneClass) {
  // G1 (0,0,10,10), G2 (20,0,30,10). D1 = G1 (0.9, IoU 1), D2 (21,0,31,10) (0.8, IoU with G2
  // 90/110 = 0.818), D3 far away (0.7).
  //   t <= 0.80 (7 thresholds): TP TP FP: recall .5 1 1, precision 1 1 2/3: every level
  //     finds precision 1 -> AP_t = 1.
  //   t >= 0.85 (3): TP FP FP: recall .5 .5 .5, precision 1 .5 1/3: levels 0..0.50 (51)
  //     find 1, levels above 0.5 are never reached (0) -> AP_t = 51/101.
  //   AP = (7 + 3 * 51/101) / 10 = 860/1010.
  MeanAveragePrecision map(1);
  map.add_image(std::vector<Box>{{0, 0, 10, 10}, {20, 0, 30, 10}},
                std::vector<Detection>{{{0, 0, 10, 10}, 0.9f}, {{21, 0, 31, 10}, 0.8f}, {{50, 50, 60, 60}, 0.7f}});
  const DetectionMap r = map.result();
  EXPECT_NEAR(r.map_50, 1.0, kTolerance);
  EXPECT_NEAR(r.map_75, 1.0, kTolerance);
  EXPECT_NEAR(r.map_50_95, 860.0 / 1010.0, kTolerance);
  EXPECT_EQ(r.classes_in_mean, 1);
  EXPECT_EQ(r.images, 1);
}

TEST(MeanAveragePrecision, TwoImagesAbsentClassAndUnreachedRecall) {
  // Class 0: image A truth (0,0,10,10), detection on it (0.6); image B truth (0,0,10,10) and
  // (50,50,60,60), detections on the first (0.9) and far away (0.8).
  //   Ranked: 0.9 TP, 0.8 FP, 0.6 TP over 3 boxes: recall 1/3 1/3 2/3, precision 1 1/2 2/3,
  //   made monotone 1 2/3 2/3. Levels 0..0.33 (34) -> 1, 0.34..0.66 (33) -> 2/3, 0.67..1
  //   (34) never reached -> 0. AP = (34 + 22) / 101 = 56/101 at every threshold (IoU 1).
  // Class 1: detections only -> left out. Class 2: one truth box, no detection -> AP 0.
  MeanAveragePrecision map(3);
  map.add_image(std::vector<Box>{{0, 0, 10, 10, 0}, {0, 0, 10, 10, 2}},
                std::vector<Detection>{{{0, 0, 10, 10, 0}, 0.6f}, {{0, 0, 10, 10, 1}, 0.99f}});
  map.add_image(std::vector<Box>{{0, 0, 10, 10, 0}, {50, 50, 60, 60, 0}},
                std::vector<Detection>{{{0, 0, 10, 10, 0}, 0.9f}, {{100, 100, 110, 110, 0}, 0.8f}});
  const DetectionMap r = map.result();
  ASSERT_EQ(r.ap_50_95.size(), 3u);
  EXPECT_NEAR(*r.ap_50_95[0], 56.0 / 101.0, kTolerance);
  EXPECT_FALSE(r.ap_50_95[1].has_value());
  EXPECT_EQ(*r.ap_50_95[2], 0.0);
  EXPECT_EQ(r.classes_in_mean, 2);
  EXPECT_NEAR(r.map_50_95, 28.0 / 101.0, kTolerance);  // (56/101 + 0) / 2
  EXPECT_NEAR(r.map_50, 28.0 / 101.0, kTolerance);
}

TEST(MeanAveragePrecision, EqualIousGoToTheLaterTruthBox) {
  // G1 (0,0,10,10), G2 (6,0,16,10). D1 (3,0,13,10), 0.9: IoU 70/130 = 0.538 with both;
  // D2 = G2, 0.8: IoU 1 with G2, 40/160 = 0.25 with G1.
  //   t = 0.50: D1 takes G2 (the later of equal IoUs), D2 finds G2 taken: TP FP, recall .5 .5,
  //     precision 1 1/2 -> 51 levels of 1: AP = 51/101.
  //   t >= 0.55 (9): D1 FP, D2 TP: precision 0 1/2 -> monotone 1/2 1/2: AP = 25.5/101.
  //   AP = (51 + 9 * 25.5) / 1010 = 280.5/1010.
  MeanAveragePrecision map(1);
  map.add_image(std::vector<Box>{{0, 0, 10, 10}, {6, 0, 16, 10}},
                std::vector<Detection>{{{3, 0, 13, 10}, 0.9f}, {{6, 0, 16, 10}, 0.8f}});
  const DetectionMap r = map.result();
  EXPECT_NEAR(r.map_50, 51.0 / 101.0, kTolerance);
  EXPECT_NEAR(r.map_75, 25.5 / 101.0, kTolerance);
  EXPECT_NEAR(r.map_50_95, 280.5 / 1010.0, kTolerance);
}

TEST(MeanAveragePrecision, MaxDetectionsCutEachImagesClass) {
  // Truth (0,0,10,10); two far false positives (0.9, 0.8) before the true one (0.7).
  //   All three: FP FP TP: precision 0 0 1/3, monotone 1/3 everywhere: AP = 1/3.
  //   maxDets 2: the true detection is cut: AP 0.
  const std::vector<Box> truth = {{0, 0, 10, 10}};
  const std::vector<Detection> detections = {
      {{50, 50, 60, 60}, 0.9f}, {{70, 70, 80, 80}, 0.8f}, {{0, 0, 10, 10}, 0.7f}};
  MeanAveragePrecision all(1), two(1, 2);
  all.add_image(truth, detections);
  two.add_image(truth, detections);
  EXPECT_NEAR(all.result().map_50_95, 1.0 / 3.0, kTolerance);
  EXPECT_EQ(two.result().map_50_95, 0.0);
}

TEST(MeanAveragePrecision, EqualScoresRankTheEarlierImageFirst) {
  // Image 1: a true detection; image 2: a false one; both 0.5.
  //   TP first: precision 1 1/2, recall .5 .5 -> 51/101. FP first: monotone 1/2 1/2 -> 25.5/101.
  const std::vector<Box> truth = {{0, 0, 10, 10}};
  const std::vector<Detection> hit = {{{0, 0, 10, 10}, 0.5f}}, miss = {{{40, 40, 50, 50}, 0.5f}};
  MeanAveragePrecision hit_first(1), miss_first(1);
  hit_first.add_image(truth, hit);
  hit_first.add_image(truth, miss);
  miss_first.add_image(truth, miss);
  miss_first.add_image(truth, hit);
  EXPECT_NEAR(hit_first.result().map_50, 51.0 / 101.0, kTolerance);
  EXPECT_NEAR(miss_first.result().map_50, 25.5 / 101.0, kTolerance);
}

TEST(MeanAveragePrecisionErrors, BadLabelsNanScoresAndNoTruth) {
  MeanAveragePrecision map(2);
  try {
    map.add_image(std::vector<Box>{{0, 0, 1, 1, 2}}, {});
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(),
                 "detection truth box 0 of image 0 has label 2, not a class of 0..1; fix the dataset's "
                 "boxes or the model's classes");
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(map.add_image({}, std::vector<Detection>{{{0, 0, 1, 1, 0}, nan}}), UserError);
  EXPECT_THROW(map.add_image({}, std::vector<Detection>{{{0, 0, 1, 1, 2}, 0.5f}}), InternalError);
  map.add_image({}, std::vector<Detection>{{{0, 0, 1, 1, 0}, 0.5f}});
  EXPECT_EQ(map.images(), 1);
  EXPECT_THROW((void)map.result(), UserError);
  EXPECT_THROW(MeanAveragePrecision(0), InternalError);
  EXPECT_THROW(MeanAveragePrecision(1, 0), InternalError);
}

}  // namespace
}  // namespace hwnas::train

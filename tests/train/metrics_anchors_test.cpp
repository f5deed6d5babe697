// SSD default boxes, matching, training targets and the decoding of head outputs:
// hand-computed cases (tests/train/metrics_torchvision_test.cpp compares with torchvision).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/train/metrics/anchors.h"
#include "hwnas/train/metrics/ssd_decode.h"

namespace hwnas::train {
namespace {

void expect_box(const Box& box, double x0, double y0, double x1, double y1) {
  EXPECT_NEAR(box.x0, x0, 1e-3);
  EXPECT_NEAR(box.y0, y0, 1e-3);
  EXPECT_NEAR(box.x1, x1, 1e-3);
  EXPECT_NEAR(box.y1, y1, 1e-3);
}

TEST(DefaultBoxes, OneLevelUsesMinAndMaxRatio) {
  const std::vector<FeatureMapSize> levels = {{1, 1}};
  const std::vector<Box> anchors = default_boxes(levels, 100, 100);
  ASSERT_EQ(anchors.size(), 6u);
  EXPECT_EQ(anchors_per_location(), 6);
  // Scales [0.2, 0.95]; centre (0.5, 0.5); image 100 x 100.
  expect_box(anchors[0], 40, 40, 60, 60);                    // (0.2, 0.2)
  expect_box(anchors[1], 28.2055, 28.2055, 71.7945, 71.7945);  // s' = sqrt(0.2 * 0.95) = 0.435890
  expect_box(anchors[2], 35.8579, 42.9289, 64.1421, 57.0711);  // ratio 2: (0.2 sqrt2, 0.2 / sqrt2)
  expect_box(anchors[3], 42.9289, 35.8579, 57.0711, 64.1421);  // ratio 2 transposed
  expect_box(anchors[4], 32.6795, 44.2265, 67.3205, 55.7735);  // ratio 3: (0.346410, 0.115470)
  expect_box(anchors[5], 44.2265, 32.6795, 55.7735, 67.3205);
  EXPECT_EQ(anchors[0].label, -1);
}

TEST(DefaultBoxes, LevelsRowsColumnsThenAnchorsOnANonSquareImage) {
  const std::vector<FeatureMapSize> levels = {{2, 2}, {1, 1}};
  const std::vector<Box> anchors = default_boxes(levels, 64, 128);  // height 64, width 128
  ASSERT_EQ(anchors.size(), 30u);  // (2*2 + 1) * 6
  // Scales [0.2, 0.95, 1.0]. Level 0, (y 0, x 1), anchor 0 is number (0*2 + 1)*6 + 0 = 6:
  // centre (1.5/2, 0.5/2) = (0.75, 0.25), size 0.2 -> x 0.65..0.85 * 128, y 0.15..0.35 * 64.
  expect_box(anchors[6], 83.2, 9.6, 108.8, 22.4);
  // (y 1, x 0) anchor 1 is number 2*6 + 1 = 13: s' = sqrt(0.2 * 0.95) = 0.435890 around (0.25, 0.75).
  expect_box(anchors[13], (0.25 - 0.217945) * 128, (0.75 - 0.217945) * 64, (0.25 + 0.217945) * 128,
             (0.75 + 0.217945) * 64);
  // Level 1 starts at 24: size 0.95 around (0.5, 0.5).
  expect_box(anchors[24], 3.2, 1.6, 124.8, 62.4);
  // Its ratio-2 anchor: width 0.95 sqrt2 = 1.3435 clipped to 1, height 0.95 / sqrt2 = 0.671751.
  expect_box(anchors[26], 0, (0.5 - 0.3358757) * 64, 128, (0.5 + 0.3358757) * 64);
  AnchorSpec unclipped;
  unclipped.clip = false;
  expect_box(default_boxes(levels, 64, 128, unclipped)[26], (0.5 - 0.6717514) * 128, (0.5 - 0.3358757) * 64,
             (0.5 + 0.6717514) * 128, (0.5 + 0.3358757) * 64);
}

TEST(DefaultBoxes, BadSizesAreInternalErrors) {
  const std::vector<FeatureMapSize> none;
  EXPECT_THROW(default_boxes(none, 64, 64), InternalError);
  const std::vector<FeatureMapSize> empty_map = {{0, 2}};
  EXPECT_THROW(default_boxes(empty_map, 64, 64), InternalError);
}

// Anchors: A0 (0,0,10,10), A1 (5,0,15,10), A2 (20,0,30,10), A3 (40,40,50,50).
const std::vector<Box> kAnchors = {{0, 0, 10, 10}, {5, 0, 15, 10}, {20, 0, 30, 10}, {40, 40, 50, 50}};

TEST(MatchAnchors, ThresholdThenEachTruthsBestAnchor) {
  // T0 = A0 (IoU 1; with A1 50/150 = 1/3), T1 (21,0,31,10): IoU with A2 90/110 = 0.818,
  // T2 (44,44,60,60): IoU with A3 36/(100 + 256 - 36) = 0.1125, below 0.5 but its best.
  const std::vector<Box> truth = {{0, 0, 10, 10, 2}, {21, 0, 31, 10, 0}, {44, 44, 60, 60, 1}};
  EXPECT_EQ(match_anchors(truth, kAnchors), (std::vector<std::int32_t>{0, -1, 1, 2}));
  // At threshold 0.3, A1 (1/3 with T0) is matched too.
  EXPECT_EQ(match_anchors(truth, kAnchors, 0.3), (std::vector<std::int32_t>{0, 0, 1, 2}));
  EXPECT_EQ(match_anchors({}, kAnchors), (std::vector<std::int32_t>(4, -1)));
  EXPECT_TRUE(match_anchors(truth, {}).empty());
}

TEST(MatchAnchors, ALaterTruthWinsAnAnchorBothNeed) {
  // Both have A0 as best (IoU 1 and 0.9); A0's own best is U0, but U1 is forced last.
  const std::vector<Box> truth = {{0, 0, 10, 10}, {0, 0, 10, 9}};
  EXPECT_EQ(match_anchors(truth, kAnchors)[0], 1);
}

TEST(SsdTargets, ClassesAndCodesOfMatchedAnchors) {
  const std::vector<Box> truth = {{0, 0, 10, 10, 2}, {21, 0, 31, 10, 0}, {44, 44, 60, 60, 1}};
  const SsdTargets targets = ssd_targets(truth, kAnchors);
  EXPECT_EQ(targets.classes, (std::vector<std::int32_t>{3, 0, 1, 2}));  // label + 1; 0 background
  EXPECT_EQ(targets.positives, 3);
  ASSERT_EQ(targets.box_codes.size(), 16u);
  for (int j = 0; j < 8; ++j) EXPECT_FLOAT_EQ(targets.box_codes[j], 0.0f);  // A0 exact; A1 background
  // A2 centre (25, 5) -> T1 centre (26, 5), both 10 x 10: dx = 10 * 1 / 10 = 1.
  EXPECT_FLOAT_EQ(targets.box_codes[8], 1.0f);
  EXPECT_FLOAT_EQ(targets.box_codes[9], 0.0f);
  // A3 centre (45, 45), 10 x 10 -> T2 centre (52, 52), 16 x 16: dx = dy = 7, dw = dh = 5 ln 1.6.
  EXPECT_FLOAT_EQ(targets.box_codes[12], 7.0f);
  EXPECT_FLOAT_EQ(targets.box_codes[13], 7.0f);
  EXPECT_NEAR(targets.box_codes[14], 2.3500181f, 1e-6);
  EXPECT_THROW(ssd_targets(std::vector<Box>{{0, 0, 1, 1, -1}}, kAnchors), UserError);
}

TEST(DecodeSsd, SoftmaxThresholdNmsAndClipping) {
  // One 1x1 level, 2 classes (background, object), image 100 x 100: the six anchors of
  // DefaultBoxes.OneLevelUsesMinAndMaxRatio. Codes are zero (box = anchor) except anchor 1's
  // dw = 5 ln 3 (width x3: 43.589 * 3 = 130.77 around 50, clipped to 0..100).
  const std::vector<FeatureMapSize> sizes = {{1, 1}};
  const std::vector<Box> anchors = default_boxes(sizes, 100, 100);
  std::vector<float> codes(24, 0.0f);
  codes[1 * 4 + 2] = 5.0f * std::log(3.0f);
  // Channel a*2 + c: background logit 0, object logit v_a; P(object) = 1 / (1 + exp(-v_a)):
  //   a0: v 2 -> 0.880797, a1: v 0 -> 0.5, a3: v 1 -> 0.731059, a2, a4, a5: v -10 -> 4.5e-5 < 0.001
  const std::vector<float> logits = {0, 2, 0, 0, 0, -10, 0, 1, 0, -10, 0, -10};
  const std::vector<SsdLevelOutput> outputs = {{codes, logits, {1, 1}}};
  const std::vector<Detection> detections = decode_ssd(outputs, anchors, 2, 100, 100);
  // NMS at 0.55: a3 vs a0: intersection 14.142 * 20 = 282.84, union 400 + 400 - 282.84:
  // IoU 0.5469, kept; a1 vs a0: 400 / (100 * 43.589) = 0.092, kept.
  ASSERT_EQ(detections.size(), 3u);
  EXPECT_NEAR(detections[0].score, 0.880797, 1e-6);
  expect_box(detections[0].box, 40, 40, 60, 60);
  EXPECT_NEAR(detections[1].score, 0.731059, 1e-6);
  expect_box(detections[1].box, 42.9289, 35.8579, 57.0711, 64.1421);
  EXPECT_NEAR(detections[2].score, 0.5, 1e-6);
  expect_box(detections[2].box, 0, 28.2055, 100, 71.7945);
  for (const Detection& d : detections) EXPECT_EQ(d.box.label, 0);  // class 1 - 1
  SsdDecodeOptions strict;
  strict.nms_iou_threshold = 0.5;  // 0.5469 > 0.5: a3 suppressed
  EXPECT_EQ(decode_ssd(outputs, anchors, 2, 100, 100, strict).size(), 2u);
  strict.detections_per_image = 1;
  EXPECT_EQ(decode_ssd(outputs, anchors, 2, 100, 100, strict).size(), 1u);
  SsdDecodeOptions few;
  few.candidates_per_class = 2;  // a0 and a3 only
  EXPECT_EQ(decode_ssd(outputs, anchors, 2, 100, 100, few).size(), 2u);
}

TEST(DecodeSsd, SizesThatDisagreeWithTheAnchorsAreInternalErrors) {
  const std::vector<FeatureMapSize> sizes = {{1, 1}};
  const std::vector<Box> anchors = default_boxes(sizes, 100, 100);
  const std::vector<float> codes(24, 0.0f), logits(12, 0.0f), short_logits(10, 0.0f);
  const std::vector<SsdLevelOutput> too_few_logits = {{codes, short_logits, {1, 1}}};
  EXPECT_THROW(decode_ssd(too_few_logits, anchors, 2, 100, 100), InternalError);
  const std::vector<SsdLevelOutput> two_levels = {{codes, logits, {1, 1}}, {codes, logits, {1, 1}}};
  EXPECT_THROW(decode_ssd(two_levels, anchors, 2, 100, 100), InternalError);
  const std::vector<SsdLevelOutput> one_level = {{codes, logits, {1, 1}}};
  EXPECT_THROW(decode_ssd(one_level, std::span<const Box>(anchors).first(5), 2, 100, 100), InternalError);
}

}  // namespace
}  // namespace hwnas::train

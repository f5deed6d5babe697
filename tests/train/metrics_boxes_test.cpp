// Box IoU, the SSD box coder and per-class NMS: hand-computed cases.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/train/metrics/boxes.h"

namespace hwnas::train {
namespace {

TEST(BoxIou, HandComputed) {
  EXPECT_DOUBLE_EQ(box_iou({0, 0, 2, 2}, {1, 1, 3, 3}), 1.0 / 7.0);    // 1 / (4 + 4 - 1)
  EXPECT_DOUBLE_EQ(box_iou({0, 0, 4, 4}, {1, 1, 3, 3}), 0.25);         // 4 / 16 (contained)
  EXPECT_DOUBLE_EQ(box_iou({0, 0, 2, 2, 0}, {0, 0, 2, 2, 5}), 1.0);    // labels ignored
  EXPECT_DOUBLE_EQ(box_iou({0, 0, 2, 2}, {2, 0, 4, 2}), 0.0);          // touching edges
  EXPECT_DOUBLE_EQ(box_iou({0, 0, 2, 2}, {5, 5, 6, 6}), 0.0);          // apart
  EXPECT_DOUBLE_EQ(box_iou({1, 1, 1, 1}, {1, 1, 1, 1}), 0.0);          // zero area
}

TEST(BoxCoder, EncodesAndDecodesWithWeights10_10_5_5) {
  const Box anchor{0, 0, 10, 20};  // centre (5, 10), 10 x 20
  // Truth (0, 0, 20, 10): centre (10, 5), 20 x 10.
  //   dx = 10 * (10 - 5) / 10 = 5, dy = 10 * (5 - 10) / 20 = -2.5,
  //   dw = 5 * ln(20 / 10) = 3.4657359, dh = 5 * ln(10 / 20) = -3.4657359
  const Box truth{0, 0, 20, 10, 4};
  const std::array<float, 4> code = encode_box(truth, anchor);
  EXPECT_FLOAT_EQ(code[0], 5.0f);
  EXPECT_FLOAT_EQ(code[1], -2.5f);
  EXPECT_NEAR(code[2], 3.4657359f, 1e-6);
  EXPECT_NEAR(code[3], -3.4657359f, 1e-6);
  const Box back = decode_box(code, anchor);
  EXPECT_NEAR(back.x0, 0, 1e-5);
  EXPECT_NEAR(back.y0, 0, 1e-5);
  EXPECT_NEAR(back.x1, 20, 1e-5);
  EXPECT_NEAR(back.y1, 10, 1e-5);
  // Shifted by (2, 4), same size: (10 * 2 / 10, 10 * 4 / 20, 0, 0).
  const std::array<float, 4> shifted = encode_box({2, 4, 12, 24}, anchor);
  EXPECT_FLOAT_EQ(shifted[0], 2.0f);
  EXPECT_FLOAT_EQ(shifted[1], 2.0f);
  EXPECT_FLOAT_EQ(shifted[2], 0.0f);
  EXPECT_FLOAT_EQ(shifted[3], 0.0f);
  // Other weights: (1, 1, 1, 1) gives (0.2, 0.2, 0, 0).
  const std::array<float, 4> unweighted = encode_box({2, 4, 12, 24}, anchor, {1, 1, 1, 1});
  EXPECT_FLOAT_EQ(unweighted[0], 0.2f);
  EXPECT_FLOAT_EQ(unweighted[1], 0.2f);
}

TEST(BoxCoder, DecodingClampsTheScaleAtLog1000Over16) {
  const Box anchor{0, 0, 10, 10, 7};
  // dw / 5 = 20 > ln(62.5): width 62.5 * 10 = 625 around centre 5; dh / 5 = 0: height 10.
  const std::array<float, 4> code = {0, 0, 100, 0};
  const Box box = decode_box(code, anchor);
  EXPECT_NEAR(box.x0, 5 - 312.5, 1e-3);
  EXPECT_NEAR(box.x1, 5 + 312.5, 1e-3);
  EXPECT_NEAR(box.y0, 0, 1e-5);
  EXPECT_EQ(box.label, 7);
}

TEST(BatchedNms, SuppressesWithinAClassAboveTheThreshold) {
  const std::vector<Detection> detections = {
      {{0, 0, 10, 10, 0}, 0.9f},    // 0: kept
      {{1, 0, 11, 10, 0}, 0.8f},    // 1: IoU with 0 = 90 / 110 = 0.818 > 0.5: suppressed
      {{1, 0, 11, 10, 1}, 0.7f},    // 2: the same box in class 1: kept
      {{20, 20, 30, 30, 0}, 0.95f}, // 3: kept, first
      {{5, 0, 15, 10, 0}, 0.6f},    // 4: IoU with 0 = 50 / 150 = 1/3 <= 1/3: kept (strict >)
  };
  EXPECT_EQ(batched_nms(detections, 0.5), (std::vector<std::size_t>{3, 0, 2, 4}));
  EXPECT_EQ(batched_nms(detections, 50.0 / 150.0), (std::vector<std::size_t>{3, 0, 2, 4}));
  EXPECT_EQ(batched_nms(detections, 0.3), (std::vector<std::size_t>{3, 0, 2}));  // 1/3 > 0.3
  EXPECT_EQ(batched_nms(detections, 0.9), (std::vector<std::size_t>{3, 0, 1, 2, 4}));
  // Stopped at max_kept: the first of the full result (the suppressed 1 counts for nothing).
  EXPECT_EQ(batched_nms(detections, 0.5, 3), (std::vector<std::size_t>{3, 0, 2}));
  EXPECT_EQ(batched_nms(detections, 0.9, 3), (std::vector<std::size_t>{3, 0, 1}));
  EXPECT_TRUE(batched_nms(detections, 0.5, 0).empty());
}

TEST(BatchedNms, EqualScoresKeepTheLowerIndexFirst) {
  const std::vector<Detection> detections = {{{0, 0, 10, 10, 0}, 0.5f}, {{0, 0, 10, 10, 0}, 0.5f},
                                             {{50, 50, 60, 60, 0}, 0.5f}};
  EXPECT_EQ(batched_nms(detections, 0.5), (std::vector<std::size_t>{0, 2}));
  EXPECT_TRUE(batched_nms({}, 0.5).empty());
  const std::vector<Detection> nan_score = {{{0, 0, 1, 1, 0}, std::numeric_limits<float>::quiet_NaN()}};
  EXPECT_THROW(batched_nms(nan_score, 0.5), InternalError);
}

}  // namespace
}  // namespace hwnas::train

// Confusion matrix, per-class IoU, mIoU and pixel accuracy: hand-computed cases, the
// ignore value, absent classes, argmax of logits, errors.
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/train/metrics/segmentation.h"

namespace hwnas::train {
namespace {

// One 2x4 image, classes 0..2; the last pixel is ignored (255).
//   truth      0 0 0 1 | 1 1 2 255
//   predicted  0 1 0 1 | 1 2 2 0
// Matrix [truth][predicted]: row 0 = [2 1 0], row 1 = [0 2 1], row 2 = [0 0 1]; 7 pixels.
const std::vector<std::uint8_t> kTruth = {0, 0, 0, 1, 1, 1, 2, 255};
const std::vector<std::int32_t> kPredicted = {0, 1, 0, 1, 1, 2, 2, 0};

TEST(ConfusionMatrix, HandComputedIouAndPixelAccuracy) {
  ConfusionMatrix m(3);
  m.add(kPredicted, kTruth);
  EXPECT_EQ(m.pixels(), 7);
  EXPECT_EQ(m.count(0, 0), 2);
  EXPECT_EQ(m.count(0, 1), 1);
  EXPECT_EQ(m.count(1, 2), 1);
  EXPECT_EQ(m.count(2, 0), 0);
  EXPECT_DOUBLE_EQ(*m.iou(0), 2.0 / 3.0);  // TP 2 / (row 3 + column 2 - 2)
  EXPECT_DOUBLE_EQ(*m.iou(1), 0.5);        // TP 2 / (row 3 + column 3 - 2)
  EXPECT_DOUBLE_EQ(*m.iou(2), 0.5);        // TP 1 / (row 1 + column 2 - 1)
  EXPECT_DOUBLE_EQ(m.mean_iou(), 5.0 / 9.0);  // (2/3 + 1/2 + 1/2) / 3 = (10/6) / 3
  EXPECT_EQ(m.classes_in_mean(), 3);
  EXPECT_DOUBLE_EQ(m.pixel_accuracy(), 5.0 / 7.0);  // (2 + 2 + 1) / 7
}

TEST(ConfusionMatrix, AbsentClassesLeaveTheMeanAndBatchesAccumulate) {
  ConfusionMatrix m(4);
  m.add(kPredicted, kTruth);
  EXPECT_FALSE(m.iou(3).has_value());  // class 3 in neither truth nor prediction
  EXPECT_EQ(m.classes_in_mean(), 3);
  EXPECT_DOUBLE_EQ(m.mean_iou(), 5.0 / 9.0);  // as with 3 classes
  // Second batch: truth [3 3], predicted [3 0] -> row 3 = [1 0 0 1]; column 0 = 3.
  m.add(std::vector<std::int32_t>{3, 0}, std::vector<std::uint8_t>{3, 3});
  EXPECT_DOUBLE_EQ(*m.iou(0), 0.5);  // 2 / (3 + 3 - 2)
  EXPECT_DOUBLE_EQ(*m.iou(3), 0.5);  // 1 / (2 + 1 - 1)
  EXPECT_DOUBLE_EQ(m.mean_iou(), 0.5);  // (1/2 + 1/2 + 1/2 + 1/2) / 4
  EXPECT_DOUBLE_EQ(m.pixel_accuracy(), 6.0 / 9.0);
}

TEST(ConfusionMatrix, AClassOnlyPredictedCountsWithIouZero) {
  ConfusionMatrix m(2);
  m.add(std::vector<std::int32_t>{1, 1}, std::vector<std::uint8_t>{0, 0});
  EXPECT_DOUBLE_EQ(*m.iou(0), 0.0);  // 0 / (2 + 0 - 0)
  EXPECT_DOUBLE_EQ(*m.iou(1), 0.0);  // 0 / (0 + 2 - 0)
  EXPECT_DOUBLE_EQ(m.mean_iou(), 0.0);
}

TEST(ConfusionMatrix, LogitsTakeTheArgmaxTiesToTheLowerClass) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // [N=1, K=3, H=1, W=3], planes by class:
  //   pixel 0: (0.1, 0.9, 0.2) -> 1; pixel 1: (1, 1, 0) -> 0 (tie); pixel 2: (NaN, -5, -6) -> 1
  const std::vector<float> logits = {0.1f, 1.0f, nan, 0.9f, 1.0f, -5.0f, 0.2f, 0.0f, -6.0f};
  ConfusionMatrix m(3);
  m.add_logits(logits, std::vector<std::uint8_t>{1, 0, 2}, 1, 1, 3);
  EXPECT_EQ(m.count(1, 1), 1);
  EXPECT_EQ(m.count(0, 0), 1);
  EXPECT_EQ(m.count(2, 1), 1);
  EXPECT_DOUBLE_EQ(m.mean_iou(), 0.5);  // (1/1 + 1/2 + 0/1) / 3
  EXPECT_DOUBLE_EQ(m.pixel_accuracy(), 2.0 / 3.0);
}

TEST(ConfusionMatrixErrors, MaskValueOutsideTheClassesIsAUserError) {
  ConfusionMatrix m(3);
  try {
    m.add(std::vector<std::int32_t>{0, 0}, std::vector<std::uint8_t>{0, 7});
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(),
                 "segmentation mask value 7 at pixel 1 of the batch is not a class of 0..2 nor the "
                 "ignore value 255; fix the masks or the model's classes");
  }
}

TEST(ConfusionMatrixErrors, BadPredictionsAndShapesAreInternalErrors) {
  ConfusionMatrix m(3);
  EXPECT_THROW(m.add(std::vector<std::int32_t>{3}, std::vector<std::uint8_t>{0}), InternalError);
  EXPECT_THROW(m.add(std::vector<std::int32_t>{0, 0}, std::vector<std::uint8_t>{0}), InternalError);
  EXPECT_THROW(m.add_logits(std::vector<float>(8), std::vector<std::uint8_t>(3), 1, 1, 3), InternalError);
  EXPECT_THROW(ConfusionMatrix(0), InternalError);
  EXPECT_THROW(ConfusionMatrix(255), InternalError);
}

TEST(ConfusionMatrixErrors, NoPixelIsUndefined) {
  ConfusionMatrix m(3);
  m.add(std::vector<std::int32_t>{0}, std::vector<std::uint8_t>{255});
  EXPECT_EQ(m.pixels(), 0);
  EXPECT_THROW((void)m.mean_iou(), UserError);
  EXPECT_THROW((void)m.pixel_accuracy(), UserError);
}

}  // namespace
}  // namespace hwnas::train

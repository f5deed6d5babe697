// Top-1/top-5 accuracy: hand-computed cases, the tie and NaN rules, batches, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/train/metrics/classification.h"

namespace hwnas::train {
namespace {

TEST(TopKAccuracy, HandComputedBatchesAccumulate) {
  TopKAccuracy accuracy(6);
  // image 0, label 1: 2.0 is the highest score        -> rank 0: top-1 and top-5 correct
  // image 1, label 2: only 3.0 (class 0) beats 2.0    -> rank 1: top-5 only
  // image 2, label 5: all five other classes beat 0   -> rank 5: neither
  // image 3, label 1: ties with classes 0 and 2 at 1; class 0 comes first -> rank 1: top-5 only
  const std::vector<float> logits = {0.1f, 2.0f, 0.3f, -1.0f, 0.5f, 0.0f,
                                     3.0f, 1.0f, 2.0f, 0.0f, -1.0f, 0.5f,
                                     5.0f, 4.0f, 3.0f, 2.0f, 1.0f, 0.0f,
                                     1.0f, 1.0f, 1.0f, 0.0f, 0.0f, 0.0f};
  accuracy.add(logits, std::vector<std::int32_t>{1, 2, 5, 1});
  EXPECT_EQ(accuracy.images(), 4);
  EXPECT_EQ(accuracy.top1_correct(), 1);
  EXPECT_EQ(accuracy.top5_correct(), 3);
  EXPECT_DOUBLE_EQ(accuracy.top1(), 0.25);  // 1/4
  EXPECT_DOUBLE_EQ(accuracy.top5(), 0.75);  // 3/4
  // Second batch: all scores equal, label 0 -> rank 0 (no lower index): both correct.
  accuracy.add(std::vector<float>(6, 0.0f), std::vector<std::int32_t>{0});
  EXPECT_DOUBLE_EQ(accuracy.top1(), 0.4);  // 2/5
  EXPECT_DOUBLE_EQ(accuracy.top5(), 0.8);  // 4/5
}

TEST(TopKAccuracy, TiesGoToTheLowerClassIndex) {
  const std::vector<float> equal(6, 1.0f);
  for (std::int32_t label = 0; label < 6; ++label) EXPECT_EQ(rank_of_label(equal, label), label);
  TopKAccuracy accuracy(6);
  accuracy.add(equal, std::vector<std::int32_t>{5});  // rank 5: not in the top 5
  EXPECT_EQ(accuracy.top5_correct(), 0);
}

TEST(TopKAccuracy, NanRanksBelowEveryNumber) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> scores = {nan, 0.5f, 0.2f, -std::numeric_limits<float>::infinity(), nan};
  EXPECT_EQ(rank_of_label(scores, 1), 0);  // NaNs do not count as higher
  EXPECT_EQ(rank_of_label(scores, 2), 1);  // 0.5 is higher
  EXPECT_EQ(rank_of_label(scores, 3), 2);  // -inf: after 0.5 and 0.2
  EXPECT_EQ(rank_of_label(scores, 0), 3);  // NaN: after the three numbers
  EXPECT_EQ(rank_of_label(scores, 4), 4);  // NaN: after them and the NaN of lower index
}

TEST(TopKAccuracy, FewerThanFiveClassesMakesTopFiveAlwaysCorrect) {
  TopKAccuracy accuracy(3);
  accuracy.add(std::vector<float>{3, 2, 1, 1, 2, 3}, std::vector<std::int32_t>{2, 2});
  EXPECT_DOUBLE_EQ(accuracy.top1(), 0.5);  // image 0: rank 2; image 1: rank 0
  EXPECT_DOUBLE_EQ(accuracy.top5(), 1.0);
}

TEST(TopKAccuracyErrors, LabelOutsideTheClassesIsAUserError) {
  TopKAccuracy accuracy(6);
  try {
    accuracy.add(std::vector<float>(12, 0.0f), std::vector<std::int32_t>{0, 6});
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(),
                 "classification label 6 of image 1 of the batch is not a class of 0..5; fix the "
                 "dataset's labels or the model's classes");
  }
  EXPECT_THROW(accuracy.add(std::vector<float>(6, 0.0f), std::vector<std::int32_t>{-1}), UserError);
  EXPECT_EQ(accuracy.images(), 0);
}

TEST(TopKAccuracyErrors, ShapeMismatchIsAnInternalError) {
  TopKAccuracy accuracy(6);
  EXPECT_THROW(accuracy.add(std::vector<float>(7, 0.0f), std::vector<std::int32_t>{0}), InternalError);
  EXPECT_THROW(TopKAccuracy(0), InternalError);
}

TEST(TopKAccuracyErrors, NoImageIsUndefined) {
  const TopKAccuracy accuracy(10);
  EXPECT_THROW((void)accuracy.top1(), UserError);
  EXPECT_THROW((void)accuracy.top5(), UserError);
}

}  // namespace
}  // namespace hwnas::train

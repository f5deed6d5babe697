// Segmentation's loss and evaluation (tasks/segmentation_task.h): hand-computed cases, the
// resize of a smaller output, ignored pixels, and a network whose loss falls under SGD.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/space/models.h"
#include "hwnas/train/network.h"
#include "hwnas/train/tasks/segmentation_task.h"
#include "hwnas/train/tasks/task_heads.h"
#include "task_support.h"

namespace hwnas::train {
namespace {

TEST(SegmentationLoss, IsTheMeanCrossEntropyOfTheCountedPixels) {
  // 1 image, 2 classes, 1x2 logits; masks 1x2: class 1, then an ignored pixel.
  const torch::Tensor logits = torch::tensor({0.0f, 3.0f, 2.0f, -1.0f}).view({1, 2, 1, 2});
  const torch::Tensor masks = torch::tensor({std::int64_t{1}, std::int64_t{255}}).view({1, 1, 2});
  const double expected = std::log(std::exp(0.0) + std::exp(2.0)) - 2.0;  // pixel 0: logits (0, 2), class 1
  EXPECT_NEAR(segmentation_loss(logits, masks).item<double>(), expected, 1e-6);
}

TEST(SegmentationLoss, ASmallerOutputIsResizedBilinearlyToTheMasks) {
  // A 1x1 map resized to 2x2 is constant: every pixel's loss is the same.
  const torch::Tensor logits = torch::tensor({1.0f, 0.0f}).view({1, 2, 1, 1});
  const torch::Tensor masks = torch::tensor({std::int64_t{0}, std::int64_t{1}, std::int64_t{1}, std::int64_t{1}}).view({1, 2, 2});
  const double to_0 = std::log(std::exp(1.0) + 1.0) - 1.0, to_1 = std::log(std::exp(1.0) + 1.0);
  EXPECT_NEAR(segmentation_loss(logits, masks).item<double>(), (to_0 + 3 * to_1) / 4, 1e-6);
  // Half-pixel centres: a 1x2 row (0, 4) at width 4 is (0, 1, 3, 4), as F.interpolate gives.
  const torch::Tensor row = logits_at(torch::tensor({0.0f, 4.0f}).view({1, 1, 1, 2}), 1, 4);
  EXPECT_TRUE(torch::allclose(row.flatten(), torch::tensor({0.0f, 1.0f, 3.0f, 4.0f})));
}

TEST(SegmentationLoss, AMaskClassTheSegmenterDoesNotScoreIsAUserError) {
  const torch::Tensor logits = torch::zeros({1, 2, 1, 1});
  const torch::Tensor masks = torch::full({1, 1, 1}, 3, torch::kInt64);
  try {
    segmentation_loss(logits, masks);
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("classes=4"), std::string::npos) << e.what();
  }
}

TEST(AddSegmentation, CountsTheArgmaxOfTheResizedMap) {
  // 2 classes, a 1x2 map (class 1 wins left, class 0 right) at 2x4 against masks.
  const torch::Tensor logits = torch::tensor({0.0f, 0.0f, 1.0f, -1.0f}).view({1, 2, 1, 2});
  const std::vector<std::uint8_t> masks = {1, 1, 0, 0, 1, 0, 0, 255};
  ConfusionMatrix m(2);
  add_segmentation(m, logits, masks, 2, 4);
  // Resized class-1 logits per column: 1, 0.5, -0.5, -1: predicted 1, 1, 0, 0 on both rows.
  EXPECT_EQ(m.count(1, 1), 3);
  EXPECT_EQ(m.count(0, 1), 1);
  EXPECT_EQ(m.count(0, 0), 3);
  EXPECT_EQ(m.pixels(), 7);
}

TEST(SegmentationLoss, FallsUnderAFewSgdStepsOnTinyScenes) {
  torch::set_num_threads(1);
  const ImageSet scenes = testing::hand_scenes(8);
  Batch batch = testing::first_images(scenes, 8);
  const torch::Tensor images = testing::images_of(batch), masks = mask_tensor(batch);
  Network net(space::load_model("lraspp_mobilenet_v2:width=0.25,res=64,in_ch=1,classes=11"), 3);
  check_segmenter(net->graph(), 11);
  torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.02).momentum(0.9));
  std::vector<double> losses;
  for (int step = 0; step < 8; ++step) {
    const torch::Tensor loss = segmentation_loss(net->forward(images).at(0), masks);
    losses.push_back(loss.item<double>());
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  }
  EXPECT_LT(losses.back(), 0.8 * losses.front()) << "first " << losses.front() << ", last " << losses.back();
}

}  // namespace
}  // namespace hwnas::train

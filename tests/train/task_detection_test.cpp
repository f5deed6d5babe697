// SSD's loss and evaluation (tasks/detection_task.h): hand-computed cases, torchvision 0.14's
// own SSD.compute_loss on seeded random outputs (tests/train/ssd_loss_reference.py), and a
// network whose loss falls under a few SGD steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/space/models.h"
#include "hwnas/train/network.h"
#include "hwnas/train/tasks/detection_task.h"
#include "support/python_json.h"
#include "support/resources.h"
#include "task_support.h"

namespace hwnas::train {
namespace {

using nlohmann::json;

// One level 1x4, 2 anchors per location, 2 object classes + background, a 100-pixel
// image; anchor x·2 + a is a disjoint box (no two overlap).
SsdHeadLayout hand_layout() {
  SsdHeadLayout layout;
  layout.levels = {{0, 1, {1, 4}}};
  layout.anchors_per_location = 2;
  layout.classes = 3;
  layout.image_size = 100;
  for (int i = 0; i < 8; ++i) layout.anchors.push_back({10.0f * i, 0, 10.0f * i + 8, 8, -1});
  return layout;
}

// Logits per anchor (3 classes) and codes per anchor (4) as the head's maps [1, A·K, 1, 4].
std::vector<torch::Tensor> hand_outputs(const std::vector<std::array<float, 4>>& codes,
                                        const std::vector<std::array<float, 3>>& logits) {
  torch::Tensor boxes = torch::zeros({1, 8, 1, 4}), classes = torch::zeros({1, 6, 1, 4});
  for (int anchor = 0; anchor < 8; ++anchor) {
    const int x = anchor / 2, a = anchor % 2;
    for (int j = 0; j < 4; ++j) boxes[0][a * 4 + j][0][x] = codes[static_cast<std::size_t>(anchor)][j];
    for (int c = 0; c < 3; ++c) classes[0][a * 3 + c][0][x] = logits[static_cast<std::size_t>(anchor)][c];
  }
  return {boxes, classes};
}

double cross_entropy(const std::array<float, 3>& logits, int target) {
  double sum = 0;
  for (const float v : logits) sum += std::exp(double{v});
  return std::log(sum) - logits[static_cast<std::size_t>(target)];
}

double smooth_l1(double d) { return std::abs(d) < 1 ? 0.5 * d * d : std::abs(d) - 0.5; }

TEST(SsdLoss, OneMatchedAnchorGivesItsSmoothL1AndTheThreeHardestNegatives) {
  const SsdHeadLayout layout = hand_layout();
  std::vector<std::array<float, 4>> codes(8, {0.3f, 0.3f, 0.3f, 0.3f});
  codes[5] = {0.5f, -2.0f, 0.1f, 3.0f};  // the positive's: target code 0 (the truth is the anchor)
  std::vector<std::array<float, 3>> logits(8);
  for (int i = 0; i < 8; ++i) logits[static_cast<std::size_t>(i)] = {0.1f * i, 0.5f - 0.2f * i, 0.2f};
  logits[5] = {1.0f, -1.0f, 0.5f};
  const std::vector<std::vector<Box>> truth = {{{50, 0, 58, 8, 1}}};  // anchor 5, class 1 → target 2
  const SsdLoss loss = ssd_loss(layout, hand_outputs(codes, logits), truth);

  EXPECT_EQ(loss.positives, 1);
  EXPECT_EQ(loss.negatives, 3);
  EXPECT_NEAR(loss.box_regression.item<double>(), smooth_l1(0.5) + smooth_l1(-2) + smooth_l1(0.1) + smooth_l1(3), 1e-6);
  std::vector<double> negatives;
  for (int i = 0; i < 8; ++i)
    if (i != 5) negatives.push_back(cross_entropy(logits[static_cast<std::size_t>(i)], 0));
  std::sort(negatives.rbegin(), negatives.rend());
  const double expected = cross_entropy(logits[5], 2) + negatives[0] + negatives[1] + negatives[2];
  EXPECT_NEAR(loss.classification.item<double>(), expected, 1e-5);
  EXPECT_NEAR(loss.total.item<double>(), loss.box_regression.item<double>() + expected, 1e-5);
}

TEST(SsdLoss, AnImageWithoutObjectsAddsNoNegativesAndNothingIsDividedByZero) {
  const SsdHeadLayout layout = hand_layout();
  std::vector<std::array<float, 3>> logits(8, {0.0f, 1.0f, 2.0f});
  const std::vector<std::vector<Box>> truth = {{}};
  const SsdLoss loss = ssd_loss(layout, hand_outputs(std::vector<std::array<float, 4>>(8), logits), truth);
  EXPECT_EQ(loss.positives, 0);
  EXPECT_EQ(loss.negatives, 0);
  EXPECT_EQ(loss.total.item<double>(), 0.0);
}

TEST(SsdLoss, ALabelTheHeadCannotScoreIsAUserError) {
  const SsdHeadLayout layout = hand_layout();
  const std::vector<std::vector<Box>> truth = {{{50, 0, 58, 8, 2}}};
  try {
    ssd_loss(layout, hand_outputs(std::vector<std::array<float, 4>>(8), std::vector<std::array<float, 3>>(8)), truth);
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("box of class 2"), std::string::npos) << e.what();
  }
}

TEST(SsdLoss, EqualsTorchvisionsComputeLossOnRandomOutputs) {
  const ::hwnas::testing::PythonJson ref =
      ::hwnas::testing::run_python_json("tests/train/ssd_loss_reference.py", "python3-torchvision, as scripts/setup.sh does");
  ASSERT_TRUE(ref.failure.empty()) << ref.failure;
  if (!ref.skip.empty()) HWNAS_MISSING_RESOURCE(ref.skip);
  const json& doc = ref.doc;
  SsdHeadLayout layout;
  layout.anchors_per_location = 6;
  layout.classes = doc["classes"].get<int>();
  layout.image_size = doc["image"].get<int>();
  std::vector<FeatureMapSize> sizes;
  std::vector<torch::Tensor> outputs;
  const std::int64_t n = static_cast<std::int64_t>(doc["truth"].size());
  for (std::size_t l = 0; l < doc["levels"].size(); ++l) {
    const FeatureMapSize size{doc["levels"][l][0].get<int>(), doc["levels"][l][1].get<int>()};
    sizes.push_back(size);
    layout.levels.push_back({static_cast<std::int32_t>(2 * l), static_cast<std::int32_t>(2 * l + 1), size});
    for (const char* key : {"box_maps", "class_maps"}) {
      std::vector<float> values = doc[key][l].get<std::vector<float>>();
      const std::int64_t channels = static_cast<std::int64_t>(values.size()) / (n * size.height * size.width);
      outputs.push_back(torch::from_blob(values.data(), {n, channels, size.height, size.width}, torch::kFloat32).clone());
    }
  }
  layout.anchors = default_boxes(sizes, layout.image_size, layout.image_size);
  ASSERT_EQ(layout.anchors.size(), doc["anchors"].size());
  for (std::size_t i = 0; i < layout.anchors.size(); ++i)  // our anchors are torchvision's
    ASSERT_NEAR(layout.anchors[i].x1, doc["anchors"][i][2].get<double>(), 1e-4) << i;
  std::vector<std::vector<Box>> truth;
  for (const json& image : doc["truth"]) {
    truth.emplace_back();
    for (const json& b : image)
      truth.back().push_back({b[0].get<float>(), b[1].get<float>(), b[2].get<float>(), b[3].get<float>(), b[4].get<int>()});
  }
  const SsdLoss loss = ssd_loss(layout, outputs, truth);
  EXPECT_EQ(loss.positives, doc["positives"].get<std::int64_t>());
  const double box = doc["box_regression"].get<double>(), cls = doc["classification"].get<double>();
  EXPECT_NEAR(loss.box_regression.item<double>(), box, 1e-5 * box);
  EXPECT_NEAR(loss.classification.item<double>(), cls, 1e-5 * cls);
}

TEST(SsdEvaluator, AConfidentExactAnchorIsAPerfectDetection) {
  const SsdHeadLayout layout = hand_layout();
  std::vector<std::array<float, 3>> logits(8, {5.0f, 0.0f, 0.0f});
  logits[5] = {0.0f, 0.0f, 8.0f};
  const std::vector<std::vector<Box>> truth = {{{50, 0, 58, 8, 1}}};
  SsdEvaluator evaluator(layout);
  evaluator.add(hand_outputs(std::vector<std::array<float, 4>>(8), logits), truth);
  EXPECT_EQ(evaluator.images(), 1);
  EXPECT_DOUBLE_EQ(evaluator.result().map_50, 1.0);
  EXPECT_DOUBLE_EQ(evaluator.result().map_50_95, 1.0);

  logits[5] = {0.0f, 8.0f, 0.0f};  // the right box, the wrong class
  SsdEvaluator wrong(layout);
  wrong.add(hand_outputs(std::vector<std::array<float, 4>>(8), logits), truth);
  EXPECT_DOUBLE_EQ(wrong.result().map_50, 0.0);
}

TEST(SsdLoss, FallsUnderAFewSgdStepsOnTinyScenes) {
  torch::set_num_threads(1);
  const ImageSet scenes = testing::hand_scenes(8);
  Batch batch = testing::first_images(scenes, 8);
  const torch::Tensor images = testing::images_of(batch);
  Network net(space::load_model("ssdlite_mobilenet_v2:width=0.25,res=64,in_ch=1,classes=11"), 3);
  const SsdHeadLayout layout = ssd_head_layout(net->graph(), 10);
  torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.02).momentum(0.9));
  std::vector<double> losses;
  for (int step = 0; step < 8; ++step) {
    const SsdLoss loss = ssd_loss(layout, net->forward(images), batch.boxes);
    ASSERT_GT(loss.positives, 0);
    losses.push_back(loss.total.item<double>());
    sgd.zero_grad();
    loss.total.backward();
    sgd.step();
  }
  EXPECT_LT(losses.back(), 0.8 * losses.front()) << "first " << losses.front() << ", last " << losses.back();
}

}  // namespace
}  // namespace hwnas::train

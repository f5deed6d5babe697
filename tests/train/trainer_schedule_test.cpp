// The trainer's torch-free parts: the learning-rate schedule, the subset and epoch orders,
// and the options' checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/train/sampling.h"
#include "hwnas/train/schedule.h"
#include "hwnas/train/train_options.h"

namespace hwnas::train {
namespace {

TEST(CosineSchedule, WarmsUpLinearlyThenFollowsTheCosine) {
  const CosineSchedule s{0.4, 0.0, 10, 2};
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.2);  // 0.4 · 1/2
  EXPECT_DOUBLE_EQ(s.lr_at(1), 0.4);  // end of the warm-up
  EXPECT_DOUBLE_EQ(s.lr_at(2), 0.4);  // cos(0)
  // step 6: progress (6-2)/8 = 1/2, cos(π/2) = 0 -> half the peak.
  EXPECT_NEAR(s.lr_at(6), 0.2, 1e-12);
  // last step: progress 7/8 -> 0.4 · (1 + cos(7π/8)) / 2.
  EXPECT_NEAR(s.lr_at(9), 0.4 * (1 + std::cos(7 * std::numbers::pi / 8)) / 2, 1e-12);
  for (std::int64_t step = 2; step + 1 < 10; ++step) EXPECT_GT(s.lr_at(step), s.lr_at(step + 1)) << step;
}

TEST(CosineSchedule, WithoutWarmUpAndWithAFinalRate) {
  const CosineSchedule s{1.0, 0.1, 4, 0};
  EXPECT_DOUBLE_EQ(s.lr_at(0), 1.0);
  EXPECT_NEAR(s.lr_at(2), 0.55, 1e-12);  // 0.1 + 0.9 · (1 + cos(π/2)) / 2
  EXPECT_THROW(s.lr_at(4), InternalError);
  EXPECT_EQ(warmup_steps_for(0.05, 100), 5);
  EXPECT_EQ(warmup_steps_for(0.05, 101), 6);  // rounded up
  EXPECT_EQ(warmup_steps_for(0, 7), 0);
  EXPECT_EQ(warmup_steps_for(1, 7), 7);
}

TEST(Sampling, SubsetIsStratifiedAndFixedBySeed) {
  std::vector<std::int32_t> labels;
  for (int i = 0; i < 1000; ++i) labels.push_back(i < 900 ? i % 3 : 3);  // 300, 300, 300, 100
  const std::vector<std::int64_t> a = training_subset(labels, 0.1, 7);
  ASSERT_EQ(a.size(), 100u);
  std::vector<int> per_class(4);
  for (std::int64_t i : a) ++per_class[static_cast<std::size_t>(labels[static_cast<std::size_t>(i)])];
  EXPECT_EQ(per_class, (std::vector<int>{30, 30, 30, 10}));
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(training_subset(labels, 0.1, 7), a);
  EXPECT_NE(training_subset(labels, 0.1, 8), a);
  EXPECT_EQ(training_subset(labels, 1.0, 7).size(), 1000u);
  EXPECT_EQ(training_subset(labels, 1e-6, 7).size(), 4u);  // at least one image per class
}

TEST(Sampling, TheValidationSplitIsStratifiedDisjointAndTheSameForEveryRun) {
  std::vector<std::int32_t> labels;
  for (int i = 0; i < 1000; ++i) labels.push_back(i < 900 ? i % 3 : 3);  // 300, 300, 300, 100
  const ValidationSplit s = validation_split(labels, 200);
  ASSERT_EQ(s.validation.size(), 200u);
  ASSERT_EQ(s.training.size(), 800u);
  std::vector<int> per_class(4);
  for (std::int64_t i : s.validation) ++per_class[static_cast<std::size_t>(labels[static_cast<std::size_t>(i)])];
  EXPECT_EQ(per_class, (std::vector<int>{60, 60, 60, 20}));  // each class's share of 200
  std::set<std::int64_t> all(s.validation.begin(), s.validation.end());
  all.insert(s.training.begin(), s.training.end());
  EXPECT_EQ(all.size(), 1000u);  // disjoint, and together every image
  EXPECT_TRUE(std::is_sorted(s.validation.begin(), s.validation.end()));
  EXPECT_TRUE(std::is_sorted(s.training.begin(), s.training.end()));
  EXPECT_EQ(validation_split(labels, 200).validation, s.validation);  // no seed: the same every time
  EXPECT_NE(s.validation.back() - s.validation.front(), 199);         // drawn, not the first 200
  EXPECT_TRUE(validation_split(labels, 0).validation.empty());
  // Exactly `count`, whatever the rounding: 7 = 3 shares of 2.7 and one of 0.9 → 2, 2, 2, 1.
  const ValidationSplit seven = validation_split(labels, 7);
  EXPECT_EQ(seven.validation.size(), 7u);
  for (std::int64_t count : {1, 5, 13, 999}) EXPECT_EQ(validation_split(labels, count).validation.size(), std::size_t(count));
}

TEST(Sampling, EpochOrderIsAPermutationFixedBySeedAndEpoch) {
  const std::vector<std::int64_t> o = epoch_order(500, 3, 0);
  EXPECT_EQ(std::set<std::int64_t>(o.begin(), o.end()).size(), 500u);
  EXPECT_EQ(*std::min_element(o.begin(), o.end()), 0);
  EXPECT_EQ(*std::max_element(o.begin(), o.end()), 499);
  EXPECT_EQ(epoch_order(500, 3, 0), o);
  EXPECT_NE(epoch_order(500, 3, 1), o);
  EXPECT_NE(epoch_order(500, 4, 0), o);
  EXPECT_NE(derive_seed(1, 2, 3), derive_seed(1, 3, 2));
  EXPECT_NE(derive_seed(1, 2, 3), derive_seed(2, 2, 3));
}

void expect_refused(const TrainOptions& o, const std::string& hint) {
  try {
    check_train_options(o);
    ADD_FAILURE() << "accepted; expected " << hint;
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(hint), std::string::npos) << e.what();
  }
}

TEST(TrainOptions, KnobsOutOfRangeAreOneLineErrorsNamingTheOption) {
  TrainOptions o;
  EXPECT_NO_THROW(check_train_options(o));
  o.optimizer.lr = 1e6;  // diverges, but is a learning rate
  EXPECT_NO_THROW(check_train_options(o));
  o.label_smoothing = kMaxLabelSmoothing;  // hwnas train --label-smoothing's largest
  EXPECT_NO_THROW(check_train_options(o));
  auto with = [](auto change) {
    TrainOptions t;
    change(t);
    return t;
  };
  expect_refused(with([](TrainOptions& t) { t.epochs = 0; }), "--epochs 0 is out of range");
  expect_refused(with([](TrainOptions& t) { t.subset = 0; }), "--subset 0 is out of range (0, 1]");
  expect_refused(with([](TrainOptions& t) { t.subset = 1.5; }), "--subset 1.5");
  expect_refused(with([](TrainOptions& t) { t.resolution = 4; }), "--res 4");
  expect_refused(with([](TrainOptions& t) { t.batch = 0; }), "--batch 0");
  expect_refused(with([](TrainOptions& t) { t.optimizer.lr = 0; }), "--lr 0");
  expect_refused(with([](TrainOptions& t) { t.label_smoothing = 1; }), "--label-smoothing 1");
  expect_refused(with([](TrainOptions& t) { t.label_smoothing = 0.9995; }),
                 "--label-smoothing 0.9995 is out of range [0, 0.999]");
  expect_refused(with([](TrainOptions& t) { t.warmup = -0.5; }), "--warmup -0.5");
  expect_refused(with([](TrainOptions& t) { t.resume = true; }), "give --checkpoint");
  // --resume of a checkpoint that was never written (stopped before its first epoch).
  TrainOptions never;
  never.checkpoint = "/nonexistent/run.ckpt";
  never.resume = true;
  try {
    check_fresh_checkpoint(never);
    ADD_FAILURE() << "a missing checkpoint was resumed";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/run.ckpt: no such checkpoint (--checkpoint, --resume): a run "
                                     "writes it after its first epoch; drop --resume to start the run");
  }
  EXPECT_THROW(parse_task("regression", "--task"), UserError);
  EXPECT_EQ(parse_task("segmentation", "--task"), Task::segmentation);
  EXPECT_THROW(parse_optimizer("adam", "--optimizer"), UserError);
  EXPECT_EQ(default_optimizer(OptimizerKind::adamw).lr, 0.002);
}

TEST(TrainOptions, IdentityNamesEveryKnobThatChangesTheRun) {
  TrainOptions a, b;
  b.epochs = 3;
  const auto ia = run_identity(a), ib = run_identity(b);
  EXPECT_NE(ia, ib);
  EXPECT_EQ(ib.at("--epochs"), "3");
  b = a;
  b.threads = 3;
  EXPECT_EQ(run_identity(b).at("--threads"), "3");  // results differ between thread counts
  // The scenes make a detection or segmentation run; classification's identity has none.
  EXPECT_FALSE(ia.contains("--scenes"));
  b = a;
  b.task = Task::detection;
  b.scenes = 500;
  b.scene_labels = SceneLabels::presence;
  const auto id = run_identity(b);
  EXPECT_EQ(id.at("--scenes"), "500");
  EXPECT_EQ(id.at("--scene-size"), "96");
  EXPECT_EQ(id.at("--scene-labels"), "presence");
  EXPECT_FALSE(id.contains("--test-scenes"));  // what is measured, not how it trains
}

TEST(TrainOptions, SceneKnobsScaleTheItemsAndBelongToTheSceneTasks) {
  TrainOptions o;
  o.task = Task::segmentation;
  o.scene_size = 48;
  const SceneOptions s = scene_options(o);
  EXPECT_EQ(s.width, 48);
  EXPECT_EQ(s.height, 48);
  EXPECT_EQ(s.item_min, 14);  // 28 and 56 at 96, scaled by 48/96
  EXPECT_EQ(s.item_max, 28);
  EXPECT_NO_THROW(check_scene_options(s));
  EXPECT_NO_THROW(check_train_options(o));
  o.scene_size = 31;
  expect_refused(o, "--scene-size 31 is out of range [32, 1024]");
  TrainOptions classification;
  classification.test_scenes = 10;
  expect_refused(classification, "--test-scenes sets the scenes of detection and segmentation");
  EXPECT_EQ(parse_scene_labels("presence", "--scene-labels"), SceneLabels::presence);
  EXPECT_THROW(parse_scene_labels("people", "--scene-labels"), UserError);
}

}  // namespace
}  // namespace hwnas::train

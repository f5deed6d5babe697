// Lane detection: the periods of channel staircases, from synthetic curves and from
// simulated accelerators whose lanes the test knows.
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <random>

#include "hwnas/estimate/detect_lanes.h"
#include "hwnas/hw/npu/npu_target.h"
#include "support/npu_description.h"

namespace hwnas::estimate {
namespace {

std::vector<double> curve(int n, auto f) {
  std::vector<double> out;
  for (int c = 1; c <= n; ++c) out.push_back(f(c));
  return out;
}

TEST(StaircasePeriod, FindsThePeriodOfAStaircase) {
  for (int p : {2, 3, 8, 12, 16, 20, 24, 32, 48, 64})
    EXPECT_EQ(staircase_period(curve(kLaneSweep, [&](int c) { return 5.0 + std::ceil(c / double(p)); })), p)
        << "period " << p;
}

TEST(StaircasePeriod, FindsStepsOnASlope) {
  // A vector unit's slope plus an array's staircase: max() and sums of both.
  EXPECT_EQ(staircase_period(curve(kLaneSweep, [](int c) { return 100 + c + 40 * std::ceil(c / 12.0); })), 12);
  EXPECT_EQ(staircase_period(curve(kLaneSweep, [](int c) { return std::max(3.0 * c, 100 * std::ceil(c / 24.0)); })),
            24);
}

TEST(StaircasePeriod, NoPeriodInSmoothOrNoisyCurves) {
  EXPECT_EQ(staircase_period(curve(kLaneSweep, [](int c) { return 10.0 + 0.5 * c; })), 0);
  EXPECT_EQ(staircase_period(curve(kLaneSweep, [](int) { return 1.0; })), 0);
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 0.03);
  EXPECT_EQ(staircase_period(curve(kLaneSweep, [&](int c) { return (1 + 0.01 * c) * (1 + noise(rng)); })), 0);
  EXPECT_EQ(staircase_period(std::vector<double>{1, 2, 3}), 0);
}

TEST(StaircasePeriod, ToleratesTimingNoiseSmallerThanTheSteps) {
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0, 0.002);
  EXPECT_EQ(staircase_period(curve(kLaneSweep, [&](int c) { return std::ceil(c / 16.0) * (1 + noise(rng)); })), 16);
}

TEST(DetectLanes, RecoversTheLanesOfADescription) {
  // P = 24 output lanes and 12 input lanes, values no preset has; channels stored unpadded.
  hw::NpuTarget target(hw::parse_npu_description(YAML::Load(testing::minimal_npu_description("lanes")), "test"));
  const auto db = std::filesystem::temp_directory_path() / ("hwnas_lanes_" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(db);
  {
    auto store = hw::MeasurementStore::open(db.string());
    const LaneDetection d = detect_lanes(target, store);
    EXPECT_EQ(d.lanes, (Lanes{24, 12, 0}));
    EXPECT_EQ(d.evidence["cout"]["period"], 24);
    // The sweeps are measurements like any other: stored, and counted in a fit's budget
    // (32 -> 32 channels is in both convolution sweeps).
    EXPECT_EQ(static_cast<std::int64_t>(store.count(target.identity())), kLaneSweepKernels);
  }
  std::filesystem::remove(db);
}

TEST(LaneFeatures, FoldsOverTheDetectedLanes) {
  // 3x3 conv, 50 -> 50 channels at 8x8: ⌈50/24⌉ = 3 output folds, ⌈50/12⌉ = 5 input folds.
  const graph::Conv2d conv{.out_channels = 50, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1};
  const hw::Kernel k{{{conv, {graph::Shape{50, 8, 8}}, graph::Shape{50, 8, 8}}}, graph::Precision::int8, 1};
  std::vector<float> x;
  append_model_features(feature_vector(k), Lanes{24, 12, 0}, x);
  ASSERT_EQ(x.size(), model_feature_names().size());
  const auto at = [&](const std::string& name) {
    const auto& n = model_feature_names();
    return x[std::find(n.begin(), n.end(), name) - n.begin()];
  };
  EXPECT_EQ(at("lane_cout_folds"), 3);
  EXPECT_EQ(at("lane_cin_folds"), 5);
  EXPECT_FLOAT_EQ(at("lane_cout_utilization"), 50.0f / 72);
  EXPECT_FLOAT_EQ(at("log2_lane_work"), std::log2(1 + 3.0 * 5 * 9 * 64));
}

}  // namespace
}  // namespace hwnas::estimate

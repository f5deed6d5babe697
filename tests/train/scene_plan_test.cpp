// The scenes a detection or segmentation run holds (scene_plan.h): the reference count by
// canvas, the training count as training_subset keeps it, which file the training scenes
// come from, and the memory refusal and too-small-subset errors (s29 fresh-user findings 1,
// 4 and 13).
#include <gtest/gtest.h>

#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/train/sampling.h"
#include "hwnas/train/scene_plan.h"

namespace hwnas::train {
namespace {

const SceneKnobNames kSceneKeys{"scenes", "test_scenes", "scene_size", "subset"};

TrainOptions plan_options(std::int64_t count, double subset, std::int32_t size = 96) {
  TrainOptions o;
  o.task = Task::segmentation;
  o.scenes = count;
  o.subset = subset;
  o.scene_size = size;
  return o;
}

TEST(ScenePlan, TheReferenceHoldsAThousandDefaultScenesOfPixelsAtMost) {
  EXPECT_EQ(reference_scene_count(32), 1000);
  EXPECT_EQ(reference_scene_count(96), 1000);
  EXPECT_EQ(reference_scene_count(128), 562);  // 1000 x 96² / 128², rounded down
  EXPECT_EQ(reference_scene_count(320), 100);  // 90 by pixels: at least 100
  EXPECT_EQ(reference_scene_count(1024), 100);
}

TEST(ScenePlan, TheTrainingCountIsTheSubsetTrainingSubsetKeeps) {
  for (const auto& [count, subset] : std::vector<std::pair<std::int64_t, double>>{
           {10000, 0.02}, {10000, 1}, {100, 0.01}, {100, 0.004}, {7, 0.5}, {333, 0.3333}}) {
    const std::vector<std::int32_t> one_class(static_cast<std::size_t>(count), 0);
    EXPECT_EQ(training_scene_count(plan_options(count, subset)),
              static_cast<std::int64_t>(training_subset(one_class, subset, 3).size()))
        << count << " " << subset;
  }
}

TEST(ScenePlan, OnlyTheScenesTrainedOnAreHeld) {
  ScenePlan p = scene_plan(plan_options(10000, 0.02));
  EXPECT_EQ(p.source, TrainingScenes::picked);  // 200 scenes, not 10,000
  EXPECT_EQ(p.trained, 200);
  EXPECT_EQ(p.reference, 1000);
  EXPECT_EQ(p.test, 1000);
  const std::uint64_t scene = 2 * 96 * 96 + 128;
  EXPECT_EQ(p.bytes, scene * (200 + 1000 + 1000) + scene * 1000 * 3 / 2);
  p = scene_plan(plan_options(10000, 1));
  EXPECT_EQ(p.source, TrainingScenes::all);
  EXPECT_EQ(p.bytes, scene * (10000 + 1000 + 1000) + scene * 10000 * 3 / 2);
  // Fewer scenes than the reference: picked out of it, no file of their own (finding 13).
  EXPECT_EQ(scene_plan(plan_options(100, 1)).source, TrainingScenes::reference);
  EXPECT_EQ(scene_plan(plan_options(1000, 0.5)).source, TrainingScenes::reference);
  TrainOptions on_train = plan_options(100, 1);
  on_train.test_on_train = true;
  EXPECT_EQ(scene_plan(on_train).test, 0);
}

TEST(ScenePlan, ScenesThatCannotFitAreRefusedNamingTheKnobs) {
  const std::uint64_t gb24 = 24'000'000'000;
  // The fresh user's run: 10,000 scenes of 1000x1000, all trained on.
  const std::string why = scene_memory_problem(plan_options(10000, 1, 1000), gb24, kSceneKeys);
  EXPECT_EQ(why, "10000 training scenes, 100 reference and 1000 test scenes of 1000x1000 pixels need about 52.2 GB "
                 "of memory, more than half of this machine's 24.0 GB; lower scene_size, scenes or subset (or "
                 "test_scenes)");
  // The same with subset 0.02 holds 200 of them: it fits.
  EXPECT_EQ(scene_memory_problem(plan_options(10000, 0.02, 1000), gb24, kSceneKeys), "");
  EXPECT_NE(scene_memory_problem(plan_options(1'000'000, 0.5), gb24, kSceneKeys).find("500000 training scenes (subset 0.5 of "
                                                                            "1000000), 1000 reference"),
            std::string::npos);
  EXPECT_EQ(scene_memory_problem(plan_options(1'000'000, 1, 1024), 0, kSceneKeys), "");  // unknown memory: never refused
  EXPECT_GT(physical_memory_bytes(), 0u);
}

// hwnas evaluate holds its test scenes and the reference ones only.
TEST(ScenePlan, AnEvaluationHoldsItsTestAndReferenceScenes) {
  const ScenePlan p = evaluation_plan(5000, 96);
  EXPECT_EQ(p.trained, 0);
  EXPECT_EQ(p.reference, 1000);
  EXPECT_EQ(p.test, 5000);
  const std::uint64_t scene = 2 * 96 * 96 + 128;
  EXPECT_EQ(p.bytes, scene * (1000 + 5000) + scene * 5000 * 3 / 2);
  const std::uint64_t gb24 = 24'000'000'000;
  EXPECT_EQ(evaluation_memory_problem(1000, 96, gb24, "--test-scenes"), "");
  EXPECT_EQ(evaluation_memory_problem(1'000'000, 1024, gb24, "--test-scenes"),
            "100 reference and 1000000 test scenes of 1024x1024 pixels need about 5243.4 GB of memory, more than "
            "half of this machine's 24.0 GB; lower --test-scenes");
}

TEST(ScenePlan, FewerThanTwoTrainingScenesAreRefused) {
  try {
    check_training_scenes(plan_options(10000, 0.0001), kSceneKeys);
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()),
              "subset 0.0001 of 10000 scenes leaves 1 training scene; give a larger subset or more scenes");
  }
  EXPECT_NO_THROW(check_training_scenes(plan_options(10000, 0.0002), kSceneKeys));
}

}  // namespace
}  // namespace hwnas::train

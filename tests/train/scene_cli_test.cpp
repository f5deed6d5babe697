// hwnas train / evaluate --task detection|segmentation as a user runs them, on tiny scenes
// (32x32, a few dozen) and the smallest zoo detector and segmenter: the metrics and their
// JSON, weights, a run killed with SIGKILL and resumed, and bad input as one-line errors
// (exit 2) that write nothing — not even the scene cache.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_support.h"
#include "support/cli_runner.h"
#include "support/resources.h"

namespace hwnas::testing {
namespace {

const std::string kDetector = "ssdlite_mobilenet_v2:width=0.25,in_ch=1,classes=11,res=32";
const std::string kSegmenter = "lraspp_mobilenet_v2:width=0.25,in_ch=1,classes=11,res=32";

std::string fresh(const std::string& name) {
  std::filesystem::remove_all(scratch_dir() / name);
  return (scratch_dir() / name).string();
}

// The scene cache the tests share (generated once, then read); --data must exist.
std::string cache() {
  const std::filesystem::path dir = scratch_dir() / "scene-cache";
  std::filesystem::create_directories(dir);
  return dir.string();
}

// What a run is told beyond MODEL and --task.
struct Knobs {
  std::string scenes = "32", epochs = "1", data = cache();
};

std::vector<std::string> scene_args(const std::string& verb, const std::string& model, const std::string& task,
                                    std::vector<std::string> extra, const Knobs& knobs = {}) {
  std::vector<std::string> args = {verb,         model,     "--task",    task, "--scene-size", "32", "--test-scenes",
                                   "12",         "--data",  knobs.data,  "--threads", "1"};
  if (verb == "train")
    args.insert(args.end(), {"--scenes", knobs.scenes, "--epochs", knobs.epochs, "--batch", "16", "--seed", "2"});
  // --test-on-train measures no test scene: --test-scenes with it is refused (s32 finding 12b).
  if (std::find(extra.begin(), extra.end(), "--test-on-train") != extra.end())
    args.erase(args.begin() + 6, args.begin() + 8);
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

nlohmann::json run_json(const std::vector<std::string>& args) {
  const Result r = hwnas(args);
  EXPECT_EQ(r.status, 0) << describe(args, r);
  return r.status == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
}

TEST(SceneCli, ADetectorTrainsSavesAndEvaluates) {
  REQUIRE_FASHION_MNIST();
  const std::string weights = fresh("det.pt");
  // 1,000 scenes, 32 of them trained on: the normalisation and the prior boxes come from the
  // training scenes' first 1,000 here, from their own cache file in evaluate: the same.
  const nlohmann::json j = run_json(
      scene_args("train", kDetector, "detection", {"--subset", "0.032", "--save", weights, "--json"}, {"1000"}));
  EXPECT_EQ(j.at("task"), "detection");
  EXPECT_EQ(j.at("status"), "ok");
  EXPECT_EQ(j.at("train_images"), 32);
  EXPECT_EQ(j.at("epochs_done"), 1);
  EXPECT_EQ(j.at("scenes").at("size"), 32);
  const nlohmann::json& m = j.at("metrics");
  EXPECT_EQ(m.at("test_images"), 12);
  const double map_50 = m.at("map_50");
  EXPECT_GE(map_50, m.at("map_50_95").get<double>());  // the mean over 0.5..0.95 cannot beat its easiest threshold
  EXPECT_LE(map_50, 1.0);
  EXPECT_EQ(m.at("ap_50").size(), 10u);
  EXPECT_TRUE(m.contains("baseline_map_50"));
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), 100 * map_50);

  // evaluate takes the task from the weights and measures the same test scenes alike.
  // Without --scene-size: the weights' own 32x32 scenes, not the default 96.
  const nlohmann::json e = run_json({"evaluate", kDetector, "--weights", weights, "--test-scenes", "12", "--data",
                                     cache(), "--threads", "1", "--json"});
  EXPECT_EQ(e.at("scenes").at("size"), 32);
  EXPECT_EQ(e.at("task"), "detection");
  EXPECT_EQ(e.at("metrics").at("map_50").get<double>(), map_50);
  EXPECT_EQ(e.at("metrics").at("map_50_95"), m.at("map_50_95"));
  EXPECT_EQ(e.at("metrics").at("baseline_map_50"), m.at("baseline_map_50"));
  const Result human = hwnas(scene_args("evaluate", kDetector, "detection", {"--weights", weights}));
  EXPECT_NE(human.out.find("mAP@0.5"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("prior-box baseline"), std::string::npos) << human.out;

  // Scenes other than the weights were trained on: refused, naming the size to give.
  expect_bad_input({"evaluate", kDetector, "--weights", weights, "--scene-size", "64", "--data", cache()},
                   "det.pt: trained on 32x32 scenes, not 64: drop --scene-size, or give 32");
  expect_bad_input({"evaluate", kDetector, "--weights", weights, "--scene-labels", "presence", "--data", cache()},
                   "trained on 'items' scene labels, not 'presence'");

  // Weights of another task, and of another architecture.
  expect_bad_input(scene_args("evaluate", kSegmenter, "segmentation", {"--weights", weights}),
                   "weights trained for detection, not segmentation; evaluate them with --task detection");
  expect_bad_input(scene_args("evaluate", "ssdlite_mobilenet_v2:width=0.5,in_ch=1,classes=11,res=32", "detection",
                              {"--weights", weights}),
                   "det.pt");
  // A segmenter given with them, the task taken from the weights: the weights are named as
  // another model's, not the segmenter as lacking a head (s32 fresh-user finding 8).
  expect_bad_input({"evaluate", kSegmenter, "--weights", weights, "--data", cache(), "--threads", "1"},
                   "det.pt: weights of model 'ssdlite_mobilenet_v2' (detection), not of 'lraspp_mobilenet_v2' (which "
                   "cannot do detection: ");
}

TEST(SceneCli, ASegmenterTrainsSavesAndEvaluates) {
  REQUIRE_FASHION_MNIST();
  const std::string weights = fresh("seg.pt");
  const nlohmann::json j = run_json(scene_args("train", kSegmenter, "segmentation", {"--save", weights, "--json"}));
  EXPECT_EQ(j.at("task"), "segmentation");
  const nlohmann::json& m = j.at("metrics");
  const double miou = m.at("miou");
  EXPECT_GE(miou, 0.0);
  EXPECT_LE(miou, 1.0);
  EXPECT_EQ(m.at("iou").size(), 11u);  // background and the 10 item classes
  // All background: the background's IoU over the classes present.
  EXPECT_GT(m.at("baseline_miou").get<double>(), 0);
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), 100 * miou);
  const nlohmann::json e = run_json(scene_args("evaluate", kSegmenter, "segmentation", {"--weights", weights, "--json"}));
  EXPECT_EQ(e.at("metrics").at("miou").get<double>(), miou);
  EXPECT_EQ(e.at("metrics").at("iou"), m.at("iou"));
  expect_bad_input({"evaluate", kDetector, "--weights", weights, "--task", "detection"},
                   "weights trained for segmentation, not detection");
}

TEST(SceneCli, PresenceScenesTrainAOneClassDetector) {
  REQUIRE_FASHION_MNIST();
  const nlohmann::json j = run_json(scene_args(
      "train", "ssdlite_mobilenet_v2:width=0.25,in_ch=1,classes=2,res=32", "detection",
      {"--scene-labels", "presence", "--json"}));
  EXPECT_EQ(j.at("scenes").at("labels"), "presence");
  EXPECT_EQ(j.at("metrics").at("ap_50").size(), 1u);
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), 100 * j.at("metrics").at("map_50").get<double>());
}

TEST(SceneCli, ADivergingRunFailsWithItsReasonAndNoAccuracy) {
  REQUIRE_FASHION_MNIST();
  const std::string weights = fresh("diverged.pt");
  const std::vector<std::string> args =
      scene_args("train", kDetector, "detection", {"--lr", "1e6", "--warmup", "0", "--save", weights, "--json"});
  const Result r = hwnas(args);
  ASSERT_EQ(r.status, 3) << describe(args, r);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("status"), "failed");
  EXPECT_FALSE(j.contains("accuracy"));
  EXPECT_FALSE(j.contains("metrics"));
  EXPECT_NE(j.at("failure").get<std::string>().find("diverged"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(weights));
}

TEST(SceneCli, AKilledRunResumesToTheSameWeights) {
  REQUIRE_FASHION_MNIST();
  const std::string whole = fresh("whole.pt"), resumed = fresh("resumed.pt"), ckpt = fresh("scene.ckpt");
  const Knobs long_run{"96", "3"};
  ASSERT_EQ(hwnas(scene_args("train", kDetector, "detection", {"--save", whole}, long_run)).status, 0);

  std::vector<std::string> args =
      scene_args("train", kDetector, "detection", {"--checkpoint", ckpt, "--save", resumed}, long_run);
  ASSERT_TRUE(kill_when_file_appears(args, ckpt)) << "the run ended before it was killed: make it longer";
  EXPECT_FALSE(std::filesystem::exists(resumed));
  args.push_back("--resume");
  const Result r = hwnas(args);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("resumed after epoch"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(resumed), read_file(whole));  // bit for bit

  // The scenes are part of the run: other scenes cannot continue it.
  expect_bad_input(scene_args("train", kDetector, "detection", {"--checkpoint", ckpt, "--resume"}, {"64", "3"}),
                   "was written by a run with --scenes 96, not 64");
  // Nor scenes of another size: the option named with both values (s32 fresh-user finding 5).
  std::vector<std::string> other_size = args;
  other_size[5] = "64";  // --scene-size
  expect_bad_input(other_size, "was written by a run with --scene-size 32, not 64; resume with the same options");
  for (const auto& entry : std::filesystem::directory_iterator(cache()))  // refused before any scene is drawn
    EXPECT_EQ(entry.path().filename().string().find("scenes-train-64-"), std::string::npos) << entry.path();
}

// The diagnostics: --test-on-train measures the scenes trained on (an overfitting check),
// --measure-each-epoch a learning curve, without changing the training.
TEST(SceneCli, TestOnTrainAndMeasureEachEpoch) {
  REQUIRE_FASHION_MNIST();
  const Knobs two_epochs{"32", "2"};
  const nlohmann::json j = run_json(scene_args(
      "train", kDetector, "detection", {"--test-on-train", "--measure-each-epoch", "--json"}, two_epochs));
  const nlohmann::json& m = j.at("metrics");
  EXPECT_EQ(m.at("test_images"), 32);  // the training scenes, not the 12 test scenes
  EXPECT_EQ(m.at("on_training_scenes"), true);
  ASSERT_EQ(j.at("curve").size(), 2u);
  EXPECT_EQ(j.at("curve").at(0).at("epoch"), 1);
  EXPECT_EQ(j.at("curve").at(1).at("epoch"), 2);
  EXPECT_EQ(j.at("curve").at(1).at("metric"), m.at("map_50"));  // the last point is the run's metric
  EXPECT_LE(j.at("curve").at(0).at("train_seconds").get<double>(),
            j.at("curve").at(1).at("train_seconds").get<double>());

  // Measuring after epoch 1 leaves the training as it was: the same metric without it.
  const nlohmann::json plain =
      run_json(scene_args("train", kDetector, "detection", {"--test-on-train", "--json"}, two_epochs));
  EXPECT_EQ(plain.at("metrics").at("map_50"), m.at("map_50"));
  EXPECT_FALSE(plain.contains("curve"));
  const nlohmann::json test = run_json(scene_args("train", kDetector, "detection", {"--json"}, two_epochs));
  EXPECT_EQ(test.at("metrics").at("test_images"), 12);
  EXPECT_FALSE(test.at("metrics").contains("on_training_scenes"));

  const Result human = hwnas(scene_args("train", kSegmenter, "segmentation", {"--test-on-train", "--measure-each-epoch"},
                                        two_epochs));
  ASSERT_EQ(human.status, 0) << human.err;
  EXPECT_NE(human.out.find("after epoch 1: loss "), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("on 32 training scenes (--test-on-train)"), std::string::npos) << human.out;

  for (const char* flag : {"--test-on-train", "--measure-each-epoch"})
    expect_bad_input({"train", "mobilenet_v2:width=0.25,in_ch=1,classes=10,res=32", flag},
                     std::string(flag) + " is a diagnostic of detection and segmentation");
}

// Fashion-MNIST's directory, as hwnas-train finds it.
std::string fashion_mnist_dir() {
  const char* env = std::getenv("HWNAS_FASHION_MNIST_DIR");
  return env != nullptr && *env != '\0' ? env : "/usr/share/datasets/fashion-mnist";
}

// The files in `dir`'s scene cache, without their locks.
std::set<std::string> cache_files(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".gz") names.insert(entry.path().filename().string());
  return names;
}

// A subset of many scenes draws only the scenes it trains on, and a run of fewer scenes than
// the 1,000 reference ones picks them out of those: no file of all the scenes (s29
// fresh-user findings 1 and 13). Scenes that cannot fit in memory, and a --data that holds
// Fashion-MNIST (finding 5), are refused before any scene is drawn.
TEST(SceneCli, OnlyTheScenesTrainedOnAreDrawnAndWhatCannotFitIsRefused) {
  REQUIRE_FASHION_MNIST();
  const std::string dir = fresh("subset-cache");
  std::filesystem::create_directories(dir);
  Knobs knobs{"2000", "1", dir};
  const std::vector<std::string> args = scene_args("train", kSegmenter, "segmentation", {"--subset", "0.01"}, knobs);
  const Result r = hwnas(args);
  ASSERT_EQ(r.status, 0) << describe(args, r);
  EXPECT_NE(r.err.find("generating 20 of 2000 training scenes of 32x32 pixels into the scene cache " + dir),
            std::string::npos)
      << r.err;
  std::set<std::string> files = cache_files(dir);
  const auto count = [&](const std::string& prefix) {
    return std::count_if(files.begin(), files.end(), [&](const std::string& f) { return f.starts_with(prefix); });
  };
  EXPECT_EQ(files.size(), 3u) << ::testing::PrintToString(files);
  EXPECT_EQ(count("scenes-train-2000-p20-"), 1);  // the 20 trained on, not the 2,000
  EXPECT_EQ(count("scenes-train-1000-"), 1);      // the reference scenes
  EXPECT_EQ(count("scenes-test-12-"), 1);
  knobs.scenes = "100";
  const Result few = hwnas(scene_args("train", kSegmenter, "segmentation", {}, knobs));
  ASSERT_EQ(few.status, 0) << few.err;
  files = cache_files(dir);
  EXPECT_EQ(files.size(), 3u) << ::testing::PrintToString(files);  // picked out of the reference
  EXPECT_EQ(count("scenes-train-100-"), 0);

  const std::string untouched = fresh("untouched-by-memory");
  std::filesystem::create_directories(untouched);
  std::vector<std::string> huge = scene_args("train", kSegmenter, "segmentation", {}, {"1000000", "1", untouched});
  huge[5] = "1024";  // --scene-size
  expect_bad_input(huge, "hwnas: --scenes 1000000 at --scene-size 1024: 1000000 training scenes, 100 reference and "
                         "12 test scenes of 1024x1024 pixels need about ");
  EXPECT_TRUE(std::filesystem::is_empty(untouched));
  expect_bad_input(scene_args("train", kSegmenter, "segmentation", {}, {"32", "1", fashion_mnist_dir()}),
                   "--data " + fashion_mnist_dir() + ": holds Fashion-MNIST's files; for detection and segmentation "
                   "--data is the scene cache directory");
}

TEST(SceneCli, BadInputIsAOneLineErrorAndWritesNothing) {
  const std::string weights = fresh("never.pt"), untouched = fresh("untouched-cache");
  const Knobs knobs{"32", "1", untouched};
  auto bad = [&](const std::string& model, const std::string& task, std::vector<std::string> extra) {
    extra.insert(extra.end(), {"--save", weights});
    return scene_args("train", model, task, extra, knobs);
  };
  expect_bad_input(bad(kDetector, "detection", {"--scene-labels", "people"}), "--scene-labels 'people'");
  // Refused when given, even at classification's default (s27 fresh-user finding 9).
  expect_bad_input(bad(kDetector, "detection", {"--label-smoothing", "0.1"}),
                   "--label-smoothing smooths class labels of classification; detection trains without it: drop it");
  expect_bad_input(scene_args("train", kDetector, "detection", {}, {"1", "1", untouched}), "--scenes");
  std::vector<std::string> small = bad(kDetector, "detection", {});
  small[5] = "16";  // --scene-size
  expect_bad_input(small, "--scene-size");
  small = bad(kDetector, "detection", {});
  small[7] = "0";  // --test-scenes
  expect_bad_input(small, "--test-scenes");
  // The head: a segmenter (any model without an SSD head: a classifier alike), a detector,
  // another number of classes (presence's 1 class; items' 10 alike).
  expect_bad_input(bad(kSegmenter, "detection", {}), "not an SSD head map");
  // --test-on-train measures no test scene: --test-scenes with it would be ignored (s32 finding 12b).
  std::vector<std::string> both = bad(kDetector, "detection", {"--test-on-train"});
  both.insert(both.end(), {"--test-scenes", "12"});
  expect_bad_input(both, "--test-on-train measures on the training scenes, so --test-scenes would count no scene: "
                         "drop one of them");
  expect_bad_input(bad(kDetector, "segmentation", {}), "segmentation needs one map of 11 class scores");
  expect_bad_input(bad(kDetector, "detection", {"--scene-labels", "presence"}), "use a model with classes=2");
  expect_bad_input(bad("lraspp_mobilenet_v2:width=0.25,in_ch=1,classes=10,res=32", "segmentation", {}),
                   "use a model with classes=11");
  expect_bad_input(bad("ssdlite_mobilenet_v2:width=0.25,in_ch=2,classes=11,res=32", "detection", {}), "in_ch=1");
  // A --data that does not exist is a typo, not a new cache to fill with scenes (issue 11,
  // fresh-user finding 6); train and evaluate alike.
  expect_bad_input(bad(kDetector, "detection", {}),
                   "--data " + untouched + ": no such directory; create it (mkdir -p " + untouched +
                       ") to keep the scene cache there, or leave out --data for the default cache");
  expect_bad_input(scene_args("evaluate", kDetector, "detection", {"--weights", weights}, knobs),
                   "--data " + untouched + ": no such directory");
  // A --data that is a file: no mkdir advice (fresh-user finding 12 of issue 12).
  const std::string file = write_temp("not_a_cache.txt", "x");
  expect_bad_input(scene_args("train", kDetector, "detection", {"--save", weights}, {"32", "1", file}),
                   "hwnas: --data " + file + ": is a file, not a directory; give the directory that keeps the scene "
                   "cache, or leave out --data for the default cache");
  // Scene knobs are refused for classification, which trains on Fashion-MNIST.
  expect_bad_input({"train", "mobilenet_v2:width=0.25,in_ch=1,classes=10,res=32", "--scenes", "50", "--save", weights},
                   "--scenes sets the scenes of detection and segmentation");
  EXPECT_FALSE(std::filesystem::exists(weights));
  EXPECT_FALSE(std::filesystem::exists(untouched));
}

}  // namespace
}  // namespace hwnas::testing

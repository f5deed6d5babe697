// hwnas supernet train | eval | extract for detection and segmentation spaces on tiny scenes
// (32x32, a few dozen): the task's metric in the JSON and the text, the same figure from
// supernet eval, its --serve protocol and hwnas evaluate of the extracted subnet, the same
// supernet from the same seed, and bad input as one-line errors (exit 2) that write nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_support.h"
#include "support/cli_runner.h"
#include "support/resources.h"

namespace hwnas::testing {
namespace {

const std::string kDetSpace = std::string(HWNAS_SOURCE_DIR) + "/tests/train/supernet_tiny_det_space.yaml";
const std::string kSegSpace = std::string(HWNAS_SOURCE_DIR) + "/tests/train/supernet_tiny_seg_space.yaml";

std::string scratch(const std::string& name) {
  std::filesystem::remove_all(scratch_dir() / name);
  return (scratch_dir() / name).string();
}

// The scene cache these tests share (generated once, then read).
std::string cache() {
  const std::filesystem::path dir = scratch_dir() / "supernet-scene-cache";
  std::filesystem::create_directories(dir);
  return dir.string();
}

// One epoch on 64 scenes of 32x32, measured on 12 test scenes: about a second.
std::vector<std::string> tiny_train(const std::string& space, const std::string& task, const std::string& out) {
  return {"supernet", "train", space, "--task", task, "--out", out, "--epochs", "1", "--scenes", "64",
          "--scene-size", "32", "--test-scenes", "12", "--data", cache(), "--batch", "16", "--threads", "1",
          "--random-subnets", "1", "--calibration-images", "16", "--optimizer", "adamw", "--seed", "3", "--json"};
}

nlohmann::json json_of(const std::vector<std::string>& args) {
  const Result r = hwnas(args);
  EXPECT_EQ(r.status, 0) << describe(args, r);
  return r.status == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
}

// The architecture strings and model files of `count` subnets of `space`.
std::vector<std::pair<std::string, std::string>> samples(const std::string& space, const std::string& dir) {
  const nlohmann::json j = json_of({"space", "sample", space, "--count", "2", "--seed", "5", "--out", dir, "--json"});
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : j.at("samples")) out.emplace_back(m.at("arch"), m.at("file"));
  return out;
}

// Trains a supernet of `task`, measures two subnets by architecture string and checks the
// figures against each other: the text, the --serve answer, and hwnas evaluate of each
// extracted subnet give the same metric.
void check_task(const std::string& space, const std::string& task, const std::string& metric,
                const std::string& metric_key) {
  const std::string tag = task.substr(0, 3), file = scratch(tag + ".supernet");
  const nlohmann::json t = json_of(tiny_train(space, task, file));
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.at("task"), task);
  EXPECT_EQ(t.at("metric"), metric);
  EXPECT_EQ(t.at("measured_on"), "test");
  EXPECT_EQ(t.at("train_images"), 64);
  EXPECT_EQ(t.at("images_trained"), 64);  // 4 whole batches of 16
  for (const char* end : {"largest", "smallest"}) {
    const double a = t.at(end).at("accuracy");
    EXPECT_TRUE(a >= 0 && a <= 100) << end << " " << a;
  }

  const auto subnets = samples(space, scratch(tag + "-models"));
  const nlohmann::json e =
      json_of({"supernet", "eval", file, subnets[0].first, subnets[1].second, "--data", cache(), "--json"});
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e.at("task"), task);
  EXPECT_EQ(e.at("measured_on"), "test");
  EXPECT_EQ(e.at("scenes"), nlohmann::json({{"size", 32}, {"labels", "items"}, {"test_scenes", 12}}));
  EXPECT_EQ(t.at("scenes"), e.at("scenes"));
  ASSERT_EQ(e.at("models").size(), 2u);
  for (const auto& m : e.at("models")) {
    EXPECT_EQ(m.at("metric"), metric);
    EXPECT_EQ(m.at("images"), 12);
    const double value = m.at(metric_key);
    EXPECT_TRUE(value >= 0 && value <= 1) << value;
    EXPECT_NEAR(m.at("accuracy").get<double>(), 100 * value, 1e-9);
    if (task == "detection") EXPECT_GE(value, m.at("map_50_95").get<double>());
    const double baseline = m.at(task == "detection" ? "baseline_map_50" : "baseline_miou");
    EXPECT_TRUE(baseline >= 0 && baseline < 1) << baseline;  // the prior boxes may find nothing on 12 scenes
    if (task == "segmentation") EXPECT_GT(baseline, 0);        // background is most pixels
    EXPECT_FALSE(m.contains("top1"));
  }

  // The search's protocol answers the figure eval printed.
  const std::string requests = write_temp(tag + "-requests.txt", subnets[1].second + "\n");
  const Result s = run_program({"/bin/sh", "-c", std::string(HWNAS_BINARY) + " supernet eval " + file +
                                                     " --serve --data " + cache() + " < " + requests});
  ASSERT_EQ(s.status, 0) << s.err;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(s.out).at("accuracy").get<double>(),
                   e.at("models").at(1).at("accuracy").get<double>());

  // Extracted with its recalibrated weights, the subnet measures the same under hwnas evaluate,
  // which takes the task and the scenes from the weights.
  const std::string model = scratch(tag + "-sub.yaml"), weights = scratch(tag + "-sub.pt");
  const Result x =
      hwnas({"supernet", "extract", file, subnets[1].first, "--out", model, "--weights", weights, "--data", cache()});
  ASSERT_EQ(x.status, 0) << x.err;
  const nlohmann::json v =
      json_of({"evaluate", model, "--weights", weights, "--task", task, "--test-scenes", "12", "--data", cache(),
               "--threads", "1", "--json"});
  ASSERT_FALSE(v.empty());
  EXPECT_NEAR(v.at("accuracy").get<double>(), e.at("models").at(1).at("accuracy").get<double>(), 1e-6) << v.dump();

  // The same options and seed give the same supernet: the same figures.
  const std::string again = scratch(tag + "-again.supernet");
  std::vector<std::string> args = tiny_train(space, task, again);
  const nlohmann::json t2 = json_of(args);
  EXPECT_EQ(t2.at("largest"), t.at("largest"));
  EXPECT_EQ(t2.at("smallest"), t.at("smallest"));
}

TEST(SupernetScenesCli, ASegmentationSupernetIsMeasuredByMiou) {
  REQUIRE_FASHION_MNIST();
  check_task(kSegSpace, "segmentation", "mIoU", "miou");
}

TEST(SupernetScenesCli, ADetectionSupernetIsMeasuredByMap) {
  REQUIRE_FASHION_MNIST();
  check_task(kDetSpace, "detection", "mAP@0.5", "map_50");
}

// The search's accuracy: supernet: on a segmentation space: the metric is named as the
// space's task, and the best trial's accuracy is what supernet eval gives its genome.
TEST(SupernetScenesCli, ASearchRanksSegmentersWithTheSupernet) {
  REQUIRE_FASHION_MNIST();
  const std::string file = scratch("search-seg.supernet");
  ASSERT_FALSE(json_of(tiny_train(kSegSpace, "segmentation", file)).empty());
  const std::string experiment = write_temp("seg-supernet.yaml", "name: seg-supernet\nspace: " + kSegSpace +
                                                                    "\nlatency: {target: edgetpu-like}\n"
                                                                    "accuracy:\n  supernet: {file: " + file +
                                                                    ", data: " + cache() +
                                                                    "}\nobjective: {maximize: accuracy}\n"
                                                                    "strategy: {name: random}\nbudget: {trials: 3}\n"
                                                                    "seed: 1\n");
  const nlohmann::json j = json_of({"search", experiment, "--out", scratch("seg-search"), "--json"});
  ASSERT_FALSE(j.empty());
  EXPECT_EQ(j.at("accuracy_metric"), "100 x mIoU with shared weights");
  const nlohmann::json e = json_of({"supernet", "eval", file, j.at("best").at("arch"), "--data", cache(), "--json"});
  ASSERT_FALSE(e.empty());
  // The store keeps 12 significant digits.
  EXPECT_NEAR(j.at("best").at("accuracy").get<double>(), e.at("models").at(0).at("accuracy").get<double>(), 1e-9);
}

void expect_bad_input(const std::vector<std::string>& args, const std::string& message, const std::string& out) {
  const Result r = hwnas(args);
  EXPECT_EQ(r.status, 2) << describe(args, r);
  EXPECT_NE(r.err.find(message), std::string::npos) << describe(args, r);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out)) << out;
}

TEST(SupernetScenesCli, BadInputIsAOneLineErrorAndWritesNothing) {
  REQUIRE_FASHION_MNIST();
  const std::string out = scratch("never.supernet");
  // A space of another task: the space, the reason and the fix.
  std::vector<std::string> args = tiny_train(kDetSpace, "segmentation", out);
  expect_bad_input(args,
                   "space 'tiny-det-supernet' cannot be trained for segmentation on the scenes (model "
                   "'tiny-det-supernet' has 8 output nodes",
                   out);
  // A space of 11 classes with the scenes' presence labels: the classes and --scene-labels.
  args = tiny_train(kSegSpace, "segmentation", out);
  args.insert(args.end(), {"--scene-labels", "presence"});
  expect_bad_input(args,
                   "end in a map of 2 classes (head: classes: 2; --scene-labels presence: 1 object classes and "
                   "background)",
                   out);
  // A scene space trained as a classifier names the --task of its head.
  expect_bad_input({"supernet", "train", kSegSpace, "--out", out},
                   "space 'tiny-seg-supernet' is a segmentation space (its head), and a supernet trains for --task "
                   "classification unless told: give --task segmentation",
                   out);
  // Scene knobs without a scene task; --validation with one.
  expect_bad_input({"supernet", "train", kSegSpace, "--out", out, "--scene-size", "32"},
                   "--scene-size is a knob of the scenes (detection, segmentation)", out);
  args = tiny_train(kSegSpace, "segmentation", out);
  args.insert(args.end(), {"--validation", "10"});
  expect_bad_input(args, "drop --validation", out);
  args = tiny_train(kSegSpace, "segmentation", out);
  args.insert(args.end(), {"--scene-labels", "people"});
  expect_bad_input(args, "--scene-labels", out);
  args = tiny_train(kSegSpace, "segmentation", out);
  args[args.size() - 4] = "lion";  // --optimizer's value
  expect_bad_input(args, "--optimizer", out);

  // eval: a scene supernet has no validation split.
  const std::string file = scratch("bad-input-seg.supernet");
  ASSERT_FALSE(json_of(tiny_train(kSegSpace, "segmentation", file)).empty());
  const Result v =
      hwnas({"supernet", "eval", file, "0-0-0-0-0-0-0-0-0-0-0-0-0", "--validation", "10", "--data", cache()});
  EXPECT_EQ(v.status, 2) << v.err;
  EXPECT_EQ(v.err, "hwnas: --validation 10: the supernet " + file +
                       " is a segmentation supernet, measured on its 12 test scenes (it held out no training "
                       "scenes); drop --validation\n");
  // A detector's model is no subnet of a segmentation supernet.
  const auto detectors = samples(kDetSpace, scratch("det-models-bad"));
  const Result other = hwnas({"supernet", "eval", file, detectors[0].second, "--data", cache()});
  EXPECT_EQ(other.status, 2) << other.err;
  EXPECT_NE(other.err.find("is not of the supernet's space 'tiny-seg-supernet'"), std::string::npos) << other.err;
}

}  // namespace
}  // namespace hwnas::testing

// accuracy: train: hwnas-train as the search's accuracy program, end to end on a tiny
// fidelity (NAS-Bench-201 cells at 8x8, 1% of Fashion-MNIST, one epoch, one thread: a
// few seconds a trial), its errors at read time, and one source per multi-fidelity rung.
#include <gtest/gtest.h>

#include <cstdlib>

#include "cost_model_support.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/run_search.h"
#include "hwnas/space/registry.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/scene_plan.h"
#include "train/data_support.h"

namespace hwnas::search {
namespace {

using testing::accuracy_of;
using testing::nb201;
using testing::scratch;
using testing::write_file;

// A cheap cell (skips, none, one pool) and a costlier one.
const std::string kCheap = "|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|";
const std::string kConv = "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|";
const std::string kTiny = "epochs: 1, subset: 0.01, resolution: 8, batch: 64, threads: 1";

const std::string& file() {
  static const std::string path = (scratch() / "train.yaml").string();
  return path;
}

std::vector<std::unique_ptr<AccuracySource>> sources(const std::string& yaml) {
  write_file(file(), yaml);
  return make_accuracy_sources(load_yaml_file(file(), "experiment file"), file(), nb201());
}

std::string sources_error(const std::string& yaml) {
  try {
    sources(yaml);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

std::string train_yaml(const std::string& extra = "") {
  return "accuracy:\n  train: {" + kTiny + extra + "}\n";
}

TEST(TrainAccuracy, TrainsTheCandidateAndAnswersItsTopOnePercent) {
  HWNAS_REQUIRE_FASHION_MNIST();
  auto s = sources(train_yaml());
  ASSERT_EQ(s.size(), 1U);
  const double a = accuracy_of(*s[0], kCheap);
  EXPECT_GT(a, 15.0);  // chance is 10%; measured 33.98 here with seed 0
  EXPECT_LE(a, 100.0);
  // That the seed fixes hwnas-train's answer to a model is checked by
  // TrainCli.ServeTrainsEachModelAsARunOfItsOwnWould.
}

// What a source evaluates (AccuracySource::evaluation_key): at a fixed resolution two
// networks that differ only in their input resolution are one training; at each network's
// own resolution they are two; a CSV row is the architecture string's.
TEST(TrainAccuracy, AFixedResolutionMakesNetworksOfOtherResolutionsOneEvaluation) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const graph::Graph at64 = graph::build_zoo_model("mobilenet_v2:width=0.25,res=64,classes=10");
  const graph::Graph at96 = graph::build_zoo_model("mobilenet_v2:width=0.25,res=96,classes=10");
  const graph::Graph wider = graph::build_zoo_model("mobilenet_v2:width=0.5,res=64,classes=10");
  const space::Genome g = nb201().parse_arch(kCheap);
  const std::string arch = "mobilenet_v2";
  const auto key = [&](AccuracySource& s, const graph::Graph& network) { return s.evaluation_key({g, arch, network}); };
  auto fixed = sources("accuracy:\n  train: {epochs: 1, subset: 0.01, resolution: 32, batch: 64, threads: 1}\n");
  ASSERT_TRUE(key(*fixed[0], at64));
  EXPECT_EQ(key(*fixed[0], at64), key(*fixed[0], at96));
  EXPECT_NE(key(*fixed[0], at64), key(*fixed[0], wider));
  auto own = sources("accuracy:\n  train: {epochs: 1, subset: 0.01, batch: 64, threads: 1}\n");
  EXPECT_NE(key(*own[0], at64), key(*own[0], at96));
  EXPECT_EQ(key(*own[0], at64), at64.hash());
  // Through the cost model, from genomes (the rank 0 of mpirun computes it so, nothing run).
  const auto model = testing::cost_model(train_yaml() + "objective: {maximize: accuracy}\n", nb201());
  auto tiny = sources(train_yaml());
  ASSERT_TRUE(model->evaluation_key(g, 0));
  EXPECT_EQ(model->evaluation_key(g, 0), key(*tiny[0], nb201().decode(g)));
  EXPECT_NE(model->evaluation_key(nb201().parse_arch(kCheap), 0), model->evaluation_key(nb201().parse_arch(kConv), 0));
}

// parallel.workers trainings hold their scenes at once: scenes that fit in half this
// machine's memory once but not that many times are refused before anything runs, naming
// parallel.workers (s30: the check counted one training).
TEST(TrainAccuracy, TheScenesOfEveryTrainingAtOnceMustFit) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const std::uint64_t memory = train::physical_memory_bytes();
  ASSERT_GT(memory, 0U);
  train::TrainOptions o;
  o.task = train::Task::segmentation;
  o.test_scenes = 16;
  o.scenes = 1000;
  while (train::scene_plan(o).bytes <= memory / 8) o.scenes *= 2;
  const std::uint64_t bytes = train::scene_plan(o).bytes;
  ASSERT_LE(bytes, memory / 2);  // one training fits
  const auto workers = static_cast<std::int32_t>(memory / 2 / bytes + 1);  // 2 to 4 trainings do not
  const char* old = std::getenv("HWNAS_SCENE_CACHE_DIR");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("HWNAS_SCENE_CACHE_DIR", (scratch() / "scenes").c_str(), 1);
  const std::string seg = std::string(HWNAS_SOURCE_DIR) + "/configs/spaces/mobilenet-seg-scenes.yaml";
  write_file(file(), "space: " + seg + "\naccuracy:\n  train: {task: segmentation, scenes: " +
                         std::to_string(o.scenes) +
                         ", test_scenes: 16}\nobjective: {maximize: accuracy}\nstrategy: {name: random}\n"
                         "budget: {trials: 1}\nparallel: {workers: " + std::to_string(workers) + "}\n");
  const std::string dir = (scratch() / "scene-workers").string();
  std::string why;
  try {
    run_search(read_experiment_config(file(), {}), dir, false, {});
  } catch (const UserError& e) {
    why = e.what();
  }
  // The line of parallel.workers, the total and each training's share (s30 fresh-user finding 9).
  EXPECT_TRUE(why.starts_with(file() + ":7: parallel.workers: " + std::to_string(workers) +
                              " trainings at once (parallel.workers), each of " + std::to_string(o.scenes) +
                              " training scenes, "))
      << why;
  EXPECT_NE(why.find(" of memory in all ("), std::string::npos) << why;
  EXPECT_NE(why.find(" each), more than half of this machine's "), std::string::npos) << why;
  EXPECT_TRUE(why.ends_with("; lower parallel.workers, accuracy.train.scene_size, accuracy.train.scenes or "
                            "accuracy.train.subset (or accuracy.train.test_scenes)"))
      << why;
  EXPECT_EQ(why.find('\n'), std::string::npos) << why;
  EXPECT_FALSE(std::filesystem::exists(dir)) << "a refused search wrote its directory";
  // One training fewer at once passes the check (the config's other checks follow it).
  const std::unique_ptr<space::Space> space = space::make_space(seg, {});
  EXPECT_NO_THROW(plan_accuracy_sources(load_yaml_file(file(), "experiment file"), file(), *space, {},
                                        {workers - 1, "parallel.workers"}));
  if (old != nullptr) ::setenv("HWNAS_SCENE_CACHE_DIR", saved.c_str(), 1);
  else ::unsetenv("HWNAS_SCENE_CACHE_DIR");
}

TEST(TrainAccuracy, ADivergingTrainingIsAFailedTrialWithItsReason) {
  HWNAS_REQUIRE_FASHION_MNIST();
  auto s = sources(train_yaml(", lr: 1000000"));
  try {
    accuracy_of(*s[0], kConv);
    ADD_FAILURE() << "a diverging training gave an accuracy";
  } catch (const UserError& e) {
    const std::string why = e.what();
    EXPECT_NE(why.find("training failed: loss"), std::string::npos) << why;
    EXPECT_NE(why.find("diverged"), std::string::npos) << why;
  }
  // Through the cost model: the trial is failed, and the next evaluation runs as usual.
  const auto model = testing::cost_model(train_yaml(", lr: 1000000") + "objective: {maximize: accuracy}\n", nb201());
  const Trial t = model->evaluate(nb201().parse_arch(kConv));
  EXPECT_EQ(t.status, TrialStatus::failed);
  EXPECT_NE(t.reason.find("diverged"), std::string::npos) << t.reason;
}

TEST(TrainAccuracy, AModelTheTrainerRefusesIsAOneLineFailure) {
  HWNAS_REQUIRE_FASHION_MNIST();
  auto s = sources(train_yaml());
  const graph::Graph wide = graph::build_zoo_model("mobilenet_v2:width=0.25");  // 1000 classes
  const space::Genome g = nb201().parse_arch(kCheap);
  const std::string arch = "mobilenet_v2";
  try {
    s[0]->accuracy(Candidate{g, arch, wide});
    ADD_FAILURE() << "a 1000-class model was trained on Fashion-MNIST";
  } catch (const UserError& e) {
    const std::string why = e.what();
    EXPECT_TRUE(why.starts_with("hwnas-train refused it: model ")) << why;
    EXPECT_NE(why.find("classes=10"), std::string::npos) << why;
    EXPECT_EQ(why.find('\n'), std::string::npos) << why;
  }
}

TEST(TrainAccuracy, ADetectorIsTrainedOnScenesAndAnswersMapInPercent) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const std::string cache = (scratch() / "scenes").string();
  const char* old = std::getenv("HWNAS_SCENE_CACHE_DIR");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("HWNAS_SCENE_CACHE_DIR", cache.c_str(), 1);  // hwnas-train inherits it
  // The shipped scene spaces (configs/spaces/mobilenet-{det,seg}-scenes.yaml) pass the scene
  // check when the experiment is read, at their baseline's resolution and at 64, their other.
  const std::string spaces = std::string(HWNAS_SOURCE_DIR) + "/configs/spaces/";
  const std::unique_ptr<space::Space> det = space::make_space(spaces + "mobilenet-det-scenes.yaml", {});
  const std::unique_ptr<space::Space> seg = space::make_space(spaces + "mobilenet-seg-scenes.yaml", {});
  // The read's error for `space` ("" when it is accepted).
  const auto read_error = [&](const space::Space& space) {
    try {
      plan_accuracy_sources(load_yaml_file(file(), "experiment file"), file(), space);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  for (const std::string resolution : {"", ", resolution: 64"}) {
    write_file(file(), "accuracy:\n  train: {task: segmentation" + resolution + "}\n");
    EXPECT_EQ(read_error(*seg), "") << resolution;
    write_file(file(), "accuracy:\n  train: {task: detection" + resolution + "}\n");
    EXPECT_EQ(read_error(*det), "") << resolution;
  }
  // Checked at each rung's resolution. Presence's 2 classes fail at every resolution, so the
  // rung's resolution is not named but accuracy.train (s29 fresh-user finding 7).
  write_file(file(), "accuracy:\n  train: {task: detection, scene_labels: presence}\nmulti_fidelity:\n  method: "
                     "successive_halving\n  rungs: [{resolution: 64, epochs: 1}, {epochs: 2}]\n");
  const std::string presence = read_error(*det);
  EXPECT_NE(presence.find(": accuracy.train: space 'mobilenet-det-scenes' cannot be trained on the scenes for "
                          "detection ("),
            std::string::npos)
      << presence;
  EXPECT_EQ(presence.find("resolution"), std::string::npos) << presence;
  EXPECT_TRUE(presence.ends_with("e.g. configs/spaces/mobilenet-det-scenes.yaml with classes: 2")) << presence;
  write_file(file(), "accuracy:\n  train: {task: detection, scenes: 16, test_scenes: 4, scene_size: 32, "
                     "resolution: 32, epochs: 1, batch: 8, threads: 1}\n");
  auto s = make_accuracy_sources(load_yaml_file(file(), "experiment file"), file(), *det);
  // The shipped 91-class space is refused when the experiment is read, naming what to give.
  const std::string coco = read_error(*space::make_space("mobilenet-det", {}));
  EXPECT_NE(coco.find("accuracy.train: space 'mobilenet-det' cannot be trained on the scenes for detection ("),
            std::string::npos)
      << coco;
  // A space of the scenes' networks with task: left out is told the task (s29 fresh-user finding 10).
  write_file(file(), "accuracy:\n  train: {epochs: 1}\n");
  EXPECT_NE(read_error(*seg).find("); its networks are segmenters of the scenes: set accuracy.train.task: "
                                  "segmentation, or give a space whose networks take 1- or 3-channel images"),
            std::string::npos)
      << read_error(*seg);
  EXPECT_NE(read_error(*det).find("); its networks are detectors of the scenes: set accuracy.train.task: detection, "
                                  "or give"),
            std::string::npos)
      << read_error(*det);
  EXPECT_NE(coco.find("give a space of SSD detectors of 11 classes"), std::string::npos) << coco;
  const graph::Graph detector = graph::build_zoo_model("ssdlite_mobilenet_v2:width=0.25,classes=11");
  const space::Genome g = nb201().parse_arch(kCheap);  // the source reads only the network
  const std::string arch = "ssdlite";
  const Candidate candidate{g, arch, detector};
  EXPECT_FALSE(s[0]->baseline(candidate));  // known once its trial has measured it
  const double a = s[0]->accuracy(candidate);
  // The prior-box baseline on the same test scenes and scale (s29 fresh-user finding 2),
  // the candidate's own (s30 finding 1: it depends on the resolution).
  ASSERT_TRUE(s[0]->baseline(candidate));
  EXPECT_GE(*s[0]->baseline(candidate), 0.0);
  EXPECT_LE(*s[0]->baseline(candidate), 100.0);
  const graph::Graph other = graph::build_zoo_model("ssdlite_mobilenet_v2:width=0.5,classes=11");
  EXPECT_FALSE(s[0]->baseline(Candidate{g, arch, other}));  // another network: not measured
  if (old != nullptr) ::setenv("HWNAS_SCENE_CACHE_DIR", saved.c_str(), 1);
  else ::unsetenv("HWNAS_SCENE_CACHE_DIR");
  EXPECT_GE(a, 0.0);  // 100 x mAP@0.5 of a detector trained on 16 scenes: near 0, but measured
  EXPECT_LE(a, 100.0);
  EXPECT_TRUE(std::filesystem::exists(cache)) << "the scenes were not generated into the cache";
}

TEST(TrainAccuracy, EveryRungTrainsAtItsOwnFidelity) {
  HWNAS_REQUIRE_FASHION_MNIST();
  auto s = sources(train_yaml() +
                   "multi_fidelity:\n  method: successive_halving\n  eta: 2\n"
                   "  rungs: [{subset: 0.005}, {subset: 0.02, epochs: 2}]\n");
  ASSERT_EQ(s.size(), 2U);
  const double low = accuracy_of(*s[0], kCheap), high = accuracy_of(*s[1], kCheap);
  EXPECT_NE(low, high);  // different trainings
  for (double a : {low, high}) {
    EXPECT_GE(a, 0.0);
    EXPECT_LE(a, 100.0);
  }
}

// "Higher fidelity" knob by knob (docs/experiments.md): each of epochs, subset and
// resolution no lower and one higher; other keys may change freely; an unset resolution
// (the model's own) is the highest.
TEST(TrainAccuracy, ARungRaisesOneFidelityKnobAndLowersNone) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const std::string mf = "multi_fidelity:\n  method: successive_halving\n  rungs: ";
  for (const std::string rungs : {"[{epochs: 1}, {epochs: 1, subset: 0.02}]", "[{resolution: 8}, {resolution: 16}]",
                                  "[{epochs: 1, resolution: 8}, {epochs: 1, lr: 0.5}]",
                                  "[{subset: 0.01}, {subset: 0.02, batch: 32, seed: 3}, {subset: 0.02, epochs: 2}]"})
    EXPECT_EQ(sources_error("accuracy: {train: {epochs: 1, subset: 0.01}}\n" + mf + rungs + "\n"), "") << rungs;
}

TEST(TrainAccuracy, CommandRungsFillTheFidelityPlaceholder) {
  const std::string stub = std::string(HWNAS_SOURCE_DIR) + "/tests/search/data/train_stub.py";
  auto s = sources("accuracy: {command: [python3, " + stub + ", ok, '{model}', '{fidelity}']}\n" +
                   "multi_fidelity: {method: hyperband, rungs: [1, 3, 9]}\n");
  ASSERT_EQ(s.size(), 3U);
  // The stub answers (layers mod 90) + fidelity.
  EXPECT_EQ(accuracy_of(*s[1], kCheap) - accuracy_of(*s[0], kCheap), 2.0);
  EXPECT_EQ(accuracy_of(*s[2], kCheap) - accuracy_of(*s[0], kCheap), 8.0);
  EXPECT_TRUE(sources("objective: {maximize: latency}\n").empty());  // no accuracy: none
}

TEST(TrainAccuracy, BadKeysAreOneLineErrorsNamingThem) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const std::string stub = std::string(HWNAS_SOURCE_DIR) + "/tests/search/data/train_stub.py";
  const std::string command = "accuracy: {command: [python3, " + stub + ", ok, '{model}', '{fidelity}']}\n";
  const std::string mf = "multi_fidelity:\n  method: successive_halving\n  rungs: ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {train_yaml(", epoch: 3"), "accuracy.train.epoch: unknown key (did you mean 'epochs'?); allowed: task, data, "
                                 "epochs"},
      // The knob's range, not int32's (fresh-user finding 10 of issue 12).
      {"accuracy: {train: {epochs: 1.5}}\n", "accuracy.train.epochs: must be a whole number in [1, 10000], got '1.5'"},
      {"accuracy: {train: {resolution: 32.0}}\n",
       "accuracy.train.resolution: must be a whole number in [8, 1024], got '32.0'"},
      {"accuracy: {train: {batch: [64]}}\n", "accuracy.train.batch: must be a whole number in [2, 65536], got a list"},
      {"accuracy: {train: {subset: 0}}\n", "accuracy.train.subset: 0 is out of range (0, 1]"},
      // Refused when given, even at classification's default (s27 fresh-user finding 9).
      {"accuracy: {train: {task: segmentation, label_smoothing: 0.1}}\n",
       "accuracy.train.label_smoothing: smooths class labels of classification; segmentation trains without it: "
       "remove it"},
      {"accuracy: {train: {epochs: 0}}\n", "accuracy.train.epochs: 0 is out of range [1, 10000]"},
      {"accuracy: {train: {resolution: 4}}\n", "accuracy.train.resolution: 4 is out of range [8, 1024]"},
      {"accuracy: {train: {batch: 1}}\n", "accuracy.train.batch: 1 is out of range [2, 65536]"},
      {"accuracy: {train: {threads: 0}}\n", "accuracy.train.threads: 0 is out of range [1, "},
      // A subset that fills no batch, named by its key with the smallest that does (s25 finding 5).
      {"accuracy: {train: {subset: 0.001}}\n",
       "accuracy.train.subset: 0.001 leaves 60 training images, fewer than one batch of 128 (batch); give subset at "
       "least 0.00209"},
      {train_yaml() + mf + "[{subset: 0.001}, {subset: 0.02}]\n",
       "multi_fidelity.rungs[0].subset: 0.001 leaves 60 training images, fewer than one batch of 64 (batch); give "
       "subset at least 0.00109"},
      {"accuracy: {train: {threads: 1000}}\n", "accuracy.train.threads: 1000 is more than 4 × the "},
      {train_yaml() + mf + "[{epochs: 1, threads: 1000}, {epochs: 2}]\n",
       "multi_fidelity.rungs[0].threads: 1000 is more than 4 × the "},
      {"accuracy: {train: {validation: 40000}}\n", "accuracy.train.validation: 40000 is out of range [0, 30000]"},
      {"accuracy: {train: {task: detection, validation: 100}}\n", "accuracy.train.validation: holds out"},
      {train_yaml(", lr: -1"), "accuracy.train.lr: -1 is out of range (0, 1e9]"},
      {train_yaml(", warmup: 2"), "accuracy.train.warmup: 2 is out of range [0, 1]"},
      // hwnas train --label-smoothing's range, not [0, 1): 0.9995 passed here, then every trial failed.
      {train_yaml(", label_smoothing: 0.9995"),
       "accuracy.train.label_smoothing: 0.9995 is out of range [0, 0.999]"},
      {train_yaml(", seed: -1"), "accuracy.train.seed: -1 "},
      {train_yaml(", timeout_s: 0"), "accuracy.train.timeout_s: 0 "},
      {"accuracy: {train: {epochs: '3'}}\n", "accuracy.train.epochs: must be an integer"},
      {train_yaml(", optimizer: adam"), "accuracy.train.optimizer: 'adam' is not an optimizer; use sgd or adamw"},
      {train_yaml(", task: regression"), "accuracy.train.task: 'regression' is not a task"},
      {train_yaml(", scenes: 100"), "accuracy.train.scenes: is for detection and segmentation"},
      {"accuracy: {train: {task: detection, scenes: 1}}\n", "accuracy.train.scenes: 1 is out of range [2, 1000000]"},
      {"accuracy: {train: {task: segmentation, scene_size: 16}}\n", "accuracy.train.scene_size: 16 is out of range"},
      {"accuracy: {train: {task: detection, scene_labels: people}}\n", "accuracy.train.scene_labels: 'people'"},
      {train_yaml(", augment: 1"), "accuracy.train.augment: must be true or false"},
      {train_yaml(", data: no_such_dir"), "accuracy.train.data: "},
      // The resolved path: a relative one is the experiment file's directory's (s30 fresh-user finding 12).
      {"accuracy: {train: {task: detection, data: no_such_dir}}\n",
       "accuracy.train.data: " + (scratch() / "no_such_dir").string() + ": no such directory; create it (mkdir -p " +
           (scratch() / "no_such_dir").string() + ")"},
      {"accuracy: {train: {task: detection, data: " + stub + "}}\n",
       "accuracy.train.data: '" + stub + "' is a file, not a directory; give the directory that keeps the scene cache"},
      // The scenes' cache is never written beside Fashion-MNIST's files (s29 fresh-user finding 5).
      {"accuracy: {train: {task: segmentation, data: " + train::default_fashion_mnist_dir().string() + "}}\n",
       "accuracy.train.data: holds Fashion-MNIST's files; for detection and segmentation, data: is the scene cache "
       "directory (the scenes are drawn from " + train::default_fashion_mnist_dir().string() + "): remove data: to "
       "use the default cache, "},
      // What would fail every trial, refused when read, naming the key (s29 fresh-user findings 1 and 4).
      {"accuracy: {train: {task: segmentation, subset: 0.0001}}\n",
       "accuracy.train.subset: 0.0001 of 10000 scenes leaves 1 training scene; give a larger subset or more scenes"},
      {"accuracy: {train: {task: segmentation, epochs: 1}}\n" + mf + "[{subset: 0.0001}, {subset: 0.5}]\n",
       "multi_fidelity.rungs[0].subset: 0.0001 of 10000 scenes leaves 1 training scene"},
      {"accuracy: {train: {task: segmentation, scenes: 1000000, scene_size: 1024}}\n",
       "accuracy.train.scene_size: 1000000 training scenes, 100 reference and 1000 test scenes of 1024x1024 pixels "
       "need about "},
      {"accuracy: {train: {task: segmentation, scene_size: 512, subset: 0.01}}\n" + mf +
           "[{scenes: 2000}, {scenes: 1000000, subset: 1}]\n",
       "multi_fidelity.rungs[1].scenes: 1000000 training scenes, 100 reference and 1000 test scenes of 512x512"},
      {"accuracy: {train: {data: " + stub + "}}\n",
       "accuracy.train.data: Fashion-MNIST directory " + stub + ": is a file, not a directory"},
      {"accuracy: {train: {epochs: 1}, csv: x.csv}\n",
       ":1: accuracy: train and csv are two sources, and accuracy: takes one; keep one (a csv table has one fidelity"},
      {"accuracy: {train: 3}\n", "accuracy.train: must be a mapping"},
      {train_yaml() + mf + "[{epochs: 0}, {epochs: 2}]\n", "multi_fidelity.rungs[0].epochs: 0 is out of range"},
      {train_yaml() + mf + "[{epochs: 1}, {task: detection}]\n", "multi_fidelity.rungs[1].task: unknown key"},
      {train_yaml() + mf + "[{epochs: 1}, {epoch: 2}]\n",
       "multi_fidelity.rungs[1].epoch: unknown key (did you mean 'epochs'?); allowed: epochs, subset"},
      {train_yaml() + mf + "[{epochs: 1}, {epochs: 2.5}]\n",
       "multi_fidelity.rungs[1].epochs: must be a whole number in [1, 10000], got '2.5'"},
      {train_yaml() + mf + "[{epochs: 2}, {epochs: 2}]\n", "multi_fidelity.rungs[1]: trains as rung 0 does"},
      {train_yaml() + mf + "[{epochs: 3}, {epochs: 1}]\n",
       "multi_fidelity.rungs[1]: lowers epochs to 1 from rung 0's 3; a higher rung keeps each of epochs, subset, "
       "resolution at least as high and raises one"},
      // More images (epochs x subset) but a lower resolution, or fewer epochs: still lower.
      {train_yaml() + mf + "[{resolution: 16, subset: 0.01}, {resolution: 8, subset: 0.1}]\n",
       "multi_fidelity.rungs[1]: lowers resolution to 8 from rung 0's 16"},
      {train_yaml() + mf + "[{epochs: 2, subset: 0.01}, {epochs: 1, subset: 0.1}]\n",
       "multi_fidelity.rungs[1]: lowers epochs to 1 from rung 0's 2"},
      {train_yaml() + mf + "[{epochs: 1}, {epochs: 1, lr: 0.5}]\n",
       "multi_fidelity.rungs[1]: raises none of epochs, subset, resolution over rung 0"},
      {"accuracy: {train: {epochs: 1}}\n" + mf + "[{epochs: 1}, {epochs: 2, resolution: 16}]\n",
       "multi_fidelity.rungs[1]: sets resolution 16, but rung 0 trains at the model's own resolution"},
      {"accuracy: {train: {task: detection, epochs: 1}}\n" + mf + "[{scenes: 200}, {scenes: 100, epochs: 2}]\n",
       "multi_fidelity.rungs[1]: lowers scenes to 100 from rung 0's 200; a higher rung keeps each of epochs, subset, "
       "resolution, scenes"},
      {train_yaml() + mf + "[1, 3]\n", "multi_fidelity.rungs[0]: must be a mapping"},
      {command + mf + "[{epochs: 1}, 3]\n", "multi_fidelity.rungs[0]: must be the text put in"},
      {command + mf + "[3, 3]\n", "multi_fidelity.rungs[1]: '3' is the rung below's fidelity too"},
      {"accuracy: {command: [python3, " + stub + ", ok, '{model}', '{fidelity}'], fidelity: 3}\n" + mf + "[1, 3]\n",
       "accuracy.fidelity: multi_fidelity.rungs give each rung's fidelity"},
  };
  for (const auto& [yaml, expected] : cases) {
    const std::string error = sources_error(yaml);
    EXPECT_NE(error.find(expected), std::string::npos) << yaml << "\n  gave: " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
  const std::string missing = sources_error(train_yaml(", data: no_such_dir"));
  EXPECT_NE(missing.find("apt-get install dataset-fashion-mnist"), std::string::npos) << missing;
}

// What the number is, from the config, for the search's text, --json and report (s29
// fresh-user finding 2).
TEST(TrainAccuracy, TheMetricIsNamedFromTheConfig) {
  const auto metric = [](const std::string& yaml) { return accuracy_metric(YAML::Load(yaml), ""); };
  EXPECT_EQ(metric("accuracy: {train: {epochs: 1}}"), "top-1 %");
  EXPECT_EQ(metric("accuracy: {train: {task: segmentation}}"), "100 x mIoU");
  EXPECT_EQ(metric("accuracy: {train: {task: detection}}"), "100 x mAP@0.5");
  EXPECT_EQ(metric("accuracy: {proxy: synflow}"), "proxy percentile");
  // A supernet's metric is its space's task: the head of the space file (from the experiment
  // file's directory) or of a built-in space; all three when the space cannot be read.
  EXPECT_EQ(metric("accuracy: {supernet: s.pt}"), "top-1 %, 100 x mAP@0.5 or 100 x mIoU with shared weights");
  const std::string experiment = std::string(HWNAS_SOURCE_DIR) + "/configs/experiments/x.yaml";
  const auto supernet_metric = [&experiment](const std::string& space) {
    return accuracy_metric(YAML::Load("space: " + space + "\naccuracy: {supernet: s.supernet}"), experiment);
  };
  EXPECT_EQ(supernet_metric("../spaces/mobilenet-cls-fmnist.yaml"), "top-1 % with shared weights");
  EXPECT_EQ(supernet_metric("../spaces/mobilenet-det-scenes.yaml"), "100 x mAP@0.5 with shared weights");
  EXPECT_EQ(supernet_metric("{name: ../spaces/mobilenet-seg-scenes.yaml}"), "100 x mIoU with shared weights");
  EXPECT_EQ(supernet_metric("mobilenet-seg"), "100 x mIoU with shared weights");
  EXPECT_EQ(supernet_metric("mobilenet-cls"), "top-1 % with shared weights");
  EXPECT_EQ(supernet_metric("../spaces/moved.yaml"), "top-1 %, 100 x mAP@0.5 or 100 x mIoU with shared weights");
  EXPECT_EQ(metric("accuracy: {csv: t.csv, column: acc_cifar10}"), "column acc_cifar10");
  EXPECT_EQ(metric("accuracy: {command: [train.sh, '{model}']}"), "");
  EXPECT_EQ(metric("objective: {maximize: latency}"), "");
}

TEST(TrainAccuracy, MissingFashionMnistSaysHowToInstallIt) {
  const std::filesystem::path empty = scratch() / "no_fashion_mnist";
  std::filesystem::create_directories(empty);
  const char* old = std::getenv("HWNAS_FASHION_MNIST_DIR");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("HWNAS_FASHION_MNIST_DIR", empty.c_str(), 1);
  const std::string error = sources_error(train_yaml());
  if (old != nullptr) ::setenv("HWNAS_FASHION_MNIST_DIR", saved.c_str(), 1);
  else ::unsetenv("HWNAS_FASHION_MNIST_DIR");
  EXPECT_TRUE(error.starts_with(file() + ": accuracy.train: ")) << error;
  EXPECT_NE(error.find("apt-get install dataset-fashion-mnist"), std::string::npos) << error;
  // The directory came from the variable: the error names it (s29 fresh-user finding 15).
  EXPECT_NE(error.find(empty.string() + " ($HWNAS_FASHION_MNIST_DIR): has no "), std::string::npos) << error;
}

// A scene cache directory that cannot be made fails when the experiment is read, naming the
// variable that gave it, not every trial (s29 fresh-user finding 4).
TEST(TrainAccuracy, AnUnusableSceneCacheIsRefusedWhenRead) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const std::filesystem::path blocker = scratch() / "cache_blocker";
  write_file(blocker.string(), "x");
  const std::string bad = (blocker / "cache").string();
  const char* old = std::getenv("HWNAS_SCENE_CACHE_DIR");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("HWNAS_SCENE_CACHE_DIR", bad.c_str(), 1);
  const std::string error = sources_error("accuracy: {train: {task: segmentation}}\n");
  if (old != nullptr) ::setenv("HWNAS_SCENE_CACHE_DIR", saved.c_str(), 1);
  else ::unsetenv("HWNAS_SCENE_CACHE_DIR");
  EXPECT_TRUE(error.starts_with(file() + ": accuracy.train: " + bad +
                                " ($HWNAS_SCENE_CACHE_DIR): cannot create the scene cache directory ("))
      << error;
}

}  // namespace
}  // namespace hwnas::search

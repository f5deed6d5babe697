// hwnas search with accuracy: train: as a user runs it: a multi-fidelity search on a tiny
// fidelity (NAS-Bench-201 cells at 8x8, under 1% of Fashion-MNIST, one epoch), diverging
// trainings that fail their trials while the search goes on, and bad keys (exit 2).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "hwnas/search/experiment_store.h"
#include "support/cli_runner.h"
#include "train/data_support.h"

namespace hwnas::search {
namespace {

using hwnas::testing::expect_bad_input;
using hwnas::testing::hwnas;
using hwnas::testing::Result;
using hwnas::testing::scratch_dir;
using hwnas::testing::write_temp;

std::string experiment(const std::string& train, const std::string& rest) {
  return "space: nb201\naccuracy:\n  train: {epochs: 1, resolution: 8, batch: 64, threads: 1" + train +
         "}\nobjective: {maximize: accuracy}\nstrategy: {name: random}\nseed: 1\n" + rest;
}

nlohmann::json search(const std::string& yaml, const std::string& name) {
  const std::string out = (scratch_dir() / name).string();
  std::filesystem::remove_all(out);
  const Result r = hwnas({"search", write_temp(name + ".yaml", yaml), "--out", out, "--json"});
  EXPECT_EQ(r.status, 0) << r.err;
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what() << "\nstdout: " << r.out << "\nstderr: " << r.err;
    return nlohmann::json::object();
  }
}

TEST(TrainSearchCli, AMultiFidelitySearchTrainsEachBracketUpToTheLastRung) {
  HWNAS_REQUIRE_FASHION_MNIST();
  // One bracket: 2 candidates at 0.5% of the training set, the better one at 1%.
  const nlohmann::json j = search(experiment(", subset: 0.01",
                                             "multi_fidelity:\n  method: successive_halving\n  eta: 2\n"
                                             "  rungs: [{subset: 0.005}, {subset: 0.01}]\n"
                                             "budget: {trials: 2}\n"),
                                  "mf");
  ASSERT_TRUE(j.contains("trials")) << j.dump();
  ASSERT_EQ(j["trials"].size(), 2U);
  for (const auto& t : j["trials"]) {
    EXPECT_EQ(t["status"], "ok") << t.dump();
    EXPECT_GE(t["accuracy"].get<double>(), 0.0);
    EXPECT_LE(t["accuracy"].get<double>(), 100.0);
  }
  ASSERT_TRUE(j["best"].is_object()) << j.dump();
  // The store: the better of the two went on to rung 1 and is the best; the other stayed.
  const ExperimentRecord record = read_experiment((scratch_dir() / "mf").string());
  EXPECT_EQ(record.info.rungs, 2);
  ASSERT_EQ(record.trials.size(), 2U);
  const std::size_t promoted = record.trials[0].rung == 1 ? 0 : 1;
  EXPECT_EQ(record.trials[promoted].rung, 1);
  EXPECT_EQ(record.trials[1 - promoted].rung, 0);
  EXPECT_EQ(best_trial(record), promoted);
  EXPECT_EQ(j["best"]["genome"], j["trials"][promoted]["genome"]);
}

TEST(TrainSearchCli, ADivergingTrainingIsAFailedTrialAndTheSearchGoesOn) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const nlohmann::json j = search(experiment(", subset: 0.01, lr: 1000000", "budget: {trials: 3}\n"), "diverge");
  ASSERT_TRUE(j.contains("trials")) << j.dump();
  EXPECT_EQ(j["stop"], "budget reached: 3 trials");
  ASSERT_EQ(j["trials"].size(), 3U);
  for (const auto& t : j["trials"]) {
    EXPECT_EQ(t["status"], "failed") << t.dump();
    EXPECT_NE(t.value("reason", "").find("the run diverged"), std::string::npos) << t.dump();
  }
  EXPECT_TRUE(j["best"].is_null());
}

TEST(TrainSearchCli, BadTrainKeysAreOneLineErrorsAndCreateNothing) {
  const std::string out = (scratch_dir() / "bad").string();
  std::filesystem::remove_all(out);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {experiment(", subset: 0", "budget: {trials: 1}\n"), "accuracy.train.subset: 0 is out of range (0, 1]"},
      {experiment(", optimiser: sgd", "budget: {trials: 1}\n"), "accuracy.train.optimiser: unknown key"},
      {experiment("", "multi_fidelity: {method: hyperband, eta: 1, rungs: [{epochs: 1}, {epochs: 2}]}\n"
                      "budget: {trials: 1}\n"),
       "multi_fidelity.eta: 1 "},
      {experiment("", "multi_fidelity: {method: hyperband, rungs: [{epochs: 1}, {epochs: 0}]}\n"
                      "budget: {trials: 1}\n"),
       "multi_fidelity.rungs[1].epochs: 0 is out of range [1, 10000]"},
      // A space of 1000 classes would fail every trial: refused before any.
      {"space: mobilenet-cls\naccuracy: {train: {epochs: 1, subset: 0.01}}\nobjective: {maximize: accuracy}\n"
       "strategy: random\nbudget: {trials: 1}\n",
       "accuracy.train: space 'mobilenet-cls' cannot be trained on Fashion-MNIST (model 'mobilenet-cls': output "
       "'output' gives 1000 class scores but the data have 10 classes)"},
  };
  for (const auto& [yaml, hint] : cases) {
    expect_bad_input({"search", write_temp("bad.yaml", yaml), "--out", out}, hint);
    EXPECT_FALSE(std::filesystem::exists(out));
  }
}

// Keys of multi_fidelity and accuracy given by --set: "(from --set)" and no line, as the
// experiment's other keys say it (a rung's order error said "FILE:0:" without it).
TEST(TrainSearchCli, MultiFidelityErrorsFromSetSayFromSet) {
  const std::string out = (scratch_dir() / "bad_set").string();
  std::filesystem::remove_all(out);
  const std::string file =
      write_temp("mf.yaml", experiment("", "multi_fidelity:\n  method: successive_halving\n  eta: 2\n"
                                           "  rungs: [{epochs: 1}, {epochs: 2}]\nbudget: {trials: 1}\n"));
  const std::string single = write_temp("single.yaml", experiment("", "budget: {trials: 1}\n"));
  const std::string res = write_temp("res.yaml", experiment("", "multi_fidelity:\n  method: successive_halving\n  "
                                                                "eta: 2\n  rungs: [{epochs: 1}, {epochs: 2, resolution: "
                                                                "16}]\nbudget: {trials: 1}\n"));
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{file, "--set", "multi_fidelity.eta=1"}, file + ": multi_fidelity.eta (from --set): 1 is too small"},
      {{file, "--set", "multi_fidelity.method=halving"}, file + ": multi_fidelity.method (from --set): 'halving'"},
      {{file, "--set", "multi_fidelity.bogus=1"}, file + ": multi_fidelity.bogus (from --set): unknown key"},
      {{file, "--set", "multi_fidelity.rungs.1.epochs=0"},
       file + ": multi_fidelity.rungs[1].epochs (from --set): 0 is out of range [1, 10000]"},
      {{file, "--set", "multi_fidelity.rungs.1={epochs: 1}"},
       file + ": multi_fidelity.rungs[1] (from --set): trains as rung 0 does"},
      {{single, "--set", "multi_fidelity={method: hyperband, rungs: [{epochs: 2}, {epochs: 1}]}"},
       single + ": multi_fidelity.rungs[1] (from --set): lowers epochs to 1 from rung 0's 2"},
      {{file, "--set", "accuracy.train.subset=0"}, file + ": accuracy.train.subset (from --set): 0 is out of range"},
      // Rung 1 is the file's, but what is wrong is rung 0's --set: no line, the key named
      // (it said FILE:10:, fresh-user finding 4 of issue 12); likewise a value all rungs inherit.
      {{file, "--set", "multi_fidelity.rungs.0.epochs=3"},
       file + ": multi_fidelity.rungs[1] (with multi_fidelity.rungs[0].epochs from --set): lowers epochs to 2 "
              "from rung 0's 3"},
      {{file, "--set", "multi_fidelity.rungs.0={epochs: 2}"},
       file + ": multi_fidelity.rungs[1] (with multi_fidelity.rungs[0] from --set): trains as rung 0 does"},
      {{res, "--set", "accuracy.train.resolution=24"},
       res + ": multi_fidelity.rungs[1] (with accuracy.train.resolution from --set): lowers resolution to 16 from "
             "rung 0's 24"},
      // Without --set, the file's line.
      {{write_temp("order.yaml", experiment("", "multi_fidelity:\n  method: successive_halving\n  eta: 2\n"
                                               "  rungs: [{epochs: 2}, {epochs: 1}]\nbudget: {trials: 1}\n"))},
       ":10: multi_fidelity.rungs[1]: lowers epochs to 1 from rung 0's 2"},
  };
  for (const auto& [args, hint] : cases) {
    std::vector<std::string> argv = {"search"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--out", out});
    expect_bad_input(argv, hint);
    EXPECT_FALSE(std::filesystem::exists(out));
  }
}

}  // namespace
}  // namespace hwnas::search

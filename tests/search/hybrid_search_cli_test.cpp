// hwnas search with a hybrid multi-fidelity schedule as a user runs it (docs/hybrid.md): a
// proxy rung, a supernet rung and a training rung, on a copy of hwnas beside a fake
// hwnas-train (data/fake_hwnas_train.py: made-up numbers, the real protocols), so that the
// loop, the promotions, the per-rung costs and the errors are checked in seconds; and the
// metric and trivial baseline a scene search names (the fake's segmentation answers).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "hwnas/search/experiment_store.h"
#include "support/cli_runner.h"
#include "support/search_checks.h"
#include "train/data_support.h"

namespace hwnas::search {
namespace {

namespace fs = std::filesystem;
using hwnas::testing::read_file;
using hwnas::testing::Result;
using hwnas::testing::run_program;
using hwnas::testing::scratch_dir;
using hwnas::testing::write_temp;

/// A copy of hwnas with the fake as the hwnas-train beside it.
const std::string& hwnas_with_fake_train() {
  static const std::string program = [] {
    const fs::path bin = scratch_dir() / "bin";
    fs::create_directories(bin);
    fs::copy_file(HWNAS_BINARY, bin / "hwnas", fs::copy_options::overwrite_existing);
    fs::copy_file(fs::path(HWNAS_SOURCE_DIR) / "tests/search/data/fake_hwnas_train.py", bin / "hwnas-train",
                  fs::copy_options::overwrite_existing);
    return (bin / "hwnas").string();
  }();
  return program;
}

Result search(const std::string& yaml, const std::string& name, const std::vector<std::string>& extra = {}) {
  fs::remove_all(scratch_dir() / name);
  std::vector<std::string> argv = {hwnas_with_fake_train(), "search", write_temp(name + ".yaml", yaml), "--out",
                                   (scratch_dir() / name).string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_program(argv);
}

/// `hwnas search FILE --out DIR --resume` with `sets` and budget.trials `trials`.
Result resume_search(const std::string& file, const std::string& dir, int trials, std::vector<std::string> sets) {
  std::vector<std::string> argv = {hwnas_with_fake_train(), "search", file, "--out", dir, "--resume"};
  sets.push_back("budget.trials=" + std::to_string(trials));
  for (const std::string& set : sets) argv.insert(argv.end(), {"--set", set});
  return run_program(argv);
}

/// The hybrid experiment: rungs `rungs` under accuracy.train, on mobilenet-cls-fmnist.
std::string hybrid(const std::string& rungs, const std::string& rest = "budget: {trials: 8}\n") {
  const std::string space = (fs::path(HWNAS_SOURCE_DIR) / "configs/spaces/mobilenet-cls-fmnist.yaml").string();
  return "space: " + space + "\nlatency: {target: edgetpu-like}\naccuracy:\n  train: {epochs: 1, threads: 1}\n" +
         "multi_fidelity:\n  method: successive_halving\n  eta: 2\n  candidates: 4\n  rungs: " + rungs +
         "\nobjective: {maximize: accuracy}\nstrategy: {name: evolution, population: 4, sample_size: 2}\nseed: 3\n" + rest;
}

void write_supernet(const std::string& name, const std::string& mode) {
  std::ofstream(scratch_dir() / name) << mode << "\n";
}

TEST(HybridSearchCli, EachBracketScreensRanksAndTrainsItsBest) {
  HWNAS_REQUIRE_FASHION_MNIST();
  write_supernet("ok.supernet", "ok");
  const std::string log = (scratch_dir() / "starts.log").string();
  fs::remove(log);
  ::setenv("FAKE_TRAIN_LOG", log.c_str(), 1);
  const Result r = search(hybrid("[{proxy: {name: synflow, reference: 4}}, {supernet: ok.supernet}, {}]"), "hy",
                          {"--json"});
  ::unsetenv("FAKE_TRAIN_LOG");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  // Two brackets of 4: 4 scored by the proxy, the best 2 evaluated in the supernet, the
  // best of those trained.
  ASSERT_EQ(j["trials"].size(), 8U);
  std::vector<int> at_rung(3, 0);
  for (const auto& t : j["trials"]) {
    EXPECT_EQ(t["status"], "ok") << t.dump();
    ++at_rung.at(t["rung"].get<std::size_t>());
  }
  EXPECT_EQ(at_rung, (std::vector<int>{4, 2, 2}));
  // Each rung's evaluations and their wall time.
  ASSERT_EQ(j["rung_costs"].size(), 3U) << j["rung_costs"].dump();
  const std::vector<int> evaluations = {8, 4, 2};
  for (int rung = 0; rung < 3; ++rung) {
    EXPECT_EQ(j["rung_costs"][rung]["rung"], rung);
    EXPECT_EQ(j["rung_costs"][rung]["evaluations"], evaluations[static_cast<std::size_t>(rung)]);
    EXPECT_EQ(j["rung_costs"][rung]["failed"], 0);
    EXPECT_GT(j["rung_costs"][rung]["seconds"].get<double>(), 0);
  }
  // Candidates (what budget.evaluations counts) and evaluations at every rung, both named.
  EXPECT_EQ(j["evaluations"], 8);
  EXPECT_EQ(j["rung_evaluations"], 14);
  // The steps' time (budget.seconds', every session) and this run's wall time, start-up included.
  EXPECT_GT(j["step_seconds"].get<double>(), 0);
  EXPECT_GE(j["wall_seconds"].get<double>(), j["step_seconds"].get<double>());
  // The best is a trained one: the fake trainer's numbers are 80 to 89.6.
  ASSERT_TRUE(j["best"].is_object()) << j.dump();
  EXPECT_GE(j["best"]["accuracy"].get<double>(), 80);
  // One proxy process, one supernet process (with the file resolved from the experiment's
  // directory), and one training process (one worker) that trains both trained candidates.
  std::ifstream in(log);
  int proxies = 0, supernets = 0, trainings = 0;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json argv = nlohmann::json::parse(line);
    if (argv[0] == "proxy") ++proxies;
    if (argv[0] == "supernet") {
      ++supernets;
      EXPECT_EQ(argv[2], (scratch_dir() / "ok.supernet").string());
      // The searched space's fingerprint, for hwnas-train to refuse a supernet of another.
      const auto at = std::find(argv.begin(), argv.end(), "--expect-fingerprint");
      ASSERT_NE(at, argv.end()) << line;
      EXPECT_TRUE(std::next(at) != argv.end() && std::next(at)->get<std::string>().starts_with("f1:")) << line;
      // Its validation errors name the rung's key, not --validation.
      const auto key = std::find(argv.begin(), argv.end(), "--validation-key");
      ASSERT_NE(key, argv.end()) << line;
      EXPECT_EQ(*std::next(key), "multi_fidelity.rungs[1].supernet.validation") << line;
    }
    if (argv[0] == "train") {
      ++trainings;
      EXPECT_EQ(argv[1], "--serve") << line;
    }
  }
  EXPECT_EQ(proxies, 1);
  EXPECT_EQ(supernets, 1);
  EXPECT_EQ(trainings, 1);
  // The store holds the same costs; the summary prints them.
  const ExperimentRecord record = read_experiment((scratch_dir() / "hy").string());
  ASSERT_EQ(record.rung_costs.size(), 3U);
  EXPECT_EQ(record.rung_costs[1].evaluations, 4);
  const Result human = search(hybrid("[{proxy: {name: synflow, reference: 4}}, {supernet: ok.supernet}, {}]"), "hy2");
  ASSERT_EQ(human.status, 0) << human.err;
  EXPECT_NE(human.out.find("accuracy evaluations by rung (wall time in the accuracy source): rung 0: 8 in "),
            std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("8 trials: 8 candidates evaluated for accuracy (14 evaluations over 3 rungs), "),
            std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find(" s in search steps (every session; what budget.seconds counts), "), std::string::npos)
      << human.out;
}

TEST(HybridSearchCli, ResumeRefusesASupernetReplacedSinceTheStart) {
  HWNAS_REQUIRE_FASHION_MNIST();
  write_supernet("kept.supernet", "ok");
  const std::string rungs = "[{supernet: kept.supernet}, {}]";
  ASSERT_EQ(search(hybrid(rungs), "kept").status, 0);
  const auto resume = [&](const std::string& trials, const std::string& with_rungs = "") {
    return run_program({hwnas_with_fake_train(), "search",
                        write_temp("kept.yaml", hybrid(with_rungs.empty() ? rungs : with_rungs)), "--out",
                        (scratch_dir() / "kept").string(), "--resume", "--set", "budget.trials=" + trials});
  };
  // The same file, rewritten with the same bytes: resumed.
  write_supernet("kept.supernet", "ok");
  const Result same = resume("12");
  ASSERT_EQ(same.status, 0) << same.err;
  EXPECT_EQ(read_experiment((scratch_dir() / "kept").string()).trials.size(), 12U);
  // Another supernet at that path (the fake reads its first word only: it would answer).
  write_supernet("kept.supernet", "ok retrained");
  const Result r = resume("16");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "not one line: " << r.err;
  for (const std::string& part : {std::string("--resume: "), std::string(": multi_fidelity.rungs[0].supernet: '") +
                                                                 (scratch_dir() / "kept.supernet").string() +
                                                                 "' is not the file the experiment in ",
                                  std::string("put that file back, or start a new search with another --out")})
    EXPECT_NE(r.err.find(part), std::string::npos) << part << "\nstderr: " << r.err;
  EXPECT_EQ(read_experiment((scratch_dir() / "kept").string()).trials.size(), 12U) << "the refused resume ran";
  // The original back: resumed again.
  write_supernet("kept.supernet", "ok");
  const Result back = resume("16");
  EXPECT_EQ(back.status, 0) << back.err;
  // The same file moved, given as {file:, space:} (s26 finding 2): its digest is the stored
  // one, and hwnas-train checks the space against the supernet's fingerprint.
  fs::rename(scratch_dir() / "kept.supernet", scratch_dir() / "moved.supernet");
  const std::string space = (fs::path(HWNAS_SOURCE_DIR) / "configs/spaces/mobilenet-cls-fmnist.yaml").string();
  const std::string moved = "[{supernet: {file: moved.supernet, space: " + space + "}}, {}]";
  const Result after_move = resume("20", moved);
  EXPECT_EQ(after_move.status, 0) << after_move.err;
  EXPECT_EQ(read_experiment((scratch_dir() / "kept").string()).trials.size(), 20U);
  // Another file at the new path is still refused, though the key is now ...supernet.file.
  write_supernet("moved.supernet", "ok retrained");
  const Result other_moved = resume("24", moved);
  EXPECT_EQ(other_moved.status, 2) << other_moved.err;
  EXPECT_NE(other_moved.err.find("is not the file the experiment in "), std::string::npos) << other_moved.err;
}

// A supernet process killed with SIGKILL mid-search (kill -9, the out-of-memory killer; s27
// fresh-user finding 4): one line on stderr at once naming the trial, the trial failed, the
// search goes on with a new process, and the evaluation is not in the store for a resume to reuse.
TEST(HybridSearchCli, AnEvaluationKilledFromOutsideIsNamedOnStderrAndNotStored) {
  HWNAS_REQUIRE_FASHION_MNIST();
  write_supernet("k.supernet", "kill9_once 2");  // the probe and one candidate answered, then SIGKILL
  fs::remove(scratch_dir() / "k.supernet.once");
  const Result r = search(hybrid("[{supernet: k.supernet}, {}]"), "killed");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string says = "failed at rung 0: hwnas-train supernet eval: '";
  const std::size_t at = r.err.find(says);
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string line = r.err.substr(r.err.rfind('\n', at) + 1, r.err.find('\n', at) - r.err.rfind('\n', at) - 1);
  EXPECT_NE(line.find("' was killed by signal 9 (Killed); it printed nothing on stderr; not the network's fault"),
            std::string::npos)
      << line;
  const ExperimentRecord record = read_experiment((scratch_dir() / "killed").string());
  ASSERT_EQ(record.trials.size(), 8U);
  std::vector<const Trial*> failed;
  for (const Trial& t : record.trials)
    if (t.status == TrialStatus::failed) failed.push_back(&t);
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_NE(line.find(fmt::format("trial {} failed", failed[0]->index)), std::string::npos) << line;
  const std::vector<StoredEvaluation> stored = ExperimentStore::open((scratch_dir() / "killed").string()).evaluations();
  EXPECT_EQ(std::count_if(stored.begin(), stored.end(),
                          [&](const StoredEvaluation& e) { return e.genome == failed[0]->genome; }),
            0);
  EXPECT_EQ(stored.size(), 8U + 4U - 1U);  // 4 candidates a bracket at rung 0, the best 2 trained; one killed
}

// --resume compares what decides the trials, not the keys as written (s27 fresh-user
// finding 5): a training key added at its default, or a higher timeout_s, resumes; a
// batch that came from parallel.workers is named by the key the user wrote.
TEST(HybridSearchCli, ResumeComparesEffectiveTrainingValues) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const std::string space = (fs::path(HWNAS_SOURCE_DIR) / "configs/spaces/mobilenet-cls-fmnist.yaml").string();
  const std::string file =
      write_temp("eff.yaml", "space: " + space + "\nlatency: {target: edgetpu-like}\naccuracy:\n  train: {epochs: 1, "
                             "threads: 1}\nparallel: {workers: 2}\nobjective: {maximize: accuracy}\n"
                             "strategy: {name: random}\nbudget: {trials: 2}\nseed: 3\n");
  const std::string dir = (scratch_dir() / "eff").string();
  fs::remove_all(dir);
  ASSERT_EQ(run_program({hwnas_with_fake_train(), "search", file, "--out", dir}).status, 0);
  const auto resume = [&](int trials, const std::vector<std::string>& sets) {
    return resume_search(file, dir, trials, sets);
  };
  // lr and seed at their defaults (sgd's 0.1, 0), written as 1e-1; a week's timeout_s.
  const Result same = resume(4, {"accuracy.train.lr=1e-1", "accuracy.train.seed=0", "accuracy.train.timeout_s=604800"});
  ASSERT_EQ(same.status, 0) << same.err;
  EXPECT_EQ(read_experiment(dir).trials.size(), 4U);
  const Result lr = resume(6, {"accuracy.train.lr=0.05"});
  EXPECT_EQ(lr.status, 2) << lr.err;
  EXPECT_NE(lr.err.find("key 'accuracy.train.lr' (from --set) is 0.05 here but 0.1 in the experiment stored in"),
            std::string::npos)
      << lr.err;
  const Result workers = resume(6, {"parallel={workers: 1}"});
  EXPECT_EQ(workers.status, 2) << workers.err;
  EXPECT_NE(workers.err.find("parallel.batch is not given, so a step asks one candidate per worker (parallel.workers, "
                             "from --set): 1 here, but the experiment stored in " + dir + " ran steps of 2, and its "
                             "trials depend on them; add parallel.batch: 2 (--set parallel.batch=2)"),
            std::string::npos)
      << workers.err;
  const Result batch = resume(6, {"parallel={workers: 3, batch: 2}"});
  EXPECT_EQ(batch.status, 0) << batch.err;
  EXPECT_EQ(read_experiment(dir).trials.size(), 6U);
  // More workers than a step has candidates: said at the start (s27 fresh-user finding 13).
  EXPECT_NE(batch.err.find(": parallel.batch 2 is below the 3 workers: a step evaluates 2 candidates at once and the "
                           "other workers wait; leave parallel.batch out (one candidate per worker) or raise it"),
            std::string::npos)
      << batch.err;
}

// A training rung is compared at the training it runs (s29 fresh-user finding 6): a rung key
// written equal to what it inherits from accuracy.train, or to its default, resumes; another
// value is refused saying that the stored accuracies were measured at the stored one; a
// lowered timeout_s resumes with a note on stderr.
TEST(HybridSearchCli, ResumeComparesTrainingRungsAtTheirEffectiveValues) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const std::string dir = (scratch_dir() / "rungs_eff").string();
  ASSERT_EQ(search(hybrid("[{subset: 0.5}, {}]", "budget: {trials: 4}\n"), "rungs_eff").status, 0);
  const std::string file = (scratch_dir() / "rungs_eff.yaml").string();
  const auto resume = [&](int trials, const std::vector<std::string>& sets) {
    return resume_search(file, dir, trials, sets);
  };
  // threads 1 and epochs 1: accuracy.train's, inherited; seed 0: the default.
  const Result same = resume(8, {"multi_fidelity.rungs.1.threads=1", "multi_fidelity.rungs.1.epochs=1",
                                 "multi_fidelity.rungs.0.seed=0", "multi_fidelity.rungs.0.subset=0.50"});
  ASSERT_EQ(same.status, 0) << same.err;
  EXPECT_EQ(same.err.find("timeout_s"), std::string::npos) << same.err;
  const Result epochs = resume(12, {"multi_fidelity.rungs.1.epochs=2"});
  EXPECT_EQ(epochs.status, 2) << epochs.err;
  EXPECT_NE(epochs.err.find("key 'multi_fidelity.rungs.1.epochs' (from --set) is 2 here but 1 (as accuracy.train) "
                            "in the experiment stored in " + dir + ": its accuracies were measured at 1 (as "
                            "accuracy.train), and new ones measured at 2 would not compare with them"),
            std::string::npos)
      << epochs.err;
  // Every differing key is named, not only the first.
  const Result two = resume(12, {"multi_fidelity.rungs.1.epochs=2", "multi_fidelity.rungs.0.subset=0.25"});
  EXPECT_EQ(two.status, 2) << two.err;
  EXPECT_NE(two.err.find("key 'multi_fidelity.rungs.0.subset' (from --set) is 0.25 here but 0.5 in"), std::string::npos)
      << two.err;
  EXPECT_NE(two.err.find("; also differing: 'multi_fidelity.rungs.1.epochs' (2 here, 1 (as accuracy.train) stored); "
                         "resume with"),
            std::string::npos)
      << two.err;
  const Result timeout = resume(12, {"accuracy.train.timeout_s=60"});
  ASSERT_EQ(timeout.status, 0) << timeout.err;
  EXPECT_NE(timeout.err.find("--resume: accuracy.train.timeout_s is 60 here but absent (the source's default) when "
                             "the experiment in " + dir + " last ran: if the limit is lower now, a trial that runs "
                             "longer than the limit now fails"),
            std::string::npos)
      << timeout.err;
  const Result lower = resume(16, {"accuracy.train.timeout_s=30"});
  ASSERT_EQ(lower.status, 0) << lower.err;
  EXPECT_NE(lower.err.find("--resume: accuracy.train.timeout_s is 30 here but 60 when"), std::string::npos) << lower.err;
  const Result higher = resume(20, {"accuracy.train.timeout_s=90"});
  ASSERT_EQ(higher.status, 0) << higher.err;
  EXPECT_EQ(higher.err.find("timeout_s"), std::string::npos) << higher.err;
}

// With accuracy.train.resolution fixed, genomes that differ only in their resolution train
// one network: it is trained once (s27 fresh-user finding 13).
TEST(HybridSearchCli, AFixedResolutionTrainsANetworkOnce) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const std::string space = write_temp(
      "res_only.yaml",
      "name: res-only\ndescription: two networks that differ only in their input resolution\ninput: {channels: 1, "
      "resolution: [28, 32]}\nactivation: relu6\nstem: {channels: 16, kernel: 3, stride: 2}\nstages:\n  - {name: s1, "
      "stride: 2, depth: [1], channels: 16, block: [ibn], kernel: [3], expansion: [1], se: [false]}\nhead: {task: "
      "classification, classes: 10, features: 32}\n");
  const std::string requests = (scratch_dir() / "requests.log").string();
  for (const std::string resolution : {"32", "0"}) {
    fs::remove(requests);
    ::setenv("FAKE_TRAIN_REQUESTS", requests.c_str(), 1);
    const Result r = search("space: " + space + "\naccuracy: {train: {epochs: 1, threads: 1, resolution: " +
                                resolution + "}}\nobjective: {maximize: accuracy}\nstrategy: {name: random}\n" +
                                "budget: {trials: 2}\n",
                            "res_once");
    ::unsetenv("FAKE_TRAIN_REQUESTS");
    ASSERT_EQ(r.status, 0) << r.err;
    const ExperimentRecord record = read_experiment((scratch_dir() / "res_once").string());
    ASSERT_EQ(record.trials.size(), 2U);
    std::ifstream in(requests);
    const auto trainings = std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
    EXPECT_EQ(trainings, resolution == "32" ? 1 : 2) << "resolution " << resolution;  // 0: each network's own
    // The copy is no accuracy evaluation: not counted, not stored (s29 fresh-user findings 3 and 14).
    EXPECT_EQ(record.accuracy_evaluations, trainings) << "resolution " << resolution;
    EXPECT_EQ(record.accuracy_copies, 2 - trainings) << "resolution " << resolution;
    ASSERT_EQ(record.rung_costs.size(), 1U);
    EXPECT_EQ(record.rung_costs[0].evaluations, trainings) << "resolution " << resolution;
    if (resolution == "32") {
      EXPECT_EQ(record.trials[1].metrics.accuracy, record.trials[0].metrics.accuracy);
      EXPECT_EQ(record.trials[1].reason, "accuracy: as trial 0, the same network (not evaluated again)");
      EXPECT_NE(r.out.find("1 accuracy evaluation (and 1 copy of a network evaluated before, not counted)"),
                std::string::npos)
          << r.out;
    }
  }
}

// Ctrl-C while the accuracy sources start (here the supernet's probe hangs: a real one
// takes seconds) ends hwnas at once, with the process it started, and stores nothing.
TEST(HybridSearchCli, CtrlCDuringStartUpEndsAtOnceAndStoresNothing) {
  HWNAS_REQUIRE_FASHION_MNIST();
  write_supernet("hang.supernet", "hang_once 0");
  const fs::path once = scratch_dir() / "hang.supernet.once";
  fs::remove(once);
  const fs::path dir = scratch_dir() / "startup";
  fs::remove_all(dir);
  const std::string err = (scratch_dir() / "startup.err").string();
  const pid_t pid = hwnas::testing::start_hwnas(
      // timeout_s: without the fix the probe fails after 30 s (exit 2) rather than hanging the test.
      {"search", write_temp("startup.yaml", hybrid("[{supernet: {file: hang.supernet, timeout_s: 30}}, {}]")), "--out",
       dir.string()},
      err,
      hwnas_with_fake_train());
  const std::string fake = hwnas::testing::text_written_to(once.string());
  ASSERT_FALSE(fake.empty()) << "the supernet's probe never started";
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << "status " << status;  // the shell's 130
  EXPECT_TRUE(hwnas::testing::process_ends(std::stoi(fake))) << "the supernet process outlived hwnas";
  EXPECT_FALSE(fs::exists(dir / "experiment.db"));
  EXPECT_NE(read_file(err).find("hwnas: interrupted while the accuracy sources started: nothing was stored (no "
                                "experiment in " + dir.string() + "); start the search again"),
            std::string::npos)
      << read_file(err);
}

// A hybrid's start-up (the proxy's reference sample, the supernet's probe) takes tens of
// seconds with the real hwnas-train: every error of the config comes before it.
TEST(HybridSearchCli, ConfigErrorsComeBeforeAnyHwnasTrainStarts) {
  HWNAS_REQUIRE_FASHION_MNIST();
  write_supernet("ok.supernet", "ok");
  const std::string rungs = "[{proxy: {name: synflow, reference: 4}}, {supernet: ok.supernet}, {}]";
  ASSERT_EQ(search(hybrid(rungs), "started").status, 0);
  const std::string log = (scratch_dir() / "early.log").string();
  // A finished search resumed with its budget answers without starting any source (s25 finding 9).
  fs::remove(log);
  ::setenv("FAKE_TRAIN_LOG", log.c_str(), 1);
  const Result finished = run_program({hwnas_with_fake_train(), "search", write_temp("started.yaml", hybrid(rungs)),
                                       "--out", (scratch_dir() / "started").string(), "--resume", "--json"});
  ::unsetenv("FAKE_TRAIN_LOG");
  ASSERT_EQ(finished.status, 0) << finished.err;
  EXPECT_EQ(nlohmann::json::parse(finished.out)["trials"].size(), 8U);
  EXPECT_EQ(nlohmann::json::parse(finished.out)["stop"], "budget reached: 8 trials");
  // It says that nothing ran this time, and which key to raise (s26 finding 4).
  EXPECT_NE(finished.err.find("hwnas: nothing ran: the experiment in " + (scratch_dir() / "started").string() +
                              " had spent its budget before this --resume (budget reached: 8 trials); to continue "
                              "it, raise budget.trials (--set budget.trials=N, N above the figure reached)"),
            std::string::npos)
      << finished.err;
  EXPECT_FALSE(fs::exists(log)) << "hwnas-train was started: " << read_file(log);
  struct Case {
    std::string yaml, name;
    std::vector<std::string> extra;
    std::string hint;
  };
  const std::vector<Case> cases = {
      {hybrid(rungs), "early", {"--set", "strategy.population=1"}, "strategy.population"},
      {hybrid(rungs), "early", {"--set", "strategy={name: local}"}, "strategy 'local' evaluates one neighbour"},
      {hybrid(rungs), "started", {"--resume", "--set", "seed=4"}, "--resume: "},
      {hybrid("[{proxy: {name: synflw, reference: 4}}, {supernet: ok.supernet}, {}]"), "early", {},
       "multi_fidelity.rungs[0].proxy.name: unknown proxy 'synflw' (known: synflow, "},
  };
  for (const Case& c : cases) {
    fs::remove(log);
    ::setenv("FAKE_TRAIN_LOG", log.c_str(), 1);
    const bool resume = !c.extra.empty() && c.extra.front() == "--resume";
    std::vector<std::string> argv = {hwnas_with_fake_train(), "search", write_temp(c.name + ".yaml", c.yaml),
                                     "--out", (scratch_dir() / c.name).string()};
    argv.insert(argv.end(), c.extra.begin(), c.extra.end());
    const Result r = resume ? run_program(argv) : search(c.yaml, c.name, c.extra);
    ::unsetenv("FAKE_TRAIN_LOG");
    SCOPED_TRACE(c.hint + "\nstderr: " + r.err);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find(c.hint), std::string::npos);
    EXPECT_FALSE(fs::exists(log)) << "hwnas-train was started: " << read_file(log);
  }
}

TEST(HybridSearchCli, BadHybridsAreOneLineAndExit2) {
  HWNAS_REQUIRE_FASHION_MNIST();
  write_supernet("refused.supernet", "refuse");
  write_supernet("other.supernet", "other");
  fs::create_directories(scratch_dir() / "dir.supernet");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[{supernet: none.supernet}, {}]", "multi_fidelity.rungs[0].supernet: no such file"},
      {"[{supernet: {file: other.supernet, space: none.yaml}}, {}]",
       "multi_fidelity.rungs[0].supernet.space: no such space file"},
      {"[{supernet: dir.supernet}, {}]", "dir.supernet' is a directory, not a supernet file; give the file itself"},
      // hwnas-train's whole line, its fix included (it was cut after 100 characters).
      {"[{supernet: refused.supernet}, {}]",
       "refused.supernet: not a supernet file (no 'hwnas-supernet' header); train one with hwnas supernet train'"},
      {"[{supernet: other.supernet}, {}]", "is not a subnet of this supernet (space 'nb201')"},
      {"[{epochs: 1}, {proxy: synflow}]", "multi_fidelity.rungs[1]: a proxy rung screens candidates"},
      {"[{proxy: synflow, subset: 0.1}, {}]", "multi_fidelity.rungs[0].subset: a proxy rung scores candidates"},
      {"[{naswot: 1}, {}]", "multi_fidelity.rungs[0].naswot: unknown key"},
      {"[{proxy: {name: synflow, threads: 1000}}, {}]",
       "multi_fidelity.rungs[0].proxy.threads: 1000 is more than 4 ×"},
      {"[{supernet: {file: other.supernet, threads: 1000}}, {}]",
       "multi_fidelity.rungs[0].supernet.threads: 1000 is more than 4 ×"},
      // Misspelt keys are suggested, in a rung of accuracy.train and in a source rung.
      {"[{proxi: synflow}, {}]", "multi_fidelity.rungs[0].proxi: unknown key (did you mean 'proxy'?)"},
      // A near training key is not offered as the fix in a source rung, which refuses it too.
      {"[{proxy: synflow, epoch: 2}, {}]",
       "multi_fidelity.rungs[0].epoch: unknown key ('epochs', if you meant it, belongs in a rung of accuracy.train); "
       "a proxy rung scores candidates"},
      {"[{supernet: x.supernet, supernett: 1}, {}]",
       "multi_fidelity.rungs[0].supernett: unknown key (did you mean 'supernet'?); a supernet rung evaluates"},
  };
  for (const auto& [rungs, hint] : cases) {
    const Result r = search(hybrid(rungs), "bad");
    SCOPED_TRACE(rungs + "\nstderr: " + r.err);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "not one line";
    EXPECT_NE(r.err.find(hint), std::string::npos);
    EXPECT_FALSE(fs::exists(scratch_dir() / "bad")) << "an experiment directory was written";
  }
}

/// A segmentation search on the scenes, trained by the fake (100 x mIoU around 10 to 19.6,
/// its all-background baseline 7.27), in a scene cache of the scratch directory.
std::string scene_search(const std::string& rest = "budget: {trials: 2}\n") {
  const std::string space = (fs::path(HWNAS_SOURCE_DIR) / "configs/spaces/mobilenet-seg-scenes.yaml").string();
  ::setenv("HWNAS_SCENE_CACHE_DIR", (scratch_dir() / "scene-cache").c_str(), 1);
  return "space: " + space +
         "\nlatency: {target: edgetpu-like}\naccuracy:\n  train: {task: segmentation, epochs: 1, scenes: 64, "
         "test_scenes: 16, threads: 1}\nobjective: {maximize: accuracy}\nstrategy: {name: random}\nseed: 1\n" +
         rest;
}

// hwnas search --json names the trial whose evaluation a copy took (copy_of; null for a
// trial evaluated itself) and counts the copies of each rung (rung_costs' copies), as the
// summary's by-rung line does. Under accuracy.train.resolution 32 the 4 genomes of this
// space (resolution 28 or 32, kernel 3 or 5) are 2 networks: one bracket of 4 trains 2 at
// rung 0, and its 2 places at rung 1 go to the 2 networks (not to the best one's 2 genomes:
// each copy follows its network without a place), so 2 train there and 2 are copies.
TEST(HybridSearchCli, JsonNamesEachCopysTrialAndCountsCopiesPerRung) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const std::string space = write_temp(
      "res_kernel.yaml",
      "name: res-kernel\ndescription: four genomes, two networks at one resolution\ninput: {channels: 1, "
      "resolution: [28, 32]}\nactivation: relu6\nstem: {channels: 16, kernel: 3, stride: 2}\nstages:\n  - {name: s1, "
      "stride: 2, depth: [1], channels: 16, block: [ibn], kernel: [3, 5], expansion: [1], se: [false]}\nhead: {task: "
      "classification, classes: 10, features: 32}\n");
  const std::string config = "space: " + space +
                             "\naccuracy: {train: {epochs: 1, threads: 1, resolution: 32}}\nmulti_fidelity:\n  "
                             "method: successive_halving\n  eta: 2\n  candidates: 4\n  rungs: [{subset: 0.5}, {}]\n"
                             "objective: {maximize: accuracy}\nstrategy: {name: random}\nseed: 1\nbudget: {trials: 4}\n";
  const Result json = search(config, "copies_json", {"--json"});
  ASSERT_EQ(json.status, 0) << json.err;
  const nlohmann::json j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j["trials"].size(), 4U) << json.out;
  std::vector<std::size_t> copies;
  for (std::size_t i = 0; i < 4; ++i) {
    const nlohmann::json& t = j["trials"][i];
    ASSERT_TRUE(t.contains("copy_of")) << t.dump();
    if (t["copy_of"].is_null()) {
      EXPECT_TRUE(t["accuracy_evaluated"]) << t.dump();
      continue;
    }
    copies.push_back(i);
    const auto source = t["copy_of"].get<std::size_t>();
    ASSERT_LT(source, i) << t.dump();
    EXPECT_TRUE(j["trials"][source]["copy_of"].is_null()) << j["trials"].dump();
    EXPECT_FALSE(t["accuracy_evaluated"]) << t.dump();
    EXPECT_NE(t["reason"].get<std::string>().find(fmt::format("as trial {}, the same network", source)),
              std::string::npos)
        << t.dump();
  }
  EXPECT_EQ(copies.size(), 2U) << j["trials"].dump();
  EXPECT_EQ(j["evaluations"], 2);
  EXPECT_EQ(j["copies"], 2);
  ASSERT_EQ(j["rung_costs"].size(), 2U) << j["rung_costs"].dump();
  EXPECT_EQ(j["rung_costs"][0]["evaluations"], 2);
  EXPECT_EQ(j["rung_costs"][0]["copies"], 2);
  EXPECT_EQ(j["rung_costs"][1]["evaluations"], 2);
  EXPECT_EQ(j["rung_costs"][1]["copies"], 2);

  const Result text = search(config, "copies_text");
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("2 candidates evaluated for accuracy (4 evaluations over 2 rungs; and 2 copies of a "
                          "network evaluated before, not counted)"),
            std::string::npos)
      << text.out;
  const std::size_t by_rung = text.out.find("accuracy evaluations by rung (wall time in the accuracy source): rung 0: 2 in ");
  ASSERT_NE(by_rung, std::string::npos) << text.out;
  const std::string line = text.out.substr(by_rung, text.out.find('\n', by_rung) - by_rung);
  EXPECT_NE(line.find(" s, and 2 copies; rung 1: 2 in "), std::string::npos) << line;
  EXPECT_TRUE(line.ends_with(" s, and 2 copies")) << line;
}

// s29 fresh-user finding 2: a scene search said "accuracy" only, though it is 100 x mIoU
// (or 100 x mAP@0.5), and never showed the trivial baseline a network that learnt nothing scores.
TEST(HybridSearchCli, ASceneSearchNamesItsMetricAndBaseline) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const Result text = search(scene_search(), "seg");
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find(" (100 x mIoU; all-background 7.27), latency "), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("no better than"), std::string::npos) << text.out;
  // The progress lines name them after the best so far.
  EXPECT_NE(text.err.find("best accuracy "), std::string::npos) << text.err;
  EXPECT_NE(text.err.find(" (100 x mIoU; all-background 7.27)\n"), std::string::npos) << text.err;

  const Result json = search(scene_search(), "seg-json", {"--json"});
  ASSERT_EQ(json.status, 0) << json.err;
  const nlohmann::json j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["accuracy_metric"], "100 x mIoU");
  ASSERT_TRUE(j["best"].is_object()) << j.dump();
  EXPECT_GT(j["best"]["accuracy"].get<double>(), 7.27);
  // Each trained trial's own baseline; the top level's and the best's are the best trial's.
  std::size_t trained = 0;
  for (const nlohmann::json& t : j["trials"]) {
    if (t["accuracy"].is_null()) continue;
    ++trained;
    EXPECT_EQ(t["accuracy_baseline"], 7.27) << t.dump();
  }
  EXPECT_GT(trained, 0u) << j.dump();
  EXPECT_EQ(j["best"]["accuracy_baseline"], 7.27);
  EXPECT_EQ(j["accuracy_baseline"], j["best"]["accuracy_baseline"]);
  EXPECT_EQ(j["accuracy_baseline_range"], nlohmann::json::array({7.27, 7.27}));

  // A best at the baseline is said to have learnt nothing.
  ::setenv("FAKE_TRAIN_LEARNS_NOTHING", "1", 1);
  const Result nothing = search(scene_search(), "seg-nothing");
  ::unsetenv("FAKE_TRAIN_LEARNS_NOTHING");
  ASSERT_EQ(nothing.status, 0) << nothing.err;
  EXPECT_NE(nothing.out.find("accuracy 7.27 (100 x mIoU; all-background 7.27), latency "), std::string::npos)
      << nothing.out;
  EXPECT_NE(nothing.out.find("\n  no better than the all-background baseline: the network learnt nothing; "),
            std::string::npos)
      << nothing.out;

  // Classification: top-1 %, no baseline.
  const Result top1 = search(hybrid("[{subset: 0.5}, {}]", "budget: {trials: 4}\n"), "top1", {"--json"});
  ASSERT_EQ(top1.status, 0) << top1.err;
  const nlohmann::json k = nlohmann::json::parse(top1.out);
  EXPECT_EQ(k["accuracy_metric"], "top-1 %");
  EXPECT_TRUE(k["accuracy_baseline"].is_null()) << k.dump();
  for (const nlohmann::json& t : k["trials"]) EXPECT_TRUE(t["accuracy_baseline"].is_null()) << t.dump();
}

}  // namespace
}  // namespace hwnas::search

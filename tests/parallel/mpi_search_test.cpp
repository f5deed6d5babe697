// `mpirun -np 3 hwnas search` as a user runs it (docs/parallel.md): it equals the
// single-process search with the same seed and parallel.batch (multi-fidelity too, the
// rungs travelling with the jobs); a worker rank killed
// mid-search ends the run with a line naming it, and --resume (under mpirun or alone)
// finishes with the uninterrupted run's trials, running no stored evaluation again; bad
// input is one line, whatever the number of ranks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mpirun.h"
#include "support/search_checks.h"
#include "train/data_support.h"

namespace hwnas::testing {
namespace {

/// An experiment whose accuracy program logs the pid of the process that ran it (the
/// worker rank) to `log`, answers an accuracy that depends on the model file only, and,
/// with `kill_after` > 0, SIGKILLs that process instead of answering on the first call
/// that finds `kill_after` calls logged (once: a marker directory says it happened).
std::string experiment(const std::string& name, const std::string& log, int kill_after = 0,
                       const std::string& parallel = "{workers: 2, batch: 2}") {
  const std::string script = fresh_path(name + ".sh"), marker = fresh_path(name + ".killed");
  std::ofstream(script) << "sum=$(cksum < \"$1\"); sum=${sum%% *}\n"
                        << "echo $PPID >> '" << log << "'\n"
                        << "if [ " << kill_after << " -gt 0 ] && [ $(wc -l < '" << log << "') -ge " << kill_after
                        << " ] && mkdir '" << marker << "' 2>/dev/null; then kill -9 $PPID; exit 1; fi\n"
                        << "sleep 0.0$((sum % 5))5\n"
                        << "echo \"{\\\"accuracy\\\": $((sum % 100)).$((sum / 100 % 10))}\"\n";
  const std::string config = fresh_path(name + ".yaml");
  std::ofstream(config) << "space: mobilenet-cls\n"
                        << "accuracy: {command: [sh, '" << script << "', '{model}']}\n"
                        << "objective: {maximize: accuracy}\n"
                        << "strategy: {name: evolution, population: 6, sample_size: 3}\n"
                        << "budget: {trials: 12}\nseed: 3\n"
                        << (parallel.empty() ? "" : "parallel: " + parallel + "\n");
  return config;
}

std::vector<std::string> log_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

nlohmann::json parse_json(const Result& r) {
  EXPECT_EQ(r.status, 0) << r.err;
  try {
    return nlohmann::json::parse(r.out);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << e.what() << "\n" << r.out.substr(0, 400) << "\n" << r.err;
    return {};
  }
}

nlohmann::json mpi_search(int ranks, std::vector<std::string> args) {
  args.insert(args.begin(), "search");
  args.push_back("--json");
  return parse_json(mpirun(ranks, HWNAS_BINARY, args));
}

TEST(MpiSearch, ThreeRanksEqualOneProcessWithTheSameBatch) {
  REQUIRE_MPIRUN();
  const std::string alone_log = fresh_path("alone.log"), mpi_log = fresh_path("mpi.log");
  const nlohmann::json alone = parse_json(hwnas({"search", experiment("alone", alone_log), "--out", fresh_path("alone"),
                                                 "--json"}));
  const nlohmann::json mpi = mpi_search(3, {experiment("mpi", mpi_log), "--out", fresh_path("mpi")});
  ASSERT_EQ(alone.at("trials").size(), 12u);
  EXPECT_EQ(mpi.at("trials"), alone.at("trials"));
  EXPECT_EQ(mpi.at("best"), alone.at("best"));
  EXPECT_EQ(mpi.at("evaluations"), 12);
  // Both worker ranks trained (ran the program), and only they: 12 calls from 2 processes.
  const std::vector<std::string> calls = log_lines(mpi_log);
  EXPECT_EQ(calls.size(), 12u);
  EXPECT_EQ(std::set<std::string>(calls.begin(), calls.end()).size(), 2u);
}

// Multi-fidelity: the jobs carry their rung to the workers (the program's {fidelity}).
TEST(MpiSearch, HyperbandUnderMpirunEqualsOneProcess) {
  REQUIRE_MPIRUN();
  const std::string script = fresh_path("rungs.sh"), config = fresh_path("rungs.yaml"), log = fresh_path("rungs.log");
  std::ofstream(script) << "sum=$(cksum < \"$1\"); sum=${sum%% *}\necho \"$2\" >> '" << log << "'\n"
                        << "echo \"{\\\"accuracy\\\": $((40 + sum % 30 + $2 * 3)).$((sum / 100 % 10))}\"\n";
  std::ofstream(config) << "space: mobilenet-cls\n"
                        << "accuracy: {command: [sh, '" << script << "', '{model}', '{fidelity}']}\n"
                        << "multi_fidelity: {method: hyperband, eta: 3, rungs: [1, 3, 9]}\n"
                        << "objective: {maximize: accuracy}\n"
                        << "strategy: {name: evolution, population: 8, sample_size: 4}\n"
                        << "budget: {trials: 20}\nseed: 2\n";
  const nlohmann::json alone =
      parse_json(hwnas({"search", config, "--out", fresh_path("rungs-alone"), "--set", "parallel.workers=3", "--json"}));
  const std::vector<std::string> alone_calls = log_lines(log);
  std::filesystem::remove(log);
  const nlohmann::json mpi = mpi_search(4, {config, "--out", fresh_path("rungs-mpi")});
  EXPECT_EQ(mpi.at("trials"), alone.at("trials"));
  std::vector<std::string> mpi_calls = log_lines(log);
  EXPECT_EQ(std::multiset<std::string>(mpi_calls.begin(), mpi_calls.end()),
            std::multiset<std::string>(alone_calls.begin(), alone_calls.end()));
  EXPECT_EQ(std::set<std::string>(mpi_calls.begin(), mpi_calls.end()), (std::set<std::string>{"1", "3", "9"}));
}

TEST(MpiSearch, AKilledWorkerEndsTheRunAndResumeLosesNothing) {
  REQUIRE_MPIRUN();
  const nlohmann::json whole =
      parse_json(hwnas({"search", experiment("whole", fresh_path("whole.log")), "--out", fresh_path("whole"), "--json"}));
  const std::string log = fresh_path("killed.log"), config = experiment("killed", log, 5), dir = fresh_path("killed");
  const Result killed = mpirun(3, HWNAS_BINARY, {"search", config, "--out", dir});
  EXPECT_NE(killed.status, 0);
  // Rank 0 names the rank that died, as mpirun does, and says how to go on.
  std::smatch ours, theirs;
  ASSERT_TRUE(std::regex_search(killed.err, ours, std::regex("hwnas: rank ([12]) ended, so mpirun ended the search "
                                                             "after ([0-9]+) trials; the experiment in (.*) is "
                                                             "consistent: continue it with hwnas search (.*) --out "
                                                             "(.*) --resume \\(alone, or under mpirun again\\)\n")))
      << killed.err;
  ASSERT_TRUE(std::regex_search(killed.err, theirs, std::regex("process rank ([0-9]+) with PID"))) << killed.err;
  EXPECT_EQ(ours[1], theirs[1]);
  EXPECT_EQ(ours[3], dir);
  const std::size_t kept = std::stoul(ours[2]);
  EXPECT_LT(kept, 12u);
  const int stored = stored_evaluations(dir);
  EXPECT_GE(stored, 4);  // the 4 calls before the kill answered, and were committed at once

  // Resumed under mpirun, and (a copy) alone: the uninterrupted run's trials, and no
  // stored evaluation runs again.
  const std::string copy = fresh_path("killed-copy");
  std::filesystem::copy(dir, copy);
  const std::size_t calls_before = log_lines(log).size();
  const nlohmann::json resumed = mpi_search(3, {config, "--out", dir, "--resume"});
  EXPECT_EQ(resumed.at("trials"), whole.at("trials"));
  EXPECT_EQ(resumed.at("best"), whole.at("best"));
  EXPECT_EQ(log_lines(log).size() - calls_before, static_cast<std::size_t>(12 - stored));
  const nlohmann::json alone = parse_json(hwnas({"search", config, "--out", copy, "--resume", "--json"}));
  EXPECT_EQ(alone.at("trials"), whole.at("trials"));
}

void expect_one_line(const std::vector<std::string>& argv, const std::string& hint);

// Without parallel.batch the worker ranks set the batch: the line after a killed rank says
// so (--set parallel.batch=2), a resume under mpirun of a search run alone is refused naming
// the ranks (and every other differing key), a finished search resumes alone, and
// parallel.workers, ignored, gets a note (s30 fresh-user findings 2, 10 and 12).
TEST(MpiSearch, WithoutABatchTheRanksSetItAndTheLinesSaySo) {
  REQUIRE_MPIRUN();
  const std::string log = fresh_path("nobatch.log"), config = experiment("nobatch", log, 5, "");
  const std::string dir = fresh_path("nobatch");
  const Result killed = mpirun(3, HWNAS_BINARY, {"search", config, "--out", dir});
  EXPECT_NE(killed.status, 0);
  EXPECT_NE(killed.err.find(" --resume --set parallel.batch=2 (alone, or under mpirun again)\n"), std::string::npos)
      << killed.err;
  // That line, alone, finishes the search.
  const nlohmann::json alone =
      parse_json(hwnas({"search", config, "--out", dir, "--resume", "--set", "parallel.batch=2", "--json"}));
  EXPECT_EQ(alone.at("trials").size(), 12u);
  // Finished: a plain resume alone runs nothing, and is not refused for the batch.
  const Result finished = hwnas({"search", config, "--out", dir, "--resume"});
  EXPECT_EQ(finished.status, 0) << finished.err;
  EXPECT_NE(finished.err.find("nothing ran"), std::string::npos) << finished.err;
  // A search run alone (steps of 1), resumed under mpirun: the ranks are named, and seed too.
  const std::string single = fresh_path("single");
  parse_json(hwnas({"search", config, "--out", single, "--set", "budget.trials=4", "--json"}));
  expect_one_line({"-np", "3", HWNAS_BINARY, "search", config, "--out", single, "--resume", "--set", "seed=9"},
                  "parallel.batch is not given, so a step asks one candidate per worker (the worker ranks, mpirun "
                  "-np less one): 2 here, but the experiment stored in " + single + " ran steps of 1");
  expect_one_line({"-np", "3", HWNAS_BINARY, "search", config, "--out", single, "--resume", "--set", "seed=9"},
                  "; also differing: 'seed' (9 here, 3 stored)");
  // parallel.workers is not used under mpirun: one note says so.
  const Result noted = mpirun(3, HWNAS_BINARY,
                              {"search", config, "--out", fresh_path("noted"), "--set", "parallel.workers=3", "--set",
                               "budget.trials=2"});
  EXPECT_EQ(noted.status, 0) << noted.err;
  EXPECT_NE(noted.err.find(": parallel.workers (from --set) is ignored under mpirun: the 2 worker ranks (mpirun -np "
                           "less one) evaluate the candidates (docs/parallel.md)\n"),
            std::string::npos)
      << noted.err;
}

/// Runs `mpirun -q` (no notes of its own) with `argv` after -np and checks hwnas's bad-input
/// contract: status 2, nothing on stdout, one line on stderr that says `hint`.
void expect_one_line(const std::vector<std::string>& argv, const std::string& hint) {
  std::vector<std::string> all = {mpirun_path(), "-q", "--allow-run-as-root", "--oversubscribe"};
  all.insert(all.end(), argv.begin(), argv.end());
  const Result r = run_program(all);
  SCOPED_TRACE(fmt::format("{}\nstatus {}\nstdout: {}\nstderr: {}", fmt::join(all, " "), r.status, r.out, r.err));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line";
  EXPECT_NE(r.err.find(hint), std::string::npos);
}

TEST(MpiSearch, BadInputIsOneLineWhateverTheRanks) {
  REQUIRE_MPIRUN();
  const std::string config = experiment("bad", fresh_path("bad.log")), dir = fresh_path("never");
  const std::string n = "3", hwnas_path = HWNAS_BINARY;
  expect_one_line({"-np", n, hwnas_path, "search", config, "--out", dir, "--set", "budget.trials=zero"},
                  "hwnas: " + config + ": budget.trials (from --set): must be an integer, got 'zero'");
  expect_one_line({"-np", n, hwnas_path, "search", config, "--out", dir, "--frobnicate"},
                  "hwnas: unknown option '--frobnicate' for 'hwnas search'; run 'hwnas search --help'");
  // Only the workers cannot run the accuracy program (another PATH there): the first of
  // them says so, naming itself.
  expect_one_line({"-np", "1", hwnas_path, "search", config, "--out", dir, ":", "-np", "2", "/usr/bin/env",
                   "PATH=/nonexistent", hwnas_path, "search", config, "--out", dir},
                  "hwnas: rank 1: " + config + ":2: accuracy.command: cannot run 'sh'");
  EXPECT_FALSE(std::filesystem::exists(dir));
  // An error of rank 0 alone, once the workers are waiting for jobs: they stop.
  mpi_search(3, {config, "--out", dir, "--set", "budget.trials=2"});
  expect_one_line({"-np", n, hwnas_path, "search", config, "--out", dir},
                  "holds an experiment already (experiment.db); use --resume");
}

// A scene task's trivial baseline is measured by the trainings, which run in the worker
// ranks: it travels with their results (messages.h), so rank 0's store keeps it with each
// trial, shown by this search and by one resumed alone. The fake hwnas-train
// (tests/search/data) answers 100 x mIoU with the all-background baseline 7.27.
TEST(MpiSearch, TheWorkersBaselineReachesTheSearchAndTheStore) {
  REQUIRE_MPIRUN();
  HWNAS_REQUIRE_FASHION_MNIST();
  const std::filesystem::path bin = fresh_path("fake-bin");
  std::filesystem::create_directories(bin);
  std::filesystem::copy_file(HWNAS_BINARY, bin / "hwnas", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(std::filesystem::path(HWNAS_SOURCE_DIR) / "tests/search/data/fake_hwnas_train.py",
                             bin / "hwnas-train", std::filesystem::copy_options::overwrite_existing);
  const std::string program = (bin / "hwnas").string(), config = fresh_path("scenes.yaml"),
                    dir = fresh_path("scenes");
  ::setenv("HWNAS_SCENE_CACHE_DIR", fresh_path("scene-cache").c_str(), 1);  // mpirun passes it on
  std::ofstream(config) << "space: " << HWNAS_SOURCE_DIR << "/configs/spaces/mobilenet-seg-scenes.yaml\n"
                        << "accuracy:\n  train: {task: segmentation, epochs: 1, scenes: 64, test_scenes: 16}\n"
                        << "objective: {maximize: accuracy}\nstrategy: {name: random}\nseed: 1\n"
                        << "budget: {trials: 2}\n";
  const nlohmann::json mpi = parse_json(mpirun(3, program, {"search", config, "--out", dir, "--json"}));
  EXPECT_EQ(mpi.at("accuracy_metric"), "100 x mIoU");
  // Each trained trial's own, and the best's at the top level.
  const auto expect_trials_baselines = [](const nlohmann::json& j) {
    std::size_t trained = 0;
    for (const nlohmann::json& t : j.at("trials")) {
      if (t.at("accuracy").is_null()) continue;
      ++trained;
      EXPECT_EQ(t.at("accuracy_baseline"), 7.27) << t.dump();
    }
    EXPECT_GT(trained, 0u) << j.dump().substr(0, 400);
    ASSERT_TRUE(j.at("best").is_object()) << j.dump().substr(0, 400);
    EXPECT_EQ(j.at("best").at("accuracy_baseline"), 7.27);
    EXPECT_EQ(j.at("accuracy_baseline"), 7.27);
  };
  expect_trials_baselines(mpi);
  // Resumed alone with its budget spent: nothing trains, the stored trials' baselines are shown.
  const nlohmann::json resumed = parse_json(
      run_program({program, "search", config, "--out", dir, "--resume", "--set", "parallel.batch=2", "--json"}));
  expect_trials_baselines(resumed);
  ::unsetenv("HWNAS_SCENE_CACHE_DIR");
}

}  // namespace
}  // namespace hwnas::testing

// hwnas search with `parallel:` as a user runs it: the same trials whatever the workers,
// a search SIGKILLed mid-step and resumed re-runs only the evaluations that were in flight
// (counted by a fake accuracy program that logs each call), and the errors of the section.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "support/search_checks.h"

namespace hwnas::search {
namespace {

using hwnas::testing::expect_bad_input;
using hwnas::testing::hwnas;
using hwnas::testing::Result;
using hwnas::testing::scratch_dir;
using hwnas::testing::fresh_path;
using hwnas::testing::search_json;
using hwnas::testing::start_hwnas;
using hwnas::testing::stored_evaluations;

/// An experiment whose accuracy program appends a line to `log` per call, sleeps 0.05 to
/// 0.45 s when `slow` (0.005 to 0.045 s otherwise; by model, so the jobs of a step end at
/// different moments) and answers an accuracy that depends on the model file only.
std::string experiment(const std::string& name, const std::string& log, const std::string& parallel,
                       bool slow = false) {
  const std::string script = fresh_path(name + ".sh");
  std::ofstream(script) << "sum=$(cksum < \"$1\"); sum=${sum%% *}\n"
                        << "echo call >> '" << log << "'\n"
                        << "sleep 0." << (slow ? "" : "0") << "$((sum % 5))5\n"
                        << "echo \"{\\\"accuracy\\\": $((sum % 100)).$((sum / 100 % 10))}\"\n";
  const std::string config = fresh_path(name + ".yaml");
  std::ofstream(config) << "space: mobilenet-cls\n"
                        << "accuracy: {command: [sh, '" << script << "', '{model}']}\n"
                        << "objective: {maximize: accuracy}\n"
                        << "strategy: {name: evolution, population: 6, sample_size: 3}\n"
                        << "budget: {trials: 12}\nseed: 3\n"
                        << parallel << "\n";
  return config;
}

int lines(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

TEST(ParallelSearch, TheSameTrialsWhateverTheWorkers) {
  const std::string log1 = fresh_path("workers1.log"), log3 = fresh_path("workers3.log");
  const nlohmann::json one = search_json({"search", experiment("workers1", log1, "parallel: {workers: 1, batch: 3}"),
                                       "--out", fresh_path("workers1")});
  const nlohmann::json three = search_json({"search", experiment("workers3", log3, "parallel: {workers: 3, batch: 3}"),
                                         "--out", fresh_path("workers3")});
  ASSERT_EQ(one.at("trials").size(), 12u);
  EXPECT_EQ(one.at("trials"), three.at("trials"));
  EXPECT_EQ(one.at("best"), three.at("best"));
  EXPECT_EQ(lines(log1), 12);
  EXPECT_EQ(lines(log3), 12);
  // batch defaults to workers: three workers without a batch ask three genomes a step.
  const std::string implicit_dir = fresh_path("implicit");
  const nlohmann::json implicit = search_json({"search", experiment("implicit", fresh_path("implicit.log"),
                                                                 "parallel: {workers: 3}"),
                                            "--out", implicit_dir});
  EXPECT_EQ(implicit.at("trials"), three.at("trials"));
  // The batch it took is stored as a number: the report reads the stored config back.
  const Result report = hwnas({"report", implicit_dir, "--out", fresh_path("implicit.html")});
  EXPECT_EQ(report.status, 0) << report.err;
}

TEST(ParallelSearch, KilledMidStepAndResumedRerunsOnlyTheEvaluationsInFlight) {
  const std::string whole_log = fresh_path("whole.log"), log = fresh_path("killed.log");
  const std::string parallel = "parallel: {workers: 3, batch: 3}";
  const nlohmann::json whole =
      search_json({"search", experiment("whole", whole_log, parallel, true), "--out", fresh_path("whole")});
  const int calls = lines(whole_log);
  ASSERT_EQ(calls, 12);

  const std::string config = experiment("killed", log, parallel, true), dir = fresh_path("killed");
  const pid_t pid = start_hwnas({"search", config, "--out", dir});
  int stored = -1;
  for (int i = 0; i < 20000; ++i) {  // until a step is part done: some of its evaluations stored
    stored = stored_evaluations(dir);
    if (stored > 0 && stored % 3 != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  // Programs forked just before may still log their call: wait until the log has not
  // grown for 300 ms (a fixed 100 ms was once too short at load 5), at most 10 s.
  int started = lines(log);
  for (int quiet_ms = 0, waited_ms = 0; quiet_ms < 300 && waited_ms < 10000; waited_ms += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const int now = lines(log);
    quiet_ms = now == started ? quiet_ms + 10 : 0;
    started = now;
  }
  stored = stored_evaluations(dir);
  ASSERT_GT(stored % 3, 0) << "the kill did not land mid-step";
  ASSERT_LT(stored, calls);
  EXPECT_GT(started, stored);  // evaluations were in flight

  const nlohmann::json resumed = search_json({"search", config, "--out", dir, "--resume"});
  EXPECT_EQ(resumed.at("trials"), whole.at("trials"));
  EXPECT_EQ(resumed.at("best"), whole.at("best"));
  // The evaluations stored before the kill ran once; those in flight ran again.
  EXPECT_EQ(lines(log), calls + (started - stored));
}

// The first Ctrl-C starts no new evaluation and lets the running ones finish: they are all
// stored, so the resumed search runs every evaluation exactly once in all.
TEST(ParallelSearch, CtrlCMidStepKeepsTheEvaluationsThatWereRunning) {
  const std::string log = fresh_path("sigint.log"), dir = fresh_path("sigint");
  const std::string config = experiment("sigint", log, "parallel: {workers: 3, batch: 3}", true);
  const pid_t pid = start_hwnas({"search", config, "--out", dir});
  for (int i = 0; i < 20000 && lines(log) < 4; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  kill(pid, SIGINT);  // the second step is running
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << status;
  const int started = lines(log);
  EXPECT_LT(started, 12) << "the search ended before the Ctrl-C";
  EXPECT_EQ(stored_evaluations(dir), started);  // nothing in flight was lost
  const nlohmann::json resumed = search_json({"search", config, "--out", dir, "--resume"});
  EXPECT_EQ(resumed.at("trials").size(), 12u);
  EXPECT_EQ(lines(log), 12);  // each evaluation ran once
}

// Each worker thread's program runs in a process group of its own; a second Ctrl-C ends
// hwnas at once and must take every one of them with it.
/// Every process whose pid `pids` lists ends within 2 s (survivors are killed).
void expect_all_ended(const std::string& pids) {
  std::ifstream in(pids);
  for (pid_t program = 0; in >> program;)
    EXPECT_TRUE(hwnas::testing::process_ends(program)) << "the accuracy program " << program << " outlived hwnas";
}

TEST(ParallelSearch, ASecondCtrlCKillsEveryRunningAccuracyProgram) {
  const std::string pids = fresh_path("programs.pid"), dir = fresh_path("programs");
  const std::string config = fresh_path("programs.yaml");
  std::ofstream(config) << "space: mobilenet-cls\naccuracy: {command: [sh, -c, 'echo $$ >> " << pids
                        << "; exec sleep 120', '{model}']}\nobjective: {maximize: accuracy}\n"
                           "strategy: random\nbudget: {trials: 3}\nparallel: {workers: 3}\n";
  const std::string err = fresh_path("programs.err");
  const pid_t pid = start_hwnas({"search", config, "--out", dir}, err);
  for (int i = 0; i < 20000 && lines(pids) < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(lines(pids), 3) << "the three programs never started";
  kill(pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(pid, SIGINT);
  waitpid(pid, nullptr, 0);
  expect_all_ended(pids);
  // It says what happened and how to go on.
  std::ifstream in(err);
  const std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(said.find("hwnas: interrupted again: stopped at once"), std::string::npos) << said;
  EXPECT_NE(said.find("--resume"), std::string::npos) << said;
}

TEST(ParallelSearch, AKill9OfTheSearchKillsItsRunningAccuracyPrograms) {
  const std::string pids = fresh_path("orphans.pid"), dir = fresh_path("orphans");
  const std::string config = fresh_path("orphans.yaml");
  std::ofstream(config) << "space: mobilenet-cls\naccuracy: {command: [sh, -c, 'echo $$ >> " << pids
                        << "; exec sleep 120', '{model}']}\nobjective: {maximize: accuracy}\n"
                           "strategy: random\nbudget: {trials: 2}\nparallel: {workers: 2}\n";
  const pid_t pid = start_hwnas({"search", config, "--out", dir});
  for (int i = 0; i < 20000 && lines(pids) < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(lines(pids), 2) << "the two programs never started";
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  expect_all_ended(pids);
}

TEST(ParallelSearch, BadSectionsAreOneLineErrorsNamingTheKey) {
  const std::string config = experiment("errors", fresh_path("errors.log"), ""), dir = fresh_path("never");
  expect_bad_input({"search", config, "--out", dir, "--set", "parallel.workers=0"},
                   config + ": parallel.workers (from --set): 0 is too small (at least 1)");
  expect_bad_input({"search", config, "--out", dir, "--set", "parallel.batch=two"},
                   "parallel.batch (from --set): must be an integer, got 'two'");
  expect_bad_input({"search", config, "--out", dir, "--set", "parallel=3"},
                   "parallel (from --set): must be a mapping (workers, batch)");
  expect_bad_input({"search", config, "--out", dir, "--set", "parallel.wrkers=2"},
                   "parallel.wrkers (from --set): unknown key (did you mean 'workers'?); allowed: workers, batch");
  expect_bad_input({"search", config, "--out", dir, "--set", "strategy={name: local}", "--set", "parallel.workers=2"},
                   config + ": parallel.batch (from --set): strategy 'local' evaluates one neighbour per step, so it "
                   "takes parallel.batch: 1 (got 2, from parallel.workers)");
  const std::string staged = fresh_path("staged.yaml");
  std::ofstream(staged) << "space: mobilenet-cls\naccuracy: {command: [sh, -c, 'exit 1', '{model}', '{fidelity}']}\n"
                           "multi_fidelity: {method: successive_halving, rungs: [1, 3]}\n"
                           "objective: {maximize: accuracy}\nstrategy: local\nbudget: {trials: 4}\n";
  expect_bad_input({"search", staged, "--out", dir},
                   staged + ": multi_fidelity: strategy 'local' evaluates one neighbour per step, so it takes no "
                   "brackets of candidates; remove multi_fidelity or use another strategy");
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(ParallelSearch, ResumeTakesOtherWorkersButNotAnotherBatch) {
  const std::string config = experiment("resume", fresh_path("resume.log"), "parallel: {workers: 2}"), dir = fresh_path("resume");
  search_json({"search", config, "--out", dir, "--set", "budget.trials=4"});
  expect_bad_input({"search", config, "--out", dir, "--resume", "--set", "parallel.workers=3"},
                   "parallel.batch is not given, so a step asks one candidate per worker (parallel.workers, from "
                   "--set): 3 here, but the experiment stored in " + dir + " ran steps of 2, and its trials depend "
                   "on them; add parallel.batch: 2 (--set parallel.batch=2) to resume with these workers");
  const nlohmann::json more = search_json({"search", config, "--out", dir, "--resume", "--set", "parallel={workers: 3, "
                                        "batch: 2}", "--set", "budget.trials=6"});
  EXPECT_EQ(more.at("trials").size(), 6u);
}

}  // namespace
}  // namespace hwnas::search

// hwnas search as a user runs it: --json, determinism, kill -9 and --resume, Ctrl-C,
// and the inputs it refuses (exit 2, one line, nothing created).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <regex>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/search/experiment_store.h"
#include "support/cli_runner.h"
#include "support/resources.h"
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
using hwnas::testing::write_temp;

const std::string kLatencyOnly = std::string(HWNAS_SOURCE_DIR) + "/configs/experiments/mobilenet-cls-latency.yaml";

/// Waits until the experiment in `dir` holds at least `trials` trials (or the process ended).
void wait_for_trials(const std::string& dir, std::size_t trials, pid_t pid) {
  for (int i = 0; i < 30000; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    try {
      if (read_experiment(dir).trials.size() >= trials) return;
    } catch (const UserError&) {
      // not created yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ADD_FAILURE() << dir << " never reached " << trials << " trials";
}

int wait_status(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(SearchCli, JsonHoldsTheDocumentedFields) {
  const std::string dir = fresh_path("json");
  const nlohmann::json j = search_json({"search", kLatencyOnly, "--out", dir, "--set", "budget.trials=12"});
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.at("evaluations"), 0);  // latency only: no accuracy evaluation
  EXPECT_LE(j.at("latency_evaluations").get<std::size_t>(), 12u);
  ASSERT_EQ(j.at("trials").size(), 12u);
  for (const char* key : {"genome", "arch", "accuracy", "latency_ms", "peak_activation_bytes", "weight_bytes"})
    EXPECT_TRUE(j.at("best").contains(key)) << key;
  EXPECT_FALSE(j.at("pareto").empty());
  EXPECT_TRUE(j.at("accuracy_metric").is_null());  // no accuracy: no metric, no baseline
  EXPECT_TRUE(j.at("accuracy_baseline").is_null());
  for (const nlohmann::json& t : j.at("trials")) {
    for (const char* key : {"genome", "arch", "status", "feasible", "accuracy", "latency_ms", "peak_activation_bytes",
                            "weight_bytes", "params", "macs"})
      EXPECT_TRUE(t.contains(key)) << key;
    EXPECT_TRUE(t.at("accuracy").is_null());
    EXPECT_TRUE(t.at("accuracy_baseline").is_null());  // the top level's is the best's
  }
  // The best is the fastest feasible trial: its latency is the smallest of them.
  for (const nlohmann::json& t : j.at("trials")) {
    if (t.at("feasible")) {
      EXPECT_GE(t.at("latency_ms").get<double>(), j.at("best").at("latency_ms").get<double>());
    }
  }
  EXPECT_TRUE(std::filesystem::exists(dir + "/experiment.db"));
}

// Accuracies and latencies are sums and ratios in floating point: --json prints them
// without float noise (2.23844, not 2.238439999999999), at most 12 significant digits.
// Failed trials are named in the summary (a fresh-user finding: a search whose every
// trial failed printed only "no feasible trial yet").
TEST(SearchCli, TheSummaryNamesFailedTrials) {
  const std::string config = (scratch_dir() / "failing.yaml").string();
  std::ofstream(config) << "space: mobilenet-cls\nlatency: {target: edgetpu-like}\n"
                           "accuracy: {command: [sh, -c, 'echo broken >&2; exit 3', '{model}']}\n"
                           "objective: {maximize: accuracy}\nstrategy: {name: random}\nbudget: {trials: 2}\nseed: 1\n";
  const Result r = hwnas({"search", config, "--out", fresh_path("failing")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("2 trials failed: trial 0: accuracy: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(and 1 more: --json or hwnas report lists them)\nno feasible trial\n"), std::string::npos)
      << r.out;
}

TEST(SearchCli, JsonNumbersCarryNoFloatNoise) {
  const Result r = hwnas({"search", kLatencyOnly, "--out", fresh_path("noise"), "--set", "budget.trials=12", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::regex number("\"(accuracy|latency_ms)\": (-?[0-9][0-9.]*)([eE][-+]?[0-9]+)?[,\n]");
  int numbers = 0;
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), number); it != std::sregex_iterator(); ++it) {
    std::string digits = (*it)[2];
    std::erase(digits, '.');
    std::erase(digits, '-');
    digits.erase(0, digits.find_first_not_of('0'));
    EXPECT_LE(digits.size(), 12U) << (*it)[0];
    ++numbers;
  }
  EXPECT_GE(numbers, 12) << r.out;  // every trial's latency at least
}

TEST(SearchCli, TheSameConfigAndSeedGiveTheSameTrials) {
  const std::vector<std::string> set = {"--set", "budget.trials=25", "--set", "seed=5"};
  std::vector<std::string> a = {"search", kLatencyOnly, "--out", fresh_path("same-a")};
  std::vector<std::string> b = {"search", kLatencyOnly, "--out", fresh_path("same-b")};
  a.insert(a.end(), set.begin(), set.end());
  b.insert(b.end(), set.begin(), set.end());
  const nlohmann::json ja = search_json(a), jb = search_json(b);
  EXPECT_EQ(ja.at("trials").size(), 25u);
  EXPECT_EQ(ja.at("trials"), jb.at("trials"));
  // Another seed, other trials.
  std::vector<std::string> c = {"search", kLatencyOnly, "--out", fresh_path("same-c"), "--set", "budget.trials=25"};
  EXPECT_NE(search_json(c).at("trials"), ja.at("trials"));
}

TEST(SearchCli, KilledWithSigkillAndResumedEqualsAnUninterruptedRun) {
  const std::vector<std::string> budget = {"--set", "budget.trials=300"};
  std::vector<std::string> whole_args = {"search", kLatencyOnly, "--out", fresh_path("whole")};
  whole_args.insert(whole_args.end(), budget.begin(), budget.end());
  const nlohmann::json whole = search_json(whole_args);
  ASSERT_EQ(whole.at("trials").size(), 300u);

  const std::string dir = fresh_path("killed");
  std::vector<std::string> args = {"search", kLatencyOnly, "--out", dir};
  args.insert(args.end(), budget.begin(), budget.end());
  std::vector<std::string> resume = args;
  resume.push_back("--resume");
  const pid_t first = start_hwnas(args);
  wait_for_trials(dir, 20, first);
  kill(first, SIGKILL);
  EXPECT_EQ(wait_status(first), 128 + SIGKILL);
  const std::size_t kept = read_experiment(dir).trials.size();
  EXPECT_GE(kept, 20u);
  EXPECT_LT(kept, 300u) << "the search ended before the kill";
  const pid_t second = start_hwnas(resume);  // killed again, later
  wait_for_trials(dir, kept + 30, second);
  kill(second, SIGKILL);
  wait_status(second);
  const nlohmann::json resumed = search_json(resume);
  EXPECT_EQ(resumed.at("trials"), whole.at("trials"));
  EXPECT_EQ(resumed.at("best"), whole.at("best"));
  EXPECT_EQ(resumed.at("repeats"), whole.at("repeats"));
}

TEST(SearchCli, CtrlCStopsAfterTheStepInFlightAndSaysHowToResume) {
  const std::string dir = fresh_path("sigint");
  const std::vector<std::string> args = {"search", kLatencyOnly, "--out", dir, "--set", "budget.trials=400",
                                         "--set", "description=it's a test"};
  const std::string err = (scratch_dir() / "sigint.err").string();
  const pid_t pid = start_hwnas(args, err);
  wait_for_trials(dir, 10, pid);
  kill(pid, SIGINT);
  EXPECT_EQ(wait_status(pid), 130);
  const ExperimentRecord r = read_experiment(dir);
  EXPECT_GE(r.trials.size(), 10u);
  EXPECT_LT(r.trials.size(), 400u);
  const std::string message = hwnas::testing::read_file(err);
  EXPECT_NE(message.find(fmt::format("hwnas: interrupted after {} trials; the experiment in {} is consistent: continue "
                                     "it with hwnas search {} --out {} --resume --set budget.trials=400 --set "
                                     "'description=it'\\''s a test'",
                                     r.trials.size(), dir, kLatencyOnly, dir)),
            std::string::npos)
      << message;
  std::vector<std::string> resume = args;
  resume.push_back("--resume");
  const nlohmann::json done = search_json(resume);
  EXPECT_EQ(done.at("trials").size(), 400u);
}

/// An experiment `name`.yaml in the scratch directory: random search of mobilenet-cls for
/// `trials` trials whose accuracy program is `sh -c 'echo $$ > PID_FILE; SCRIPT'` (its pid
/// written to `pid_file`, removed first).
std::string pid_writing_experiment(const std::string& name, const std::string& pid_file, const std::string& script,
                                   int trials) {
  std::filesystem::remove(pid_file);
  const std::string config = (scratch_dir() / (name + ".yaml")).string();
  std::ofstream(config) << "space: mobilenet-cls\nlatency: {target: edgetpu-like}\n"
                           "accuracy: {command: [sh, -c, 'echo $$ > " + pid_file + "; " + script + "', '{model}']}\n"
                           "objective: {maximize: accuracy}\nstrategy: {name: random}\nbudget: {trials: "
                        << trials << "}\nseed: 1\n";
  return config;
}

// The accuracy program runs in a process group of its own (the terminal's Ctrl-C does not
// reach it); a second Ctrl-C ends hwnas at once and must take the program with it.
TEST(SearchCli, ASecondCtrlCKillsTheRunningAccuracyProgram) {
  const std::string dir = fresh_path("sigint2");
  const std::string pid_file = (scratch_dir() / "sigint2.pid").string();
  const std::string config = pid_writing_experiment("sigint2", pid_file, "exec sleep 120", 3);
  const pid_t pid = start_hwnas({"search", config, "--out", dir}, (scratch_dir() / "sigint2.err").string());
  const std::string text = hwnas::testing::text_written_to(pid_file);
  ASSERT_FALSE(text.empty()) << "the accuracy program never started";
  const pid_t program = std::stoi(text);
  kill(pid, SIGINT);  // stop after the step in flight: the program goes on
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(kill(program, 0), 0) << "the first Ctrl-C must let the trial finish";
  kill(pid, SIGINT);
  EXPECT_EQ(wait_status(pid), 130);
  EXPECT_TRUE(hwnas::testing::process_ends(program)) << "the accuracy program " << program << " outlived hwnas";
}

// A Ctrl-C during the step that spends the budget: the step finishes and is stored, the
// results are printed, and hwnas says so and ends as interrupted (s26 second fresh-user
// pass, finding 1: it was ignored, exit 0).
TEST(SearchCli, CtrlCDuringTheLastStepSaysSoAndEndsAsInterrupted) {
  const std::string dir = fresh_path("sigint_last");
  const std::string pid_file = (scratch_dir() / "sigint_last.pid").string();
  const std::string config =
      pid_writing_experiment("sigint_last", pid_file, "sleep 1; echo \"{\\\"accuracy\\\": 50}\"", 1);
  const std::string err = (scratch_dir() / "sigint_last.err").string();
  const pid_t pid = start_hwnas({"search", config, "--out", dir}, err);
  const std::string text = hwnas::testing::text_written_to(pid_file);
  ASSERT_FALSE(text.empty()) << "the accuracy program never started";
  kill(pid, SIGINT);  // the only step is in flight
  EXPECT_EQ(wait_status(pid), 130);
  EXPECT_EQ(read_experiment(dir).trials.size(), 1u);
  EXPECT_NE(hwnas::testing::read_file(err).find("hwnas: interrupted during the last step: the step finished and the "
                                                "search is complete (budget reached: 1 trial)"),
            std::string::npos)
      << hwnas::testing::read_file(err);
}

TEST(SearchCli, ResumeRefusesAChangedConfigNamingTheKey) {
  const std::string dir = fresh_path("changed");
  search_json({"search", kLatencyOnly, "--out", dir, "--set", "budget.trials=5"});
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--resume", "--set", "budget.trials=5", "--set",
                    "strategy.population=40"},
                   "--resume: " + kLatencyOnly + ": key 'strategy.population' (from --set) is 40 here but 32 in the "
                   "experiment "
                   "stored in " + dir + "; resume with the config it was started with");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--resume", "--set", "seed=99", "--set", "budget.trials=5"},
                   "key 'seed' (from --set) is 99 here but");
  // Only the budget changed: the search goes on from where it stopped.
  const nlohmann::json more = search_json({"search", kLatencyOnly, "--out", dir, "--resume", "--set", "budget.trials=9"});
  EXPECT_EQ(more.at("trials").size(), 9u);
  // A resume that runs nothing (its budget spent) records nothing: the budget below is still
  // the one the last steps ran with (s27 fresh-user finding 10).
  EXPECT_EQ(search_json({"search", kLatencyOnly, "--out", dir, "--resume", "--set", "budget.trials=5"})
                .at("trials")
                .size(),
            9u);
  // A budget --set gave, not repeated: the file's 300 would replace it silently (s26 second
  // pass, finding 13).
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--resume"},
                   "--resume: " + kLatencyOnly + ": budget.trials is 300 here, but --set gave 9 when the experiment "
                   "in " + dir + " last ran; repeat --set budget.trials=9 (an override is not kept with the "
                   "experiment), or give another value with --set");
  EXPECT_EQ(read_experiment(dir).trials.size(), 9u);
  const Result repeated = hwnas({"search", kLatencyOnly, "--out", dir, "--resume", "--set", "budget.trials=9"});
  EXPECT_EQ(repeated.status, 0) << repeated.err;
}

TEST(SearchCli, DirectoriesThatCannotBeUsedAreOneLineErrors) {
  const std::string dir = fresh_path("existing");
  search_json({"search", kLatencyOnly, "--out", dir, "--set", "budget.trials=2"});
  expect_bad_input({"search", kLatencyOnly, "--out", dir}, "holds an experiment already (experiment.db); use --resume "
                                                           "to continue it, or another --out");
  const std::string empty = fresh_path("empty");
  std::filesystem::create_directories(empty);
  expect_bad_input({"search", kLatencyOnly, "--out", empty, "--resume"}, "not an hwnas experiment (no experiment.db");
  const std::string corrupt = fresh_path("corrupt");
  std::filesystem::create_directories(corrupt);
  std::ofstream(corrupt + "/experiment.db") << std::string(4096, 'x');
  expect_bad_input({"search", kLatencyOnly, "--out", corrupt, "--resume"},
                   "not an SQLite database (file is not a database); give the --out directory of a search");
  // A new search there offers another --out, not a "new file name" --out cannot give (s31
  // fresh-user F7), and leaves the file as it was.
  expect_bad_input({"search", kLatencyOnly, "--out", corrupt},
                   "not an SQLite database (file is not a database); use another --out directory, or remove '" +
                       corrupt + "/experiment.db'");
  EXPECT_EQ(std::filesystem::file_size(corrupt + "/experiment.db"), 4096u);
  // A corrupt page inside a real store.
  const std::string damaged = fresh_path("damaged");
  search_json({"search", kLatencyOnly, "--out", damaged, "--set", "budget.trials=40"});
  {
    std::fstream f(damaged + "/experiment.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 + 8);
    f << std::string(3000, '\xff');
  }
  expect_bad_input({"search", kLatencyOnly, "--out", damaged, "--resume", "--set", "budget.trials=50"},
                   "experiment store '" + damaged + "/experiment.db': ");
  // A store cut short (a full disk, a copy stopped midway): --resume, whose directory cannot
  // change, offers a copy or a new search; a new search there, another --out or removing it.
  const std::string cut = fresh_path("cut");
  search_json({"search", kLatencyOnly, "--out", cut, "--set", "budget.trials=40"});
  std::filesystem::resize_file(cut + "/experiment.db", 8192);
  expect_bad_input({"search", kLatencyOnly, "--out", cut, "--resume", "--set", "budget.trials=50"},
                   "experiment store '" + cut + "/experiment.db': damaged (database disk image is malformed); restore "
                   "it from a copy, or start the search again with another --out");
  expect_bad_input({"search", kLatencyOnly, "--out", cut},
                   "damaged (database disk image is malformed); restore it from a copy, or use another --out "
                   "directory, or remove '" + cut + "/experiment.db'");
  EXPECT_EQ(std::filesystem::file_size(cut + "/experiment.db"), 8192u);
}

// --out creates only its own directory, as the other writers (docs/cli.md, "Files"): a typo
// in a parent starts no new tree (s30 fresh-user finding 11).
TEST(SearchCli, AnOutWhoseParentIsMissingIsRefused) {
  const std::string top = fresh_path("nodir");
  expect_bad_input({"search", kLatencyOnly, "--out", top + "/sub/x"},
                   top + "/sub/x: cannot create the experiment directory (--out) there: directory '" + top +
                       "/sub' does not exist; create it first (mkdir -p " + top + "/sub)");
  EXPECT_FALSE(std::filesystem::exists(top));
  std::ofstream(top) << "a file";
  expect_bad_input({"search", kLatencyOnly, "--out", top + "/x"}, "'" + top + "' is not a directory");
}

TEST(SearchCli, ConfigErrorsNameTheKeyAndCreateNothing) {
  const std::string dir = fresh_path("never");
  expect_bad_input({"search", kLatencyOnly, "--frobnicate"},
                   "hwnas: unknown option '--frobnicate' for 'hwnas search'; run 'hwnas search --help'");
  // A misspelt option: the command's closest (run_app.cpp, for every verb).
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--resumed"},
                   "hwnas: unknown option '--resumed' for 'hwnas search' (did you mean '--resume'?); run 'hwnas "
                   "search --help'");
  // A key of the experiment file given as an option: the --set that gives it (s26 second
  // pass, finding 3), by its name, the last part of its name, or the keys under it.
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--seed", "3"},
                   "hwnas: --seed is a key of the experiment file, not an option of 'hwnas search': give --set "
                   "seed=3 (or accuracy.train.seed); run 'hwnas search --help'");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--epochs", "3"},
                   "--epochs is a key of the experiment file, not an option of 'hwnas search': give --set "
                   "accuracy.train.epochs=3");
  // A value where none goes, --set KEY VALUE, an option without its value (s27 fresh-user
  // findings 7 and 12).
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--resume", dir},
                   "hwnas: unexpected argument '" + dir + "' for 'hwnas search': --resume takes no value: it "
                   "continues what --out names (give --out " + dir + " --resume); run 'hwnas search --help'");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "budget.trials", "5"},
                   "unexpected argument '5' for 'hwnas search': --set takes KEY=VALUE: give --set budget.trials=5");
  expect_bad_input({"search", kLatencyOnly, "--json", "yes", "--out", dir},
                   "unexpected argument 'yes' for 'hwnas search': --json takes no value; drop 'yes'");
  expect_bad_input({"search", kLatencyOnly, "--out"}, "hwnas: --out needs a value (--out VALUE); run 'hwnas search");
  // A flag given twice, as an option is (run_app.cpp, every verb; train --serve --serve alike).
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--json", "--json"},
                   "hwnas: --json given 2 times; give it once; run 'hwnas search --help'");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--target=npu-p16"},
                   "give --set latency.target=npu-p16; run");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--batch", "8"},
                   "give --set batch=8 (or parallel.batch, accuracy.train.batch); run");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--budget"},
                   "give --set budget.evaluations=VALUE (or budget.trials, budget.seconds); run");
  // Another tool's spelling of one of its options.
  expect_bad_input({"search", kLatencyOnly, "--output", dir},
                   "hwnas: unknown option '--output' for 'hwnas search' (did you mean '--out'?)");
  expect_bad_input({"search", kLatencyOnly}, "hwnas: --out is required; run 'hwnas search --help'");
  // Workers that each run a training of `threads` threads: refused above 4 × the cores
  // altogether, as one training's threads are (s26 finding 14).
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "accuracy={train: {epochs: 1, threads: 4}}",
                    "--set", "parallel.workers=1024"},
                   kLatencyOnly + ": parallel.workers (from --set): 1024 workers × 4 threads (accuracy.train.threads) "
                   "is more than 4 × the ");
  // The most threads come from a rung: that rung's key is named (s26 second pass, finding 4).
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "accuracy={train: {epochs: 2, threads: 1}}", "--set",
                    "multi_fidelity={method: successive_halving, rungs: [{epochs: 1, threads: 300}, {}]}", "--set",
                    "parallel.workers=2"},
                   "parallel.workers (from --set): 2 workers × 300 threads (multi_fidelity.rungs[0].threads) is more "
                   "than 4 × the ");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "strategy.populaton=5"},
                   kLatencyOnly + ": strategy.populaton (from --set): unknown parameter of evolution");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "strategy={name: evolution, population: 1}"},
                   kLatencyOnly + ": strategy.population (from --set): is 1, too small (at least 2)");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "budgett.trials=5"},
                   "budgett (from --set): unknown key (did you mean 'budget'?)");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "budget.trials=zero"},
                   "budget.trials (from --set): must be an integer, got 'zero'");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "strategy.name=nsga2"},
                   "strategy.sample_size: unknown parameter of nsga2; it takes: population, crossover_probability, "
                   "mutation_probability (--set "
                   "strategy.name keeps the file's other strategy keys; replace the whole mapping: --set "
                   "'strategy={name: nsga2}')");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "strategy.name=annealing"},
                   "strategy.name (from --set): 'annealing' is not a strategy");
  // A value from --set has no line in the file: the error names none (it said ':1:').
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "objective.maximize=accurcy"},
                   kLatencyOnly + ": objective.maximize (from --set): unknown objective 'accurcy'");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "objective={maximize: accuracy, constraints: "
                                                                     "[latency_ms <= 4 parsecs]}"},
                   kLatencyOnly + ": objective.constraints");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "space=nb2O1"},
                   kLatencyOnly + ": space: unknown space 'nb2O1'; built-in spaces:");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "space={name: mobilenet-cls, curatd: false}"},
                   "space.curatd (from --set): unknown key (did you mean 'curated'?); allowed: name, curated");
  expect_bad_input({"search", kLatencyOnly, "--out", dir, "--set", "space={name: mobilenet-cls, curated: no}"},
                   "space.curated (from --set): must be true or false, got 'no'");
  const std::string bad = write_temp("bad.yaml", "space: mobilenet-cls\nstratgy: random\n");
  expect_bad_input({"search", bad, "--out", dir}, "bad.yaml:2: stratgy: unknown key (did you mean 'strategy'?)");
  EXPECT_FALSE(std::filesystem::exists(dir));
  // The uncurated twin of a YAML space is a space of its own.
  const nlohmann::json twin = search_json({"search", kLatencyOnly, "--out", fresh_path("twin"), "--set", "budget.trials=3",
                                        "--set", "space={name: mobilenet-cls, curated: false}"});
  EXPECT_EQ(twin.at("trials").size(), 3u);
}

TEST(SearchCli, Nb201WithRealAccuracies) {
  if (const std::string why = hwnas::testing::missing_data("nb201/nb201.csv"); !why.empty())
    HWNAS_MISSING_RESOURCE(why);
  const std::string dir = fresh_path("nb201");
  const nlohmann::json j = search_json({"search", std::string(HWNAS_SOURCE_DIR) + "/configs/experiments/nb201-edgetpu.yaml",
                                     "--out", dir, "--set", "budget.evaluations=30"});
  EXPECT_EQ(j.at("evaluations"), 30);
  ASSERT_FALSE(j.at("best").is_null());
  EXPECT_GT(j.at("best").at("accuracy").get<double>(), 80.0);
  EXPECT_NE(j.at("best").at("arch").get<std::string>().find("~0|"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::search

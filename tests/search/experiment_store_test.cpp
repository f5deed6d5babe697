// The experiment store: round trips, and the directories and files it must refuse.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "hwnas/base/error.h"
#include "hwnas/search/experiment_store.h"
#include "search/experiment_fakes.h"

namespace hwnas::search {
namespace {

using testing::TestDir;

ExperimentInfo sample_info() {
  ExperimentInfo info;
  info.config_yaml = "seed: 1\nspace: nb201\n";
  info.experiment_file = "configs/experiments/x.yaml";
  info.base_dir = "/abs/configs/experiments";
  info.space = "nb201";
  info.strategy = "evolution";
  info.seed = 18446744073709551615ULL;
  info.objective_names = {"accuracy", "-latency_ms"};
  info.baseline_genome = "1-2-3";
  info.created_unix = 1764500000;
  info.rungs = 2;
  info.set_keys = {"budget.trials", "strategy.population"};
  return info;
}

Trial sample_trial(std::int64_t index, TrialStatus status) {
  Trial t;
  t.index = index;
  t.genome = {{static_cast<std::uint16_t>(index), 4, 0}};
  t.arch = "|nor_conv_3x3~0|+|skip_connect~0|" + std::to_string(index);
  t.status = status;
  t.feasible = status == TrialStatus::ok;
  t.reason = status == TrialStatus::ok ? "" : "latency_ms 5.2 > 4";
  t.metrics.accuracy = status == TrialStatus::ok ? std::optional<double>(93.5 + index) : std::nullopt;
  t.metrics.latency_ms = 0.1 + 0.2;
  t.metrics.peak_activation_bytes = 1 << 20;
  t.metrics.weight_bytes = 123456789012LL;
  t.metrics.params = 5;
  t.metrics.macs = 6;
  t.accuracy_evaluated = status == TrialStatus::ok;
  t.rung = static_cast<std::int32_t>(index % 2);
  t.seconds = 0.25;
  return t;
}

void sql(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

std::string error_reading(const std::string& dir) {
  try {
    read_experiment(dir);
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << dir << " was read";
  return "";
}

TEST(ExperimentStore, EverythingComesBack) {
  TestDir dir;
  const std::string d = dir.file("run");
  {
    ExperimentStore store = ExperimentStore::create(d, sample_info());
    SearchState state;
    state.strategy = {{"rng", "123 456"}, {"population", {1, 2}}};
    state.steps = 1;
    store.commit_step({sample_trial(0, TrialStatus::ok)}, {{94.5, -0.3}}, state);
    state.steps = 2;
    state.duplicates = 1;
    state.duplicate_run = 1;
    store.commit_step({}, {}, state);
    state.steps = 3;
    state.batches = 2;
    state.duplicate_run = 0;
    state.elapsed_s = 1.5;
    store.commit_step({sample_trial(1, TrialStatus::infeasible)}, {{}}, state);
  }
  const ExperimentRecord r = read_experiment(d);
  const ExperimentInfo want = sample_info();
  EXPECT_EQ(r.info.config_yaml, want.config_yaml);
  EXPECT_EQ(r.info.experiment_file, want.experiment_file);
  EXPECT_EQ(r.info.base_dir, want.base_dir);
  EXPECT_EQ(r.info.space, want.space);
  EXPECT_EQ(r.info.strategy, want.strategy);
  EXPECT_EQ(r.info.seed, want.seed);
  EXPECT_EQ(r.info.objective_names, want.objective_names);
  EXPECT_EQ(r.info.baseline_genome, want.baseline_genome);
  EXPECT_EQ(r.info.created_unix, want.created_unix);
  EXPECT_EQ(r.info.set_keys, want.set_keys);
  ASSERT_EQ(r.trials.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const Trial w = sample_trial(static_cast<std::int64_t>(i), i == 0 ? TrialStatus::ok : TrialStatus::infeasible);
    const Trial& t = r.trials[i];
    EXPECT_EQ(t.index, w.index);
    EXPECT_EQ(t.genome, w.genome);
    EXPECT_EQ(t.arch, w.arch);
    EXPECT_EQ(t.status, w.status);
    EXPECT_EQ(t.feasible, w.feasible);
    EXPECT_EQ(t.reason, w.reason);
    EXPECT_EQ(t.metrics.accuracy, w.metrics.accuracy);
    EXPECT_EQ(t.metrics.latency_ms, w.metrics.latency_ms);  // exact: 0.1 + 0.2
    EXPECT_EQ(t.metrics.peak_activation_bytes, w.metrics.peak_activation_bytes);
    EXPECT_EQ(t.metrics.weight_bytes, w.metrics.weight_bytes);
    EXPECT_EQ(t.metrics.params, w.metrics.params);
    EXPECT_EQ(t.metrics.macs, w.metrics.macs);
    EXPECT_EQ(t.accuracy_evaluated, w.accuracy_evaluated);
    EXPECT_EQ(t.rung, w.rung);
    EXPECT_EQ(t.seconds, w.seconds);
  }
  EXPECT_EQ(r.fitness, (std::vector<std::vector<double>>{{94.5, -0.3}, {}}));
  ASSERT_TRUE(r.state);
  EXPECT_EQ(r.state->steps, 3);
  EXPECT_EQ(r.state->batches, 2);
  EXPECT_EQ(r.info.rungs, want.rungs);
  EXPECT_EQ(r.state->duplicates, 1);
  EXPECT_EQ(r.state->duplicate_run, 0);
  EXPECT_EQ(r.state->elapsed_s, 1.5);
  EXPECT_EQ(r.state->strategy, (nlohmann::json{{"rng", "123 456"}, {"population", {1, 2}}}));
  EXPECT_EQ(r.accuracy_evaluations, 1);
  EXPECT_EQ(r.latency_evaluations, 2);
  EXPECT_EQ(status_name(TrialStatus::infeasible), "infeasible");
}

TEST(ExperimentStore, ANewExperimentIsNotWrittenOverAnOldOne) {
  TestDir dir;
  ExperimentStore::create(dir.file("run"), sample_info());
  try {
    ExperimentStore::create(dir.file("run"), sample_info());
    ADD_FAILURE() << "created twice";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("holds an experiment already (experiment.db); use --resume to continue it, "
                                         "or another --out"),
              std::string::npos)
        << e.what();
  }
  std::ofstream(dir.file("file")) << "x";
  EXPECT_THROW(ExperimentStore::create(dir.file("file"), sample_info()), UserError);
}

TEST(ExperimentStore, OneSearchAtATimeWritesAnExperiment) {
  TestDir dir;
  {
    ExperimentStore running = ExperimentStore::create(dir.file("run"), sample_info());
    // flock locks belong to an open file description, so a second open in this process
    // is refused as another process's would be.
    try {
      ExperimentStore::open(dir.file("run"));
      ADD_FAILURE() << "opened twice";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("run: another hwnas search is running on this experiment; wait for it"),
                std::string::npos)
          << e.what();
    }
    EXPECT_NO_THROW(read_experiment(dir.file("run")));  // readers (the report) are not locked out
  }
  EXPECT_NO_THROW(ExperimentStore::open(dir.file("run")));  // released with the store
}

TEST(ExperimentStore, WhatIsNotAnExperimentIsAOneLineError) {
  TestDir dir;
  EXPECT_NE(error_reading(dir.file("absent")).find("no such experiment directory"), std::string::npos);
  std::filesystem::create_directories(dir.file("empty"));
  EXPECT_NE(error_reading(dir.file("empty")).find("not an hwnas experiment (no experiment.db in it)"),
            std::string::npos);
  EXPECT_THROW(ExperimentStore::open(dir.file("empty")), UserError);
  EXPECT_FALSE(std::filesystem::exists(dir.file("empty/experiment.db")));  // nothing created

  // Random bytes, another program's database, a measurement store.
  std::filesystem::create_directories(dir.file("noise"));
  std::string bytes(8192, '\0');
  std::mt19937 rng(5);
  for (char& c : bytes) c = static_cast<char>(rng());
  std::ofstream(dir.file("noise/experiment.db"), std::ios::binary) << bytes;
  EXPECT_NE(error_reading(dir.file("noise")).find("experiment store '" + dir.file("noise/experiment.db") +
                                                  "': not an SQLite database"),
            std::string::npos);
  std::filesystem::create_directories(dir.file("other"));
  sql(dir.file("other/experiment.db"), "CREATE TABLE t (x INTEGER)");
  EXPECT_NE(error_reading(dir.file("other")).find("an SQLite database of another program, not an hwnas experiment "
                                                  "store"),
            std::string::npos);
}

// A search killed before its first commit leaves an empty store file: a new search may
// start there, and --resume says so.
TEST(ExperimentStore, AnEmptyStoreFileIsANewExperiment) {
  TestDir dir;
  std::filesystem::create_directories(dir.file("run"));
  std::ofstream(dir.file("run/experiment.db")).flush();
  try {
    ExperimentStore::open(dir.file("run"));
    ADD_FAILURE() << "opened";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("holds no experiment store yet (the search was stopped before it stored "
                                         "anything; start it again without --resume)"),
              std::string::npos)
        << e.what();
  }
  ExperimentStore::create(dir.file("run"), sample_info());
  EXPECT_EQ(read_experiment(dir.file("run")).info.space, "nb201");
  // Killed after switching to WAL mode but before the schema's commit.
  std::filesystem::create_directories(dir.file("wal"));
  sql(dir.file("wal/experiment.db"), "PRAGMA journal_mode=WAL");
  EXPECT_GT(std::filesystem::file_size(dir.file("wal/experiment.db")), 0u);
  EXPECT_THROW(read_experiment(dir.file("wal")), UserError);
  ExperimentStore::create(dir.file("wal"), sample_info());
  EXPECT_EQ(read_experiment(dir.file("wal")).trials.size(), 0u);
}

TEST(ExperimentStore, AStoreChangedByAnotherProgramIsCorrupt) {
  TestDir dir;
  const std::string d = dir.file("run"), db = dir.file("run/experiment.db");
  {
    ExperimentStore store = ExperimentStore::create(d, sample_info());
    store.commit_step({sample_trial(0, TrialStatus::ok)}, {{1.0}}, {});
    store.commit_step({sample_trial(1, TrialStatus::ok)}, {{1.0}}, {});
  }
  sql(db, "UPDATE trials SET status = 'bogus' WHERE trial_index = 1");
  EXPECT_NE(error_reading(d).find("trial 1: status 'bogus' is not ok, infeasible or failed; the file was changed "
                                  "by another program"),
            std::string::npos);
  sql(db, "UPDATE trials SET status = 'ok', genome = 'x-y' WHERE trial_index = 1");
  EXPECT_NE(error_reading(d).find("trial 1: the genome 'x-y' is not choice indices"), std::string::npos);
  sql(db, "UPDATE trials SET genome = '9', trial_index = 5 WHERE trial_index = 1");
  EXPECT_NE(error_reading(d).find("trial 5 follows trial 0"), std::string::npos);
  sql(db, "DELETE FROM trials WHERE trial_index = 5; UPDATE state SET strategy_json = '{'");
  EXPECT_NE(error_reading(d).find("the strategy's state is not valid JSON"), std::string::npos);
  sql(db, "DELETE FROM experiment");
  EXPECT_NE(error_reading(d).find("the store holds no experiment record"), std::string::npos);
  sql(db, "PRAGMA user_version = 7");
  EXPECT_NE(error_reading(d).find("schema version 7, but this hwnas reads version 2"), std::string::npos);
}

TEST(ExperimentStore, AccuracyEvaluationsComeBackInCommitOrder) {
  TestDir dir;
  ExperimentStore store = ExperimentStore::create(dir.file("run"), sample_info());
  const space::Genome a{{1, 2}}, b{{0, 3}};
  store.commit_evaluation({a, 0, 71.25, "", 3.5});
  store.commit_evaluation({b, 1, std::nullopt, "'train.py' exited with status 1", 0.5});
  store.commit_evaluation({a, 1, 80.5, "", 9});
  store.commit_evaluation({a, 0, 72.0, "", 4});  // the same (genome, rung) again: replaced
  const std::vector<StoredEvaluation> e = store.evaluations();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].genome, b);
  EXPECT_EQ(e[0].rung, 1);
  EXPECT_FALSE(e[0].accuracy);
  EXPECT_EQ(e[0].failure, "'train.py' exited with status 1");
  EXPECT_EQ(e[1].genome, a);
  EXPECT_EQ(e[1].rung, 1);
  EXPECT_EQ(e[1].accuracy, 80.5);
  EXPECT_EQ(e[1].seconds, 9);
  EXPECT_EQ(e[2].accuracy, 72.0);
}

// Each trial keeps the trivial baseline its evaluation measured (a scene task's: it depends
// on the network's resolution), and the record gives the top rung's range. A store of
// session 30 that kept one experiment-wide value in its info_json ("accuracy_baseline", the
// latest measured) still opens and reads: that value is ignored.
TEST(ExperimentStore, EachTrialsAccuracyBaselineIsKept) {
  TestDir dir;
  const std::string d = dir.file("run");
  {
    ExperimentStore store = ExperimentStore::create(d, sample_info());  // 2 rungs: odd trials at the top
    std::vector<Trial> trials;
    for (std::int64_t i = 0; i < 4; ++i) trials.push_back(sample_trial(i, TrialStatus::ok));
    trials[0].accuracy_baseline = 3.5;  // rung 0's scale: not in the range
    trials[1].accuracy_baseline = 7.29496;
    trials[3].accuracy_baseline = 7.29395;
    SearchState state;
    state.steps = 4;
    store.commit_step(trials, {{1, 2}, {1, 2}, {1, 2}, {1, 2}}, state);
  }
  sql(d + "/experiment.db", "UPDATE experiment SET info_json = json_set(info_json, '$.accuracy_baseline', 7.27)");
  const ExperimentRecord r = read_experiment(d);
  ASSERT_EQ(r.trials.size(), 4u);
  EXPECT_EQ(r.trials[0].accuracy_baseline, 3.5);
  EXPECT_EQ(r.trials[1].accuracy_baseline, 7.29496);
  EXPECT_FALSE(r.trials[2].accuracy_baseline);
  EXPECT_EQ(r.trials[3].accuracy_baseline, 7.29395);
  ASSERT_TRUE(r.accuracy_baseline_range);
  EXPECT_EQ(r.accuracy_baseline_range->first, 7.29395);
  EXPECT_EQ(r.accuracy_baseline_range->second, 7.29496);
  EXPECT_EQ(r.info.config_yaml, sample_info().config_yaml);
  ExperimentStore store = ExperimentStore::open(d);
  store.update_config("seed: 2\n", {}, {});  // a resume's
  EXPECT_EQ(store.info().config_yaml, "seed: 2\n");
}

// The per-rung costs (hwnas search's rung_costs) are sums over the evaluations table, each
// (genome, rung) once, failed ones counted: no column of their own, so an older store of
// the same schema reads them too.
TEST(ExperimentStore, EachRungsEvaluationsAndSecondsAreSummed) {
  TestDir dir;
  {
    ExperimentStore store = ExperimentStore::create(dir.file("run"), sample_info());
    const space::Genome a{{1, 2}}, b{{0, 3}}, c{{2, 2}};
    store.commit_evaluation({a, 0, 40.0, "", 0.25});
    store.commit_evaluation({b, 0, std::nullopt, "hwnas-train proxy refused it: ...", 0.5});
    store.commit_evaluation({c, 0, 60.0, "", 1});
    store.commit_evaluation({c, 0, 61.0, "", 2});  // replaced: counted once, its last seconds
    store.commit_evaluation({c, 2, 88.5, "", 30});
  }
  const ExperimentRecord r = read_experiment(dir.file("run"));
  ASSERT_EQ(r.rung_costs.size(), 2u);  // rung 1 had none
  EXPECT_EQ(r.rung_costs[0].rung, 0);
  EXPECT_EQ(r.rung_costs[0].evaluations, 3);
  EXPECT_EQ(r.rung_costs[0].failed, 1);
  EXPECT_DOUBLE_EQ(r.rung_costs[0].seconds, 2.75);
  EXPECT_EQ(r.rung_costs[1].rung, 2);
  EXPECT_EQ(r.rung_costs[1].evaluations, 1);
  EXPECT_EQ(r.rung_costs[1].failed, 0);
  EXPECT_DOUBLE_EQ(r.rung_costs[1].seconds, 30);
}

// A copy ran nothing at the rungs it was answered at (Trial::copied_rungs): rung_costs
// counts it there, apart from the evaluations, also at a rung without any; a store written
// before the rungs were recorded counts a copy at its top rung only.
// s31 fresh-user finding 13: a dropped table, a deleted record, a trial's rung, copied_rungs
// or copy_of out of range are another program's doing, refused on read and on --resume with
// the damaged-record fix, not "check that the file is writable" or copies at rungs 0-31.
TEST(ExperimentStore, ADamagedStoreSaysAnotherProgramChangedIt) {
  TestDir dir;
  int n = 0;
  const auto damaged = [&](const std::string& statement) {  // a 2-rung store, then `statement`
    const std::string d = dir.file("run" + std::to_string(n++));
    {
      ExperimentStore store = ExperimentStore::create(d, sample_info());
      Trial copy = sample_trial(1, TrialStatus::ok);
      copy.accuracy_evaluated = false;
      copy.copy_of = 0;
      copy.copied_rungs = 0b11;
      store.commit_step({sample_trial(0, TrialStatus::ok), copy}, {{1.0}, {1.0}}, {});
    }
    sql(d + "/experiment.db", statement);
    return d;
  };
  const std::string fix = "; the file was changed by another program: restore it, or start again with another --out";
  const auto expect_refused = [&](const std::string& d, const std::string& what) {
    EXPECT_NE(error_reading(d).find(what + fix), std::string::npos) << error_reading(d);
    try {
      const ExperimentStore store = ExperimentStore::open(d);  // --resume: opens, then reads the trials
      store.trials();
      ADD_FAILURE() << d << " was read";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(what + fix), std::string::npos) << e.what();
    }
  };
  for (const char* table : {"trials", "experiment", "state", "evaluations"})
    expect_refused(damaged(fmt::format("DROP TABLE {}", table)), fmt::format("the store has no table '{}'", table));
  // One cause: the schema and the record are created in one transaction, so no killed run.
  const std::string no_record = damaged("DELETE FROM experiment");
  expect_refused(no_record, "the store holds no experiment record");
  EXPECT_EQ(error_reading(no_record).find("killed"), std::string::npos);
  expect_refused(damaged("UPDATE trials SET copied_rungs = -1 WHERE trial_index = 1"),
                 "trial 1: copied_rungs -1 names rungs the search does not have (its rungs 0-1)");
  expect_refused(damaged("UPDATE trials SET copied_rungs = 4 WHERE trial_index = 1"),
                 "trial 1: copied_rungs 4 names rungs the search does not have (its rungs 0-1)");
  expect_refused(damaged("UPDATE trials SET rung = 2 WHERE trial_index = 0"),
                 "trial 0: rung 2 is not one of the search's rungs 0-1");
  expect_refused(damaged("UPDATE trials SET copy_of = 999 WHERE trial_index = 1"),
                 "trial 1: copy_of 999 is not another trial's index (the store holds trials 0-1)");
  expect_refused(damaged("UPDATE trials SET copy_of = 1 WHERE trial_index = 1"),
                 "trial 1: copy_of 1 is not another trial's index (the store holds trials 0-1)");
  // The unchanged store reads.
  EXPECT_EQ(read_experiment(damaged("SELECT 1")).accuracy_copies, 1);
}

// A dangling link named experiment.db is there: say where it points, not "no experiment.db".
TEST(ExperimentStore, ALinkToAMissingStoreIsNamed) {
  TestDir dir;
  std::filesystem::create_directories(dir.file("run"));
  std::filesystem::create_symlink(dir.file("gone.db"), dir.file("run/experiment.db"));
  const std::string expected = dir.file("run/experiment.db") + ": is a link to '" + dir.file("gone.db") +
                               "', which does not exist; restore that file, or give the --out directory of a search";
  EXPECT_EQ(error_reading(dir.file("run")), expected);
  try {
    ExperimentStore::open(dir.file("run"));
    ADD_FAILURE() << "opened";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), expected);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("gone.db")));  // nothing created
}

TEST(ExperimentStore, CopiesAreCountedAtEachRungTheyWereAnsweredAt) {
  TestDir dir;
  const std::string d = dir.file("run");
  {
    ExperimentInfo info = sample_info();
    info.rungs = 3;
    ExperimentStore store = ExperimentStore::create(d, info);
    Trial evaluated = sample_trial(0, TrialStatus::ok);
    evaluated.rung = 1;
    Trial copy = sample_trial(1, TrialStatus::ok);  // of trial 0, at rungs 0 and 1
    copy.rung = 1;
    copy.accuracy_evaluated = false;
    copy.copy_of = 0;
    copy.reason = "accuracy at rung 1: as trial 0, the same network (not evaluated again)";
    copy.copied_rungs = 0b11;
    Trial copied_above = sample_trial(2, TrialStatus::ok);  // evaluated at rung 0, a copy at rung 2
    copied_above.rung = 2;
    copied_above.copy_of = 0;
    copied_above.copied_rungs = 0b100;
    store.commit_evaluation({evaluated.genome, 0, 40.0, "", 1});
    store.commit_evaluation({evaluated.genome, 1, 50.0, "", 2});
    store.commit_evaluation({copied_above.genome, 0, 40.0, "", 1});
    store.commit_step({evaluated, copy, copied_above}, {{1, 2}, {1, 2}, {1, 2}}, {});
  }
  ExperimentRecord r = read_experiment(d);
  ASSERT_EQ(r.trials.size(), 3u);
  EXPECT_EQ(r.trials[0].copied_rungs, 0u);
  EXPECT_EQ(r.trials[1].copied_rungs, 0b11u);
  EXPECT_EQ(r.trials[2].copied_rungs, 0b100u);
  EXPECT_EQ(r.accuracy_copies, 1);  // candidates copied at every rung they reached
  ASSERT_EQ(r.rung_costs.size(), 3u);
  EXPECT_EQ(r.rung_costs[0].evaluations, 2);
  EXPECT_EQ(r.rung_costs[0].copies, 1);
  EXPECT_EQ(r.rung_costs[1].evaluations, 1);
  EXPECT_EQ(r.rung_costs[1].copies, 1);
  EXPECT_EQ(r.rung_costs[2].rung, 2);  // copies only
  EXPECT_EQ(r.rung_costs[2].evaluations, 0);
  EXPECT_EQ(r.rung_costs[2].copies, 1);
  EXPECT_EQ(rung_costs_text(r.rung_costs),
            "rung 0: 2 in 2.0 s, and 1 copy; rung 1: 1 in 2.0 s, and 1 copy; rung 2: 0 in 0.0 s, and 1 copy");

  sql(d + "/experiment.db", "ALTER TABLE trials DROP COLUMN copied_rungs");
  r = read_experiment(d);
  EXPECT_EQ(r.trials[0].copied_rungs, 0u);
  EXPECT_EQ(r.trials[1].copied_rungs, 0b10u);  // its top rung's: the lower ones are unknown
  EXPECT_EQ(r.trials[2].copied_rungs, 0b100u);
  ASSERT_EQ(r.rung_costs.size(), 3u);
  EXPECT_EQ(r.rung_costs[0].copies, 0);
  EXPECT_EQ(r.rung_costs[1].copies, 1);
  EXPECT_EQ(r.rung_costs[2].copies, 1);
  { const ExperimentStore resumed = ExperimentStore::open(d); }  // adds the column; the older rows stay unknown
  EXPECT_EQ(read_experiment(d).trials[1].copied_rungs, 0b10u);
}

// An evaluation killed from outside is not in the evaluations table (a redone step runs it
// again), but its trial is stored failed at that rung: rung_costs counts it there, as failed
// and killed, with the trial's seconds less its stored evaluations below (s29 fresh-user
// finding 3: a run with 2 of 4 trials killed said 2 evaluations, none failed).
TEST(ExperimentStore, EvaluationsKilledFromOutsideCountAsFailedAtTheirRung) {
  TestDir dir;
  {
    ExperimentStore store = ExperimentStore::create(dir.file("run"), sample_info());
    Trial killed_at_1 = sample_trial(0, TrialStatus::failed);  // rung 0 stored, killed at rung 1
    killed_at_1.rung = 1;
    killed_at_1.accuracy_evaluated = true;
    killed_at_1.seconds = 7.5;
    Trial killed_at_0 = sample_trial(2, TrialStatus::failed);
    killed_at_0.rung = 0;
    killed_at_0.accuracy_evaluated = true;
    killed_at_0.seconds = 4;
    Trial failed_stored = sample_trial(4, TrialStatus::failed);  // its own failure, stored
    failed_stored.rung = 0;
    failed_stored.accuracy_evaluated = true;
    Trial infeasible = sample_trial(6, TrialStatus::infeasible);  // never evaluated
    killed_at_0.index = 1;
    failed_stored.index = 2;
    infeasible.index = 3;
    store.commit_evaluation({killed_at_1.genome, 0, 50.0, "", 2.5});
    store.commit_evaluation({failed_stored.genome, 0, std::nullopt, "diverged", 1});
    store.commit_step({killed_at_1, killed_at_0, failed_stored, infeasible}, {{}, {}, {}, {}}, {});
  }
  const ExperimentRecord r = read_experiment(dir.file("run"));
  ASSERT_EQ(r.rung_costs.size(), 2u);
  EXPECT_EQ(r.rung_costs[0].evaluations, 3);
  EXPECT_EQ(r.rung_costs[0].failed, 2);
  EXPECT_EQ(r.rung_costs[0].killed, 1);
  EXPECT_DOUBLE_EQ(r.rung_costs[0].seconds, 2.5 + 1 + 4);
  EXPECT_EQ(r.rung_costs[1].rung, 1);
  EXPECT_EQ(r.rung_costs[1].evaluations, 1);
  EXPECT_EQ(r.rung_costs[1].failed, 1);
  EXPECT_EQ(r.rung_costs[1].killed, 1);
  EXPECT_DOUBLE_EQ(r.rung_costs[1].seconds, 7.5 - 2.5);
  EXPECT_EQ(rung_costs_text(r.rung_costs),
            "rung 0: 3 (2 failed, 1 of them killed from outside) in 7.5 s; rung 1: 1 (1 failed, 1 of them killed "
            "from outside) in 5.0 s");
}

// With fidelity rungs, a trial stopped at a low rung has an accuracy of a cheaper training:
// the best and the Pareto front consider the trials at the top rung only.
TEST(ExperimentStore, BestAndParetoTakeTheTopRungOnly) {
  TestDir dir;
  ExperimentInfo info = sample_info();
  info.rungs = 3;
  {
    ExperimentStore store = ExperimentStore::create(dir.file("run"), info);
    std::vector<Trial> trials;
    for (std::int64_t i = 0; i < 3; ++i) trials.push_back(sample_trial(i, TrialStatus::ok));
    trials[0].rung = 0;
    trials[1].rung = 2;
    trials[2].rung = 1;
    store.commit_step(trials, {{99.0, 0}, {50.0, 0}, {98.0, 0}}, {});
  }
  const ExperimentRecord r = read_experiment(dir.file("run"));
  EXPECT_EQ(best_trial(r), 1u);
  EXPECT_EQ(pareto_trials(r), std::vector<std::size_t>{1});
}

TEST(ExperimentStore, ATrialAndItsStateAreOneTransaction) {
  TestDir dir;
  ExperimentStore store = ExperimentStore::create(dir.file("run"), sample_info());
  store.commit_step({sample_trial(0, TrialStatus::ok)}, {{1.0}}, {});
  SearchState state;
  state.steps = 9;
  // A trial whose genome is stored already breaks the UNIQUE constraint: the state that
  // came with it must not be stored either.
  Trial again = sample_trial(1, TrialStatus::ok);
  again.genome = sample_trial(0, TrialStatus::ok).genome;
  EXPECT_THROW(store.commit_step({again}, {{1.0}}, state), UserError);
  EXPECT_EQ(store.trials().size(), 1u);
  EXPECT_EQ(store.state()->steps, 0);
}

}  // namespace
}  // namespace hwnas::search

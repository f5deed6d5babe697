#include "hwnas/search/experiment_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <tuple>

#include "hwnas/base/error.h"
#include "hwnas/search/experiment_store_rows.h"
#include "hwnas/search/pareto.h"

namespace hwnas::search {
namespace {

using store_rows::corrupt;
using store_rows::info_to_json;
using store_rows::load_info;
using store_rows::load_state;
using store_rows::load_trials;

namespace fs = std::filesystem;

constexpr const char* kSchema = R"sql(
CREATE TABLE experiment (
  id        INTEGER PRIMARY KEY CHECK (id = 0),
  info_json TEXT NOT NULL
);
CREATE TABLE trials (
  trial_index           INTEGER PRIMARY KEY,
  genome                TEXT NOT NULL UNIQUE,
  arch                  TEXT NOT NULL,
  status                TEXT NOT NULL,
  feasible              INTEGER NOT NULL,
  reason                TEXT NOT NULL,
  accuracy              REAL,
  latency_ms            REAL,
  peak_activation_bytes INTEGER NOT NULL,
  weight_bytes          INTEGER NOT NULL,
  params                INTEGER NOT NULL,
  macs                  INTEGER NOT NULL,
  accuracy_evaluated    INTEGER NOT NULL,
  rung                  INTEGER NOT NULL,
  seconds               REAL NOT NULL,
  fitness_json          TEXT NOT NULL,
  accuracy_baseline     REAL,
  copy_of               INTEGER,
  copied_rungs          INTEGER
);
CREATE TABLE state (
  id            INTEGER PRIMARY KEY CHECK (id = 0),
  steps         INTEGER NOT NULL,
  batches       INTEGER NOT NULL,
  duplicates    INTEGER NOT NULL,
  duplicate_run INTEGER NOT NULL,
  elapsed_s     REAL NOT NULL,
  strategy_json TEXT NOT NULL
);
CREATE TABLE evaluations (
  genome   TEXT NOT NULL,
  rung     INTEGER NOT NULL,
  accuracy REAL,
  failure  TEXT NOT NULL,
  seconds  REAL NOT NULL,
  baseline REAL,
  PRIMARY KEY (genome, rung)
);
)sql";

const sqlite::Schema& schema() {
  static const sqlite::Schema kStore{"experiment store", sqlite::kExperimentStoreId, ExperimentStore::kSchemaVersion, kSchema,
                                     "the search was stopped before it stored anything; start it again without "
                                     "--resume",
                                     "give the --out directory of a search",
                                     "use another --out directory, or remove {path}",
                                     "start the search again with another --out"};
  return kStore;
}

std::string store_path(const std::string& dir) { return (fs::path(dir) / kExperimentStoreFile).string(); }


/// Refuses a path that exists and is not a directory; "" when DIR has no store.
void check_dir(const std::string& dir) {
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (fs::exists(st) && !fs::is_directory(st))
    throw UserError(fmt::format("{}: is not a directory; --out names the experiment's directory", dir));
}

sqlite::Database open_existing(const std::string& dir, sqlite::OpenMode mode) {
  check_dir(dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UserError(fmt::format("{}: no such experiment directory; check the path", dir));
  if (!fs::exists(store_path(dir), ec)) {
    // A link to a missing file is there, but not readable (s31 fresh-user finding 13).
    if (fs::is_symlink(fs::symlink_status(store_path(dir), ec)))
      throw UserError(fmt::format("{}: is a link to '{}', which does not exist; restore that file, or give the --out "
                                  "directory of a search",
                                  store_path(dir), fs::read_symlink(store_path(dir), ec).string()));
    throw UserError(fmt::format("{}: not an hwnas experiment (no {} in it); give the --out directory of a search",
                                dir, kExperimentStoreFile));
  }
  sqlite::Database db = sqlite::Database::open(store_path(dir), schema(), mode);
  store_rows::check_tables(db);  // before a query or ALTER TABLE fails on a dropped one
  return db;
}

}  // namespace

std::string_view status_name(TrialStatus status) {
  switch (status) {
    case TrialStatus::ok: return "ok";
    case TrialStatus::infeasible: return "infeasible";
    case TrialStatus::failed: return "failed";
  }
  return "failed";
}

namespace {

/// The entry of `rung` in `costs` (ascending by rung), added when missing.
RungCost& cost_of_rung(std::vector<RungCost>& costs, std::int32_t rung) {
  auto at = std::find_if(costs.begin(), costs.end(), [&](const RungCost& c) { return c.rung >= rung; });
  if (at == costs.end() || at->rung != rung) at = costs.insert(at, RungCost{rung});
  return *at;
}

}  // namespace

ExperimentRecord read_experiment(const std::string& dir) {
  const sqlite::Database db = open_existing(dir, sqlite::OpenMode::read_only);
  ExperimentRecord record;
  record.dir = dir;
  db.exec("BEGIN", "reading the experiment");  // one snapshot, even while a search writes
  record.info = load_info(db);
  record.trials = load_trials(db, record.info.rungs, &record.fitness);
  record.state = load_state(db);
  sqlite::Statement costs(db, "SELECT rung, COUNT(*), SUM(accuracy IS NULL), SUM(seconds) FROM evaluations GROUP BY "
                              "rung ORDER BY rung");
  while (costs.step("reading the accuracy evaluations' costs"))
    record.rung_costs.push_back({static_cast<std::int32_t>(costs.integer(0)), costs.integer(1), costs.integer(2), 0,
                                 0, costs.real(3)});
  sqlite::Statement killed(db, R"sql(
    SELECT t.rung, COUNT(*),
           SUM(t.seconds - COALESCE((SELECT SUM(e.seconds) FROM evaluations e
                                     WHERE e.genome = t.genome AND e.rung < t.rung), 0))
    FROM trials t
    WHERE t.status = 'failed' AND t.accuracy_evaluated
      AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.genome = t.genome AND e.rung = t.rung)
    GROUP BY t.rung)sql");
  while (killed.step("reading the accuracy evaluations killed from outside")) {
    RungCost& at = cost_of_rung(record.rung_costs, static_cast<std::int32_t>(killed.integer(0)));
    at.evaluations += killed.integer(1);
    at.failed += killed.integer(1);
    at.killed += killed.integer(1);
    at.seconds += killed.real(2);
  }
  db.exec("COMMIT", "reading the experiment");
  for (const Trial& t : record.trials) {
    record.accuracy_evaluations += t.accuracy_evaluated ? 1 : 0;
    record.accuracy_copies += accuracy_copied(t) ? 1 : 0;
    std::int32_t rung = 0;
    for (std::uint32_t bits = t.copied_rungs; bits != 0; bits >>= 1U, ++rung)
      if ((bits & 1U) != 0) ++cost_of_rung(record.rung_costs, rung).copies;
    record.latency_evaluations += t.metrics.latency_ms ? 1 : 0;
    if (t.accuracy_baseline && t.rung == record.info.rungs - 1) {
      auto& range = record.accuracy_baseline_range;
      range = range ? std::pair{std::min(range->first, *t.accuracy_baseline),
                                std::max(range->second, *t.accuracy_baseline)}
                    : std::pair{*t.accuracy_baseline, *t.accuracy_baseline};
    }
  }
  return record;
}

/// Whether trial i counts for the best and the front: ok, feasible, at full fidelity.
bool contends(const ExperimentRecord& record, std::size_t i) {
  return !record.fitness[i].empty() && record.trials[i].feasible && record.trials[i].rung == record.info.rungs - 1;
}

std::optional<std::size_t> best_trial(const ExperimentRecord& record) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < record.trials.size(); ++i) {
    if (!contends(record, i)) continue;
    if (!best || record.fitness[i][0] > record.fitness[*best][0]) best = i;
  }
  return best;
}

std::vector<std::size_t> pareto_trials(const ExperimentRecord& record) {
  std::vector<std::size_t> candidates;
  std::vector<std::vector<double>> points;
  for (std::size_t i = 0; i < record.trials.size(); ++i) {
    if (!contends(record, i)) continue;
    candidates.push_back(i);
    points.push_back(record.fitness[i]);
  }
  std::vector<std::size_t> front;
  for (std::size_t k : pareto_front(points)) front.push_back(candidates[k]);
  return front;
}

std::vector<ParetoNetwork> pareto_networks(const ExperimentRecord& record) {
  const std::vector<std::size_t> front = pareto_trials(record);
  std::vector<ParetoNetwork> networks;
  for (const std::size_t i : front)
    if (!accuracy_copied(record.trials[i])) networks.push_back({i, {}});
  for (const std::size_t i : front) {
    if (!accuracy_copied(record.trials[i])) continue;
    // Its evaluation's trial when stored (Trial::copy_of), else (an older store, or a trial
    // never stored) the first network of its objective values.
    const std::optional<std::int64_t> source = record.trials[i].copy_of;
    const auto same = std::find_if(networks.begin(), networks.end(), [&](const ParetoNetwork& n) {
      return record.fitness[n.trial] == record.fitness[i] &&
             (!source || *source == record.trials[n.trial].index || source == record.trials[n.trial].copy_of);
    });
    if (same != networks.end()) same->copies.push_back(i);
    else networks.push_back({i, {}});
  }
  std::sort(networks.begin(), networks.end(),
            [](const ParetoNetwork& a, const ParetoNetwork& b) { return a.trial < b.trial; });
  return networks;
}

namespace {

FileLock lock_store(const std::string& dir) {
  std::optional<FileLock> lock = FileLock::try_lock(store_path(dir));
  if (!lock)
    throw UserError(fmt::format("{}: another hwnas search is running on this experiment; wait for it to end "
                                "(or stop it with Ctrl-C) before resuming, or use another --out", dir));
  return std::move(*lock);
}

}  // namespace

void ExperimentStore::check_new_dir(const std::string& dir) {
  check_dir(dir);
  fs::path path = fs::path(dir).lexically_normal();
  if (path.filename().empty()) path = path.parent_path();  // "a/b/"
  const fs::path parent = path.parent_path();
  std::error_code ec;
  if (parent.empty() || fs::is_directory(parent, ec)) return;
  // As the other writers (docs/cli.md, "Files"): a typo in a parent starts no new tree (s30
  // fresh-user finding 11).
  throw UserError(fmt::format("{}: cannot create the experiment directory (--out) there: {}", dir,
                              fs::exists(parent, ec)
                                  ? fmt::format("'{}' is not a directory", parent.string())
                                  : fmt::format("directory '{}' does not exist; create it first (mkdir -p {})",
                                                parent.string(), parent.string())));
}

ExperimentStore ExperimentStore::create(const std::string& dir, const ExperimentInfo& info) {
  check_new_dir(dir);
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  fs::create_directory(dir, ec);
  if (ec) throw UserError(fmt::format("{}: cannot create the experiment directory ({})", dir, ec.message()));
  bool created = false;
  const auto record = [&](const sqlite::Database& db) {
    sqlite::Statement insert(db, "INSERT INTO experiment (id, info_json) VALUES (0, ?1)");
    insert.bind(1, info_to_json(info).dump());
    insert.step("recording the experiment");
    created = true;
  };
  // An empty store (what a search killed before its first commit leaves) is created anew;
  // one that holds the schema already is another search's.
  std::optional<sqlite::Database> db;
  try {
    db.emplace(sqlite::Database::open(store_path(dir), schema(), sqlite::OpenMode::create, record));
  } catch (const UserError&) {
    if (!existed) fs::remove_all(dir, ec);  // nothing half-written
    throw;
  }
  if (!created)
    throw UserError(fmt::format("{}: holds an experiment already ({}); use --resume to continue it, or another --out",
                                dir, kExperimentStoreFile));
  return ExperimentStore(std::move(*db), dir, lock_store(dir));
}

ExperimentStore ExperimentStore::open(const std::string& dir) {
  sqlite::Database db = open_existing(dir, sqlite::OpenMode::existing);
  return open(dir, lock_store(dir), std::move(db));
}

ExperimentStore ExperimentStore::open(const std::string& dir, FileLock lock) {
  return open(dir, std::move(lock), open_existing(dir, sqlite::OpenMode::existing));
}

FileLock ExperimentStore::close() && {
  { const sqlite::Database closing = std::move(db_); }
  return std::move(lock_);
}

ExperimentStore ExperimentStore::open(const std::string& dir, FileLock lock, sqlite::Database db) {
  ExperimentStore store(std::move(db), dir, std::move(lock));
  load_info(store.db_);  // refuse a store without its record now
  // The trivial baselines' and copies' columns, added to schema version 2 later: a resumed
  // older store gets them (its earlier rows' stay NULL: unknown).
  for (const auto& [table, column, type] : {std::tuple{"trials", "accuracy_baseline", "REAL"},
                                            std::tuple{"evaluations", "baseline", "REAL"},
                                            std::tuple{"trials", "copy_of", "INTEGER"},
                                            std::tuple{"trials", "copied_rungs", "INTEGER"}})
    if (!store_rows::has_column(store.db_, table, column))
      store.db_.exec(fmt::format("ALTER TABLE {} ADD COLUMN {} {}", table, column, type),
                     "adding the baseline and copy columns");
  return store;
}

ExperimentInfo ExperimentStore::info() const { return load_info(db_); }
std::vector<Trial> ExperimentStore::trials(std::vector<std::vector<double>>* fitness) const {
  return load_trials(db_, load_info(db_).rungs, fitness);
}
std::optional<SearchState> ExperimentStore::state() const { return load_state(db_); }

void ExperimentStore::commit_step(const std::vector<Trial>& trials, const std::vector<std::vector<double>>& fitness,
                                  const SearchState& state) {
  HWNAS_CHECK(trials.size() == fitness.size());
  const std::string strategy_json = state.strategy.dump();
  sqlite::Transaction tx(db_);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const Trial& t = trials[i];
    for (double v : fitness[i]) HWNAS_CHECK(std::isfinite(v));
    sqlite::Statement insert(db_,
                             "INSERT INTO trials (trial_index, genome, arch, status, feasible, reason, accuracy, "
                             "latency_ms, peak_activation_bytes, weight_bytes, params, macs, accuracy_evaluated, "
                             "rung, seconds, fitness_json, accuracy_baseline, copy_of, copied_rungs) VALUES (?1, ?2, "
                             "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)");
    insert.bind(1, t.index);
    insert.bind(2, space::to_text(t.genome));
    insert.bind(3, t.arch);
    insert.bind(4, status_name(t.status));
    insert.bind(5, std::int64_t{t.feasible});
    insert.bind(6, t.reason);
    insert.bind(7, t.metrics.accuracy);
    insert.bind(8, t.metrics.latency_ms);
    insert.bind(9, t.metrics.peak_activation_bytes);
    insert.bind(10, t.metrics.weight_bytes);
    insert.bind(11, t.metrics.params);
    insert.bind(12, t.metrics.macs);
    insert.bind(13, std::int64_t{t.accuracy_evaluated});
    insert.bind(14, std::int64_t{t.rung});
    insert.bind(15, t.seconds);
    insert.bind(16, nlohmann::json(fitness[i]).dump());
    insert.bind(17, t.accuracy_baseline);
    if (t.copy_of) insert.bind(18, *t.copy_of);
    else insert.bind(18, std::optional<double>{});  // NULL
    insert.bind(19, std::int64_t{t.copied_rungs});
    insert.step("storing a trial");
  }
  sqlite::Statement put(db_,
                        "INSERT OR REPLACE INTO state (id, steps, batches, duplicates, duplicate_run, elapsed_s, "
                        "strategy_json) VALUES (0, ?1, ?2, ?3, ?4, ?5, ?6)");
  put.bind(1, state.steps);
  put.bind(2, state.batches);
  put.bind(3, state.duplicates);
  put.bind(4, state.duplicate_run);
  put.bind(5, state.elapsed_s);
  put.bind(6, strategy_json);
  put.step("storing the search state");
  tx.commit();
}

std::vector<StoredEvaluation> ExperimentStore::evaluations() const {
  sqlite::Statement q(db_, std::string("SELECT genome, rung, accuracy, failure, seconds, ") +
                               (store_rows::has_column(db_, "evaluations", "baseline") ? "baseline" : "NULL") +
                               " FROM evaluations ORDER BY rowid");
  std::vector<StoredEvaluation> out;
  while (q.step("reading the accuracy evaluations")) {
    StoredEvaluation e;
    try {
      e.genome = space::parse_genome(q.text(0), "an accuracy evaluation");
    } catch (const UserError&) {
      corrupt(db_, "an accuracy evaluation's genome '" + q.text(0) + "' is not choice indices joined by '-'");
    }
    e.rung = static_cast<std::int32_t>(q.integer(1));
    e.accuracy = q.optional_real(2);
    e.failure = q.text(3);
    e.seconds = q.real(4);
    e.baseline = q.optional_real(5);
    out.push_back(std::move(e));
  }
  return out;
}

void ExperimentStore::commit_evaluation(const StoredEvaluation& e) {
  sqlite::Transaction tx(db_);
  sqlite::Statement put(db_,
                        "INSERT OR REPLACE INTO evaluations (genome, rung, accuracy, failure, seconds, baseline) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  put.bind(1, space::to_text(e.genome));
  put.bind(2, std::int64_t{e.rung});
  put.bind(3, e.accuracy);
  put.bind(4, e.failure);
  put.bind(5, e.seconds);
  put.bind(6, e.baseline);
  put.step("storing an accuracy evaluation");
  tx.commit();
}

void ExperimentStore::update_config(const std::string& config_yaml, const std::vector<InputDigest>& inputs,
                                    const std::vector<std::string>& set_keys) {
  ExperimentInfo i = info();
  i.config_yaml = config_yaml;
  i.inputs = inputs;
  i.set_keys = set_keys;
  write_info(i, "updating the experiment's config");
}

void ExperimentStore::write_info(const ExperimentInfo& info, const char* doing) {
  sqlite::Transaction tx(db_);
  sqlite::Statement update(db_, "UPDATE experiment SET info_json = ?1 WHERE id = 0");
  update.bind(1, info_to_json(info).dump());
  update.step(doing);
  tx.commit();
}

std::string rung_costs_text(const std::vector<RungCost>& costs) {
  std::string text;
  for (const RungCost& c : costs)
    text += fmt::format("{}rung {}: {}{} in {:.1f} s{}", text.empty() ? "" : "; ", c.rung, c.evaluations,
                        c.failed == 0   ? ""
                        : c.killed == 0 ? fmt::format(" ({} failed)", c.failed)
                                        : fmt::format(" ({} failed, {} of them killed from outside)", c.failed,
                                                      c.killed),
                        c.seconds,
                        c.copies == 0 ? "" : fmt::format(", and {} {}", c.copies, c.copies == 1 ? "copy" : "copies"));
  return text;
}

}  // namespace hwnas::search

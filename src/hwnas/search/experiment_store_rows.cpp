// Reading the experiment store's rows (experiment_store_rows.h).
#include "hwnas/search/experiment_store_rows.h"

#include <fmt/format.h>

#include "hwnas/base/error.h"

namespace hwnas::search::store_rows {
[[noreturn]] void corrupt(const sqlite::Database& db, const std::string& what) {
  db.fail(what + "; the file was changed by another program: restore it, or start again with another --out");
}

namespace {

nlohmann::json parse_json(const sqlite::Database& db, const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    corrupt(db, what + " is not valid JSON");
  }
}

}  // namespace

nlohmann::json info_to_json(const ExperimentInfo& info) {
  nlohmann::json j = {{"config_yaml", info.config_yaml},   {"experiment_file", info.experiment_file},
                      {"base_dir", info.base_dir},         {"space", info.space},
                      {"strategy", info.strategy},         {"seed", info.seed},
                      {"objective_names", info.objective_names}, {"created_unix", info.created_unix},
                      {"space_fingerprint", info.space_fingerprint}, {"rungs", info.rungs}};
  j["baseline_genome"] = info.baseline_genome ? nlohmann::json(*info.baseline_genome) : nlohmann::json(nullptr);
  j["inputs"] = nlohmann::json::array();
  for (const InputDigest& input : info.inputs)
    j["inputs"].push_back({{"key", input.key}, {"path", input.path}, {"digest", input.digest}});
  j["set_keys"] = info.set_keys;
  return j;
}

namespace {

ExperimentInfo info_from_json(const sqlite::Database& db, const nlohmann::json& j) {
  try {
    ExperimentInfo info;
    info.config_yaml = j.at("config_yaml").get<std::string>();
    info.experiment_file = j.at("experiment_file").get<std::string>();
    info.base_dir = j.at("base_dir").get<std::string>();
    info.space = j.at("space").get<std::string>();
    info.strategy = j.at("strategy").get<std::string>();
    info.seed = j.at("seed").get<std::uint64_t>();
    info.objective_names = j.at("objective_names").get<std::vector<std::string>>();
    info.created_unix = j.at("created_unix").get<std::int64_t>();
    info.space_fingerprint = j.at("space_fingerprint").get<std::string>();
    info.rungs = j.at("rungs").get<std::int32_t>();
    if (info.rungs < 1) corrupt(db, "the experiment's record has rungs < 1");
    if (!j.at("baseline_genome").is_null()) info.baseline_genome = j.at("baseline_genome").get<std::string>();
    if (j.contains("inputs"))  // absent in stores written before the inputs were recorded
      for (const nlohmann::json& input : j.at("inputs"))
        info.inputs.push_back({input.at("key").get<std::string>(), input.at("path").get<std::string>(),
                               input.at("digest").get<std::string>()});
    if (j.contains("set_keys"))  // absent in stores written before they were recorded
      info.set_keys = j.at("set_keys").get<std::vector<std::string>>();
    // A key read nowhere is ignored: "accuracy_baseline", the latest top-rung trivial
    // baseline that stores of session 30 kept before each trial kept its own.
    return info;
  } catch (const nlohmann::json::exception&) {
    corrupt(db, "the experiment's record lacks a field or holds one of the wrong type");
  }
}

}  // namespace

namespace {

Trial read_trial(const sqlite::Database& db, const sqlite::Statement& q, std::int32_t rungs) {
  Trial t;
  t.index = q.integer(0);
  const std::string where = fmt::format("trial {}", t.index);
  try {
    t.genome = space::parse_genome(q.text(1), where);
  } catch (const UserError&) {
    corrupt(db, where + ": the genome '" + q.text(1) + "' is not choice indices joined by '-'");
  }
  t.arch = q.text(2);
  const std::string status = q.text(3);
  if (status == "ok") t.status = TrialStatus::ok;
  else if (status == "infeasible") t.status = TrialStatus::infeasible;
  else if (status == "failed") t.status = TrialStatus::failed;
  else corrupt(db, where + ": status '" + status + "' is not ok, infeasible or failed");
  t.feasible = q.integer(4) != 0;
  t.reason = q.text(5);
  t.metrics.accuracy = q.optional_real(6);
  t.metrics.latency_ms = q.optional_real(7);
  t.metrics.peak_activation_bytes = q.integer(8);
  t.metrics.weight_bytes = q.integer(9);
  t.metrics.params = q.integer(10);
  t.metrics.macs = q.integer(11);
  t.accuracy_evaluated = q.integer(12) != 0;
  // Validated as the experiment's record is: a value out of range is another program's
  // (s31 fresh-user finding 13: copied_rungs = -1 was listed as copies at rungs 0-31).
  const std::string search_rungs = rungs == 1 ? "rung 0" : fmt::format("rungs 0-{}", rungs - 1);
  if (q.integer(13) < 0 || q.integer(13) >= rungs)
    corrupt(db, fmt::format("{}: rung {} is not one of the search's {}", where, q.integer(13), search_rungs));
  t.rung = static_cast<std::int32_t>(q.integer(13));
  t.seconds = q.real(14);
  t.accuracy_baseline = q.optional_real(16);
  if (!q.is_null(17)) t.copy_of = q.integer(17);
  if (!q.is_null(18)) {
    const std::int64_t bits = q.integer(18);
    if (bits < 0 || bits >= (std::int64_t{1} << rungs))
      corrupt(db, fmt::format("{}: copied_rungs {} names rungs the search does not have (its {})", where, bits,
                              search_rungs));
    t.copied_rungs = static_cast<std::uint32_t>(bits);
  }
  else if (t.copy_of || accuracy_copied(t)) t.copied_rungs = 1U << t.rung;  // an older store: its top rung's
  return t;
}

}  // namespace

ExperimentInfo load_info(const sqlite::Database& db) {
  sqlite::Statement q(db, "SELECT info_json FROM experiment WHERE id = 0");
  // Not a killed run's: the schema and the record are created in one transaction.
  if (!q.step("reading the experiment")) corrupt(db, "the store holds no experiment record");
  return info_from_json(db, parse_json(db, q.text(0), "the experiment's record"));
}

namespace {

std::vector<double> read_fitness(const sqlite::Database& db, const std::string& text, std::int64_t index) {
  const nlohmann::json j = parse_json(db, text, fmt::format("trial {}'s objective values", index));
  std::vector<double> out;
  if (!j.is_array()) corrupt(db, fmt::format("trial {}'s objective values are not a list", index));
  for (const nlohmann::json& v : j) {
    if (!v.is_number()) corrupt(db, fmt::format("trial {}'s objective values are not all numbers", index));
    out.push_back(v.get<double>());
  }
  return out;
}

}  // namespace

void check_tables(const sqlite::Database& db) {
  for (const char* table : {"experiment", "trials", "state", "evaluations"}) {
    sqlite::Statement q(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
    q.bind(1, table);
    q.step("reading the store's schema");
    if (q.integer(0) == 0) corrupt(db, fmt::format("the store has no table '{}'", table));
  }
}

std::vector<Trial> load_trials(const sqlite::Database& db, std::int32_t rungs,
                               std::vector<std::vector<double>>* fitness) {
  sqlite::Statement q(db, std::string("SELECT trial_index, genome, arch, status, feasible, reason, accuracy, "
                                      "latency_ms, peak_activation_bytes, weight_bytes, params, macs, "
                                      "accuracy_evaluated, rung, seconds, fitness_json, ") +
                              (has_column(db, "trials", "accuracy_baseline") ? "accuracy_baseline" : "NULL") + ", " +
                              (has_column(db, "trials", "copy_of") ? "copy_of" : "NULL") + ", " +
                              (has_column(db, "trials", "copied_rungs") ? "copied_rungs" : "NULL") +
                              " FROM trials ORDER BY trial_index");
  std::vector<Trial> trials;
  while (q.step("reading the trials")) {
    trials.push_back(read_trial(db, q, rungs));
    if (fitness) fitness->push_back(read_fitness(db, q.text(15), trials.back().index));
    if (trials.back().index != static_cast<std::int64_t>(trials.size()) - 1)
      corrupt(db, fmt::format("trial {} follows trial {}: trials are numbered 0, 1, 2, ...", trials.back().index,
                              trials.size() >= 2 ? trials[trials.size() - 2].index : -1));
  }
  for (const Trial& t : trials)
    if (t.copy_of && (*t.copy_of < 0 || *t.copy_of >= static_cast<std::int64_t>(trials.size()) ||
                      *t.copy_of == t.index))
      corrupt(db, fmt::format("trial {}: copy_of {} is not another trial's index (the store holds trials 0-{})",
                              t.index, *t.copy_of, trials.size() - 1));
  return trials;
}

bool has_column(const sqlite::Database& db, const std::string& table, const std::string& column) {
  sqlite::Statement q(db, "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2");
  q.bind(1, table);
  q.bind(2, column);
  q.step("reading the store's schema");
  return q.integer(0) > 0;
}

std::optional<SearchState> load_state(const sqlite::Database& db) {
  sqlite::Statement q(
      db, "SELECT steps, batches, duplicates, duplicate_run, elapsed_s, strategy_json FROM state WHERE id = 0");
  if (!q.step("reading the search state")) return std::nullopt;
  SearchState s;
  s.steps = q.integer(0);
  s.batches = q.integer(1);
  s.duplicates = q.integer(2);
  s.duplicate_run = q.integer(3);
  s.elapsed_s = q.real(4);
  s.strategy = parse_json(db, q.text(5), "the strategy's state");
  return s;
}

}  // namespace hwnas::search::store_rows

// The experiment store's rows as C++ values (experiment_store.h): the experiment record's
// JSON, trials, fitness and the search state, read with one-line errors for a store that
// another program changed. Internal to experiment_store.cpp and experiment_store_rows.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/base/sqlite.h"
#include "hwnas/search/experiment_store.h"

namespace hwnas::search::store_rows {

/// Throws the store's UserError: WHAT, "the file was changed by another program: ...".
[[noreturn]] void corrupt(const sqlite::Database& db, const std::string& what);

nlohmann::json info_to_json(const ExperimentInfo& info);
/// The experiment's record; corrupt() when it is missing or malformed.
ExperimentInfo load_info(const sqlite::Database& db);
/// corrupt() unless the store's four tables are there (a dropped one is another program's
/// doing: hwnas creates them in one transaction with the experiment's record).
void check_tables(const sqlite::Database& db);
/// Every trial in index order (and, when `fitness`, their objective values); corrupt() when
/// a trial's rung, copied_rungs or copy_of do not fit a search of `rungs` rungs.
std::vector<Trial> load_trials(const sqlite::Database& db, std::int32_t rungs,
                               std::vector<std::vector<double>>* fitness);
/// The state after the latest step; unset before the first.
std::optional<SearchState> load_state(const sqlite::Database& db);
/// Whether `table` has `column`: the trivial baselines (trials.accuracy_baseline,
/// evaluations.baseline) were added to schema version 2 later; a store written before
/// lacks them (read as unknown; ExperimentStore::open adds them).
bool has_column(const sqlite::Database& db, const std::string& table, const std::string& column);

}  // namespace hwnas::search::store_rows

// Learning whole-network latency from a table of timed architectures (NAS-Bench-201,
// FBNet), for users who can only time whole models.
//
// Features (table_model.h): op counts, live counts (NB201), log MACs, parameters and
// simulator latencies, the one-hot of the choices, and — as HELP does — the latencies the
// other device columns of the table give the same architecture (never the target column's
// held-out rows). Candidates: ridge regressions over target transform (log or linear),
// feature groups and the most correlated other-device columns, scored by capped
// leave-one-out relative error on the training rows alone; five are averaged, and below
// 60 rows weighed against a blend with a ridge on the other devices' log latencies
// (table_candidates.h).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "hwnas/estimate/table_model.h"
#include "hwnas/space/space.h"

namespace hwnas::estimate {

struct TableFitOptions {
  std::string csv;
  std::string arch_column;  // empty: the space's key column (space::benchmark_key_column)
  std::string latency_column;
  std::int64_t train = 100;
  std::uint64_t seed = 1;
  std::string predictions;  // when set, a CSV of every row's measured and predicted latency
};

/// Fits a table estimator of `space` (whose arch() strings the table's architecture column
/// holds) with `simulators` (kTableSimulatorPresets, built by the caller; the file records
/// their identities) on `train` random rows and evaluates on all others. Returns {"model": ...,
/// "holdout": agreement(), "train": {...}}; the model part is what `out` receives, with the
/// split ("train": rows, seed, table_rows) that TableEstimator::validate_holdout repeats.
/// The summary's "train" also says which `mix` was chosen (table_mix_name) and, below 60
/// rows with other device columns, the three losses weighed ("loo_ensemble_nested",
/// "loo_blend", "loo_ridge").
/// With `predictions` set, also writes `row,line,ARCH_COLUMN,measured_ms,predicted_ms,split`
/// for every row of the table (row: 0-based data row; split: train or holdout), so that
/// any other evaluation protocol can be computed from it.
/// An other-device column (lat_...) with a cell that is not a number is left out of the
/// fit, and "warnings" lists one line for it: "CSV:LINE: column 'lat_x': 'NA' is not a
/// number, so the column is left out ..." (absent when there is none).
/// Throws UserError for a column name given twice (both 1-based positions), a missing
/// column, a non-numeric latency (file, line, column), an unknown architecture string (its
/// line), or too few rows.
nlohmann::json fit_table(const TableFitOptions& options, const space::Space& space, const TableSimulators& simulators,
                         const std::string& out_path);

}  // namespace hwnas::estimate

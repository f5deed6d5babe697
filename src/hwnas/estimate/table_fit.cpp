#include "hwnas/estimate/table_fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "hwnas/estimate/stats.h"
#include "hwnas/estimate/table_candidates.h"
#include "hwnas/estimate/table_model.h"
#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/csv.h"
#include "hwnas/space/models.h"

namespace hwnas::estimate {
namespace {

std::size_t column(const CsvTable& t, const std::string& name, const std::string& csv, const std::string& flag) {
  const auto it = std::find(t.header.begin(), t.header.end(), name);
  if (it != t.header.end()) return static_cast<std::size_t>(it - t.header.begin());
  std::string names;
  for (const std::string& h : t.header) names += (names.empty() ? "" : ", ") + h;
  throw UserError(fmt::format("{}: no column '{}' (given by {}); columns are: {}", csv, name, flag, names));
}

// A column name given twice would make every lookup by name take the first silently.
void refuse_duplicate_columns(const CsvTable& t, const std::string& csv) {
  for (std::size_t j = 1; j < t.header.size(); ++j)
    for (std::size_t i = 0; i < j; ++i)
      if (t.header[i] == t.header[j])
        throw UserError(fmt::format("{}: column '{}' appears twice (columns {} and {}); rename or remove one", csv,
                                    t.header[i], i + 1, j + 1));
}

}  // namespace

nlohmann::json fit_table(const TableFitOptions& options, const space::Space& space, const TableSimulators& simulators,
                         const std::string& out_path) {
  HWNAS_CHECK(simulators.size() == kTableSimulatorPresets.size());
  TableFitOptions o = options;
  if (o.arch_column.empty()) o.arch_column = std::string(space::benchmark_key_column(space));
  const CsvTable table = read_csv(o.csv);
  refuse_duplicate_columns(table, o.csv);
  const std::size_t arch_col = column(table, o.arch_column, o.csv, "--arch-column");
  const std::size_t lat_col = column(table, o.latency_column, o.csv, "--latency-column");
  if (o.train < 5 || static_cast<std::size_t>(o.train) + 5 > table.rows.size())
    throw UserError(fmt::format("--train {}: give at least 5 rows and leave at least 5 of the {} rows for "
                                "evaluation",
                                o.train, table.rows.size()));
  // Other device columns: every other column that starts with lat_ and is numeric
  // throughout; one with a cell that is not a number (a missing measurement) is left out,
  // with a warning naming its first such cell.
  std::vector<std::size_t> other_cols;
  nlohmann::json warnings = nlohmann::json::array();
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    if (c == lat_col || c == arch_col || !table.header[c].starts_with("lat_")) continue;
    double v = 0;
    const auto bad = std::ranges::find_if(table.rows, [&](const auto& row) { return !parse_table_number(row[c], v); });
    if (bad == table.rows.end()) {
      other_cols.push_back(c);
      continue;
    }
    const auto row = static_cast<std::size_t>(bad - table.rows.begin());
    warnings.push_back(fmt::format("{}:{}: column '{}': '{}' is not a number, so the column is left out of the other "
                                   "devices' latencies; make every cell of it a number to use it",
                                   o.csv, table.row_lines[row], table.header[c], printable((*bad)[c], 40)));
  }
  std::vector<TableRow> rows;
  std::vector<double> latency_ms;
  rows.reserve(table.rows.size());
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto& cells = table.rows[i];
    latency_ms.push_back(parse_latency_ms(cells[lat_col], o.csv, table.row_lines[i], o.latency_column));
    TableRow r;
    try {
      r = table_row(space, space.parse_arch(cells[arch_col]), simulators);
    } catch (const UserError& e) {
      throw UserError(fmt::format("{}:{}: column '{}': {}", o.csv, table.row_lines[i], o.arch_column, e.what()));
    }
    for (std::size_t c : other_cols) {
      double v = 0;
      parse_table_number(cells[c], v);
      r.others.push_back(std::log(std::max(v, kTableFloorMs)));
    }
    rows.push_back(std::move(r));
  }

  if (std::ranges::all_of(latency_ms, [&](double ms) { return ms == latency_ms.front(); }))
    throw UserError(fmt::format("{}: column '{}': every latency is {} ms, so there is nothing to learn; give the "
                                "column of measured latencies",
                                o.csv, o.latency_column, latency_ms.front()));
  const std::vector<std::size_t> order = table_row_order(rows.size(), o.seed);
  const std::vector<std::size_t> train(order.begin(), order.begin() + o.train);
  const std::vector<std::size_t> test(order.begin() + o.train, order.end());

  const TableChoice choice = choose_table_members(rows, latency_ms, train);
  const std::vector<ScoredMember>& members = choice.members;

  std::vector<TableMember> chosen;
  for (const ScoredMember& c : members) chosen.push_back(c.member);
  const auto predict_ms = [&](const TableRow& r) { return predict_table_ms(chosen, r); };
  std::vector<double> measured, predicted;
  for (std::size_t i : test) {
    measured.push_back(latency_ms[i] * 1e-3);
    predicted.push_back(predict_ms(rows[i]) * 1e-3);
  }
  if (!o.predictions.empty()) {
    std::vector<bool> is_train(rows.size(), false);
    for (std::size_t i : train) is_train[i] = true;
    std::string csv = fmt::format("row,line,{},measured_ms,predicted_ms,split\n", o.arch_column);
    for (std::size_t i = 0; i < rows.size(); ++i)
      csv += fmt::format("{},{},{},{},{:.9g},{}\n", i, table.row_lines[i], table.rows[i][arch_col],
                         table.rows[i][lat_col], predict_ms(rows[i]), is_train[i] ? "train" : "holdout");
    write_file_atomically(o.predictions, csv, "predictions file");
  }
  nlohmann::json member_json = nlohmann::json::array();
  for (const ScoredMember& c : members) {
    const TableMember& m = c.member;
    std::vector<std::string> other_names;
    for (std::size_t c : m.others) other_names.push_back(table.header[other_cols[c]]);
    member_json.push_back({{"transform", m.log_target ? "log" : "linear"},
                           {"features", {{"counts", m.counts}, {"live", m.live}, {"simulated", m.simulated},
                                         {"one_hot", m.one_hot}}},
                           {"other_columns", other_names},
                           {"loo_score", c.score},
                           {"lambda", m.model.lambda},
                           {"mean", m.model.mean},
                           {"scale", m.model.scale},
                           {"weights", m.model.weights},
                           {"intercept", m.model.intercept},
                           {"blend_weight", m.weight}});
  }
  nlohmann::json simulator_json = nlohmann::json::array();
  for (const auto& t : simulators) simulator_json.push_back({{"name", t->name()}, {"identity", t->identity()}});
  const nlohmann::json model = {{"format", "hwnas-table-estimator"},
                                {"version", kTableEstimatorVersion},
                                {"space", space.name()},
                                {"simulators", simulator_json},
                                {"csv", std::filesystem::absolute(o.csv).lexically_normal().string()},
                                {"arch_column", o.arch_column},
                                {"latency_column", o.latency_column},
                                {"train", {{"rows", o.train}, {"seed", o.seed}, {"table_rows", rows.size()}}},
                                {"combine", "geometric_mean"},
                                {"members", member_json}};
  write_file_atomically(out_path, model.dump(1) + "\n", "estimator file");
  nlohmann::json summary = member_json;
  for (auto& m : summary) {
    for (const char* heavy : {"mean", "scale", "weights", "intercept"}) m.erase(heavy);
  }
  nlohmann::json train_json = {{"rows", o.train}, {"seed", o.seed}, {"loo_capped_sq_rel_error", members.front().score},
                               {"mix", table_mix_name(choice.mix)}};
  if (choice.ensemble_loss) {
    train_json["loo_ensemble_nested"] = *choice.ensemble_loss;
    train_json["loo_blend"] = *choice.blend_loss;
    train_json["loo_ridge"] = *choice.ridge_loss;
  }
  nlohmann::json result = {{"latency_column", o.latency_column},
                            {"train", train_json},
                            {"members", summary},
                            {"holdout", agreement(measured, predicted)}};
  if (!warnings.empty()) result["warnings"] = warnings;
  return result;
}

}  // namespace hwnas::estimate

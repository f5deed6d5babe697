#include "hwnas/estimate/table_fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>

#include "hwnas/estimate/ridge.h"
#include "hwnas/estimate/stats.h"
#include "hwnas/estimate/table_model.h"
#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/csv.h"
#include "hwnas/space/models.h"

namespace hwnas::estimate {
namespace {

constexpr double kLossCap = 0.20;  // relative error beyond which a row's loss stops growing
constexpr std::size_t kEnsemble = 5;  // members averaged from 60 training rows
constexpr double kMaxDfShare = 0.5;   // below 60 rows, a model's degrees of freedom: at most this share of them

std::size_t column(const CsvTable& t, const std::string& name, const std::string& csv, const std::string& flag) {
  const auto it = std::find(t.header.begin(), t.header.end(), name);
  if (it != t.header.end()) return static_cast<std::size_t>(it - t.header.begin());
  std::string names;
  for (const std::string& h : t.header) names += (names.empty() ? "" : ", ") + h;
  throw UserError(fmt::format("{}: no column '{}' (given by {}); columns are: {}", csv, name, flag, names));
}

struct Candidate {
  TableMember member;
  double score = 0;     // leave-one-out mean capped squared relative error
  double score_se = 0;  // its standard error
  std::size_t complexity = 0;
};

}  // namespace

nlohmann::json fit_table(const TableFitOptions& options, const space::Space& space, const TableSimulators& simulators,
                         const std::string& out_path) {
  HWNAS_CHECK(simulators.size() == kTableSimulatorPresets.size());
  TableFitOptions o = options;
  if (o.arch_column.empty()) o.arch_column = std::string(space::benchmark_key_column(space));
  const CsvTable table = read_csv(o.csv);
  const std::size_t arch_col = column(table, o.arch_column, o.csv, "--arch-column");
  const std::size_t lat_col = column(table, o.latency_column, o.csv, "--latency-column");
  if (o.train < 5 || static_cast<std::size_t>(o.train) + 5 > table.rows.size())
    throw UserError(fmt::format("--train {}: give at least 5 rows and leave at least 5 of the {} rows for "
                                "evaluation",
                                o.train, table.rows.size()));
  // Other device columns: every other column that starts with lat_ and is numeric throughout.
  std::vector<std::size_t> other_cols;
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    if (c == lat_col || c == arch_col || !table.header[c].starts_with("lat_")) continue;
    double v = 0;
    bool numeric = true;
    for (const auto& row : table.rows) numeric = numeric && parse_table_number(row[c], v);
    if (numeric) other_cols.push_back(c);
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

  // Rank the other devices by rank correlation with the target on the training rows: with
  // few rows, one outlying row can make an unrelated device look correlated to Pearson.
  std::vector<double> target_log;
  for (std::size_t i : train) target_log.push_back(std::log(std::max(latency_ms[i], kTableFloorMs)));
  std::vector<std::pair<double, std::size_t>> ranked;
  for (std::size_t c = 0; c < other_cols.size(); ++c) {
    std::vector<double> v;
    for (std::size_t i : train) v.push_back(rows[i].others[c]);
    ranked.emplace_back(-std::fabs(spearman(v, target_log)), c);
  }
  std::sort(ranked.begin(), ranked.end());

  const std::vector<double> lambdas = {1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1000};
  // Below 60 rows, no candidate may spend more than kMaxDfShare of the rows on degrees of
  // freedom; with more rows, a clean table (a sum of per-layer lookup entries) deserves
  // the full one-hot fit.
  const double max_df = o.train < 60 ? kMaxDfShare * double(o.train) : std::numeric_limits<double>::infinity();
  std::vector<Candidate> candidates;
  struct FeatureSet {
    bool live = false, simulated = false, one_hot = false;
  };
  const std::vector<FeatureSet> sets = {{}, {true, false, false}, {false, true, false}, {true, true, false},
                                        {true, true, true}, {false, false, true}};
  for (const bool log_target : {true, false})
    for (const FeatureSet& set : sets)
    for (std::size_t k : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5},
                          std::size_t{8}, ranked.size()}) {
      // Few rows cannot choose among many features: at most one other device per 10
      // training rows — or all of them at once, which ridge shrinks together — and the
      // one-hot only from 60 rows.
      const bool all_others = k == ranked.size();
      if (k > ranked.size() ||
          (!all_others && k > std::max<std::size_t>(1, static_cast<std::size_t>(o.train) / 10)) ||
          (set.one_hot && o.train < 60) || (set.live && rows.front().live.empty()))
        continue;
      Candidate c;
      TableMember& m = c.member;
      m.log_target = log_target;
      m.live = set.live;
      m.simulated = set.simulated;
      m.one_hot = set.one_hot;
      for (std::size_t j = 0; j < k; ++j) m.others.push_back(ranked[j].second);
      std::vector<std::vector<double>> x;
      std::vector<double> y, ms;
      for (std::size_t i : train) {
        x.push_back(m.features(rows[i]));
        ms.push_back(std::max(latency_ms[i], kTableFloorMs));
        y.push_back(log_target ? std::log(ms.back()) : ms.back());
      }
      // Row i's loss: its leave-one-out relative error squared, capped at kLossCap, so that
      // a noisy device's outliers choose neither λ nor the model for the rows it can predict.
      const auto capped_loss = [&](std::size_t i, double residual) {
        const double e = log_target ? std::expm1(residual) : residual / ms[i];
        return std::min(e * e, kLossCap * kLossCap);
      };
      m.model = fit_ridge(x, y, lambdas, capped_loss, max_df);
      // The mean loss scores the candidate; its standard error says how sure that score is.
      double sum_sq = 0;
      for (std::size_t i = 0; i < train.size(); ++i) sum_sq += std::pow(capped_loss(i, m.model.loo_residuals[i]), 2);
      const double n = double(train.size());
      c.score = m.model.loo_loss;  // the mean of the same capped losses
      c.score_se = std::sqrt(std::max(0.0, sum_sq / n - c.score * c.score) / n);
      c.complexity = x.front().size();
      candidates.push_back(std::move(c));
    }
  // The members, whose predictions are averaged (geometric mean): they err on different
  // rows. With few rows, the one-standard-error rule — the kEnsemble simplest candidates
  // within one standard error of the best, which keeps small training sets from choosing
  // by noise; with more rows, the kEnsemble candidates of lowest leave-one-out error.
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.score < b.score; });
  std::vector<Candidate> members;
  if (o.train < 60) {
    const double bar = candidates.front().score + candidates.front().score_se;
    std::vector<Candidate> within;
    for (const Candidate& c : candidates)
      if (c.score <= bar) within.push_back(c);
    std::stable_sort(within.begin(), within.end(),
                     [](const Candidate& a, const Candidate& b) { return a.complexity < b.complexity; });
    members.assign(within.begin(), within.begin() + std::min(kEnsemble, within.size()));
  } else {
    members.assign(candidates.begin(), candidates.begin() + std::min(kEnsemble, candidates.size()));
  }

  std::vector<TableMember> chosen;
  for (const Candidate& c : members) chosen.push_back(c.member);
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
  for (const Candidate& c : members) {
    const TableMember& m = c.member;
    std::vector<std::string> other_names;
    for (std::size_t c : m.others) other_names.push_back(table.header[other_cols[c]]);
    member_json.push_back({{"transform", m.log_target ? "log" : "linear"},
                           {"features", {{"counts", true}, {"live", m.live}, {"simulated", m.simulated},
                                         {"one_hot", m.one_hot}}},
                           {"other_columns", other_names},
                           {"loo_score", c.score},
                           {"lambda", m.model.lambda},
                           {"mean", m.model.mean},
                           {"scale", m.model.scale},
                           {"weights", m.model.weights},
                           {"intercept", m.model.intercept}});
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
  return {{"latency_column", o.latency_column},
          {"train", {{"rows", o.train}, {"seed", o.seed}, {"loo_capped_sq_rel_error", members.front().score}}},
          {"members", summary},
          {"holdout", agreement(measured, predicted)}};
}

}  // namespace hwnas::estimate

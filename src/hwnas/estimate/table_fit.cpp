#include "hwnas/estimate/table_fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "hwnas/estimate/ridge.h"
#include "hwnas/estimate/stats.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/error.h"
#include "hwnas/graph/file_io.h"
#include "hwnas/estimate/measure_network.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/hw/table/csv.h"

namespace hwnas::estimate {
namespace {

constexpr double kFloorMs = 1e-3;  // latencies are floored here before taking logs
constexpr double kLossCap = 0.20;  // relative error beyond which a row's loss stops growing
constexpr std::size_t kEnsemble = 5;  // members averaged from 60 training rows

std::size_t column(const hw::CsvTable& t, const std::string& name, const std::string& csv, const std::string& flag) {
  const auto it = std::find(t.header.begin(), t.header.end(), name);
  if (it != t.header.end()) return static_cast<std::size_t>(it - t.header.begin());
  std::string names;
  for (const std::string& h : t.header) names += (names.empty() ? "" : ", ") + h;
  throw UserError(fmt::format("{}: no column '{}' (given by {}); columns are: {}", csv, name, flag, names));
}

bool parse_number(const std::string& text, double& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(out);
}

// One-hot of the architecture's choices: NB201 edges × ops, or FBNet layers × blocks.
std::vector<double> one_hot(const std::string& space, const std::string& arch) {
  std::vector<std::string> tokens;
  if (space == "nb201") {
    static const std::vector<std::string> ops = {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3",
                                                 "avg_pool_3x3"};
    std::vector<double> x;
    std::size_t pos = 0;
    while ((pos = arch.find('~', pos)) != std::string::npos) {
      const std::size_t start = arch.find_last_of('|', pos) + 1;
      const std::string op = arch.substr(start, pos - start);
      for (const std::string& o : ops) x.push_back(o == op);
      ++pos;
    }
    return x;
  }
  static const std::vector<std::string> blocks = {"k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1",
                                                  "k5_e1_g2", "k5_e3", "k5_e6", "skip"};
  std::vector<double> x;
  std::size_t start = 0;
  while (true) {
    const std::size_t dash = arch.find('-', start);
    const std::string b = arch.substr(start, dash == std::string::npos ? std::string::npos : dash - start);
    for (const std::string& o : blocks) x.push_back(o == b);
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  return x;
}

// NB201: per op, the edges that lie on a path from the cell's input to its output through
// edges that are not `none`, and whether the cell is connected at all.
std::vector<double> nb201_live_counts(const std::string& arch) {
  static const std::vector<std::string> ops = {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3",
                                               "avg_pool_3x3"};
  struct Edge {
    int from, to;
    std::size_t op;
  };
  std::vector<Edge> edges;
  int node = 1;
  for (std::size_t i = 0; i < arch.size(); ++i) {
    if (arch[i] == '+') ++node;
    if (arch[i] != '~') continue;
    const std::size_t start = arch.find_last_of('|', i) + 1;
    const std::string op = arch.substr(start, i - start);
    const std::size_t k = static_cast<std::size_t>(std::find(ops.begin(), ops.end(), op) - ops.begin());
    edges.push_back({arch[i + 1] - '0', node, k});
  }
  std::vector<bool> from_input(4, false), to_output(4, false);
  from_input[0] = true;
  to_output[3] = true;
  for (const Edge& e : edges)
    if (e.op != 0 && from_input[static_cast<std::size_t>(e.from)]) from_input[static_cast<std::size_t>(e.to)] = true;
  for (auto it = edges.rbegin(); it != edges.rend(); ++it)
    if (it->op != 0 && to_output[static_cast<std::size_t>(it->to)]) to_output[static_cast<std::size_t>(it->from)] = true;
  std::vector<double> live(ops.size() + 1, 0);
  for (const Edge& e : edges)
    if (e.op != 0 && from_input[static_cast<std::size_t>(e.from)] && to_output[static_cast<std::size_t>(e.to)]) ++live[e.op];
  live.back() = from_input[3] ? 1 : 0;
  return live;
}

struct Row {
  std::vector<double> counts;     // how many ops of each choice
  std::vector<double> live;       // NB201: of those, on a path from input to output; connected
  std::vector<double> simulated;  // log MACs, params and latency on hwnas's simulators
  std::vector<double> one_hot;    // the architecture's choices
  std::vector<double> others;   // log latency on the other device columns
  double latency_ms = 0;
};


// Which feature groups a candidate model uses.
struct FeatureSet {
  bool live = false, simulated = false, one_hot = false;
};

struct Candidate {
  bool log_target = true;
  FeatureSet set;
  std::vector<std::size_t> others;  // selected other-device columns
  RidgeModel model;
  double score = 0;     // leave-one-out mean squared relative error
  double score_se = 0;  // its standard error
  std::size_t complexity = 0;
};

std::vector<double> features(const Row& r, const Candidate& c) {
  std::vector<double> x = r.counts;
  if (c.set.live) x.insert(x.end(), r.live.begin(), r.live.end());
  if (c.set.simulated) x.insert(x.end(), r.simulated.begin(), r.simulated.end());
  if (c.set.one_hot) x.insert(x.end(), r.one_hot.begin(), r.one_hot.end());
  const auto& others = c.others;
  for (std::size_t c : others) x.push_back(r.others[c]);
  return x;
}

}  // namespace

nlohmann::json fit_table(const TableFitOptions& o, const std::string& out_path) {
  if (o.space != "nb201" && o.space != "fbnet")
    throw UserError(fmt::format("--space '{}': use nb201 or fbnet", o.space));
  const hw::CsvTable table = hw::read_csv(o.csv);
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
    for (const auto& row : table.rows) numeric = numeric && parse_number(row[c], v);
    if (numeric) other_cols.push_back(c);
  }
  std::vector<std::unique_ptr<hw::Target>> simulators;
  for (const char* preset : {"npu-p32", "ethos-u55-128-like", "ane-like"}) simulators.push_back(hw::make_target(preset));
  std::vector<Row> rows;
  rows.reserve(table.rows.size());
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto& cells = table.rows[i];
    Row r;
    if (!parse_number(cells[lat_col], r.latency_ms) || r.latency_ms < 0)
      throw UserError(fmt::format("{}:{}: column '{}': latency '{}' is not a non-negative number", o.csv,
                                  table.row_lines[i], o.latency_column, cells[lat_col]));
    const std::string& arch = cells[arch_col];
    graph::Graph g;
    try {
      g = graph::build_zoo_model(o.space == "nb201" ? "nb201:arch=" + arch : "fbnet:blocks=" + arch);
    } catch (const UserError& e) {
      throw UserError(fmt::format("{}:{}: column '{}': {}", o.csv, table.row_lines[i], o.arch_column, e.what()));
    }
    const graph::Analysis a = graph::analyze(g, graph::Precision::fp32);
    r.one_hot = one_hot(o.space, arch);
    const std::size_t choices = o.space == "nb201" ? 5 : 9;
    for (std::size_t k = 0; k < choices; ++k) {
      double count = 0;
      for (std::size_t j = k; j < r.one_hot.size(); j += choices) count += r.one_hot[j];
      r.counts.push_back(count);
    }
    if (o.space == "nb201") r.live = nb201_live_counts(arch);
    // Its latency on hwnas's own simulated accelerators: a compute-bound, a memory-bound
    // and an overhead-bound one.
    r.simulated = {std::log(1.0 + double(a.total.macs)), std::log(1.0 + double(a.total.params))};
    for (const auto& t : simulators) r.simulated.push_back(std::log(measure_network(g, *t).latency_s));
    for (std::size_t c : other_cols) {
      double v = 0;
      parse_number(cells[c], v);
      r.others.push_back(std::log(std::max(v, kFloorMs)));
    }
    rows.push_back(std::move(r));
  }

  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(o.seed));
  const std::vector<std::size_t> train(order.begin(), order.begin() + o.train);
  const std::vector<std::size_t> test(order.begin() + o.train, order.end());

  // Rank the other devices by correlation with the target on the training rows (log space).
  std::vector<double> target_log;
  for (std::size_t i : train) target_log.push_back(std::log(std::max(rows[i].latency_ms, kFloorMs)));
  std::vector<std::pair<double, std::size_t>> ranked;
  for (std::size_t c = 0; c < other_cols.size(); ++c) {
    std::vector<double> v;
    for (std::size_t i : train) v.push_back(rows[i].others[c]);
    ranked.emplace_back(-std::fabs(pearson(v, target_log)), c);
  }
  std::sort(ranked.begin(), ranked.end());

  const std::vector<double> lambdas = {1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1000};
  std::vector<Candidate> candidates;
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
          (set.one_hot && o.train < 60) || (set.live && o.space != "nb201"))
        continue;
      Candidate c;
      c.log_target = log_target;
      c.set = set;
      for (std::size_t j = 0; j < k; ++j) c.others.push_back(ranked[j].second);
      std::vector<std::vector<double>> x;
      std::vector<double> y, ms;
      for (std::size_t i : train) {
        x.push_back(features(rows[i], c));
        ms.push_back(std::max(rows[i].latency_ms, kFloorMs));
        y.push_back(log_target ? std::log(ms.back()) : ms.back());
      }
      // Row i's loss: its leave-one-out relative error squared, capped at kLossCap, so that
      // a noisy device's outliers choose neither λ nor the model for the rows it can predict.
      const auto capped_loss = [&](std::size_t i, double residual) {
        const double e = log_target ? std::expm1(residual) : residual / ms[i];
        return std::min(e * e, kLossCap * kLossCap);
      };
      c.model = fit_ridge(x, y, lambdas, capped_loss);
      // The mean loss scores the candidate; its standard error says how sure that score is.
      double sum = 0, sum_sq = 0;
      for (std::size_t i = 0; i < train.size(); ++i) {
        const double loss = capped_loss(i, c.model.loo_residuals[i]);
        sum += loss;
        sum_sq += loss * loss;
      }
      const double n = double(train.size());
      c.score = sum / n;
      c.score_se = std::sqrt(std::max(0.0, sum_sq / n - c.score * c.score) / n);
      c.complexity = features(rows[train[0]], c).size();
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

  const auto predict_ms = [&](const Row& r) {
    double log_sum = 0;
    for (const Candidate& m : members) {
      const double y = m.model.predict(features(r, m));
      log_sum += m.log_target ? y : std::log(std::max(y, kFloorMs));
    }
    return std::exp(log_sum / double(members.size()));
  };
  std::vector<double> measured, predicted;
  for (std::size_t i : test) {
    measured.push_back(rows[i].latency_ms * 1e-3);
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
  for (const Candidate& m : members) {
    std::vector<std::string> other_names;
    for (std::size_t c : m.others) other_names.push_back(table.header[other_cols[c]]);
    member_json.push_back({{"transform", m.log_target ? "log" : "linear"},
                           {"features", {{"counts", true}, {"live", m.set.live}, {"simulated", m.set.simulated},
                                         {"one_hot", m.set.one_hot}}},
                           {"other_columns", other_names},
                           {"loo_score", m.score},
                           {"lambda", m.model.lambda},
                           {"mean", m.model.mean},
                           {"scale", m.model.scale},
                           {"weights", m.model.weights},
                           {"intercept", m.model.intercept}});
  }
  const nlohmann::json model = {{"format", "hwnas-table-estimator"},
                                {"version", 2},
                                {"space", o.space},
                                {"csv", o.csv},
                                {"arch_column", o.arch_column},
                                {"latency_column", o.latency_column},
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

#include "hwnas/estimate/table_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <random>

#include "hwnas/estimate/measure_network.h"
#include "hwnas/estimate/stats.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/base/error.h"
#include "hwnas/base/json_input.h"
#include "hwnas/base/csv.h"

namespace hwnas::estimate {

bool parse_table_number(const std::string& text, double& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(out);
}

TableRow table_row(const space::Space& space, const space::Genome& genome, const TableSimulators& simulators) {
  const graph::Graph g = space.decode(genome);
  const graph::Analysis a = graph::analyze(g, graph::Precision::fp32);
  TableRow r;
  std::vector<const std::string*> labels;  // choice labels in order of first appearance
  for (std::size_t i = 0; i < genome.genes.size(); ++i) {
    const std::vector<std::string>& choices = space.genes()[i].choices;
    for (std::size_t k = 0; k < choices.size(); ++k) r.one_hot.push_back(genome.genes[i] == k);
    const std::string& chosen = choices[genome.genes[i]];
    for (const std::string& c : choices)
      if (std::ranges::find_if(labels, [&](const std::string* l) { return *l == c; }) == labels.end()) {
        labels.push_back(&c);
        r.counts.push_back(0);
      }
    ++r.counts[static_cast<std::size_t>(
        std::ranges::find_if(labels, [&](const std::string* l) { return *l == chosen; }) - labels.begin())];
  }
  r.live = space.live_choice_counts(genome);
  r.simulated = {std::log(1.0 + double(a.total.macs)), std::log(1.0 + double(a.total.params))};
  for (const auto& t : simulators) r.simulated.push_back(std::log(measure_network(g, *t).latency_s));
  return r;
}

std::vector<double> TableMember::features(const TableRow& r) const {
  std::vector<double> x;
  if (counts) x = r.counts;
  if (live) x.insert(x.end(), r.live.begin(), r.live.end());
  if (simulated) x.insert(x.end(), r.simulated.begin(), r.simulated.end());
  if (one_hot) x.insert(x.end(), r.one_hot.begin(), r.one_hot.end());
  for (std::size_t c : others) x.push_back(r.others[c]);
  return x;
}

double TableMember::predict_log_ms(const TableRow& r) const {
  const double y = model.predict(features(r));
  return log_target ? y : std::log(std::max(y, kTableFloorMs));
}

double predict_table_ms(const std::vector<TableMember>& members, const TableRow& r) {
  double log_sum = 0, weights = 0;
  for (const TableMember& m : members) {
    log_sum += m.weight * m.predict_log_ms(r);
    weights += m.weight;
  }
  return std::exp(log_sum / weights);
}

bool TableEstimator::is_table_estimator(const nlohmann::json& doc) {
  return doc.is_object() && doc.contains("format") && doc["format"] == "hwnas-table-estimator";
}

std::string TableEstimator::space_name(const nlohmann::json& doc, const std::string& path) {
  return JsonFields(doc, "", path, "refit it with 'hwnas fit --table'").string("space");
}

TableEstimator TableEstimator::from_json(const nlohmann::json& doc, const std::string& path,
                                         std::unique_ptr<const space::Space> space_ptr, TableSimulators simulators) {
  HWNAS_CHECK(space_ptr != nullptr && simulators.size() == kTableSimulatorPresets.size());
  const space::Space& space = *space_ptr;
  const auto bad = [&](const std::string& what) {
    return UserError(fmt::format("{}: not a valid table estimator file: {}; refit it with 'hwnas fit --table'", path,
                                 what));
  };
  if (!is_table_estimator(doc)) throw bad("'format' is not hwnas-table-estimator");
  TableEstimator e;
  e.path_ = path;
  const JsonFields top(doc, "", path, "refit it with 'hwnas fit --table'");
  if (top.at("version") != kTableEstimatorVersion)
    throw bad(fmt::format("'version' is {}, this hwnas reads {}{}", top.at("version").dump(), kTableEstimatorVersion,
                          top.at("version") == 2 ? " (version 2 does not record the identities of the simulator "
                                                   "presets whose latencies are features)"
                                                 : ""));
  top.only({"format", "version", "space", "simulators", "csv", "arch_column", "latency_column", "train", "combine",
            "members"});
  if (top.string("space") != space.name())
    throw bad(fmt::format("'space' is '{}', not '{}'", top.string("space"), space.name()));
  e.csv_ = top.string("csv");
  e.arch_column_ = top.string("arch_column");
  e.latency_column_ = top.string("latency_column");
  const nlohmann::json& recorded = top.at("simulators");
  if (!recorded.is_array() || recorded.size() != simulators.size())
    throw top.error("simulators", fmt::format("must list the {} table simulators", simulators.size()));
  for (std::size_t i = 0; i < simulators.size(); ++i) {
    const JsonFields sim(recorded[i], fmt::format("simulators[{}]", i), path, "refit it with 'hwnas fit --table'");
    sim.only({"name", "identity"});
    const hw::Target& now = *simulators[i];
    if (sim.string("name") != now.name() || sim.string("identity") != now.identity())
      throw UserError(fmt::format("{}: simulator preset '{}' has changed since the fit (identity '{}', now '{}'); "
                                  "refit it with 'hwnas fit --table'",
                                  path, sim.string("name"), sim.string("identity"), now.identity()));
  }
  if (top.has("combine") && top.string("combine") != "geometric_mean")
    throw top.error("combine", "is not geometric_mean");
  if (top.has("train")) {
    // The split fit --table made: at least 5 training rows and 5 held out (table_fit.cpp).
    const JsonFields t = top.object("train");
    t.only({"rows", "seed", "table_rows"});
    e.table_rows_ = static_cast<std::size_t>(t.integer("table_rows", 10, INT64_MAX));
    e.train_rows_ = t.integer("rows", 5, static_cast<std::int64_t>(e.table_rows_) - 5);
    e.train_seed_ = t.unsigned_integer("seed");
  }
  if (!top.at("members").is_array()) throw top.error("members", "must be a list");
  std::map<std::string, std::size_t> other_index;
  for (const auto& json : top.at("members")) {
    const JsonFields m(json, "members[]", path, "refit it with 'hwnas fit --table'");
    m.only({"transform", "features", "other_columns", "loo_score", "lambda", "mean", "scale", "weights",
            "intercept", "blend_weight"});
    TableMember member;
    const std::string transform = m.string("transform");
    if (transform != "log" && transform != "linear") throw m.error("transform", "is not log or linear");
    member.log_target = transform == "log";
    const JsonFields f = m.object("features");
    f.only({"counts", "live", "simulated", "one_hot"});
    member.counts = f.boolean("counts");
    member.live = f.boolean("live");
    member.simulated = f.boolean("simulated");
    member.one_hot = f.boolean("one_hot");
    if (!m.at("other_columns").is_array()) throw m.error("other_columns", "must be a list");
    for (const auto& name : m.at("other_columns")) {
      if (!name.is_string()) throw m.error("other_columns", "holds " + name.dump() + ", not a column name");
      const auto [it, added] = other_index.emplace(name.get<std::string>(), e.other_columns_.size());
      if (added) e.other_columns_.push_back(it->first);
      member.others.push_back(it->second);
    }
    const auto numbers = [&](const char* key) {
      const nlohmann::json& v = m.at(key);
      if (!v.is_array()) throw m.error(key, "must be a list of numbers");
      std::vector<double> out;
      for (const auto& x : v) {
        if (!x.is_number() || !std::isfinite(x.get<double>())) throw m.error(key, "holds " + x.dump() + ", not a finite number");
        out.push_back(x.get<double>());
      }
      return out;
    };
    member.model.mean = numbers("mean");
    member.model.scale = numbers("scale");
    member.model.weights = numbers("weights");
    member.model.intercept = m.number("intercept");
    member.model.lambda = m.number("lambda");
    if (m.has("loo_score")) m.number("loo_score");
    // Files written before members were weighted weigh them alike.
    if (m.has("blend_weight")) {
      member.weight = m.number("blend_weight");
      if (!(member.weight > 0)) throw m.error("blend_weight", "must be above 0");
    }
    if (member.model.mean.size() != member.model.weights.size() ||
        member.model.scale.size() != member.model.weights.size())
      throw bad("a member's 'mean', 'scale' and 'weights' differ in length");
    for (double v : member.model.scale)
      if (!(v > 0)) throw bad("a member's 'scale' holds a value that is not positive");
    e.members_.push_back(std::move(member));
  }
  if (e.members_.empty()) throw bad("'members' is empty");
  // The member's weights must match the features this hwnas computes for the space.
  const space::Genome probe = space.canonical(space::Genome{std::vector<std::uint16_t>(space.genes().size(), 0)});
  TableRow row = table_row(space, probe, simulators);
  row.others.assign(e.other_columns_.size(), 0);
  for (const TableMember& m : e.members_)
    if (m.features(row).size() != m.model.weights.size())
      throw bad(fmt::format("a member has {} weights for {} features", m.model.weights.size(), m.features(row).size()));

  CsvTable table;
  try {
    table = read_csv(e.csv_);
  } catch (const UserError& ex) {
    throw UserError(fmt::format("{}: the table it was fitted on (key 'csv') cannot be read: {}; set 'csv' to "
                                "where that table is now",
                                path, ex.what()));
  }
  const auto column = [&](const std::string& name) {
    const auto it = std::find(table.header.begin(), table.header.end(), name);
    if (it == table.header.end())
      throw UserError(fmt::format("{}: the table '{}' it was fitted on (key 'csv') has no column '{}'; refit it", path,
                                  e.csv_, name));
    return static_cast<std::size_t>(it - table.header.begin());
  };
  const std::size_t arch_col = column(e.arch_column_), latency_col = column(e.latency_column_);
  std::vector<std::size_t> cols;
  for (const std::string& name : e.other_columns_) cols.push_back(column(name));
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    e.archs_.push_back(table.rows[i][arch_col]);
    e.latency_cells_.push_back(table.rows[i][latency_col]);
    e.row_lines_.push_back(table.row_lines[i]);
    std::vector<double> logs;
    for (std::size_t k = 0; k < cols.size(); ++k) {
      double v = 0;
      if (!parse_table_number(table.rows[i][cols[k]], v))
        throw UserError(fmt::format("{}:{}: column '{}': '{}' is not a number", e.csv_, table.row_lines[i],
                                    e.other_columns_[k], table.rows[i][cols[k]]));
      logs.push_back(std::log(std::max(v, kTableFloorMs)));
    }
    e.other_log_.push_back(std::move(logs));
  }
  e.space_ = std::move(space_ptr);
  e.simulators_ = std::move(simulators);
  return e;
}

std::vector<std::size_t> table_row_order(std::size_t rows, std::uint64_t seed) {
  std::vector<std::size_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
  return order;
}

double TableEstimator::predict_row_ms(std::size_t i) const {
  TableRow row = table_row(*space_, space_->parse_arch(archs_[i]), simulators_);
  row.others = other_log_[i];
  return checked_ms(predict_table_ms(members_, row));
}

nlohmann::json TableEstimator::validate_holdout() const {
  if (train_rows_ < 0)
    throw UserError(fmt::format("{}: the file does not record which rows its fit trained on (key 'train'; an older "
                                "hwnas wrote it); refit it with 'hwnas fit --table' to validate it",
                                path_));
  if (archs_.size() != table_rows_)
    throw UserError(fmt::format("{}: its table '{}' (key 'csv') has {} rows, not the {} it was fitted on; refit it",
                                path_, csv_, archs_.size(), table_rows_));
  const std::vector<std::size_t> order = table_row_order(archs_.size(), train_seed_);
  std::vector<double> measured, predicted;
  for (std::size_t k = static_cast<std::size_t>(train_rows_); k < order.size(); ++k) {
    const std::size_t i = order[k];
    const double ms = parse_latency_ms(latency_cells_[i], csv_, row_lines_[i], latency_column_);
    measured.push_back(ms * 1e-3);  // agreement() takes seconds
    predicted.push_back(predict_row_ms(i) * 1e-3);
  }
  nlohmann::json out = agreement(measured, predicted);
  out["rows"] = measured.size();
  out["trained_on"] = train_rows_;
  out["csv"] = csv_;
  out["latency_column"] = latency_column_;
  return out;
}

double TableEstimator::predict_ms(const std::string& arch) const {
  TableRow row = table_row(*space_, space_->parse_arch(arch), simulators_);
  if (!other_columns_.empty()) {
    const auto it = std::find(archs_.begin(), archs_.end(), arch);
    if (it == archs_.end())
      throw UserError(fmt::format("{}: the architecture is not in '{}' (key 'csv'), and the estimator's models read "
                                  "its latency on other devices ({}); give an architecture of that table",
                                  path_, csv_, fmt::join(other_columns_, ", ")));
    row.others = other_log_[static_cast<std::size_t>(it - archs_.begin())];
  }
  return checked_ms(predict_table_ms(members_, row));
}

double TableEstimator::checked_ms(double ms) const {
  if (!(ms <= kMaxLatencyMs))  // also NaN: weights edited by hand
    throw UserError(fmt::format("{}: predicts {:.3g} ms, more than the largest latency a table may hold (1e7 ms); "
                                "the file is corrupt or was fitted on latencies past that; refit it with 'hwnas fit --table'",
                                path_, ms));
  return ms;
}

}  // namespace hwnas::estimate

// The model `hwnas fit --table` learns, and what predicting with it needs: the features of
// one architecture of a whole-network latency table, the ridge members averaged, and the
// estimator file (format "hwnas-table-estimator") that `hwnas estimate` reads back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/estimate/ridge.h"
#include "hwnas/hw/target.h"

namespace hwnas::estimate {

inline constexpr double kTableFloorMs = 1e-3;  // latencies are floored here before taking logs

/// The features of one architecture (NB201 cell string or FBNet block list).
struct TableRow {
  std::vector<double> counts;     // how many ops of each choice
  std::vector<double> live;       // NB201: of those, on a path from input to output; connected
  std::vector<double> simulated;  // log MACs, params and latency on hwnas's simulators
  std::vector<double> one_hot;    // the architecture's choices
  std::vector<double> others;     // log latency on the other device columns
};

/// hwnas's own simulated accelerators whose latencies are features: a compute-bound, a
/// memory-bound and an overhead-bound one.
std::vector<std::unique_ptr<hw::Target>> table_simulators();

/// All features but `others`. Throws UserError for an architecture the space cannot build.
TableRow table_row(const std::string& space, const std::string& arch,
                   const std::vector<std::unique_ptr<hw::Target>>& simulators);

/// One ridge model over some feature groups; its prediction is log ms or ms.
struct TableMember {
  bool log_target = true;
  bool live = false, simulated = false, one_hot = false;  // counts are always in
  std::vector<std::size_t> others;                        // indices into TableRow::others
  RidgeModel model;
  std::vector<double> features(const TableRow& r) const;
  double predict_log_ms(const TableRow& r) const;
};

/// Parses a whole cell as a finite number.
bool parse_table_number(const std::string& text, double& out);

/// A table's row indices in the order `hwnas fit --table` takes them for `seed`: the first
/// `train` are its training rows, the others held out.
std::vector<std::size_t> table_row_order(std::size_t rows, std::uint64_t seed);

/// The members' geometric mean, in ms.
double predict_table_ms(const std::vector<TableMember>& members, const TableRow& r);

/// A fitted table estimator as `hwnas estimate` uses it.
class TableEstimator {
 public:
  /// From an estimator file's JSON (read_estimator_json), and the table it names for the
  /// other devices' columns. Throws UserError naming `path` and the key for anything
  /// malformed or missing.
  static TableEstimator from_json(const nlohmann::json& doc, const std::string& path);
  /// Whether an estimator file's JSON is a table estimator's.
  static bool is_table_estimator(const nlohmann::json& doc);

  const std::string& space() const { return space_; }
  const std::string& latency_column() const { return latency_column_; }
  /// Latency of `arch` in ms. Throws UserError when a member needs other devices' columns
  /// and the table has no row for `arch`, or when the prediction is past kMaxLatencyMs
  /// (the file's weights edited).
  double predict_ms(const std::string& arch) const;
  /// The estimator against its table's latency column on the rows its fit held out (the
  /// split the file's "train" records): agreement() (stats.h) plus "rows", "trained_on",
  /// "csv". Throws UserError naming the file when it records no split (an older hwnas
  /// wrote it), when the table has another number of rows than at the fit, or for a
  /// latency that is not a number.
  nlohmann::json validate_holdout() const;

 private:
  std::string path_, space_, csv_, arch_column_, latency_column_;
  std::vector<std::string> other_columns_;      // the table's other device columns, in order
  std::vector<std::vector<double>> other_log_;  // per table row, log ms per other column
  std::vector<std::string> archs_;              // per table row
  std::vector<std::string> latency_cells_;      // per table row: the latency column, as written
  std::vector<std::int64_t> row_lines_;         // per table row: its line in the file
  std::int64_t train_rows_ = -1;                // the fit's split; -1 when the file has none
  std::uint64_t train_seed_ = 0;
  std::size_t table_rows_ = 0;
  std::vector<TableMember> members_;
  double predict_row_ms(std::size_t row) const;
  /// `ms`, or UserError naming the file when it is past kMaxLatencyMs (or NaN).
  double checked_ms(double ms) const;
};

}  // namespace hwnas::estimate

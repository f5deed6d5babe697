// The model `hwnas fit --table` learns, and what predicting with it needs: the features of
// one architecture of a whole-network latency table, the ridge members averaged, and the
// estimator file (format "hwnas-table-estimator") that `hwnas estimate` reads back.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/estimate/ridge.h"
#include "hwnas/hw/target.h"
#include "hwnas/space/space.h"

namespace hwnas::estimate {

/// The estimator file's format version; 3 records the table simulators' identities.
inline constexpr int kTableEstimatorVersion = 3;
inline constexpr double kTableFloorMs = 1e-3;  // latencies are floored here before taking logs

/// The features of one architecture of a space (NB201 cell, FBNet block list).
struct TableRow {
  std::vector<double> counts;     // how many genes choose each choice label (labels in order of first appearance)
  std::vector<double> live;       // NB201: per op, the edges on a path from input to output; connected
  std::vector<double> simulated;  // log MACs, params and latency on the table simulators
  std::vector<double> one_hot;    // the genome's choices, gene after gene
  std::vector<double> others;     // log latency on the other device columns
};

/// The presets whose simulated latencies are features, in this order: a compute-bound, a
/// memory-bound and an overhead-bound accelerator. The caller builds them
/// (hw::make_target of each name) and passes them in; estimator files record their
/// identities, so that a preset edited since the fit is noticed.
inline constexpr std::array<std::string_view, 3> kTableSimulatorPresets = {"npu-p32", "ethos-u55-128-like",
                                                                         "ane-like"};
using TableSimulators = std::vector<std::unique_ptr<hw::Target>>;

/// All features but `others` of `genome` (space.check()ed: UserError when it does not fit).
TableRow table_row(const space::Space& space, const space::Genome& genome, const TableSimulators& simulators);

/// One ridge model over some feature groups; its prediction is log ms or ms. Its weight
/// in the members' geometric mean is `weight` over the sum of theirs.
struct TableMember {
  bool log_target = true;
  bool counts = true, live = false, simulated = false, one_hot = false;
  double weight = 1;
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

/// The members' weighted geometric mean, in ms.
double predict_table_ms(const std::vector<TableMember>& members, const TableRow& r);

/// A fitted table estimator as `hwnas estimate` uses it.
class TableEstimator {
 public:
  /// From an estimator file's JSON (read_estimator_json), the space it names (`space`,
  /// whose name() must be the file's "space": space_name()) and the table simulators
  /// (kTableSimulatorPresets, built by the caller), which the estimator keeps; reads the
  /// table it names for the other devices' columns. Throws UserError naming `path` and
  /// the key for anything malformed or missing, and "PATH: simulator preset 'NAME' has
  /// changed since the fit (identity '...', now '...'); refit it with 'hwnas fit --table'"
  /// when a simulator's identity differs from the one the file records.
  static TableEstimator from_json(const nlohmann::json& doc, const std::string& path,
                                  std::unique_ptr<const space::Space> space, TableSimulators simulators);
  /// Whether an estimator file's JSON is a table estimator's.
  static bool is_table_estimator(const nlohmann::json& doc);
  /// The file's "space" (a table estimator's JSON). Throws UserError naming `path` when
  /// it is missing or not a string.
  static std::string space_name(const nlohmann::json& doc, const std::string& path);

  const space::Space& space() const { return *space_; }
  const std::string& latency_column() const { return latency_column_; }
  /// Latency of the architecture `arch` (the space's architecture string) in ms. Throws
  /// UserError when a member needs other devices' columns and the table has no row for
  /// `arch`, or when the prediction is past kMaxLatencyMs (the file's weights edited).
  double predict_ms(const std::string& arch) const;
  /// The estimator against its table's latency column on the rows its fit held out (the
  /// split the file's "train" records): agreement() (stats.h) plus "rows", "trained_on",
  /// "csv". Throws UserError naming the file when it records no split (an older hwnas
  /// wrote it), when the table has another number of rows than at the fit, or for a
  /// latency that is not a number.
  nlohmann::json validate_holdout() const;

 private:
  std::unique_ptr<const space::Space> space_;
  TableSimulators simulators_;
  std::string path_, csv_, arch_column_, latency_column_;
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

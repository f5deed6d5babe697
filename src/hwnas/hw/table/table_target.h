// A target of whole-network latencies read from a CSV table (docs/hardware-table.md),
// e.g. NAS-Bench-201's `lat_ms_pixel3` column keyed by the architecture string.
//
// Such a target cannot time single kernels: measure() throws UnsupportedKernel. Search
// and validation look networks up with network_latency_ms; `hwnas simulate` with
// latency_of_model.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hwnas/hw/target.h"

namespace hwnas::hw {

class TableTarget : public Target {
 public:
  /// Loads the table. `name` defaults to "<csv stem>:<latency column>". Throws UserError
  /// naming the file when it cannot be read, a column is missing (listing the columns
  /// there are), a latency is not a number of ms in (0, kMaxLatencyMs] (csv.h; naming line and
  /// column), or a
  /// key appears twice.
  TableTarget(const std::string& csv_path, const std::string& key_column,
              const std::string& latency_column, std::string name = "");

  const std::string& name() const override { return name_; }
  /// Name plus a hash of the columns and the file's contents.
  const std::string& identity() const override { return identity_; }
  /// Always throws UnsupportedKernel: the table times whole networks.
  Measurement measure(const Kernel& kernel) override;

  /// The latency of the network whose key column equals `key`, or nullopt.
  std::optional<double> network_latency_ms(const std::string& key) const;
  /// The architecture a MODEL spec names, as the space module reads it (space/models.h
  /// spec_architecture): hw knows no space's spec strings.
  struct SpecArchitecture {
    std::string prefix;          // how the spec names it, e.g. "nb201:arch=" (for messages)
    std::string arch;            // the space's architecture string: a key of the table
    bool other_options = false;  // options follow it (",classes=100")
  };
  /// The row of the network a MODEL spec names (docs/hardware-table.md): the key is `model`
  /// itself when the table has that key, else `arch`'s architecture, given without other
  /// options (the table was timed at one setting). `forms` says how specs name
  /// architectures ("nb201:arch=KEY or ...", space::spec_architecture_forms) for errors.
  /// Returns (key, latency in ms). Throws UserError naming the model, the table and its key
  /// column when the table has no such row, or when `arch` has other options.
  std::pair<std::string, double> latency_of_model(const std::string& model, const std::optional<SpecArchitecture>& arch,
                                                  std::string_view forms) const;
  /// (key, latency in ms) in file order.
  const std::vector<std::pair<std::string, double>>& rows() const { return rows_; }

  const std::string& csv_path() const { return csv_path_; }
  const std::string& key_column() const { return key_column_; }
  const std::string& latency_column() const { return latency_column_; }

 private:
  std::string name_, identity_, csv_path_, key_column_, latency_column_;
  std::vector<std::pair<std::string, double>> rows_;
  std::unordered_map<std::string, std::size_t> index_;  // key -> position in rows_
};

/// Every key a table description may have (make_target infers a missing `kind` from them).
std::span<const std::string_view> table_description_keys();

/// For the commands that time kernels (`command`: "profile", "fit --target"): throws
/// UserError when `target` is a table target, whose latencies are whole networks already
/// measured, naming `spec` (the --target argument) and what to run instead: `hwnas fit
/// --table` to learn from the table, `hwnas simulate` to look a network up.
void refuse_table_for_kernels(const Target& target, const std::string& spec, std::string_view command);

/// Builds the target from a description with keys `name`, `kind: table`, `csv` (relative
/// paths resolve against the directory of `source`, the description file), `key_column`
/// (default "arch") and `latency_column`. Throws UserError naming the key.
std::unique_ptr<TableTarget> make_table_target(const YAML::Node& description,
                                               const std::string& source);

}  // namespace hwnas::hw

// Accuracy from a CSV column keyed by the architecture string, e.g. NAS-Bench-201's
// acc_cifar10 (../shared/data/README.md).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <unordered_map>

#include "hwnas/base/csv.h"
#include "hwnas/base/error.h"
#include "hwnas/base/hash.h"
#include "hwnas/estimate/table_model.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/latency_source.h"

namespace hwnas::search {
namespace {

class CsvAccuracy : public AccuracySource {
 public:
  CsvAccuracy(std::string path, std::string arch_column, std::unordered_map<std::string, double> values)
      : path_(std::move(path)), arch_column_(std::move(arch_column)), values_(std::move(values)) {}

  Family family() const override { return Family::table; }

  double accuracy(const Candidate& c) override {
    if (const auto it = values_.find(c.arch); it != values_.end()) return it->second;
    throw UserError(fmt::format("{} has no row for architecture '{}' (column '{}')", path_, c.arch, arch_column_));
  }

  /// The row is the architecture string's, whatever the network.
  std::optional<std::uint64_t> evaluation_key(const Candidate& c) const override { return stable_hash(c.arch); }

 private:
  std::string path_, arch_column_;
  std::unordered_map<std::string, double> values_;
};

std::size_t column_index(const ExperimentSection& s, const CsvTable& table, const std::string& path,
                         const std::string& key, const std::string& column) {
  const auto it = std::find(table.header.begin(), table.header.end(), column);
  if (it == table.header.end())
    s.fail(key, fmt::format("{} has no column '{}'; its columns: {}", path, column, fmt::join(table.header, ", ")));
  return static_cast<std::size_t>(it - table.header.begin());
}

}  // namespace

std::unique_ptr<AccuracySource> make_csv_accuracy(const ExperimentSection& s, const space::Space& space) {
  s.only({"csv", "column", "arch_column"});
  const std::string path = s.path("csv");
  const std::string column = s.text("column", {}, "name the accuracy column, e.g. acc_cifar10");
  const std::string arch_column = s.text("arch_column", std::string_view("arch"));
  const CsvTable table = read_csv(path);
  const std::size_t arch_at = column_index(s, table, path, "arch_column", arch_column);
  const std::size_t value_at = column_index(s, table, path, "column", column);

  std::vector<std::string> keys;
  std::unordered_map<std::string, double> values;
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const std::string& key = table.rows[i][arch_at];
    const std::string& cell = table.rows[i][value_at];
    double accuracy = 0;
    if (!estimate::parse_table_number(cell, accuracy) || accuracy < 0 || accuracy > 100)
      throw UserError(fmt::format("{}:{}: column '{}': '{}' is not an accuracy from 0 to 100 (percent)", path,
                                  table.row_lines[i], column, cell));
    if (!values.emplace(key, accuracy).second)
      throw UserError(fmt::format("{}:{}: column '{}': architecture '{}' appears twice; keep one row", path,
                                  table.row_lines[i], arch_column, key));
    keys.push_back(key);
  }
  check_architecture_keys(space, keys, path, arch_column);
  return std::make_unique<CsvAccuracy>(path, arch_column, std::move(values));
}

}  // namespace hwnas::search

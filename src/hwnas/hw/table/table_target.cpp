#include "hwnas/hw/table/table_target.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/hash.h"
#include "hwnas/hw/description_reader.h"
#include "hwnas/base/csv.h"

namespace hwnas::hw {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 5> kKeys = {"name", "kind", "csv", "key_column",
                                                   "latency_column"};

std::size_t find_column(const CsvTable& table, const std::string& path, const std::string& column,
                        const char* key) {
  std::size_t found = table.header.size();
  for (std::size_t i = 0; i < table.header.size(); ++i) {
    if (table.header[i] != column) continue;
    if (found != table.header.size())
      throw UserError(fmt::format("{}: column '{}' ({}) appears twice in the header; rename one",
                                  path, column, key));
    found = i;
  }
  if (found == table.header.size()) {
    std::string available;
    for (const std::string& h : table.header) available += (available.empty() ? "" : ", ") + h;
    throw UserError(fmt::format("{}: no column '{}' ({}); the columns are: {}", path, column, key,
                                available));
  }
  return found;
}

}  // namespace

TableTarget::TableTarget(const std::string& csv_path, const std::string& key_column,
                         const std::string& latency_column, std::string name)
    : name_(std::move(name)),
      csv_path_(csv_path),
      key_column_(key_column),
      latency_column_(latency_column) {
  if (name_.empty()) name_ = fs::path(csv_path).stem().string() + ":" + latency_column;
  const std::string text = read_text_file(csv_path, "latency table");
  const CsvTable table = parse_csv(text, csv_path);
  const std::size_t key_at = find_column(table, csv_path, key_column, "key_column");
  const std::size_t latency_at = find_column(table, csv_path, latency_column, "latency_column");
  if (table.rows.empty())
    throw UserError(fmt::format("{}: the table has a header but no rows", csv_path));

  rows_.reserve(table.rows.size());
  index_.reserve(table.rows.size());
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::vector<std::string>& row = table.rows[r];
    const std::int64_t line = table.row_lines[r];
    const double latency = parse_latency_ms(row[latency_at], csv_path, line, latency_column);
    if (row[key_at].empty())
      throw UserError(fmt::format("{}:{}: column '{}': the key is empty; every row needs one",
                                  csv_path, line, key_column));
    const auto [it, inserted] = index_.emplace(row[key_at], rows_.size());
    if (!inserted)
      throw UserError(fmt::format("{}:{}: column '{}': key '{}' already appears on line {}; keys "
                                  "must be unique",
                                  csv_path, line, key_column, row[key_at],
                                  table.row_lines[it->second]));
    rows_.emplace_back(row[key_at], latency);
  }

  const nlohmann::json canonical = {{"name", name_},
                                    {"kind", "table"},
                                    {"key_column", key_column_},
                                    {"latency_column", latency_column_},
                                    {"csv_hash", stable_hash(text)}};
  // A name that is not UTF-8 is hashed with U+FFFD for its bad bytes (JSON holds only UTF-8);
  // the identity still starts with the name itself.
  identity_ = fmt::format("{}#{:016x}", name_,
                          stable_hash(canonical.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

Measurement TableTarget::measure(const Kernel& kernel) {
  throw UnsupportedKernel(fmt::format("table target '{}': cannot time kernel {}: table targets time whole "
                                      "networks; look one up with 'hwnas simulate MODEL --target "
                                      "TABLE', or learn from the table with 'hwnas fit --table {}'",
                                      name_, kernel_key(kernel), csv_path_));
}

std::optional<double> TableTarget::network_latency_ms(const std::string& key) const {
  const auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  return rows_[it->second].second;
}

std::pair<std::string, double> TableTarget::latency_of_model(const std::string& model,
                                                             const std::optional<SpecArchitecture>& arch,
                                                             std::string_view forms) const {
  if (const auto ms = network_latency_ms(model)) return {model, *ms};
  if (arch) {
    if (arch->other_options)
      throw UserError(fmt::format("model '{}': table target '{}' holds one latency per architecture, timed at "
                                  "one setting; give {}ARCHITECTURE without other options",
                                  model, name_, arch->prefix));
    if (const auto ms = network_latency_ms(arch->arch)) return {arch->arch, *ms};
    throw UserError(fmt::format("model '{}': table target '{}' has no row whose '{}' is that architecture "
                                "({} rows in {}); give an architecture of the table",
                                model, name_, key_column_, rows_.size(), csv_path_));
  }
  throw UserError(fmt::format("model '{}': table target '{}' times only the networks of its table ({}); give "
                              "MODEL as {}, or as a whole key, for a KEY in its column '{}'",
                              model, name_, csv_path_, forms, key_column_));
}

std::span<const std::string_view> table_description_keys() { return kKeys; }

void refuse_table_for_kernels(const Target& target, const std::string& spec, std::string_view command) {
  const auto* t = dynamic_cast<const TableTarget*>(&target);
  if (t == nullptr) return;
  throw UserError(fmt::format("--target {}: '{}' is a table of whole-network latencies and times no kernels, so "
                              "{} has nothing to measure; learn an estimator from it with 'hwnas fit --table {} "
                              "--arch-column {} --latency-column {} --space nb201|fbnet --out EST', or look a "
                              "network up with 'hwnas simulate MODEL --target {}'",
                              spec, t->name(), command, t->csv_path(), t->key_column(), t->latency_column(), spec));
}

std::unique_ptr<TableTarget> make_table_target(const YAML::Node& node, const std::string& source) {
  const DescriptionReader r(node, source);
  r.check_mapping_and_keys(
      kKeys, "a table target description is a YAML mapping of keys (docs/hardware-table.md)",
      fmt::format("a table target has the keys {}", fmt::join(kKeys, ", ")));
  r.kind("table", "for a latency-table target");
  const std::string name = r.text("name", {}, "every target needs a name");
  fs::path csv = r.text("csv", {}, "give the path of the CSV file");
  if (csv.is_relative()) csv = fs::path(source).parent_path() / csv;
  std::error_code ec;
  if (!fs::is_regular_file(csv, ec))
    r.fail("csv", fmt::format("'{}' is not a readable file; relative paths start at the "
                              "description's directory",
                              csv.string()));
  const std::string key_column = r.text("key_column", "arch", "name the column of network keys");
  const std::string latency_column =
      r.text("latency_column", {}, "name the column of latencies in ms, e.g. lat_ms_pixel3");
  return std::make_unique<TableTarget>(csv.string(), key_column, latency_column, name);
}

}  // namespace hwnas::hw

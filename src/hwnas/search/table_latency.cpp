// Whole-network latencies from a table (a CSV column keyed by the architecture string, or
// a table target's description), e.g. NAS-Bench-201's lat_ms_pixel3.
#include <fmt/format.h>

#include "hwnas/base/error.h"
#include "hwnas/hw/table/table_target.h"
#include "hwnas/search/latency_source.h"

namespace hwnas::search {
namespace {

class TableLatency : public LatencySource {
 public:
  explicit TableLatency(std::unique_ptr<hw::TableTarget> table) : table_(std::move(table)) {}

  double latency_ms(const Candidate& c) override {
    if (const std::optional<double> ms = table_->network_latency_ms(c.arch)) return *ms;
    throw UserError(fmt::format("{} has no row for architecture '{}' (column '{}')", table_->csv_path(), c.arch,
                                table_->key_column()));
  }
  std::vector<std::pair<std::string, double>> layer_latency_ms(const graph::Graph&) override { return {}; }

 private:
  std::unique_ptr<hw::TableTarget> table_;
};

}  // namespace

void check_architecture_keys(const space::Space& space, const std::vector<std::string>& keys, const std::string& file,
                             const std::string& column) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    std::string written;
    try {
      written = space.arch(space.parse_arch(keys[i]));
    } catch (const UserError& e) {
      throw UserError(fmt::format("{}: column '{}', row {}: '{}' is not an architecture of space '{}' ({}); use a "
                                  "table of this space",
                                  file, column, i + 1, keys[i], space.name(), e.what()));
    }
    if (written != keys[i])
      throw UserError(fmt::format("{}: column '{}', row {}: '{}' is written differently from the space's "
                                  "architecture string '{}'; write the keys as the space does",
                                  file, column, i + 1, keys[i], written));
  }
}

std::unique_ptr<LatencySource> make_table_latency(std::unique_ptr<hw::TableTarget> table, const space::Space& space) {
  std::vector<std::string> keys;
  keys.reserve(table->rows().size());
  for (const auto& [key, ms] : table->rows()) keys.push_back(key);
  check_architecture_keys(space, keys, table->csv_path(), table->key_column());
  return std::make_unique<TableLatency>(std::move(table));
}

std::unique_ptr<LatencySource> make_csv_latency(const ExperimentSection& s, const space::Space& space) {
  s.only({"csv", "column", "arch_column"});
  const std::string path = s.path("csv");
  const std::string column = s.text("column", {}, "name the latency column, e.g. lat_ms_pixel3");
  const std::string arch_column = s.text("arch_column", std::string_view("arch"));
  return make_table_latency(std::make_unique<hw::TableTarget>(path, arch_column, column), space);
}

std::unique_ptr<LatencySource> make_latency_source(const ExperimentSection& s, const space::Space& space,
                                                   std::int32_t batch, std::string_view batch_key) {
  const int kinds = int{s.has("estimator")} + int{s.has("target")} + int{s.has("csv")};
  if (!s.node().IsMap() || kinds != 1)
    throw UserError(fmt::format("{}: {}: give exactly one of estimator: FILE, target: NAME_OR_FILE (with an optional "
                                "store: FILE.db) or csv: FILE with column: NAME (docs/experiments.md)",
                                s.file(), s.prefix()));
  if (s.has("estimator")) return make_estimator_latency(s, space, batch, batch_key);
  if (s.has("target")) return make_target_latency(s, space, batch);
  return make_csv_latency(s, space);
}

}  // namespace hwnas::search

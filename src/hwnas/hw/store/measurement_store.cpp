#include "hwnas/hw/store/measurement_store.h"

#include <cmath>
#include <ctime>
#include <utility>

#include "hwnas/base/error.h"

namespace hwnas::hw {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE measurements (
  target_identity TEXT NOT NULL,
  kernel_key      TEXT NOT NULL,
  target_name     TEXT NOT NULL,
  kernel_json     TEXT NOT NULL,
  features_json   TEXT NOT NULL,
  samples_s_json  TEXT NOT NULL,
  latency_s       REAL NOT NULL,
  spread          REAL NOT NULL,
  cycles          REAL,
  sram_bytes      REAL,
  dram_bytes      REAL,
  utilization     REAL,
  bound           TEXT NOT NULL,
  measured_unix   INTEGER NOT NULL,
  PRIMARY KEY (target_identity, kernel_key)
) WITHOUT ROWID;
)sql";

constexpr const char* kMeasurementColumns =
    "latency_s, spread, samples_s_json, cycles, sram_bytes, dram_bytes, utilization, bound";

const sqlite::Schema& schema() {
  static const sqlite::Schema kStore{"measurement store", sqlite::kMeasurementStoreId, MeasurementStore::kSchemaVersion, kSchema};
  return kStore;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw UserError("measurement store '" + path + "': " + what);
}

void check_finite(const std::string& path, const std::string& key, double value, const char* what) {
  if (!std::isfinite(value))
    fail(path, "kernel " + key + ": " + what + " is not a finite number; nothing stored");
}

Bound parse_bound(const std::string& name) {
  for (Bound b : {Bound::compute, Bound::sram, Bound::dram, Bound::overhead})
    if (bound_name(b) == name) return b;
  return Bound::unknown;
}

/// A record serialised for the INSERT: everything that can fail is done before the
/// transaction starts.
struct Row {
  std::string key, kernel_json, features_json, samples_json;
  const Measurement* m;
};

Row make_row(const std::string& path, const Kernel& kernel, const nlohmann::json& features,
             const Measurement& m) {
  Row row{kernel_key(kernel), kernel_to_json(kernel).dump(), features.dump(), "", &m};
  check_finite(path, row.key, m.latency_s, "latency_s");
  check_finite(path, row.key, m.spread, "spread");
  for (double s : m.samples_s) check_finite(path, row.key, s, "a sample");
  row.samples_json = nlohmann::json(m.samples_s).dump();
  return row;
}

/// Reads the kMeasurementColumns starting at column `first`.
Measurement read_measurement(const sqlite::Statement& q, int first, const std::string& path) {
  Measurement m;
  m.latency_s = q.real(first);
  m.spread = q.real(first + 1);
  try {
    m.samples_s = nlohmann::json::parse(q.text(first + 2)).get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("a row's samples are not a JSON list of numbers (") + e.what() +
                   "); the file was changed by another program");
  }
  m.cycles = q.optional_real(first + 3);
  m.sram_bytes = q.optional_real(first + 4);
  m.dram_bytes = q.optional_real(first + 5);
  m.utilization = q.optional_real(first + 6);
  m.bound = parse_bound(q.text(first + 7));
  return m;
}

nlohmann::json parse_json_column(const std::string& text, const std::string& path) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("a row holds invalid JSON (") + e.what() +
                   "); the file was changed by another program");
  }
}

void write_rows(const sqlite::Database& db, const std::string& target_name, const std::string& target_identity,
                const std::vector<Row>& rows) {
  const std::int64_t now = std::time(nullptr);
  sqlite::Transaction tx(db);
  sqlite::Statement insert(db,
                           "INSERT OR REPLACE INTO measurements (target_identity, kernel_key, "
                           "target_name, kernel_json, features_json, samples_s_json, latency_s, spread, "
                           "cycles, sram_bytes, dram_bytes, utilization, bound, measured_unix) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  for (const Row& row : rows) {
    const Measurement& m = *row.m;
    insert.bind(1, target_identity);
    insert.bind(2, row.key);
    insert.bind(3, target_name);
    insert.bind(4, row.kernel_json);
    insert.bind(5, row.features_json);
    insert.bind(6, row.samples_json);
    insert.bind(7, m.latency_s);
    insert.bind(8, m.spread);
    insert.bind(9, m.cycles);
    insert.bind(10, m.sram_bytes);
    insert.bind(11, m.dram_bytes);
    insert.bind(12, m.utilization);
    insert.bind(13, std::string(bound_name(m.bound)));
    insert.bind(14, now);
    insert.step("storing a measurement");
    insert.reset();
  }
  tx.commit();
}

}  // namespace

MeasurementStore MeasurementStore::open(const std::string& path) {
  return MeasurementStore(sqlite::Database::open(path, schema()));
}

std::optional<Measurement> MeasurementStore::find(const std::string& target_identity,
                                                  const std::string& kernel_key) const {
  sqlite::Statement q(db_, std::string("SELECT ") + kMeasurementColumns +
                               " FROM measurements WHERE target_identity = ?1 AND kernel_key = ?2");
  q.bind(1, target_identity);
  q.bind(2, kernel_key);
  if (!q.step("looking up a measurement")) return std::nullopt;
  return read_measurement(q, 0, db_.path());
}

void MeasurementStore::put(const std::string& target_name, const std::string& target_identity,
                           const Kernel& kernel, const nlohmann::json& features,
                           const Measurement& m) {
  write_rows(db_, target_name, target_identity, {make_row(db_.path(), kernel, features, m)});
}

void MeasurementStore::put_many(const std::string& target_name,
                                const std::string& target_identity,
                                std::span<const MeasurementRecord> records) {
  std::vector<Row> rows;
  rows.reserve(records.size());
  for (const MeasurementRecord& r : records)
    rows.push_back(make_row(db_.path(), r.kernel, r.features, r.measurement));
  write_rows(db_, target_name, target_identity, rows);
}

std::size_t MeasurementStore::count(const std::string& target_identity) const {
  sqlite::Statement q(db_, "SELECT count(*) FROM measurements WHERE target_identity = ?1");
  q.bind(1, target_identity);
  q.step("counting measurements");
  return static_cast<std::size_t>(q.integer(0));
}

std::vector<StoredMeasurement> MeasurementStore::all(const std::string& target_identity) const {
  sqlite::Statement q(db_, std::string("SELECT kernel_key, kernel_json, features_json, target_name, measured_unix, ") +
                               kMeasurementColumns + " FROM measurements WHERE target_identity = ?1 ORDER BY kernel_key");
  q.bind(1, target_identity);
  std::vector<StoredMeasurement> out;
  while (q.step("reading measurements")) {
    StoredMeasurement s;
    s.kernel_key = q.text(0);
    s.kernel = parse_json_column(q.text(1), db_.path());
    s.features = parse_json_column(q.text(2), db_.path());
    s.target_name = q.text(3);
    s.measured_unix = q.integer(4);
    s.measurement = read_measurement(q, 5, db_.path());
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hwnas::hw

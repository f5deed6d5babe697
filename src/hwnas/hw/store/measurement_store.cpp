#include "hwnas/hw/store/measurement_store.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <thread>
#include <utility>

#include "hwnas/base/error.h"

namespace hwnas::hw {
namespace {

// "hwMS" in ASCII: marks the file as an hwnas measurement store.
constexpr int kApplicationId = 0x68774D53;
constexpr int kBusyTimeoutMs = 60'000;

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

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw UserError("measurement store '" + path + "': " + what);
}

[[noreturn]] void fail_sqlite(const std::string& path, sqlite3* db, const std::string& doing) {
  fail(path, doing + " failed (" + sqlite3_errmsg(db) +
                 "); check that the file is writable and the disk is not full");
}

class Statement {
 public:
  Statement(sqlite3* db, const std::string& path, const char* sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      fail_sqlite(path, db, "preparing a query");
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  void bind(int i, const std::string& text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, double value) { sqlite3_bind_double(stmt_, i, value); }
  void bind(int i, std::int64_t value) { sqlite3_bind_int64(stmt_, i, value); }
  void bind(int i, const std::optional<double>& value) {
    if (value) sqlite3_bind_double(stmt_, i, *value);
    else sqlite3_bind_null(stmt_, i);
  }

  /// True while there is a row; throws UserError on failure.
  bool step(const char* doing) {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail_sqlite(path_, db_, doing);
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::optional<double> optional_real(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return real(col);
  }

 private:
  sqlite3* db_;
  const std::string& path_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// Runs SQL without results. A lock held by another connection is waited for by the busy
/// timeout; journal-mode changes can still report SQLITE_BUSY at once, so retry those.
void exec(sqlite3* db, const std::string& path, const char* sql, const char* doing) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return;
    if (rc != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline)
      fail_sqlite(path, db, doing);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

/// Rolls back unless commit() ran.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) {
    // IMMEDIATE takes the write lock now, so a busy database is waited for here rather
    // than failing when a read transaction is upgraded.
    exec(db_, path_, "BEGIN IMMEDIATE", "starting a write transaction");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, path_, "COMMIT", "committing");
    done_ = true;
  }

 private:
  sqlite3* db_;
  const std::string& path_;
  bool done_ = false;
};

struct Header {
  std::int64_t application_id = 0, user_version = 0, objects = 0;
};

Header read_header(sqlite3* db, const std::string& path) {
  Header h;
  const auto read = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
    const std::int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    const int code = sqlite3_extended_errcode(db) & 0xff;
    sqlite3_finalize(stmt);
    if (rc == SQLITE_ROW) return value;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
      fail(path, std::string("not an SQLite database (") + sqlite3_errstr(code) +
                     "); pass the path of an hwnas measurement store, or a new file name");
    fail_sqlite(path, db, "reading the file header");
  };
  h.application_id = read("PRAGMA application_id");
  h.user_version = read("PRAGMA user_version");
  h.objects = read("SELECT count(*) FROM sqlite_master");
  return h;
}

bool is_new(const Header& h) { return h.application_id == 0 && h.user_version == 0 && h.objects == 0; }

void check_header(const Header& h, const std::string& path) {
  if (h.application_id != kApplicationId)
    fail(path, "an SQLite database of another program, not an hwnas measurement store; pass "
               "another path");
  if (h.user_version != MeasurementStore::kSchemaVersion)
    fail(path, "schema version " + std::to_string(h.user_version) + ", but this hwnas reads version " +
                   std::to_string(MeasurementStore::kSchemaVersion) +
                   "; use the hwnas that wrote it, or a new file");
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
Measurement read_measurement(const Statement& q, int first, const std::string& path) {
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

void write_rows(sqlite3* db, const std::string& path, const std::string& target_name,
                const std::string& target_identity, const std::vector<Row>& rows) {
  const std::int64_t now = std::time(nullptr);
  Transaction tx(db, path);
  Statement insert(db, path,
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
  // SQLite keeps side files beside the store; one that is not a regular file (a directory
  // named m.db-wal) fails the open only after the store file was created.
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::error_code ec;
    const std::filesystem::file_status st = std::filesystem::status(path + suffix, ec);
    if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
      fail(path, "'" + path + suffix + "' is not a regular file, and SQLite keeps its " + (suffix + 1) +
                     " file there; remove or rename it");
  }
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  MeasurementStore store(raw, path);  // closes the handle on every exit below
  if (rc != SQLITE_OK)
    fail(path, std::string("cannot open (") + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)) +
                   "); check that the directory exists and is writable");
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);

  // Look before writing anything: a file that is not ours is left untouched. One read
  // transaction, so that the header's fields come from one committed state: another
  // process may create the schema between two separate reads.
  exec(raw, path, "BEGIN", "reading the file header");
  Header header = read_header(raw, path);
  exec(raw, path, "COMMIT", "reading the file header");
  if (!is_new(header)) check_header(header, path);

  // WAL lets readers run beside a writer; NORMAL sync stays consistent after a crash of
  // the process (only a power loss can drop the latest commits).
  exec(raw, path, "PRAGMA journal_mode=WAL", "switching to WAL mode");
  exec(raw, path, "PRAGMA synchronous=NORMAL", "setting the sync mode");

  if (is_new(header)) {
    Transaction tx(raw, path);
    header = read_header(raw, path);  // another process may have created it meanwhile
    if (is_new(header)) {
      exec(raw, path, kSchema, "creating the schema");
      exec(raw, path, ("PRAGMA application_id=" + std::to_string(kApplicationId)).c_str(),
           "creating the schema");
      exec(raw, path, ("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str(),
           "creating the schema");
    } else {
      check_header(header, path);
    }
    tx.commit();
  }
  return store;
}

MeasurementStore::MeasurementStore(MeasurementStore&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

MeasurementStore& MeasurementStore::operator=(MeasurementStore&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

MeasurementStore::~MeasurementStore() { sqlite3_close_v2(db_); }

std::optional<Measurement> MeasurementStore::find(const std::string& target_identity,
                                                  const std::string& kernel_key) const {
  Statement q(db_, path_,
              (std::string("SELECT ") + kMeasurementColumns +
               " FROM measurements WHERE target_identity = ?1 AND kernel_key = ?2")
                  .c_str());
  q.bind(1, target_identity);
  q.bind(2, kernel_key);
  if (!q.step("looking up a measurement")) return std::nullopt;
  return read_measurement(q, 0, path_);
}

void MeasurementStore::put(const std::string& target_name, const std::string& target_identity,
                           const Kernel& kernel, const nlohmann::json& features,
                           const Measurement& m) {
  write_rows(db_, path_, target_name, target_identity, {make_row(path_, kernel, features, m)});
}

void MeasurementStore::put_many(const std::string& target_name,
                                const std::string& target_identity,
                                std::span<const MeasurementRecord> records) {
  std::vector<Row> rows;
  rows.reserve(records.size());
  for (const MeasurementRecord& r : records)
    rows.push_back(make_row(path_, r.kernel, r.features, r.measurement));
  write_rows(db_, path_, target_name, target_identity, rows);
}

std::size_t MeasurementStore::count(const std::string& target_identity) const {
  Statement q(db_, path_, "SELECT count(*) FROM measurements WHERE target_identity = ?1");
  q.bind(1, target_identity);
  q.step("counting measurements");
  return static_cast<std::size_t>(q.integer(0));
}

std::vector<StoredMeasurement> MeasurementStore::all(const std::string& target_identity) const {
  Statement q(db_, path_,
              (std::string("SELECT kernel_key, kernel_json, features_json, target_name, "
                           "measured_unix, ") +
               kMeasurementColumns +
               " FROM measurements WHERE target_identity = ?1 ORDER BY kernel_key")
                  .c_str());
  q.bind(1, target_identity);
  std::vector<StoredMeasurement> out;
  while (q.step("reading measurements")) {
    StoredMeasurement s;
    s.kernel_key = q.text(0);
    s.kernel = parse_json_column(q.text(1), path_);
    s.features = parse_json_column(q.text(2), path_);
    s.target_name = q.text(3);
    s.measured_unix = q.integer(4);
    s.measurement = read_measurement(q, 5, path_);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hwnas::hw

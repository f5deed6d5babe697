// The measurement store: every kernel a target has measured, in one SQLite file.
//
// Rows are keyed by (target identity, kernel key); putting the same pair again replaces
// the row. The file is opened in WAL mode with a busy timeout, so several processes (a
// profiling run per target, say) may write to one file at once: writers wait for each
// other instead of failing. Every put is one transaction, so a process killed mid-write
// leaves the file as it was before that put.
//
// The schema is versioned with `PRAGMA user_version` and marked with
// `PRAGMA application_id`; open() refuses files of another version and files that are
// not hwnas measurement stores, and never writes to them.
//
// One MeasurementStore is one SQLite connection: use it from one thread at a time, and
// open a new one after fork() instead of using the parent's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/base/sqlite.h"
#include "hwnas/hw/kernel.h"
#include "hwnas/hw/target.h"

namespace hwnas::hw {

/// One kernel's measurement and the features an estimator sees, for put_many.
struct MeasurementRecord {
  Kernel kernel;
  nlohmann::json features;
  Measurement measurement;
};

/// A row of the store as all() returns it.
struct StoredMeasurement {
  std::string kernel_key;
  nlohmann::json kernel;    // kernel_to_json of the measured kernel
  nlohmann::json features;
  Measurement measurement;
  std::string target_name;
  std::int64_t measured_unix = 0;  // seconds since 1970, when it was put
};

class MeasurementStore {
 public:
  /// The schema version this build reads and writes.
  static constexpr int kSchemaVersion = 1;

  /// Opens `path`, creating the file and the schema when it does not exist. Throws
  /// UserError naming the file when it is not an SQLite database, is another program's
  /// database, has another schema version, or cannot be opened, and, before creating
  /// anything, when one of SQLite's side files (PATH-wal, -shm, -journal) exists and is not
  /// a regular file.
  static MeasurementStore open(const std::string& path);

  const std::string& path() const { return db_.path(); }

  std::optional<Measurement> find(const std::string& target_identity,
                                  const std::string& kernel_key) const;

  /// Stores one measurement in one transaction, replacing any row of the same target
  /// identity and kernel key. Latency, spread and samples must be finite.
  void put(const std::string& target_name, const std::string& target_identity,
           const Kernel& kernel, const nlohmann::json& features, const Measurement& m);
  /// Stores a batch in ONE transaction: afterwards all of it is in the file, or none.
  void put_many(const std::string& target_name, const std::string& target_identity,
                std::span<const MeasurementRecord> records);

  /// Rows stored for the target identity.
  std::size_t count(const std::string& target_identity) const;
  /// All rows of the target identity, ordered by kernel key.
  std::vector<StoredMeasurement> all(const std::string& target_identity) const;

 private:
  explicit MeasurementStore(sqlite::Database db) : db_(std::move(db)) {}

  sqlite::Database db_;
};

}  // namespace hwnas::hw

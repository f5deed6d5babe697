// The SQLite layer of hwnas's stores (the measurement store, the experiment store): one
// connection opened in WAL mode with a busy timeout, a schema marked with
// `PRAGMA application_id` and versioned with `PRAGMA user_version`, prepared statements,
// and write transactions that roll back unless committed.
//
// A file that is not the expected kind of store (a directory, random bytes, a damaged
// file, another program's database, another hwnas store, another schema version) is
// refused before anything is written to it. Every error is a one-line UserError
// "KIND 'PATH': WHAT; FIX", KIND naming the store (e.g. "measurement store"), FIX one that
// works where the user named the store (the Schema's hints).
//
// One Database is one connection: use it from one thread at a time, and open a new one
// after fork() instead of using the parent's.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace hwnas::sqlite {

/// The application_id (PRAGMA application_id) of each of hwnas's stores, in ASCII, so that
/// a store of one kind given for another is named as what it is.
inline constexpr std::int32_t kMeasurementStoreId = 0x68774D53;  // "hwMS": hw/store
inline constexpr std::int32_t kExperimentStoreId = 0x68774558;   // "hwEX": search

/// What a store's file must hold.
struct Schema {
  std::string kind;            // "measurement store": names the file in errors
  std::int32_t application_id; // e.g. 0x68774D53 ("hwMS")
  std::int32_t version;        // user_version of the files this build reads and writes
  std::string create_sql;      // run once, in one transaction, on a new (empty) file
  /// Follows "holds no KIND yet (" when OpenMode::existing or read_only finds the file empty
  /// (e.g. a process killed before it created the schema).
  std::string empty_hint = "a process stopped before creating it; create it anew";
  /// What to pass instead when OpenMode::existing or read_only finds a file that is not this
  /// store (a directory, not SQLite, another program's database or another hwnas store), as
  /// the user names the store (e.g. "give the --out directory of a search"); empty: "pass the
  /// path of an hwnas KIND".
  std::string existing_hint;
  /// The same for OpenMode::create, which may also make a new store elsewhere (e.g. "use
  /// another --out directory, or remove {path}"; "{path}" reads as the store's path, quoted);
  /// it also follows "damaged (...); restore it from a copy, or " and "schema version N, ...;
  /// use the hwnas that wrote it, or ". Empty: "pass the path of an hwnas KIND, or a new file
  /// name", and "pass another path" / "a new file" in those two and for another program's.
  std::string create_hint;
  /// Follows "damaged (...); restore it from a copy, or " for OpenMode::existing and
  /// read_only (e.g. "start the search again with another --out"); empty: existing_hint's fix.
  std::string damaged_hint;
};

enum class OpenMode : std::uint8_t {
  create,     // create the file and the schema when the file is absent or empty
  existing,   // the file must exist and hold the schema: "KIND 'PATH': does not exist",
              // "KIND 'PATH': holds no KIND yet (EMPTY_HINT)"
  read_only,  // as existing, and nothing is ever written to the file: see ReadAccess
};

/// What OpenMode::read_only finds beside a store: whether this process may write the file
/// and its directory (access(2) for the effective user), and which of SQLite's side files
/// exist.
struct StoreFiles {
  bool dir_writable = false, file_writable = false;
  bool wal = false, shm = false, journal = false;  // PATH-wal, PATH-shm, PATH-journal exist
};
StoreFiles look_at_store_files(const std::string& path);

/// How OpenMode::read_only reads a store (in WAL mode, whose readers need PATH-wal and
/// PATH-shm) so that it leaves the directory as it found it, never blocks nor alters a
/// writer's work, and needs no write access:
enum class ReadAccess : std::uint8_t {
  /// The file and its directory are writable: opened read-write with `PRAGMA query_only`
  /// (no statement can write). SQLite creates the side files if absent; when this is the
  /// last connection to close (no search runs), its close folds the -wal into the file and
  /// removes both, as a search's does (a killed search's -wal too; one found beside a file
  /// that is not the schema's is left as it was). While a search runs they are the search's.
  read_write_query_only,
  /// The file or its directory is not writable, and there are no side files (so no
  /// connection, and no writer, is open): `immutable=1`, which reads the file alone, creates
  /// nothing and takes no lock. Limit: a search started by a user who can write there while
  /// this reads may change the file under it; the reader may then fail or read a mix (read
  /// again). The search is never affected.
  immutable,
  /// The file or its directory is not writable and side files exist (a search may be
  /// running, or was killed), or a -journal exists (only a writer may roll it back):
  /// SQLITE_OPEN_READONLY, which reads the -wal the writer keeps; the files stay as found
  /// (SQLite cannot fold or remove them without write access).
  shared,
};
ReadAccess choose_read_access(const StoreFiles& files);

class Database {
 public:
  /// How long a write waits for another connection's lock before failing.
  static constexpr int kBusyTimeoutMs = 60'000;

  /// Opens `path`. Throws UserError naming KIND and the file, before anything is created or
  /// written, when:
  ///  - one of SQLite's side files (PATH-wal, -shm, -journal) exists and is not a regular file;
  ///  - PATH is a directory ("it is a directory, not an hwnas KIND; FIX") or another
  ///    non-regular file;
  ///  - PATH may not be read ("cannot read the file (permission denied); make it readable
  ///    (chmod u+rw 'PATH')", u+r for OpenMode::read_only);
  ///  - OpenMode::create or existing may not write the file ("the file is not writable; make
  ///    it writable (chmod u+w 'PATH')") or its directory ("its directory 'DIR' is not
  ///    writable, and SQLite keeps the store's -wal and -shm files there (WAL mode); make the
  ///    directory writable (chmod u+w 'DIR') or copy it elsewhere"); read_only needs neither;
  ///  - it cannot be opened ("cannot open (...); check that the directory exists and is
  ///    writable");
  ///  - it is not an SQLite database ("not an SQLite database (...); FIX"), is damaged
  ///    ("damaged (database disk image is malformed); restore it from a copy, or FIX"), is
  ///    another program's ("an SQLite database of another program, not an hwnas KIND; FIX"),
  ///    another hwnas store's ("an hwnas experiment store, not a measurement store; FIX", by
  ///    its application_id), or has another schema version ("schema version N, but this
  ///    hwnas reads version M; use the hwnas that wrote it", and ", or FIX" for create).
  /// FIX offers a new file only where the mode creates one: the Schema's create_hint for
  /// OpenMode::create, its existing_hint (damaged_hint) for the others. A file that is not
  /// the schema's is never written to.
  /// `on_create` runs inside the transaction that creates the schema, so that a store is
  /// never seen half-initialised (e.g. an experiment store without its experiment).
  static Database open(const std::string& path, const Schema& schema, OpenMode mode = OpenMode::create,
                       const std::function<void(const Database&)>& on_create = {});

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  const std::string& path() const { return path_; }
  const std::string& kind() const { return kind_; }
  sqlite3* handle() const { return db_; }

  /// Runs SQL without results, retrying SQLITE_BUSY (which journal-mode changes report at
  /// once, without the busy timeout) until kBusyTimeoutMs. `doing` names the step in errors.
  void exec(const std::string& sql, std::string_view doing) const;

  /// "KIND 'PATH': WHAT" as a UserError.
  [[noreturn]] void fail(std::string_view what) const;
  /// "KIND 'PATH': DOING failed (SQLite's message); check that the file is writable and the
  /// disk is not full", or for a damaged file "DOING failed: the file is damaged (...);
  /// restore it from a copy, or FIX" with open()'s FIX for a damaged file.
  [[noreturn]] void fail_sqlite(std::string_view doing) const;

 private:
  Database(sqlite3* db, std::string path, std::string kind) : db_(db), path_(std::move(path)), kind_(std::move(kind)) {}

  sqlite3* db_ = nullptr;
  std::string path_, kind_;
  std::string damaged_fix_ = "pass another path";  // after "restore it from a copy, or "
};

/// A prepared statement; parameters are 1-based, columns 0-based (SQLite's convention).
class Statement {
 public:
  Statement(const Database& db, const std::string& sql);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  void bind(int i, std::string_view text);
  void bind(int i, double value);
  void bind(int i, std::int64_t value);
  void bind(int i, const std::optional<double>& value);  // NULL when unset

  /// True while there is a row, false when done; throws UserError on failure.
  bool step(std::string_view doing);
  /// Ready to run again with new bindings.
  void reset();

  std::string text(int col) const;
  double real(int col) const;
  std::int64_t integer(int col) const;
  std::optional<double> optional_real(int col) const;  // unset for NULL
  bool is_null(int col) const;

 private:
  const Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// A write transaction (BEGIN IMMEDIATE: the write lock is taken, or waited for, at once);
/// rolled back by the destructor unless commit() ran.
class Transaction {
 public:
  explicit Transaction(const Database& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  const Database& db_;
  bool done_ = false;
};

}  // namespace hwnas::sqlite

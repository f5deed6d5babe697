#include "hwnas/base/sqlite.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <thread>
#include <utility>

#include "hwnas/base/error.h"

namespace hwnas::sqlite {
namespace {

struct Header {
  std::int64_t application_id = 0, user_version = 0, objects = 0;
};

/// hwnas's stores by application_id, so that one given for another is named.
struct HwnasStore {
  std::int32_t application_id;
  const char* kind;
};
constexpr HwnasStore kHwnasStores[] = {{kMeasurementStoreId, "measurement store"},
                                       {kExperimentStoreId, "experiment store"}};

/// "a KIND" or "an KIND".
std::string with_article(const std::string& kind) {
  const bool vowel = !kind.empty() && std::string_view("aeiou").find(kind.front()) != std::string_view::npos;
  return (vowel ? "an " : "a ") + kind;
}

/// `hint` with "{path}" read as `path`, quoted.
std::string with_path(std::string hint, const std::string& path) {
  static constexpr std::string_view kPath = "{path}";
  for (std::size_t at = hint.find(kPath); at != std::string::npos; at = hint.find(kPath, at + path.size() + 2))
    hint.replace(at, kPath.size(), "'" + path + "'");
  return hint;
}

/// What to pass instead of a file that is not `schema`'s store: a new file only where
/// `mode` creates one (--resume or a report cannot use one); `create_default` unless the
/// schema says how its users name a new store.
std::string other_file_fix(const Schema& schema, OpenMode mode, const std::string& path,
                           const std::string& create_default) {
  if (mode == OpenMode::create) return schema.create_hint.empty() ? create_default : with_path(schema.create_hint, path);
  return schema.existing_hint.empty() ? "pass the path of an hwnas " + schema.kind : schema.existing_hint;
}

std::string other_file_fix(const Schema& schema, OpenMode mode, const std::string& path) {
  return other_file_fix(schema, mode, path, "pass the path of an hwnas " + schema.kind + ", or a new file name");
}

/// What follows "restore it from a copy, or " for a damaged file.
std::string damaged_fix(const Schema& schema, OpenMode mode, const std::string& path) {
  if (mode != OpenMode::create && !schema.damaged_hint.empty()) return schema.damaged_hint;
  return other_file_fix(schema, mode, path, "pass another path");
}

Header read_header(const Database& db, const Schema& schema, OpenMode mode) {
  Header h;
  const auto read = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db.handle(), sql, -1, &stmt, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
    const std::int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    const int code = sqlite3_extended_errcode(db.handle()) & 0xff;
    sqlite3_finalize(stmt);
    if (rc == SQLITE_ROW) return value;
    if (code == SQLITE_NOTADB)
      db.fail(std::string("not an SQLite database (") + sqlite3_errstr(code) + "); " +
              other_file_fix(schema, mode, db.path()));
    if (code == SQLITE_CORRUPT)
      db.fail(std::string("damaged (") + sqlite3_errstr(code) + "); restore it from a copy, or " +
              damaged_fix(schema, mode, db.path()));
    db.fail_sqlite("reading the file header");
  };
  h.application_id = read("PRAGMA application_id");
  h.user_version = read("PRAGMA user_version");
  h.objects = read("SELECT count(*) FROM sqlite_master");
  return h;
}

bool is_new(const Header& h) { return h.application_id == 0 && h.user_version == 0 && h.objects == 0; }

void check_header(const Header& h, const Database& db, const Schema& schema, OpenMode mode) {
  if (h.application_id != schema.application_id) {
    for (const HwnasStore& other : kHwnasStores)
      if (other.application_id == h.application_id)
        db.fail("an hwnas " + std::string(other.kind) + ", not " + with_article(schema.kind) + "; " +
                other_file_fix(schema, mode, db.path()));
    db.fail("an SQLite database of another program, not an hwnas " + schema.kind + "; " +
            other_file_fix(schema, mode, db.path(), "pass another path"));
  }
  if (h.user_version != schema.version)
    db.fail("schema version " + std::to_string(h.user_version) + ", but this hwnas reads version " +
            std::to_string(schema.version) + "; use the hwnas that wrote it" +
            (mode == OpenMode::create ? ", or " + other_file_fix(schema, mode, db.path(), "a new file") : ""));
}

/// Refuses a side file SQLite keeps beside `path` that is not a regular file (a directory
/// named m.db-wal): SQLite fails on it only after the store file was created.
void check_side_files(const std::string& path, const Schema& schema) {
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::error_code ec;
    const std::filesystem::file_status st = std::filesystem::status(path + suffix, ec);
    if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
      throw UserError(schema.kind + " '" + path + "': '" + path + suffix +
                      "' is not a regular file, and SQLite keeps its " + (suffix + 1) +
                      " file there; remove or rename it");
  }
}

bool writable(const std::filesystem::path& p) { return ::faccessat(AT_FDCWD, p.c_str(), W_OK, AT_EACCESS) == 0; }

/// The directory SQLite creates `path`'s side files in.
std::filesystem::path directory_of(const std::string& path) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

std::string not_writable_dir(const std::string& path) {
  const std::string dir = directory_of(path).string();
  return "its directory '" + dir + "' is not writable, and SQLite keeps the store's -wal and -shm files there (WAL " +
         "mode); make the directory writable (chmod u+w '" + dir + "') or copy it elsewhere";
}

/// `path` as an SQLite URI filename ("file:" and the path, percent-encoded but for '/' and
/// the unreserved characters) with `query`.
std::string file_uri(const std::string& path, std::string_view query) {
  std::string uri = "file:";
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      uri += c;
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      uri += {'%', kHex[byte >> 4], kHex[byte & 0xf]};
    }
  }
  return uri + "?" + std::string(query);
}

/// The name and flags sqlite3_open_v2 opens `path` with.
std::pair<std::string, int> how_to_open(const std::string& path, OpenMode mode, ReadAccess access) {
  if (mode == OpenMode::create) return {path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE};
  if (mode == OpenMode::existing) return {path, SQLITE_OPEN_READWRITE};
  switch (access) {
    case ReadAccess::read_write_query_only: return {path, SQLITE_OPEN_READWRITE};
    case ReadAccess::immutable: return {file_uri(path, "immutable=1"), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI};
    case ReadAccess::shared: break;
  }
  return {path, SQLITE_OPEN_READONLY};
}

}  // namespace

StoreFiles look_at_store_files(const std::string& path) {
  std::error_code ec;
  const auto exists = [&](const char* suffix) { return std::filesystem::exists(path + suffix, ec); };
  const std::filesystem::path dir = directory_of(path);
  return {writable(dir) && ::faccessat(AT_FDCWD, dir.c_str(), X_OK, AT_EACCESS) == 0, writable(path), exists("-wal"),
          exists("-shm"), exists("-journal")};
}

ReadAccess choose_read_access(const StoreFiles& files) {
  if (files.journal) return ReadAccess::shared;
  if (files.dir_writable && files.file_writable) return ReadAccess::read_write_query_only;
  if (!files.wal && !files.shm) return ReadAccess::immutable;
  return ReadAccess::shared;
}

Database Database::open(const std::string& path, const Schema& schema, OpenMode mode,
                        const std::function<void(const Database&)>& on_create) {
  check_side_files(path, schema);
  if (mode != OpenMode::create) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
      throw UserError(schema.kind + " '" + path + "': does not exist");
  }
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status))
    throw UserError(schema.kind + " '" + path + "': it is a directory, not an hwnas " + schema.kind + "; " +
                    other_file_fix(schema, mode, path));
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw UserError(schema.kind + " '" + path + "': it is not a regular file (a FIFO, socket or device), not an hwnas " +
                    schema.kind + "; " + other_file_fix(schema, mode, path));
  // SQLite says only "unable to open database file" for a file it may not read.
  if (std::filesystem::exists(status) && ::faccessat(AT_FDCWD, path.c_str(), R_OK, AT_EACCESS) != 0)
    throw UserError(schema.kind + " '" + path + "': cannot read the file (permission denied); make it readable (chmod " +
                    (mode == OpenMode::read_only ? "u+r" : "u+rw") + " '" + path + "')");
  const StoreFiles files = look_at_store_files(path);
  const ReadAccess access = choose_read_access(files);
  if (mode != OpenMode::read_only && !files.dir_writable && std::filesystem::exists(path, ec))
    throw UserError(schema.kind + " '" + path + "': " + not_writable_dir(path));
  const auto [name, flags] = how_to_open(path, mode, access);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
  Database db(raw, path, schema.kind);  // closes the handle on every exit below
  db.damaged_fix_ = damaged_fix(schema, mode, path);
  if (rc != SQLITE_OK)
    db.fail(std::string("cannot open (") + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)) +
            "); check that the directory exists and is writable");
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  if (mode == OpenMode::read_only && access == ReadAccess::read_write_query_only) {
    db.exec("PRAGMA query_only=ON", "opening the file for reading");
    // A -wal left by a writer that was killed is not folded into a file found not to be
    // ours; once the file is known to be, the last connection's close folds it and removes
    // the side files, as a writer's would.
    if (files.wal) sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  }
  if (mode != OpenMode::read_only && sqlite3_db_readonly(raw, "main") == 1)
    db.fail("the file is not writable; make it writable (chmod u+w '" + path + "')");

  // Look before writing anything: a file that is not ours is left untouched. One read
  // transaction, so that the header's fields come from one committed state: another
  // process may create the schema between two separate reads.
  db.exec("BEGIN", "reading the file header");
  Header header = read_header(db, schema, mode);
  db.exec("COMMIT", "reading the file header");
  if (mode != OpenMode::create && is_new(header)) db.fail("holds no " + schema.kind + " yet (" + schema.empty_hint + ")");
  if (!is_new(header)) check_header(header, db, schema, mode);
  if (mode == OpenMode::read_only) {
    sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, nullptr);
    return db;
  }

  // WAL lets readers run beside a writer; NORMAL sync stays consistent after a crash of
  // the process (only a power loss can drop the latest commits).
  db.exec("PRAGMA journal_mode=WAL", "switching to WAL mode");
  db.exec("PRAGMA synchronous=NORMAL", "setting the sync mode");

  if (is_new(header)) {
    Transaction tx(db);
    header = read_header(db, schema, mode);  // another process may have created it meanwhile
    if (is_new(header)) {
      db.exec(schema.create_sql, "creating the schema");
      db.exec("PRAGMA application_id=" + std::to_string(schema.application_id), "creating the schema");
      db.exec("PRAGMA user_version=" + std::to_string(schema.version), "creating the schema");
      if (on_create) on_create(db);
    } else {
      check_header(header, db, schema, mode);
    }
    tx.commit();
  }
  return db;
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      kind_(std::move(other.kind_)),
      damaged_fix_(std::move(other.damaged_fix_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    kind_ = std::move(other.kind_);
    damaged_fix_ = std::move(other.damaged_fix_);
  }
  return *this;
}

Database::~Database() { sqlite3_close_v2(db_); }

void Database::exec(const std::string& sql, std::string_view doing) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return;
    if (rc != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) fail_sqlite(doing);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Database::fail(std::string_view what) const { throw UserError(kind_ + " '" + path_ + "': " + std::string(what)); }

void Database::fail_sqlite(std::string_view doing) const {
  const int extended = sqlite3_extended_errcode(db_), code = extended & 0xff;
  if (extended == SQLITE_READONLY_DIRECTORY) fail(std::string(doing) + " failed: " + not_writable_dir(path_));
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
    fail(std::string(doing) + " failed: the file is damaged (" + sqlite3_errmsg(db_) + "); restore it from a copy, or " +
         damaged_fix_);
  fail(std::string(doing) + " failed (" + sqlite3_errmsg(db_) +
       "); check that the file is writable and the disk is not full");
}

Statement::Statement(const Database& db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
    db.fail_sqlite("preparing a query");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind(int i, std::string_view text) {
  sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
void Statement::bind(int i, double value) { sqlite3_bind_double(stmt_, i, value); }
void Statement::bind(int i, std::int64_t value) { sqlite3_bind_int64(stmt_, i, value); }
void Statement::bind(int i, const std::optional<double>& value) {
  if (value) sqlite3_bind_double(stmt_, i, *value);
  else sqlite3_bind_null(stmt_, i);
}

bool Statement::step(std::string_view doing) {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail_sqlite(doing);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}
double Statement::real(int col) const { return sqlite3_column_double(stmt_, col); }
std::int64_t Statement::integer(int col) const { return sqlite3_column_int64(stmt_, col); }
std::optional<double> Statement::optional_real(int col) const {
  if (is_null(col)) return std::nullopt;
  return real(col);
}
bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Transaction::Transaction(const Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE", "starting a write transaction"); }

Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT", "committing");
  done_ = true;
}

}  // namespace hwnas::sqlite

// The SQLite layer (base/sqlite.h). Its refusals per OpenMode: a file that is not the store
// is named and left untouched, and a new file is offered as the fix only where the mode
// creates one (a --resume or a report cannot use one). OpenMode::read_only: a reader leaves
// the directory as it found it, beside a writer too, and reads a store it may not write.
#include <grp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "hwnas/base/error.h"
#include "hwnas/base/sqlite.h"
#include "support/scratch_dir.h"

namespace hwnas::sqlite {
namespace {

const testing::ScratchDir& scratch() {
  static const testing::ScratchDir dir("hwnas_sqlite_test");
  return dir;
}

Schema test_schema(std::string existing_hint = "") {
  Schema s{"test store", 0x68775453, 3, "CREATE TABLE t (x INTEGER);"};
  s.existing_hint = std::move(existing_hint);
  return s;
}

std::string write_file(const std::string& name, const std::string& bytes) {
  const std::string path = (scratch().path() / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string slurp(const std::string& path) {
  std::ostringstream s;
  s << std::ifstream(path, std::ios::binary).rdbuf();
  return s.str();
}

/// 4 KiB that no SQLite file starts with.
std::string not_sqlite(const std::string& name) { return write_file(name, std::string(4096, 'x')); }

/// The UserError of opening `path`; fails the test when open() succeeds.
std::string open_error(const std::string& path, const Schema& schema, OpenMode mode) {
  try {
    Database::open(path, schema, mode);
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << path << ": open() did not throw";
  return "";
}

void insert_rows(const Database& db, int rows) {
  Transaction tx(db);
  Statement insert(db, "INSERT INTO t VALUES (?1)");
  for (int i = 0; i < rows; ++i) {
    insert.bind(1, std::int64_t{i});
    insert.step("inserting");
    insert.reset();
  }
  tx.commit();
}

std::int64_t count_rows(const Database& db) {
  Statement count(db, "SELECT count(*) FROM t");
  count.step("counting");
  return count.integer(0);
}

void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST(SqliteOpen, NotSqliteForCreateOffersANewFileName) {
  const std::string path = not_sqlite("create.db");
  EXPECT_EQ(open_error(path, test_schema(), OpenMode::create),
            "test store '" + path +
                "': not an SQLite database (file is not a database); pass the path of an hwnas test store, or a new "
                "file name");
  EXPECT_EQ(slurp(path), std::string(4096, 'x'));
}

TEST(SqliteOpen, NotSqliteForExistingOrReadOnlyOffersNoNewFileName) {
  for (OpenMode mode : {OpenMode::existing, OpenMode::read_only}) {
    const std::string path = not_sqlite(mode == OpenMode::existing ? "existing.db" : "read_only.db");
    EXPECT_EQ(open_error(path, test_schema(), mode),
              "test store '" + path + "': not an SQLite database (file is not a database); pass the path of an "
                                      "hwnas test store");
    EXPECT_EQ(slurp(path), std::string(4096, 'x'));
  }
}

TEST(SqliteOpen, TheSchemasHintSaysWhatToPassForAnExistingStore) {
  const std::string path = not_sqlite("hint.db");
  const Schema schema = test_schema("give the --out directory of a test");
  for (OpenMode mode : {OpenMode::existing, OpenMode::read_only})
    EXPECT_EQ(open_error(path, schema, mode),
              "test store '" + path + "': not an SQLite database (file is not a database); give the --out directory "
                                      "of a test");
  EXPECT_NE(open_error(path, schema, OpenMode::create).find("or a new file name"), std::string::npos);
}

TEST(SqliteOpen, AnotherProgramsDatabaseIsNamedWithTheModesFix) {
  const std::string path = (scratch().path() / "other.db").string();
  sqlite_exec(path, "CREATE TABLE people (name TEXT);");
  const std::string before = slurp(path);
  const std::string what = "test store '" + path + "': an SQLite database of another program, not an hwnas test store; ";
  EXPECT_EQ(open_error(path, test_schema(), OpenMode::create), what + "pass another path");
  EXPECT_EQ(open_error(path, test_schema(), OpenMode::existing), what + "pass the path of an hwnas test store");
  EXPECT_EQ(open_error(path, test_schema("give a test"), OpenMode::read_only), what + "give a test");
  EXPECT_EQ(slurp(path), before);
}

TEST(SqliteOpen, AnotherSchemaVersionOffersANewFileOnlyToCreate) {
  const std::string path = (scratch().path() / "version.db").string();
  Database::open(path, test_schema());
  sqlite_exec(path, "PRAGMA user_version = 2");
  const std::string what = "test store '" + path + "': schema version 2, but this hwnas reads version 3; use the hwnas "
                                                   "that wrote it";
  EXPECT_EQ(open_error(path, test_schema(), OpenMode::create), what + ", or a new file");
  EXPECT_EQ(open_error(path, test_schema(), OpenMode::existing), what);
  EXPECT_EQ(open_error(path, test_schema(), OpenMode::read_only), what);
}

namespace fs = std::filesystem;

// Session 31's fresh user (F7): --out takes a directory and the store's name is fixed, so
// "a new file name" is no fix there; the schema says how its users name another store.
TEST(SqliteOpen, TheSchemasCreateHintNamesTheStore) {
  Schema schema = test_schema();
  schema.create_hint = "use another --out directory, or remove {path}";
  const std::string path = not_sqlite("create_hint.db");
  const std::string fix = "use another --out directory, or remove '" + path + "'";
  EXPECT_EQ(open_error(path, schema, OpenMode::create),
            "test store '" + path + "': not an SQLite database (file is not a database); " + fix);

  const std::string other = (scratch().path() / "create_hint_other.db").string();
  sqlite_exec(other, "CREATE TABLE people (name TEXT);");
  EXPECT_EQ(open_error(other, schema, OpenMode::create),
            "test store '" + other + "': an SQLite database of another program, not an hwnas test store; use another "
                                     "--out directory, or remove '" + other + "'");

  const std::string version = (scratch().path() / "create_hint_version.db").string();
  Database::open(version, test_schema());
  sqlite_exec(version, "PRAGMA user_version = 2");
  EXPECT_EQ(open_error(version, schema, OpenMode::create),
            "test store '" + version + "': schema version 2, but this hwnas reads version 3; use the hwnas that wrote "
                                       "it, or use another --out directory, or remove '" + version + "'");
  // Where no store is created, the hint for an existing one.
  EXPECT_EQ(open_error(path, schema, OpenMode::existing),
            "test store '" + path + "': not an SQLite database (file is not a database); pass the path of an hwnas "
                                    "test store");
}

// F5: a directory where the store should be: said, with a fix that is not already true.
TEST(SqliteOpen, ADirectoryIsNamedWithTheModesFix) {
  const fs::path dir = scratch().path() / "a_directory.db";
  fs::create_directories(dir / "inside");
  const std::string path = dir.string();
  const std::string what = "test store '" + path + "': it is a directory, not an hwnas test store; ";
  EXPECT_EQ(open_error(path, test_schema(), OpenMode::create),
            what + "pass the path of an hwnas test store, or a new file name");
  for (OpenMode mode : {OpenMode::existing, OpenMode::read_only})
    EXPECT_EQ(open_error(path, test_schema("give the --out directory of a test"), mode),
              what + "give the --out directory of a test");
  Schema schema = test_schema();
  schema.create_hint = "use another --out directory, or remove {path}";
  EXPECT_EQ(open_error(path, schema, OpenMode::create),
            what + "use another --out directory, or remove '" + path + "'");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // "inside" alone
  EXPECT_FALSE(fs::exists(path + "-wal"));
}

TEST(SqliteOpen, AFifoIsRefusedBeforeSqliteWaitsOnIt) {
  const std::string path = (scratch().path() / "fifo.db").string();
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  for (OpenMode mode : {OpenMode::create, OpenMode::existing, OpenMode::read_only})
    EXPECT_EQ(open_error(path, test_schema(), mode).find("test store '" + path + "': it is not a regular file (a FIFO, "
                                                         "socket or device), not an hwnas test store; pass the path of "
                                                         "an hwnas test store"),
              0);
}

/// A store whose schema needs more pages than its first, cut to that page (as a copy cut
/// short): SQLite finds it malformed when it reads the schema.
std::string damaged_store(const std::string& name) {
  const std::string path = (scratch().path() / name).string();
  std::string sql;
  for (int i = 0; i < 60; ++i)
    sql += "CREATE TABLE table_with_a_long_name_" + std::to_string(i) + " (a_long_column_name TEXT, another_one REAL);";
  Schema many_tables = test_schema();
  many_tables.create_sql = sql;
  Database::open(path, many_tables);
  fs::resize_file(path, 4096);
  return path;
}

// F6: a store cut short is an SQLite store, damaged: not "not an SQLite database".
TEST(SqliteOpen, ADamagedStoreIsToldFromAFileThatIsNotSqlite) {
  const std::string path = damaged_store("damaged.db");
  const std::string before = slurp(path);
  const std::string what = "test store '" + path + "': damaged (database disk image is malformed); restore it from a "
                                                   "copy, or ";
  EXPECT_EQ(open_error(path, test_schema(), OpenMode::create), what + "pass another path");
  EXPECT_EQ(open_error(path, test_schema(), OpenMode::existing), what + "pass the path of an hwnas test store");
  Schema schema = test_schema("give the --out directory of a test");
  schema.create_hint = "use another --out directory, or remove {path}";
  schema.damaged_hint = "start the test again with another --out";
  EXPECT_EQ(open_error(path, schema, OpenMode::read_only), what + "start the test again with another --out");
  EXPECT_EQ(open_error(path, schema, OpenMode::existing), what + "start the test again with another --out");
  EXPECT_EQ(open_error(path, schema, OpenMode::create),
            what + "use another --out directory, or remove '" + path + "'");
  EXPECT_TRUE(slurp(path) == before);
}

// A store whose header reads well and whose rows do not: the same fix, from the query.
TEST(SqliteOpen, ADamagedTableIsToldWithTheSchemasFix) {
  const std::string path = (scratch().path() / "damaged_rows.db").string();
  {
    const Database db = Database::open(path, test_schema());
    std::string text(2000, 'x');
    db.exec("CREATE TABLE filler (s TEXT)", "creating");
    for (int i = 0; i < 20; ++i) db.exec("INSERT INTO filler VALUES ('" + text + "')", "filling");
  }
  {
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(2 * 4096);  // page 3, the root of filler (page 1 holds the schema, 2 t)
    file << std::string(4096, '\0');
  }
  Schema schema = test_schema();
  schema.damaged_hint = "start the test again with another --out";
  const Database db = Database::open(path, schema, OpenMode::existing);
  try {
    Statement count(db, "SELECT count(*), max(length(s)) FROM filler");
    count.step("counting");
    ADD_FAILURE() << "the damaged table was read";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), "test store '" + path + "': counting failed: the file is damaged (database disk "
                                                             "image is malformed); restore it from a copy, or start "
                                                             "the test again with another --out");
  }
}

// F8: hwnas's own stores are told apart by their application_id.
TEST(SqliteOpen, AnotherHwnasStoreIsNamed) {
  for (const auto& [id, kind] : {std::pair{0x68774558, "experiment"}, {0x68774D53, "measurement"}}) {
    const std::string path = (scratch().path() / (std::string(kind) + ".db")).string();
    sqlite_exec(path, "CREATE TABLE x (y INTEGER); PRAGMA application_id = " + std::to_string(id) + ";");
    const std::string before = slurp(path);
    const std::string what = "test store '" + path + "': an hwnas " + kind + " store, not a test store; ";
    EXPECT_EQ(open_error(path, test_schema(), OpenMode::create),
              what + "pass the path of an hwnas test store, or a new file name");
    EXPECT_EQ(open_error(path, test_schema("give a test"), OpenMode::existing), what + "give a test");
    EXPECT_EQ(open_error(path, test_schema("give a test"), OpenMode::read_only), what + "give a test");
    EXPECT_TRUE(slurp(path) == before);
  }
}

/// A new directory `name` holding a test store STORE.db with `rows` rows, all its writers
/// closed (so no side files).
std::string make_store(const std::string& name, int rows) {
  const fs::path dir = scratch().path() / name;
  fs::create_directories(dir);
  const std::string path = (dir / "STORE.db").string();
  const Database db = Database::open(path, test_schema());
  insert_rows(db, rows);
  return path;
}

/// The names in `path`'s directory.
std::set<std::string> files_beside(const std::string& path) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(fs::path(path).parent_path()))
    names.insert(entry.path().filename().string());
  return names;
}

const std::set<std::string> kStoreAlone{"STORE.db"};
const std::set<std::string> kStoreAndSideFiles{"STORE.db", "STORE.db-shm", "STORE.db-wal"};

/// "rows N" read by a read_only connection of `path`, or "error: WHAT".
std::string read_rows(const std::string& path) {
  try {
    const Database db = Database::open(path, test_schema(), OpenMode::read_only);
    return "rows " + std::to_string(count_rows(db));
  } catch (const UserError& e) {
    return std::string("error: ") + e.what();
  }
}

TEST(SqliteReadOnly, TheAccessFollowsWhatItMayWriteAndWhichSideFilesExist) {
  EXPECT_EQ(choose_read_access({true, true, false, false, false}), ReadAccess::read_write_query_only);
  EXPECT_EQ(choose_read_access({true, true, true, true, false}), ReadAccess::read_write_query_only);
  for (const auto& [dir_writable, file_writable] : {std::pair{false, true}, {true, false}, {false, false}}) {
    EXPECT_EQ(choose_read_access({dir_writable, file_writable, false, false, false}), ReadAccess::immutable);
    // A writer may be running (or was killed): its -wal must be read, with SQLite's locks.
    EXPECT_EQ(choose_read_access({dir_writable, file_writable, true, true, false}), ReadAccess::shared);
    EXPECT_EQ(choose_read_access({dir_writable, file_writable, true, false, false}), ReadAccess::shared);
    EXPECT_EQ(choose_read_access({dir_writable, file_writable, false, true, false}), ReadAccess::shared);
  }
  // A hot journal is another program's to roll back: never by a reader.
  EXPECT_EQ(choose_read_access({true, true, false, false, true}), ReadAccess::shared);
}

TEST(SqliteReadOnly, AReaderLeavesNoSideFiles) {
  const std::string path = make_store("reader_alone", 3);
  ASSERT_EQ(files_beside(path), kStoreAlone);
  const std::string before = slurp(path);
  EXPECT_EQ(read_rows(path), "rows 3");
  EXPECT_EQ(files_beside(path), kStoreAlone);
  EXPECT_TRUE(slurp(path) == before);
}

TEST(SqliteReadOnly, AReaderCannotWrite) {
  const std::string path = make_store("reader_writes", 1);
  const Database db = Database::open(path, test_schema(), OpenMode::read_only);
  EXPECT_THROW(db.exec("INSERT INTO t VALUES (1)", "writing"), UserError);
  EXPECT_EQ(count_rows(db), 1);
}

TEST(SqliteReadOnly, AReaderBesideAWriterLeavesTheWritersFilesAndNeverStopsIt) {
  const std::string path = make_store("reader_and_writer", 1);
  {
    const Database writer = Database::open(path, test_schema(), OpenMode::existing);
    insert_rows(writer, 1);
    EXPECT_EQ(read_rows(path), "rows 2");
    EXPECT_EQ(files_beside(path), kStoreAndSideFiles);  // the writer's, still open
    insert_rows(writer, 1);
    EXPECT_EQ(count_rows(writer), 3);
  }
  EXPECT_EQ(files_beside(path), kStoreAlone);

  // The writer closes first, while the reader reads: the reader, last, removes them.
  std::optional<Database> writer = Database::open(path, test_schema(), OpenMode::existing);
  insert_rows(*writer, 1);
  {
    const Database reader = Database::open(path, test_schema(), OpenMode::read_only);
    writer.reset();
    EXPECT_EQ(files_beside(path), kStoreAndSideFiles);
    EXPECT_EQ(count_rows(reader), 4);
  }
  EXPECT_EQ(files_beside(path), kStoreAlone);
  EXPECT_EQ(read_rows(path), "rows 4");
}

/// Leaves `path` as a writer killed after committing `rows` rows leaves it: the rows in its
/// -wal only, and the -shm.
void commit_and_die(const std::string& path, int rows) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const Database writer = Database::open(path, test_schema(), OpenMode::existing);
    insert_rows(writer, rows);
    _exit(0);  // no close: no checkpoint
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(files_beside(path), kStoreAndSideFiles);
}

TEST(SqliteReadOnly, AReaderReadsAKilledWritersCommitsAndFoldsThem) {
  const std::string path = make_store("killed_writer", 1);
  commit_and_die(path, 2);
  EXPECT_EQ(read_rows(path), "rows 3");
  // Folded into the file, as the writer's close would have: the file alone holds them.
  EXPECT_EQ(files_beside(path), kStoreAlone);
  EXPECT_EQ(read_rows(path), "rows 3");
}

TEST(SqliteReadOnly, AnotherProgramsKilledWriterIsLeftAsItWas) {
  const fs::path dir = scratch().path() / "other_killed";
  fs::create_directories(dir);
  const std::string path = (dir / "STORE.db").string();
  sqlite_exec(path, "PRAGMA journal_mode=WAL; CREATE TABLE people (name TEXT);");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, "INSERT INTO people VALUES ('a')", nullptr, nullptr, nullptr);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_EQ(files_beside(path), kStoreAndSideFiles);
  const std::string file = slurp(path), wal = slurp(path + "-wal");
  EXPECT_EQ(read_rows(path), "error: test store '" + path +
                                 "': an SQLite database of another program, not an hwnas test store; pass the path of "
                                 "an hwnas test store");
  EXPECT_EQ(files_beside(path), kStoreAndSideFiles);
  EXPECT_TRUE(slurp(path) == file);
  EXPECT_TRUE(slurp(path + "-wal") == wal);
}

/// The result of `check` run by a user who may not write what chmod made read-only: this
/// process unless it is root's (who may write anything), else a child switched to user
/// nobody (65534). Unset when the switch is not permitted.
std::optional<std::string> as_another_user(const std::function<std::string()>& check) {
  if (geteuid() != 0) return check();
  fs::permissions(scratch().path(), fs::perms::others_read | fs::perms::others_exec, fs::perm_options::add);
  int out[2];
  if (pipe(out) != 0) return std::nullopt;
  const pid_t child = fork();
  if (child < 0) return std::nullopt;
  if (child == 0) {
    close(out[0]);
    const bool switched = setgroups(0, nullptr) == 0 && setgid(65534) == 0 && setuid(65534) == 0;
    const std::string result = switched ? check() : "\1";
    const ssize_t written = write(out[1], result.data(), result.size());
    _exit(written == static_cast<ssize_t>(result.size()) ? 0 : 1);
  }
  close(out[1]);
  std::string result;
  char buffer[4096];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;) result.append(buffer, static_cast<std::size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (result == "\1") return std::nullopt;
  return result;
}

/// What `check` returns run by another user with `path`'s directory and file set to
/// `dir_mode` and `file_mode` (restored after), and the names beside it afterwards.
std::string run_read_only(const std::string& path, fs::perms dir_mode, fs::perms file_mode,
                          const std::function<std::string()>& check) {
  const fs::path dir = fs::path(path).parent_path();
  for (const std::string& name : files_beside(path)) fs::permissions(dir / name, file_mode);
  fs::permissions(dir, dir_mode);
  const std::optional<std::string> result = as_another_user(check);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  if (!result) return "skip";
  std::string names;
  for (const std::string& name : files_beside(path)) names += " " + name;
  return *result + ";" + names;
}

constexpr fs::perms k555 = fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                           fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec;
constexpr fs::perms k777 = fs::perms::all;
constexpr fs::perms k666 = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                           fs::perms::group_write | fs::perms::others_read | fs::perms::others_write;
constexpr fs::perms k444 = fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read;

// F3 of session 31's fresh user: an archived or shared run (directory 555) is read, with
// the file writable or not, and with a directory or file name SQLite's URIs must escape.
TEST(SqliteReadOnly, AStoreInADirectoryItMayNotWriteIsRead) {
  for (const std::string name : {"archived", "shared ?#%&= run"}) {
    for (const fs::perms file_mode : {k666, k444}) {
      const std::string path = make_store(name, 2);
      const std::string got = run_read_only(path, k555, file_mode, [&] { return read_rows(path); });
      if (got == "skip") GTEST_SKIP() << "this process may not switch to user nobody";
      EXPECT_EQ(got, "rows 2; STORE.db") << name;
      fs::remove_all(fs::path(path).parent_path());
    }
  }
}

TEST(SqliteReadOnly, AStoreItMayNotWriteInADirectoryItMayIsReadWithoutSideFiles) {
  const std::string path = make_store("file_444", 2);
  const std::string got = run_read_only(path, k777, k444, [&] { return read_rows(path); });
  if (got == "skip") GTEST_SKIP() << "this process may not switch to user nobody";
  EXPECT_EQ(got, "rows 2; STORE.db");
}

TEST(SqliteReadOnly, AKilledWritersCommitsAreReadInADirectoryItMayNotWrite) {
  const std::string path = make_store("killed_archived", 1);
  commit_and_die(path, 2);
  const std::string got = run_read_only(path, k555, k444, [&] { return read_rows(path); });
  if (got == "skip") GTEST_SKIP() << "this process may not switch to user nobody";
  EXPECT_EQ(got, "rows 3; STORE.db STORE.db-shm STORE.db-wal");
}

TEST(SqliteOpen, AWriterRefusesADirectoryOrFileItMayNotWrite) {
  const auto open_existing = [](const std::string& path) {
    return [path] {
      try {
        Database::open(path, test_schema(), OpenMode::existing);
        return std::string("opened");
      } catch (const UserError& e) {
        return std::string(e.what());
      }
    };
  };
  const std::string in_555 = make_store("writer_555", 1);
  const std::string dir = fs::path(in_555).parent_path().string();
  const std::string got = run_read_only(in_555, k555, k666, open_existing(in_555));
  if (got == "skip") GTEST_SKIP() << "this process may not switch to user nobody";
  EXPECT_EQ(got, "test store '" + in_555 + "': its directory '" + dir +
                     "' is not writable, and SQLite keeps the store's -wal and -shm files there (WAL mode); make the "
                     "directory writable (chmod u+w '" + dir + "') or copy it elsewhere; STORE.db");

  const std::string file_444 = make_store("writer_444", 1);
  EXPECT_EQ(run_read_only(file_444, k777, k444, open_existing(file_444)),
            "test store '" + file_444 + "': the file is not writable; make it writable (chmod u+w '" + file_444 +
                "'); STORE.db");
}

// F4: a file this user may not read is not blamed on its directory.
TEST(SqliteOpen, AFileItMayNotReadIsNamed) {
  for (const OpenMode mode : {OpenMode::create, OpenMode::existing, OpenMode::read_only}) {
    const std::string path = make_store("unreadable_" + std::to_string(static_cast<int>(mode)), 1);
    const std::string got = run_read_only(path, k777, fs::perms::none, [&] { return open_error(path, test_schema(), mode); });
    if (got == "skip") GTEST_SKIP() << "this process may not switch to user nobody";
    EXPECT_EQ(got, "test store '" + path + "': cannot read the file (permission denied); make it readable (chmod " +
                       (mode == OpenMode::read_only ? "u+r" : "u+rw") + " '" + path + "'); STORE.db");
  }
}

}  // namespace
}  // namespace hwnas::sqlite

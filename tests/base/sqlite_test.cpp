// The SQLite layer's refusals (base/sqlite.h), per OpenMode: a file that is not the store
// is named and left untouched, and a new file is offered as the fix only where the mode
// creates one (a --resume or a report cannot use one).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
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

TEST(SqliteOpen, NotSqliteForExistingOffersNoNewFileName) {
  const std::string path = not_sqlite("existing.db");
  EXPECT_EQ(open_error(path, test_schema(), OpenMode::existing),
            "test store '" + path + "': not an SQLite database (file is not a database); pass the path of an hwnas "
                                    "test store");
  EXPECT_EQ(slurp(path), std::string(4096, 'x'));
}

TEST(SqliteOpen, NotSqliteForReadOnlyOffersNoNewFileName) {
  const std::string path = not_sqlite("read_only.db");
  EXPECT_EQ(open_error(path, test_schema(), OpenMode::read_only),
            "test store '" + path + "': not an SQLite database (file is not a database); pass the path of an hwnas "
                                    "test store");
  EXPECT_EQ(slurp(path), std::string(4096, 'x'));
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

}  // namespace
}  // namespace hwnas::sqlite

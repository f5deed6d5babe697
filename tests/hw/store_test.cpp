// The measurement store: round trips, concurrent writer processes, a writer killed
// mid-batch, and the files it must refuse (errors are first-class tests).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "hwnas/base/error.h"
#include "hwnas/hw/store/measurement_store.h"
#include "store_test_support.h"

namespace hwnas::hw {
namespace {

using testing::conv_kernel;
using testing::TempDir;

std::string slurp(const std::string& path) {
  std::ostringstream s;
  s << std::ifstream(path, std::ios::binary).rdbuf();
  return s.str();
}

/// Runs one SQL statement on `path` with plain SQLite and returns the first column of the
/// first row as text.
std::string sqlite_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr)
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  else
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

Measurement full_measurement() {
  Measurement m;
  m.latency_s = 1.25e-4;
  m.cycles = 100000;
  m.sram_bytes = 65536;
  m.dram_bytes = 12345.5;
  m.utilization = 0.625;
  m.bound = Bound::dram;
  m.samples_s = {1.2e-4, 1.25e-4, 1.3e-4, 0.1 + 0.2};
  m.spread = 0.08;
  return m;
}

void expect_same(const Measurement& a, const Measurement& b) {
  EXPECT_EQ(a.latency_s, b.latency_s);
  EXPECT_EQ(a.cycles, b.cycles);
  EXPECT_EQ(a.sram_bytes, b.sram_bytes);
  EXPECT_EQ(a.dram_bytes, b.dram_bytes);
  EXPECT_EQ(a.utilization, b.utilization);
  EXPECT_EQ(a.bound, b.bound);
  EXPECT_EQ(a.samples_s, b.samples_s);  // exact: doubles survive the JSON round trip
  EXPECT_EQ(a.spread, b.spread);
}

/// Runs `body` in a child process; the child exits 0 when it returns, 1 when it throws.
template <typename Body>
pid_t spawn(Body body) {
  std::cout.flush();
  const pid_t pid = fork();
  if (pid == 0) {
    try {
      body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child %d: %s\n", getpid(), e.what());
      _exit(1);
    }
    _exit(0);
  }
  return pid;
}

int exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A side file SQLite needs that is a directory: refused before the store file is created.
TEST(StoreErrors, ASideFileThatIsNotAFileCreatesNothing) {
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    TempDir dir;
    const std::string path = dir.file("w.db");
    std::filesystem::create_directory(path + suffix);
    try {
      MeasurementStore::open(path);
      ADD_FAILURE() << suffix;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("'" + path + suffix + "' is not a regular file"), std::string::npos)
          << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(path)) << suffix;
  }
}

TEST(StoreRoundTrip, EveryFieldComesBack) {
  TempDir dir;
  const std::string path = dir.file("m.db");
  const Kernel kernel = conv_kernel(32);
  const nlohmann::json features = {{"macs", 294912}, {"kind", "conv"}, {"ratio", 0.5}};
  const auto before = std::time(nullptr);
  {
    MeasurementStore store = MeasurementStore::open(path);
    EXPECT_FALSE(store.find("npu#1", kernel_key(kernel)));
    store.put("npu", "npu#1", kernel, features, full_measurement());
  }
  MeasurementStore store = MeasurementStore::open(path);  // reopened: it was on disk
  const std::optional<Measurement> found = store.find("npu#1", kernel_key(kernel));
  ASSERT_TRUE(found);
  expect_same(*found, full_measurement());

  const std::vector<StoredMeasurement> all = store.all("npu#1");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].kernel_key, kernel_key(kernel));
  EXPECT_EQ(all[0].kernel, kernel_to_json(kernel));
  EXPECT_EQ(all[0].features, features);
  EXPECT_EQ(all[0].target_name, "npu");
  EXPECT_GE(all[0].measured_unix, before);
  EXPECT_LE(all[0].measured_unix, std::time(nullptr));
  expect_same(all[0].measurement, full_measurement());
  EXPECT_EQ(sqlite_query(path, "PRAGMA user_version"), std::to_string(MeasurementStore::kSchemaVersion));
  EXPECT_EQ(sqlite_query(path, "PRAGMA journal_mode"), "wal");
}

TEST(StoreRoundTrip, AbsentOptionalsStayAbsent) {
  TempDir dir;
  MeasurementStore store = MeasurementStore::open(dir.file("m.db"));
  Measurement m;
  m.latency_s = 2e-3;
  store.put("cpu", "cpu#1", conv_kernel(8), nullptr, m);
  const auto found = store.find("cpu#1", kernel_key(conv_kernel(8)));
  ASSERT_TRUE(found);
  expect_same(*found, m);
  EXPECT_FALSE(found->cycles);
  EXPECT_TRUE(store.all("cpu#1")[0].features.is_null());
}

TEST(StoreRoundTrip, SameKeyReplacesAndIdentitiesAreSeparate) {
  TempDir dir;
  MeasurementStore store = MeasurementStore::open(dir.file("m.db"));
  Measurement m;
  m.latency_s = 1e-3;
  store.put("a", "a#1", conv_kernel(8), {}, m);
  store.put("a", "a#2", conv_kernel(8), {}, m);
  m.latency_s = 3e-3;
  store.put("a", "a#1", conv_kernel(8), {}, m);
  EXPECT_EQ(store.count("a#1"), 1u);
  EXPECT_EQ(store.count("a#2"), 1u);
  EXPECT_EQ(store.count("other"), 0u);
  EXPECT_EQ(store.find("a#1", kernel_key(conv_kernel(8)))->latency_s, 3e-3);
  EXPECT_EQ(store.find("a#2", kernel_key(conv_kernel(8)))->latency_s, 1e-3);
}

TEST(StoreRoundTrip, PutManyStoresTheBatchOrderedByKey) {
  TempDir dir;
  MeasurementStore store = MeasurementStore::open(dir.file("m.db"));
  std::vector<MeasurementRecord> batch;
  for (int i = 1; i <= 50; ++i) {
    Measurement m;
    m.latency_s = i * 1e-5;
    batch.push_back({conv_kernel(i), {{"i", i}}, m});
  }
  store.put_many("n", "n#1", batch);
  const auto all = store.all("n#1");
  ASSERT_EQ(all.size(), 50u);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].kernel_key, all[i].kernel_key);
  for (const StoredMeasurement& s : all)
    EXPECT_DOUBLE_EQ(s.measurement.latency_s, s.features["i"].get<int>() * 1e-5);
}

TEST(StoreConcurrency, TwoWriterProcessesLoseNothing) {
  TempDir dir;
  const std::string path = dir.file("shared.db");  // created by the racing children
  int start[2];
  ASSERT_EQ(pipe(start), 0);
  std::vector<pid_t> children;
  for (int child = 0; child < 2; ++child) {
    children.push_back(spawn([&, child] {
      close(start[1]);
      char go;
      if (read(start[0], &go, 1) < 0) throw std::runtime_error("start pipe");
      MeasurementStore store = MeasurementStore::open(path);
      for (int i = 0; i < 500; ++i) {
        Measurement m;
        m.latency_s = (child * 500 + i) * 1e-6;
        store.put("npu", "npu#1", conv_kernel(child * 1000 + i + 1), {{"child", child}}, m);
      }
    }));
  }
  close(start[0]);
  close(start[1]);  // both children start now
  for (pid_t pid : children) EXPECT_EQ(exit_code(pid), 0);

  MeasurementStore store = MeasurementStore::open(path);
  EXPECT_EQ(store.count("npu#1"), 1000u);
  std::set<std::string> keys;
  for (const StoredMeasurement& s : store.all("npu#1")) keys.insert(s.kernel_key);
  EXPECT_EQ(keys.size(), 1000u);
  EXPECT_EQ(sqlite_query(path, "PRAGMA integrity_check"), "ok");
}

TEST(StoreCrash, KilledMidBatchLeavesAllOrNothing) {
  constexpr std::size_t kBatch = 10'000, kBefore = 10;
  std::set<std::size_t> outcomes;
  // Kill after several delays so that some kills land inside the transaction.
  for (const int delay_ms : {0, 5, 20, 50, 100, 200}) {
    TempDir dir;
    const std::string path = dir.file("crash.db");
    {
      MeasurementStore store = MeasurementStore::open(path);
      for (std::size_t i = 0; i < kBefore; ++i) {
        Measurement m;
        m.latency_s = 1e-3;
        store.put("npu", "npu#1", conv_kernel(static_cast<std::int32_t>(100'000 + i)), {}, m);
      }
    }
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    const pid_t pid = spawn([&] {
      close(ready[0]);
      MeasurementStore store = MeasurementStore::open(path);
      std::vector<MeasurementRecord> batch;
      for (std::size_t i = 0; i < kBatch; ++i)
        batch.push_back({conv_kernel(static_cast<std::int32_t>(i + 1)), {{"i", i}}, full_measurement()});
      if (write(ready[1], "x", 1) != 1) throw std::runtime_error("ready pipe");
      store.put_many("npu", "npu#1", batch);
      pause();  // wait for the kill even when the batch finished
    });
    close(ready[1]);
    char byte;
    ASSERT_EQ(read(ready[0], &byte, 1), 1);
    close(ready[0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    EXPECT_EQ(exit_code(pid), 128 + SIGKILL);

    EXPECT_EQ(sqlite_query(path, "PRAGMA integrity_check"), "ok") << "killed after " << delay_ms << " ms";
    MeasurementStore store = MeasurementStore::open(path);
    const std::size_t count = store.count("npu#1");
    EXPECT_TRUE(count == kBefore || count == kBefore + kBatch)
        << count << " rows after a kill " << delay_ms << " ms into the batch";
    outcomes.insert(count - kBefore);
  }
  std::cout << "batch outcomes seen (rows of the killed batch): ";
  for (std::size_t o : outcomes) std::cout << o << " ";
  std::cout << "\n";
}

void expect_one_line_error(const std::string& path, const std::string& expected_part) {
  try {
    MeasurementStore::open(path);
    ADD_FAILURE() << path << ": open() did not throw";
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(expected_part), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(StoreErrors, RandomBytesAreRefusedAndLeftUntouched) {
  TempDir dir;
  std::mt19937 rng(7);
  std::string bytes(8192, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  const std::string path = dir.write("corrupt.db", bytes);
  // open() creates a store where none is, so a new file name is a fix.
  expect_one_line_error(path, "not an SQLite database (file is not a database); pass the path of an hwnas "
                              "measurement store, or a new file name");
  EXPECT_EQ(slurp(path), bytes);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(StoreErrors, AnotherProgramsDatabaseIsRefusedAndLeftUntouched) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  sqlite_exec(path, "CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('ada');");
  const std::string before = slurp(path);
  expect_one_line_error(path, "not an hwnas measurement store");
  EXPECT_EQ(slurp(path), before);
  EXPECT_EQ(sqlite_query(path, "PRAGMA journal_mode"), "delete");
}

// Session 31's fresh user (F8): hwnas's own stores are told apart, by application_id.
TEST(StoreErrors, AnExperimentStoreIsNamedAsOne) {
  TempDir dir;
  const std::string path = dir.file("experiment.db");
  sqlite_exec(path, "CREATE TABLE experiment (id INTEGER); PRAGMA application_id = " + std::to_string(0x68774558) + ";");
  const std::string before = slurp(path);
  expect_one_line_error(path, "measurement store '" + path + "': an hwnas experiment store, not a measurement store; "
                              "pass the path of an hwnas measurement store, or a new file name");
  EXPECT_EQ(slurp(path), before);
}

// F5, F6: a directory and a damaged store are said to be what they are.
TEST(StoreErrors, ADirectoryIsNamedAsOne) {
  TempDir dir;
  const std::string path = dir.file("m.db");
  std::filesystem::create_directory(path);
  expect_one_line_error(path, "measurement store '" + path + "': it is a directory, not an hwnas measurement store; "
                              "pass the path of an hwnas measurement store, or a new file name");
}

TEST(StoreErrors, ADamagedStoreIsToldFromOneThatIsNotSqlite) {
  TempDir dir;
  const std::string path = dir.file("m.db");
  MeasurementStore::open(path);
  // The schema fills more than the first page: cut to it, the schema cannot be read.
  ASSERT_GT(std::filesystem::file_size(path), 4096u);
  std::filesystem::resize_file(path, 4096);
  expect_one_line_error(path, "measurement store '" + path + "': damaged (database disk image is malformed); restore it "
                              "from a copy, or pass another path");
}

TEST(StoreErrors, AnotherSchemaVersionIsRefused) {
  TempDir dir;
  const std::string path = dir.file("m.db");
  MeasurementStore::open(path);
  sqlite_exec(path, "PRAGMA user_version = 99");
  expect_one_line_error(path, "schema version 99");
}

TEST(StoreErrors, MissingDirectoryIsNamed) {
  TempDir dir;
  expect_one_line_error(dir.file("no/such/dir/m.db"), "cannot open");
}

TEST(StoreErrors, NonFiniteLatencyStoresNothing) {
  TempDir dir;
  MeasurementStore store = MeasurementStore::open(dir.file("m.db"));
  std::vector<MeasurementRecord> batch(3, {conv_kernel(8), {}, Measurement{}});
  batch[1].kernel = conv_kernel(9);
  batch[2].kernel = conv_kernel(10);
  batch[2].measurement.latency_s = std::nan("");
  EXPECT_THROW(store.put_many("n", "n#1", batch), UserError);
  EXPECT_EQ(store.count("n#1"), 0u);
}

}  // namespace
}  // namespace hwnas::hw

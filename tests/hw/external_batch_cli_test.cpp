// `hwnas profile` and `simulate` with a batch-protocol device: what each answer stored, a
// device that dies mid-batch (its answers kept, the next kernel named, exit 2), and bad
// answers (one line, nothing on stdout, nothing stored).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/hw/store/measurement_store.h"
#include "hwnas/hw/targets/targets.h"
#include "support/cli_runner.h"

namespace hwnas::hw {
namespace {

using testing::expect_bad_input;
using testing::hwnas;
using testing::Result;
using testing::scratch_dir;
using testing::write_temp;

/// A batch device `sh NAME.sh` whose `body` answers each kernel line ($id: its id, $n:
/// kernels read so far, from 1).
std::string batch_device(const std::string& name, const std::string& body, const std::string& timeout_s = "5") {
  write_temp(name + ".sh", "n=0\nwhile IFS= read -r line; do\n  id=${line#'{\"id\":'}\n  id=${id%%,*}\n"
                           "  n=$((n+1))\n" + body + "\ndone\n");
  return write_temp(name + ".yaml", "name: " + name + "\nkind: external\ncommand: [sh, " + name +
                                        ".sh]\nprotocol: batch\ntimeout_s: " + timeout_s + "\n");
}

/// A fresh store path in the scratch directory (a repeated test starts empty too).
std::string fresh_db(const std::string& name) {
  const std::string db = (scratch_dir() / (name + ".db")).string();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return db;
}

const std::string kAnswer = R"(printf '{"id": %s, "latency_ms": %s}\n' "$id" "$n")";

TEST(BatchCli, ProfileStoresEveryAnswer) {
  const std::string desc = batch_device("batch_ok", kAnswer);
  const std::string db = fresh_db("batch_ok");
  const Result r = hwnas({"profile", "--target", desc, "--kernels", "40", "--db", db, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["measured"].get<int>() + j["reused"].get<int>(), 40);
  EXPECT_EQ(MeasurementStore::open(db).count(make_target(desc)->identity()), j["measured"].get<std::size_t>());
}

TEST(BatchCli, ADeviceThatDiesMidBatchKeepsItsAnswersAndNamesTheNextKernel) {
  const std::string desc = batch_device("batch_dies", "if [ $n = 6 ]; then echo 'usb reset' >&2; exit 1; fi\n" + kAnswer);
  const std::string db = fresh_db("batch_dies");
  const std::vector<std::string> args = {"profile", "--target", desc, "--kernels", "20", "--db", db};
  const std::string dies = "'sh' exited with status 1 before answering (kernel id 5; the program had answered 5 "
                           "kernels); stderr ends with: 'usb reset'";
  const auto named_kernel = [&](const Result& r) {
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.out, "");
    // The error is one line, the last; profile's progress lines (every 10%) come before it.
    EXPECT_EQ(r.err.find("hwnas: "), r.err.rfind('\n', r.err.size() - 2) + 1) << r.err;
    EXPECT_EQ(r.err.find("hwnas: "), r.err.rfind("hwnas: ")) << r.err;
    EXPECT_EQ(r.err.back(), '\n');
    EXPECT_NE(r.err.find(dies), std::string::npos) << r.err;
    const std::size_t at = r.err.find(": kernel ") + 9;
    return r.err.substr(at, r.err.find(": 'sh' exited") - at);
  };
  const std::string identity = make_target(desc)->identity();
  const std::string named = named_kernel(hwnas(args));
  const std::vector<StoredMeasurement> first = MeasurementStore::open(db).all(identity);
  ASSERT_EQ(first.size(), 5u);  // the five answers, each stored as it came
  for (const StoredMeasurement& s : first) {
    EXPECT_NE(s.kernel_key, named) << "a stored kernel is named";
    EXPECT_GE(s.measurement.latency_s, 1e-3);
    EXPECT_LE(s.measurement.latency_s, 5e-3);
  }
  // The second run reuses the five, and a fresh program answers the next five, the first
  // of them the kernel the first run named.
  const std::string named_again = named_kernel(hwnas(args));
  EXPECT_NE(named_again, named);
  const std::vector<StoredMeasurement> second = MeasurementStore::open(db).all(identity);
  EXPECT_EQ(second.size(), 10u);
  EXPECT_EQ(std::count_if(second.begin(), second.end(), [&](const auto& s) { return s.kernel_key == named; }), 1);
}

TEST(BatchCli, BadAnswersAreOneLineAndStoreNothing) {
  const std::vector<std::pair<std::string, std::string>> devices = {
      {"batch_garbage", "echo 'fast!'"},
      {"batch_noid", R"(echo '{"latency_ms": 1}')"},
      {"batch_wrongid", R"(printf '{"id": %s, "latency_ms": 1}\n' $((id+7)))"},
      {"batch_nan", R"(printf '{"id": %s, "latency_ms": NaN}\n' $id)"},
      {"batch_silent", "sleep 30"},
  };
  for (const auto& [name, body] : devices) {
    SCOPED_TRACE(name);
    const std::string desc = batch_device(name, body, name == "batch_silent" ? "0.3" : "5");
    const std::string db = fresh_db(name);
    expect_bad_input({"profile", "--target", desc, "--kernels", "5", "--db", db}, "(kernel id 0; the program");
    EXPECT_EQ(MeasurementStore::open(db).count(make_target(desc)->identity()), 0u);
    expect_bad_input({"simulate", "mobilenet_v2", "--target", desc}, "): kernel ");
  }
}

TEST(BatchCli, BadBatchKeysAreOneLine) {
  const std::string desc = write_temp("batch_key.yaml", "name: k\ncommand: [sh, x.sh]\nbatch_timeout_s: 60\n");
  expect_bad_input({"simulate", "mobilenet_v2", "--target", desc},
                   "batch_key.yaml:3: key 'batch_timeout_s': applies only with 'protocol: batch'");
  const std::string proto = write_temp("batch_proto.yaml", "name: k\ncommand: [sh, x.sh]\nprotocol: stream\n");
  expect_bad_input({"profile", "--target", proto, "--kernels", "5", "--db", (scratch_dir() / "never.db").string()},
                   "batch_proto.yaml:3: key 'protocol': must be per_kernel");
  EXPECT_FALSE(std::filesystem::exists(scratch_dir() / "never.db"));
}

}  // namespace
}  // namespace hwnas::hw

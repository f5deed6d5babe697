// `hwnas targets`, `simulate` and `profile` as a user runs them: outputs, bad
// descriptions and bad external programs (exit 2, one line, nothing stored).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hwnas/hw/store/measurement_store.h"
#include "hwnas/hw/targets/targets.h"
#include "support/cli_runner.h"
#include "support/npu_description.h"

namespace hwnas::hw {
namespace {

using testing::expect_bad_input;
using testing::hwnas;
using testing::Result;
using testing::scratch_dir;
using testing::write_temp;

const std::string kNpu = testing::minimal_npu_description("cli-npu");

std::string external(const std::string& name, const std::string& script, double timeout_s = 5) {
  write_temp(name + ".py", script);
  return write_temp(name + ".yaml", "name: " + name + "\nkind: external\ncommand: [python3, " + name +
                                        ".py]\ntimeout_s: " + std::to_string(timeout_s) + "\n");
}

TEST(HwCli, TargetsListsPresets) {
  const Result r = hwnas({"targets", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& t : j["targets"]) names.push_back(t["name"]);
  EXPECT_EQ(names, preset_names());
  EXPECT_GE(names.size(), 8u);
}

TEST(HwCli, TargetsShowPrintsThePresetFile) {
  const Result r = hwnas({"targets", "show", "edgetpu-like"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, testing::read_file((preset_dir() / "edgetpu-like.yaml").string()));
  expect_bad_input({"targets", "show", "no-such-npu"}, "no such preset");
}

TEST(HwCli, SimulateJson) {
  const Result r = hwnas({"simulate", "mobilenet_v2", "--target", "edgetpu-like", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  double sum = 0;
  for (const auto& layer : j["layers"]) {
    for (const char* key : {"name", "latency_ms", "bound", "utilization"}) EXPECT_TRUE(layer.contains(key)) << key;
    sum += layer["latency_ms"].get<double>();
  }
  EXPECT_NEAR(j["latency_ms"].get<double>(), sum, 1e-9);
  EXPECT_GT(j["latency_ms"].get<double>(), 1.3);
  EXPECT_LT(j["latency_ms"].get<double>(), 5.2);
}

TEST(HwCli, SimulateWithAUserDescription) {
  const std::string path = write_temp("cli-npu.yaml", kNpu);
  const Result r = hwnas({"simulate", "resnet18", "--target", path});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("on cli-npu (int8)"), std::string::npos) << r.out;
}

TEST(HwCli, BadDescriptionsExitTwo) {
  std::string missing = kNpu;
  missing.erase(missing.find("sram_gbps"), std::string("sram_gbps: 50\n").size());
  expect_bad_input({"simulate", "mobilenet_v2", "--target", write_temp("d1.yaml", missing)}, "key 'sram_gbps'");
  std::string negative = kNpu;
  negative.replace(negative.find("clock_mhz: 800"), 14, "clock_mhz: -800");
  expect_bad_input({"simulate", "mobilenet_v2", "--target", write_temp("d2.yaml", negative)}, "key 'clock_mhz'");
  std::string fusion = kNpu;
  fusion.replace(fusion.find("[conv_bn_act]"), 13, "[conv_bn_act, warp]");
  expect_bad_input({"simulate", "mobilenet_v2", "--target", write_temp("d3.yaml", fusion)}, "unknown fusion 'warp'");
  expect_bad_input({"simulate", "mobilenet_v2", "--target", write_temp("d4.yaml", "name: [x\n")}, "not valid YAML");
  expect_bad_input({"simulate", "mobilenet_v2", "--target", "nope"}, "no such preset");
  expect_bad_input({"simulate", "mobilenet_v2", "--target", "npu-p16", "--batch", "0"}, "--batch");
}

TEST(HwCli, ProfileStoresAndReuses) {
  const std::string db = (scratch_dir() / "p.db").string();
  Result r = hwnas({"profile", "--target", "npu-p16", "--kernels", "300", "--db", db, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["measured"].get<int>(), 100);
  EXPECT_EQ(j["measured"].get<int>() + j["reused"].get<int>(), 300);
  EXPECT_NE(r.err.find("profile npu-p16"), std::string::npos);  // progress on stderr
  const std::size_t stored = j["stored_for_target"];
  EXPECT_EQ(stored, static_cast<std::size_t>(j["measured"].get<int>()));
  r = hwnas({"profile", "--target", "npu-p16", "--kernels", "300", "--db", db, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["measured"].get<int>(), 0);
  EXPECT_EQ(j["reused"].get<int>(), 300);
  EXPECT_EQ(j["stored_for_target"].get<std::size_t>(), stored);
}

// Each bad answer: exit 2, one line naming the kernel, and nothing stored.
TEST(HwCli, BadExternalAnswersStoreNothing) {
  const std::vector<std::pair<std::string, std::string>> programs = {
      {"crash", "import sys\nsys.stdin.read()\nsys.exit(3)\n"},
      {"garbage", "import sys\nsys.stdin.read()\nprint('fast!')\n"},
      {"negative", "import sys\nsys.stdin.read()\nprint(-5)\n"},
      {"silent", "import sys\nsys.stdin.read()\n"},
      {"slow", "import sys, time\nsys.stdin.read()\ntime.sleep(30)\n"},
  };
  for (const auto& [name, script] : programs) {
    SCOPED_TRACE(name);
    const std::string desc = external(name, script, name == "slow" ? 1 : 5);
    const std::string db = (scratch_dir() / (name + ".db")).string();
    expect_bad_input({"profile", "--target", desc, "--kernels", "5", "--db", db}, "): kernel ");
    EXPECT_EQ(MeasurementStore::open(db).count(make_target(desc)->identity()), 0u);
  }
}

}  // namespace
}  // namespace hwnas::hw

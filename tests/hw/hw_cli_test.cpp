// `hwnas targets`, `simulate` and `profile` as a user runs them: outputs, bad
// descriptions and bad external programs (exit 2, one line, nothing stored).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

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
  missing.erase(missing.find("sram_gb_per_s"), std::string("sram_gb_per_s: 50\n").size());
  expect_bad_input({"simulate", "mobilenet_v2", "--target", write_temp("d1.yaml", missing)}, "key 'sram_gb_per_s'");
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

// A latency table of two NB201 cells and one FBNet network, and its description.
const std::string kArchA = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|";
const std::string kArchB = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
const std::string kArchMissing =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";
const std::string kBlocks =
    "k5_e6-skip-k3_e1_g2-skip-k5_e1-skip-skip-skip-k5_e6-k5_e1-k3_e1_g2-k5_e1-k5_e6-k3_e6-k3_e3-k5_e6-k3_e6-k3_e3-"
    "k5_e1-k3_e3-k5_e1-k5_e1_g2";

std::string table_target(const std::string& name) {
  write_temp(name + ".csv", "index,arch,lat_ms_dev\n0," + kArchA + ",3.5\n1," + kArchB + ",12.25\n2," + kBlocks + ",7\n");
  return write_temp(name + ".yaml", "name: " + name + "\nkind: table\ncsv: " + name + ".csv\nlatency_column: lat_ms_dev\n");
}

TEST(HwCli, SimulateLooksUpATableTarget) {
  const std::string target = table_target("board");
  Result r = hwnas({"simulate", "nb201:arch=" + kArchB, "--target", target, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["model"], "nb201");
  EXPECT_EQ(j["target"], "board");
  EXPECT_EQ(j["target_identity"], make_target(target)->identity());
  EXPECT_EQ(j["latency_ms"].get<double>(), 12.25);
  EXPECT_EQ(j["layers"], nlohmann::json::array());
  EXPECT_TRUE(j["kernels"].is_null());
  EXPECT_TRUE(j["cycles"].is_null());
  EXPECT_EQ(j["table"]["key"], kArchB);
  EXPECT_EQ(j["table"]["latency_column"], "lat_ms_dev");
  r = hwnas({"simulate", "nb201:arch=" + kArchA, "--target", target});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("table target board times whole networks: no per-kernel rows\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("model nb201 on board (column lat_ms_dev of "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("): latency 3.500 ms\n"), std::string::npos) << r.out;
  r = hwnas({"simulate", "fbnet:blocks=" + kBlocks, "--target", target, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["latency_ms"].get<double>(), 7.0);
}

TEST(HwCli, SimulateOnATableRefusesNetworksOutsideIt) {
  const std::string target = table_target("board2");
  expect_bad_input({"simulate", "nb201:arch=" + kArchMissing, "--target", target},
                   "table target 'board2' has no row whose 'arch' is that architecture (3 rows in ");
  expect_bad_input({"simulate", "resnet18", "--target", target, "--json"}, "times only the networks of its table");
  expect_bad_input({"simulate", write_temp("net.yaml", "input: [3, 8, 8]\nlayers:\n  - {op: relu}\n"), "--target",
                    target},
                   "give MODEL as nb201:arch=KEY or fbnet:blocks=KEY");
  expect_bad_input({"simulate", "nb201:arch=" + kArchA + ",classes=100", "--target", target},
                   "without other options");
  expect_bad_input({"simulate", "nb201:arch=" + kArchA, "--target", target, "--batch", "4"}, "--batch 4");
  expect_bad_input({"simulate", "nb201:arch=|bad~0|", "--target", target}, "NAS-Bench-201");
}

// A table whose name holds controls: escaped in the human line. A description's text that
// is not UTF-8 is refused (fit wrote the name into the estimator file and threw
// nlohmann type_error 316 after the whole fit, exit 1).
TEST(HwCli, SimulateOnATableWithAnOddName) {
  write_temp("odd_board.csv", "arch,ms\n" + kArchA + ",2\n");
  const std::string target = write_temp("odd_board.yaml", "name: \"t\\e[2J\\xff\"\nkind: table\ncsv: odd_board.csv\n"
                                                          "latency_column: ms\n");
  const std::string raw =
      write_temp("raw_board.yaml", "name: raw\xff\nkind: table\ncsv: odd_board.csv\nlatency_column: ms\n");
  Result r = hwnas({"simulate", "nb201:arch=" + kArchA, "--target", target});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("model nb201 on t\\x1b[2J\u00ff (column ms"), std::string::npos) << r.out;
  expect_bad_input({"simulate", "nb201:arch=" + kArchA, "--target", raw, "--json"},
                   "key 'name': 'raw\\xff' is not UTF-8 text");
  std::string npu = kNpu;
  npu.replace(npu.find("cli-npu"), 7, "npu\xfe");
  const std::string raw_npu = write_temp("raw_npu.yaml", npu);
  const std::filesystem::path db = scratch_dir() / "raw_npu.db", est = scratch_dir() / "raw_npu.est";
  expect_bad_input({"fit", "--target", raw_npu, "--db", db.string(), "--out", est.string()},
                   "key 'name': 'npu\\xfe' is not UTF-8 text");
  EXPECT_FALSE(std::filesystem::exists(db));
  EXPECT_FALSE(std::filesystem::exists(est));
}

// A table times no kernels: profile and fit --target say what to use instead and create no file.
TEST(HwCli, ProfileRefusesATableTarget) {
  const std::string target = table_target("board3");
  const std::filesystem::path db = scratch_dir() / "table.db";
  expect_bad_input({"profile", "--target", target, "--kernels", "10", "--db", db.string()}, "hwnas fit --table ");
  expect_bad_input({"profile", "--target", target, "--kernels", "10", "--db", db.string(), "--json"},
                   "'hwnas simulate MODEL --target " + target + "'");
  EXPECT_FALSE(std::filesystem::exists(db));
  // fit --target would measure no kernel either (it wrote an estimator of 0 measurements).
  const std::filesystem::path est = scratch_dir() / "table.est";
  expect_bad_input({"fit", "--target", target, "--db", db.string(), "--out", est.string()},
                   "so fit --target has nothing to measure; learn an estimator from it with 'hwnas fit --table ");
  EXPECT_FALSE(std::filesystem::exists(db));
  EXPECT_FALSE(std::filesystem::exists(est));
}

// The names of the model in every human table are escaped; --json stays valid.
const std::string kOddModel =
    "input: [3, 8, 8]\nlayers:\n"
    "  - {op: conv2d, name: \"a\\0b\", out: 4, kernel: 1}\n"
    "  - {op: relu, name: \"line\\nbreak\"}\n"
    "  - {op: conv2d, name: \"\\e[31mred\", out: 4, kernel: 3}\n"
    "  - {op: conv2d, name: raw\xff" "bytes, out: 4, kernel: 1}\n";

void expect_printable(const std::string& text) {
  for (const char c : text)
    EXPECT_FALSE((static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f) << "control byte in:\n" << text;
}

TEST(HwCli, SimulateEscapesNames) {
  const std::string model = write_temp("odd.yaml", kOddModel);
  Result r = hwnas({"simulate", model, "--target", "npu-p16"});
  ASSERT_EQ(r.status, 0) << r.err;
  expect_printable(r.out);
  for (const char* shown : {"\na\\0b ", "\n\\x1b[31mred ", "\nraw\\xffbytes "})
    EXPECT_NE(r.out.find(shown), std::string::npos) << shown << " in:\n" << r.out;
  r = hwnas({"simulate", model, "--target", "npu-p16", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& layer : j["layers"]) names.push_back(layer["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{std::string("a\0b", 3), "\x1b[31mred", "raw\ufffd" "bytes"}));
  EXPECT_EQ(j["layers"][0]["nodes"][1], "line\nbreak");
}

TEST(HwCli, EstimateEscapesNames) {
  const std::string db = (scratch_dir() / "odd.db").string(), est = (scratch_dir() / "odd.est").string();
  Result r = hwnas({"fit", "--target", "npu-p16", "--db", db, "--out", est, "--budget", "800", "--rounds", "1"});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string model = write_temp("odd_est.yaml", kOddModel);
  r = hwnas({"estimate", model, "--estimator", est});
  ASSERT_EQ(r.status, 0) << r.err;
  expect_printable(r.out);
  for (const char* shown : {"\na\\0b ", "\n\\x1b[31mred ", "\nraw\\xffbytes "})
    EXPECT_NE(r.out.find(shown), std::string::npos) << shown << " in:\n" << r.out;
  r = hwnas({"estimate", model, "--estimator", est, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["layers"][0]["name"], std::string("a\0b", 3));
}

// A store path that is not UTF-8: the human line escapes it, --json replaces its bytes.
TEST(HwCli, ProfileWithAPathThatIsNotUtf8) {
  const std::string db = (scratch_dir() / "st\xff.db").string();
  Result r = hwnas({"profile", "--target", "npu-p16", "--kernels", "5", "--db", db});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("st\\xff.db holds "), std::string::npos) << r.out;
  r = hwnas({"profile", "--target", "npu-p16", "--kernels", "5", "--db", db, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["db"].get<std::string>().ends_with("st\ufffd.db")) << r.out;
  EXPECT_EQ(j["reused"].get<int>(), 5);
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

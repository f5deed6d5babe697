// hwnas space [show]: as a user runs it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hwnas/space/registry.h"
#include "support/cli_runner.h"

namespace hwnas::space {
namespace {

using testing::expect_bad_input;
using testing::hwnas;
using testing::Result;
using testing::write_temp;

constexpr std::string_view kPSpace = R"(name: p-space
input: {resolution: 32}
round_channels_to: P
stem: {channels: {multiple_of: P, min: 8, max: 64}}
stages:
  - {stride: 2, depth: [1, 2], channels: {multiple_of: P, min: 16, max: 64}, kernel: [3, 5]}
head: {task: classification, classes: 10, features: 64}
)";

TEST(SpaceCli, ListsTheBuiltins) {
  const Result r = hwnas({"space"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "mobilenet-cls\nmobilenet-det\nmobilenet-seg\nnb201\nfbnet\n");
  const Result j = hwnas({"space", "--json"});
  EXPECT_EQ(nlohmann::json::parse(j.out)["spaces"].size(), 5u);
}

TEST(SpaceCli, ShowsEveryBuiltinFromAnyDirectory) {
  for (const std::string& name : builtin_space_names()) {
    SCOPED_TRACE(name);
    const Result r = hwnas({"space", "show", name, "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["space"], name);
    EXPECT_GT(j["genes"].size(), 0u);
    EXPECT_GT(j["log10_architectures"].get<double>(), 2);
    const Result text = hwnas({"space", "show", name});
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("space " + name + ": "), std::string::npos);
  }
}

TEST(SpaceCli, MobileNetClsBaselineCounts) {
  const Result r = hwnas({"space", "show", "mobilenet-cls", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["architectures"].is_null());  // more than 1e15
  // MobileNetV2's counts (docs/analysis.md), fp32 without a target.
  EXPECT_EQ(j["baseline"]["params"], 3504872);
  EXPECT_EQ(j["baseline"]["macs"], 300774272);
  EXPECT_EQ(j["baseline"]["peak_activation_bytes"], 1505280 * 4);
  EXPECT_EQ(j["baseline"]["precision"], "fp32");
  const Result text = hwnas({"space", "show", "mobilenet-cls"});
  EXPECT_NE(text.out.find("params 3504872, MACs 300774272"), std::string::npos) << text.out;
}

TEST(SpaceCli, TargetGivesP) {
  const std::string path = write_temp("p-space.yaml", std::string(kPSpace));
  const Result r = hwnas({"space", "show", path, "--target", "npu-p16", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["parallelism_factor"], 16);
  EXPECT_EQ(j["genes"][0]["name"], "stem.channels");
  EXPECT_EQ(j["genes"][0]["choices"], nlohmann::json({"16", "32", "48", "64"}));
  EXPECT_EQ(j["architectures"], 4 * 4 * (2 + 2 * 2));  // stem · stage channels · depth 1 or 2, kernel 3 or 5
  const Result p32 = hwnas({"space", "show", path, "--target", "npu-p32", "--json"});
  EXPECT_EQ(nlohmann::json::parse(p32.out)["genes"][0]["choices"], nlohmann::json({"32", "64"}));
  const Result twin = hwnas({"space", "show", path, "--target", "npu-p32", "--uncurated", "--json"});
  EXPECT_EQ(nlohmann::json::parse(twin.out)["genes"][0]["choices"].size(), 33u);
}

TEST(SpaceCli, BadInputIsOneLine) {
  const std::string path = write_temp("p-space.yaml", std::string(kPSpace));
  expect_bad_input({"space", "show", path},
                   "key 'round_channels_to': P is the target's parallelism factor, but no target was given");
  expect_bad_input({"space", "show", path, "--target", "cpu"}, "but target 'cpu' has none");
  expect_bad_input({"space", "show", "mobilenet"}, "unknown space 'mobilenet'; built-in spaces: mobilenet-cls");
  expect_bad_input({"space", "show", "nowhere.yaml"}, "nowhere.yaml");
  expect_bad_input({"space", "show", "nb201", "--uncurated"}, "has no uncurated twin");
  expect_bad_input({"space", "show", "mobilenet-cls", "--target", "npu-p16", "--estimator", "x.json"},
                   "give --target or --estimator, not both");
  const std::string bad = write_temp("bad.yaml", std::string(kPSpace).replace(kPSpace.find("kernel"), 6, "kernal"));
  expect_bad_input({"space", "show", bad, "--target", "npu-p16"},
                   "bad.yaml:6: key 'stages[0].kernal': unknown key; did you mean 'kernel'?");
}

}  // namespace
}  // namespace hwnas::space

// hwnas space [show|decode|sample]: as a user runs it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>
#include <set>

#include "hwnas/graph/model_file.h"
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
  // Another sub-verb's option, named with its whole command (not 'hwnas sample').
  expect_bad_input({"space", "decode", "mobilenet-cls", "0", "--count", "3"},
                   "hwnas: --count is an option of 'hwnas space sample', not of 'hwnas space decode'");
  // Another tool's spelling (run_app.cpp's table, s26 second pass finding 3): ours, when the
  // command has it.
  expect_bad_input({"space", "decode", "mobilenet-cls", "0", "--output", "x.yaml"},
                   "hwnas: unknown option '--output' for 'hwnas space decode' (did you mean '--out'?)");
  expect_bad_input({"space", "show", "nb201", "--uncurated"}, "has no uncurated twin");
  expect_bad_input({"space", "show", "mobilenet-cls", "--target", "npu-p16", "--estimator", "x.json"},
                   "give --target or --estimator, not both");
  const std::string bad = write_temp("bad.yaml", std::string(kPSpace).replace(kPSpace.find("kernel"), 6, "kernal"));
  expect_bad_input({"space", "show", bad, "--target", "npu-p16"},
                   "bad.yaml:6: key 'stages[0].kernal': unknown key; did you mean 'kernel'?");
}

// A space where a model is expected, and a model where a space is (s29 fresh-user finding
// 8): named as what they are, with the command that takes them; a zoo model that shares a
// space's name (nb201) keeps its own error.
TEST(SpaceCli, ASpaceGivenAsAModelAndAModelGivenAsASpaceSaySo) {
  const std::string space = write_temp("a-space.yaml", std::string(kPSpace));
  expect_bad_input({"inspect", space},
                   "a-space.yaml': a search space file (stages, head), not a model; 'hwnas space show " + space +
                       "' shows it, and 'hwnas space decode " + space + " baseline --out m.yaml' writes one");
  expect_bad_input({"simulate", "mobilenet-seg", "--target", "edgetpu-like"},
                   "model 'mobilenet-seg': a built-in search space, not a model; 'hwnas space show mobilenet-seg'");
  expect_bad_input({"inspect", "nb201"}, "model 'nb201': arch= is required");
  const std::string model = write_temp("a-model.yaml", "input: [3, 8, 8]\nlayers:\n  - {op: relu}\n");
  expect_bad_input({"space", "show", model},
                   "a-model.yaml: is a model file (layers), not a search space; 'hwnas inspect " + model +
                       "' shows that network");
  // A broken space file keeps the space reader's own words.
  expect_bad_input({"inspect", write_temp("not-yaml.yaml", "stages: [\n")}, "not-yaml.yaml");
}

TEST(SpaceCli, DecodeWritesTheGenomesNetwork) {
  const std::string out = (testing::scratch_dir() / "decoded.json").string();
  const Result r = hwnas({"space", "decode", "mobilenet-cls", "baseline", "--out", out, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["params"], 3504872);  // MobileNetV2, as show's baseline
  const std::unique_ptr<Space> space = make_space("mobilenet-cls", {});
  EXPECT_EQ(j["genome"], to_text(*space->baseline()));
  // The file is the decoded network: the same graph as decoding in the library.
  EXPECT_EQ(graph::model_to_json(graph::load_model_file(out)), graph::model_to_json(space->decode(*space->baseline())));
  // A genome as text, from search's output: NB201's cell 1-2-3-4-0-1.
  const std::string cell = (testing::scratch_dir() / "cell.yaml").string();
  const Result c = hwnas({"space", "decode", "nb201", "1-2-3-4-0-1", "--out", cell});
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_NE(c.out.find("1-2-3-4-0-1"), std::string::npos);
  EXPECT_EQ(graph::model_to_json(graph::load_model_file(cell)),
            graph::model_to_json(make_space("nb201", {})->decode(parse_genome("1-2-3-4-0-1", "test"))));
}

TEST(SpaceCli, SampleWritesDistinctNetworksFixedBySeed) {
  const std::string dir = (testing::scratch_dir() / "samples").string();
  for (const char* d : {"samples", "again", "other"}) std::filesystem::remove_all(testing::scratch_dir() / d);
  const Result r = hwnas({"space", "sample", "nb201", "--count", "5", "--seed", "7", "--out", dir + "/", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["samples"].size(), 5u);
  std::set<std::string> genomes;
  for (const nlohmann::json& s : j["samples"]) {
    genomes.insert(s["genome"].get<std::string>());
    EXPECT_TRUE(std::filesystem::is_regular_file(s["file"].get<std::string>())) << s["file"];
  }
  EXPECT_EQ(genomes.size(), 5u);
  const auto genomes_of = [](const nlohmann::json& samples) {
    std::vector<std::string> g;
    for (const nlohmann::json& s : samples) g.push_back(s["genome"]);
    return g;
  };
  const std::string again_dir = (testing::scratch_dir() / "again").string();
  const Result again = hwnas({"space", "sample", "nb201", "--count", "5", "--seed", "7", "--out", again_dir, "--json"});
  EXPECT_EQ(genomes_of(nlohmann::json::parse(again.out)["samples"]), genomes_of(j["samples"]));
  const std::string other_dir = (testing::scratch_dir() / "other").string();
  const Result other = hwnas({"space", "sample", "nb201", "--count", "5", "--seed", "8", "--out", other_dir, "--json"});
  EXPECT_NE(genomes_of(nlohmann::json::parse(other.out)["samples"]), genomes_of(j["samples"]));
  // A directory that holds an earlier sample is refused: the two would mix.
  expect_bad_input({"space", "sample", "nb201", "--count", "2", "--out", dir}, "from an earlier sample");
}

// A genome of the wrong length names the command that lists the space's genes; for a space
// file that is the file with the option that gave its P (its name alone is no space
// hwnas knows), and the command works.
TEST(SpaceCli, AWrongGenomeNamesACommandThatShowsTheSpace) {
  const std::string out = (testing::scratch_dir() / "never.yaml").string();
  const std::string file = std::string(HWNAS_SOURCE_DIR) + "/configs/spaces/mobilenet-cls-fmnist.yaml";
  for (const std::vector<std::string>& space :
       {std::vector<std::string>{"nb201"}, std::vector<std::string>{"mobilenet-cls"},
        std::vector<std::string>{file, "--target", "edgetpu-like"}}) {
    std::vector<std::string> args = {"space", "decode", space[0], "1-2-3", "--out", out};
    args.insert(args.end(), space.begin() + 1, space.end());
    const Result r = hwnas(args);
    ASSERT_EQ(r.status, 2) << r.err;
    const std::size_t at = r.err.find("; see hwnas space show ");
    ASSERT_NE(at, std::string::npos) << r.err;
    std::string command = r.err.substr(at + std::string("; see hwnas ").size());
    command.pop_back();  // the line break
    std::vector<std::string> show;
    std::istringstream words(command);
    for (std::string w; words >> w;) show.push_back(w);
    EXPECT_EQ(show.at(2), space[0]);
    EXPECT_EQ(hwnas(show).status, 0) << command;
  }
}

TEST(SpaceCli, DecodeAndSampleBadInputIsOneLineAndWritesNothing) {
  const std::string out = (testing::scratch_dir() / "never.yaml").string();
  std::filesystem::remove(out);
  expect_bad_input({"space", "decode", "nb201", "baseline", "--out", out}, "space 'nb201' has no baseline");
  expect_bad_input({"space", "decode", "nb201", "1-2-3", "--out", out}, "has 3 genes, but the space has 6");
  expect_bad_input({"space", "decode", "nb201", "1-2-x-4-0-1", "--out", out}, "GENOME: genome '1-2-x-4-0-1'");
  expect_bad_input({"space", "decode", "nb201", "1-2-3-4-0-9", "--out", out}, "nb201");
  expect_bad_input({"space", "decode", "mobilenet-cls", "baseline", "--out", "model.txt"}, "model files end in .yaml");
  EXPECT_FALSE(std::filesystem::exists(out));
  expect_bad_input({"space", "sample", "nb201", "--count", "15626", "--out", out},
                   "has 15625 architectures, fewer than the 15626 asked for");
  expect_bad_input({"space", "sample", "nb201", "--count", "2", "--out", "/nonexistent-dir/s"}, "does not exist");
  const std::string file = write_temp("a-file.txt", "x");
  expect_bad_input({"space", "sample", "nb201", "--count", "2", "--out", file}, "--out is a file");
  expect_bad_input({"space", "sample", "nb201", "--count", "2", "--out", out, "--format", "onnx"}, "give yaml or json");
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace hwnas::space

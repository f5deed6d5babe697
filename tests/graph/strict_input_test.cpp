// Model files that yaml-cpp would read leniently are refused (yaml_input.h): text after the
// first document, YAML 1.1 octal, numbers beyond int32, floats for integers, .inf/.nan;
// and a MODEL path that is not a regular file. Each is one line, exit 2, nothing on stdout.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <functional>
#include <string>

#include "hwnas/base/error.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/base/yaml_input.h"
#include "support/cli_runner.h"
#include "support/model_errors.h"

namespace hwnas::graph {
namespace {

using testing::expect_bad_input;
using testing::model_error_of;
using testing::write_temp;

constexpr const char* kJson = R"({"input": [3, 8, 8], "layers": [{"op": "relu"}]})";
const std::string kYaml = "input: [3, 8, 8]\nlayers:\n  - {op: relu}\n";

std::string conv(const std::string& attributes) {
  return "input: [3, 8, 8]\nlayers:\n  - {op: conv2d, " + attributes + "}\n";
}

TEST(StrictInput, TheValidFilesStillLoad) {
  EXPECT_EQ(model_error_of(kJson, "m.json"), "(no error)");
  EXPECT_EQ(model_error_of(kYaml), "(no error)");
  EXPECT_EQ(model_error_of("---\n" + kYaml + "...\n# a comment\n"), "(no error)");  // markers of one document
  EXPECT_EQ(model_error_of(std::string(kJson) + "\n\n  \n"), "(no error)");
  EXPECT_EQ(model_error_of(conv("out: 10, kernel: 1, padding: 0")), "(no error)");
}

TEST(StrictInput, TextAfterTheFirstDocumentIsRefused) {
  const std::string tail = "text after the first document";
  for (const auto& [text, line] : std::vector<std::pair<std::string, std::string>>{
           {std::string(kJson) + " garbage", "m.yaml:1:"},
           {std::string(kJson) + std::string(kJson), "m.yaml:1:"},
           {std::string(kJson) + "\n{\"input\": [1, 1, 1]}\n", "m.yaml:2:"},
           {kYaml + "---\nlayers: []\n", "m.yaml:4:"},
           {kYaml + "...\njunk\n", "m.yaml:5:"},
           {kYaml + "---\n", "m.yaml"},
           {kYaml + ",\n", "m.yaml:4:"}}) {
    const std::string e = model_error_of(text);
    EXPECT_EQ(e.rfind(line, 0), 0u) << text << " -> " << e;
    EXPECT_TRUE(e.find(tail) != std::string::npos || e.find("not valid YAML/JSON") != std::string::npos)
        << text << " -> " << e;
  }
  EXPECT_EQ(model_error_of(""), "m.yaml: the file is empty; a model file is a mapping of keys (YAML or JSON)");
  EXPECT_EQ(model_error_of("# only a comment\n"), "m.yaml: the file is empty; a model file is a mapping of keys (YAML or JSON)");
}

TEST(StrictInput, IntegersAreDecimalAndInRange) {
  EXPECT_EQ(model_error_of(conv("out: 010")),
            "m.yaml:3: layer 'layers.0' (conv2d): out = 010 has a leading zero, which YAML 1.1 reads as octal; "
            "write 10");
  EXPECT_EQ(model_error_of(conv("out: 2147483648")),
            "m.yaml:3: layer 'layers.0' (conv2d): out = 2147483648 is too large (at most 2147483647)");
  EXPECT_EQ(model_error_of(conv("out: 99999999999999999999999")),
            "m.yaml:3: layer 'layers.0' (conv2d): out = 99999999999999999999999 is too large (at most 2147483647)");
  EXPECT_EQ(model_error_of(conv("out: 8, kernel: [3, 4294967296]")),
            "m.yaml:3: layer 'layers.0' (conv2d): kernel = 4294967296 is too large (at most 2147483647)");
  EXPECT_EQ(model_error_of(conv("out: 8, padding: 01")),
            "m.yaml:3: layer 'layers.0' (conv2d): padding = 01 has a leading zero, which YAML 1.1 reads as "
            "octal; write 1");
  for (const char* bad : {"8.0", "8e0", "0x10", "0o10", "1_000", ".inf", "-.inf", ".nan", "[8]"}) {
    const std::string e = model_error_of(conv(std::string("out: ") + bad));
    EXPECT_NE(e.find("out must be a positive integer"), std::string::npos) << bad << " -> " << e;
  }
  // A quoted number is a string: YAML's quotes are kept, not read past.
  for (const char* bad : {"'eight'", "'8'", "\"8\""}) {
    const std::string e = model_error_of(conv(std::string("out: ") + bad));
    EXPECT_NE(e.find("out must be an integer, got the string"), std::string::npos) << bad << " -> " << e;
  }
  for (const char* tagged : {"!!int 8", "!!str 8", "!!float 8", "!custom 8"}) {
    const std::string e = model_error_of(conv(std::string("out: ") + tagged));
    EXPECT_NE(e.find("is not taken; write the value without it"), std::string::npos) << tagged << " -> " << e;
  }
  EXPECT_EQ(model_error_of("input: [3, 08, 8]\nlayers:\n  - {op: relu}\n"),
            "m.yaml:1: input = 08 has a leading zero, which YAML 1.1 reads as octal; write 8");
  EXPECT_EQ(model_error_of("input: [3, 8, 3000000000]\nlayers:\n  - {op: relu}\n"),
            "m.yaml:1: input = 3000000000 is too large (at most 2147483647)");
  EXPECT_EQ(model_error_of("layers:\n  - {op: input, shape: [3, 8, 017]}\n"),
            "m.yaml:2: layer 'layers.0' (input): shape = 017 has a leading zero, which YAML 1.1 reads as octal; "
            "write 17");
}

TEST(StrictInput, RealsAreFiniteDecimals) {
  const std::string ibn = "input: [8, 8, 8]\nlayers:\n  - {op: ibn, out: 8, expand: ";
  EXPECT_EQ(model_error_of(ibn + "06}\n"),
            "m.yaml:3: layer 'layers.0' (ibn): expand = 06 has a leading zero, which YAML 1.1 "
            "reads as octal; write 6");
  for (const char* bad : {".inf", ".nan", "0x6", "1e999", "six"}) {
    const std::string e = model_error_of(ibn + bad + "}\n");
    EXPECT_NE(e.find("expand must be a number in [0.01, 1000], got '" + std::string(bad) + "'"), std::string::npos)
        << bad << " -> " << e;
  }
  EXPECT_EQ(model_error_of(ibn + "6.}\n"), "(no error)");
  EXPECT_EQ(model_error_of(ibn + "0.6e1}\n"), "(no error)");
}

TEST(StrictInput, BooleansAreTrueOrFalse) {
  const std::string pool = "input: [3, 8, 8]\nlayers:\n  - {op: max_pool, kernel: 3, stride: 2, ceil_mode: ";
  EXPECT_EQ(model_error_of(pool + "true}\n"), "(no error)");
  EXPECT_EQ(model_error_of(pool + "False}\n"), "(no error)");
  for (const char* bad : {"yes", "no", "on", "off", "y", "1"})
    EXPECT_EQ(model_error_of(pool + bad + "}\n"),
              "m.yaml:3: layer 'layers.0' (max_pool): ceil_mode must be true or false, got '" + std::string(bad) + "'");
}

// 100 lines of anchors and aliases that name 10^9 nodes: refused before any walk (it ran
// for minutes).
TEST(StrictInput, AliasBombsAreRefused) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", *a" : "*a") + std::to_string(i - 1);
    text += "]\n";
  }
  const std::string e = model_error_of(text + kYaml);
  EXPECT_EQ(e.rfind("m.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("aliases expand the document to more than 1000000 nodes"), std::string::npos) << e;
  // A few aliases are fine.
  EXPECT_EQ(model_error_of("input: [3, 8, 8]\nlayers:\n  - &c {op: conv2d, out: 8, kernel: 3}\n  - {op: relu}\n"),
            "(no error)");
}

TEST(StrictInput, NumberReadersDirectly) {
  std::int64_t i = 0;
  EXPECT_EQ(read_integer(YAML::Load("-0"), -5, 5, i), NumberProblem::none);
  EXPECT_EQ(i, 0);
  EXPECT_EQ(read_integer(YAML::Load("-9223372036854775808"), INT64_MIN, 0, i), NumberProblem::none);
  EXPECT_EQ(i, INT64_MIN);
  EXPECT_EQ(read_integer(YAML::Load("9223372036854775808"), 0, INT64_MAX, i), NumberProblem::too_large);
  EXPECT_EQ(read_integer(YAML::Load("-6"), -5, 5, i), NumberProblem::too_small);
  EXPECT_EQ(read_integer(YAML::Load("+7"), 0, 10, i), NumberProblem::none);
  EXPECT_EQ(read_integer(YAML::Load("~"), 0, 10, i), NumberProblem::malformed);
  double d = 0;
  EXPECT_EQ(read_real(YAML::Load("1e-300"), 0.001, 10, d), NumberProblem::too_small);
  EXPECT_EQ(read_real(YAML::Load("-1e999"), -10, 10, d), NumberProblem::too_small);
  EXPECT_EQ(read_real(YAML::Load(".5"), 0, 1, d), NumberProblem::none);
  EXPECT_EQ(d, 0.5);
  EXPECT_EQ(read_real(YAML::Load("0.5"), 0, 1, d), NumberProblem::none);
  EXPECT_EQ(read_real(YAML::Load("00.5"), 0, 1, d), NumberProblem::leading_zero);
  EXPECT_EQ(read_real(YAML::Load("."), 0, 1, d), NumberProblem::malformed);
  EXPECT_EQ(read_real(YAML::Load("1e"), 0, 1, d), NumberProblem::malformed);
}

// yaml-cpp marks a value left empty at the next token: errors named the line below the
// key, or one past the end of the file (fresh-user finding 11 of issue 12).
TEST(StrictInput, AnEmptyValueIsReportedAtItsKey) {
  const std::string out_null = " layer 'layers.0' (conv2d): out must be a positive integer, got null";
  EXPECT_EQ(model_error_of("input: [3, 8, 8]\nlayers:\n  - op: conv2d\n    out:\n  - {op: relu}\n"), "m.yaml:4:" + out_null);
  EXPECT_EQ(model_error_of("input: [3, 8, 8]\nlayers:\n  - op: conv2d\n    out:   # comment\n\n    # more\n\n"),
            "m.yaml:4:" + out_null);  // at the end of the file
  EXPECT_EQ(model_error_of("input: [3, 8, 8]\nlayers:\n  - {op: conv2d, out: }\n"), "m.yaml:3:" + out_null);
  // Written nulls keep their own line, even on the line below the key.
  EXPECT_EQ(model_error_of("input: [3, 8, 8]\nlayers:\n  - op: conv2d\n    out:\n      ~\n"), "m.yaml:5:" + out_null);
  EXPECT_EQ(model_error_of("input: [3, 8, 8]\nlayers:\n  - op: conv2d\n    out: null\n"), "m.yaml:4:" + out_null);
  // An empty list item: the line of its '-'.
  const std::string item = model_error_of("input: [3, 8, 8]\nlayers:\n  - {op: relu}\n  -\n\n  - {op: relu}\n");
  EXPECT_EQ(item.rfind("m.yaml:4:", 0), 0u) << item;
}

TEST(StrictInput, CliRefusesEachExample) {
  expect_bad_input({"inspect", write_temp("garbage.json", std::string(kJson) + " garbage\n")},
                   "garbage.json: not valid JSON (a .json file is strict JSON): parse error at line 1");
  expect_bad_input({"inspect", write_temp("two.json", std::string(kJson) + std::string(kJson))},
                   "expected end of input");
  expect_bad_input({"inspect", write_temp("two.yaml", kYaml + "---\nname: second\n")}, "two.yaml:4: text after");
  expect_bad_input({"inspect", write_temp("junk.yaml", kYaml + "...\njunk\n")}, "junk.yaml:5: text after");
  expect_bad_input({"inspect", write_temp("octal.yaml", conv("out: 010"))}, "out = 010 has a leading zero");
  expect_bad_input({"inspect", write_temp("big.yaml", conv("out: 2147483648"))},
                   "out = 2147483648 is too large (at most 2147483647)");
}

TEST(StrictInput, EstimatorFilesAreOneJsonDocument) {
  expect_bad_input({"estimate", "mobilenet_v2", "--estimator", write_temp("g.est", "{\"format\": 1} garbage")},
                   "g.est: not an hwnas estimator file (not JSON)");
  expect_bad_input({"estimate", "mobilenet_v2", "--estimator", write_temp("two.est", "{}{}")},
                   "two.est: not an hwnas estimator file (not JSON)");
  expect_bad_input({"estimate", "mobilenet_v2", "--estimator", testing::scratch_dir().string()},
                   testing::scratch_dir().string() + ": is a directory, not an estimator file");
}

TEST(StrictInput, CliRefusesModelPathsThatAreNotFiles) {
  const std::string dir = (testing::scratch_dir() / "models.yaml").string();
  std::filesystem::create_directories(dir);
  expect_bad_input({"inspect", dir}, dir + ": is a directory, not a model file");
  const std::string fifo = (testing::scratch_dir() / "fifo.json").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_bad_input({"inspect", fifo}, fifo + ": is a FIFO, not a model file");  // and does not block
  expect_bad_input({"inspect", "/nonexistent/m.yaml"}, "cannot read the model file (No such file or directory)");
}

}  // namespace
}  // namespace hwnas::graph

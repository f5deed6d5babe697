// The hwnas executable as a user runs it: exit status, stdout and stderr kept apart.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/graph/zoo/zoo.h"
#include "support/cli_runner.h"

namespace hwnas::graph {
namespace {

using testing::expect_bad_input;
using testing::hwnas;
using testing::Result;
using testing::scratch_dir;
using testing::write_temp;
using testing::read_file;

std::string example(const std::string& name) {
  return std::string(HWNAS_SOURCE_DIR) + "/examples/models/" + name;
}

TEST(Cli, ZooListsEveryModel) {
  const Result r = hwnas({"zoo"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const ZooModel& m : zoo_models()) {
    SCOPED_TRACE(std::string(m.name));
    // Each model starts a line, followed by its description.
    std::string entry(m.name);
    entry += ' ';
    const bool first = r.out.rfind(entry, 0) == 0;
    EXPECT_TRUE(first || r.out.find('\n' + entry) != std::string::npos);
    EXPECT_NE(r.out.find(std::string(m.description)), std::string::npos);
  }
  EXPECT_NE(r.out.find("docs/model-format.md"), std::string::npos);
}

TEST(Cli, ZooJsonListsEveryModel) {
  const Result r = hwnas({"zoo", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("models"));
  // graph's models first; the search spaces' follow (tests/space/models_test.cpp).
  ASSERT_GE(j["models"].size(), zoo_models().size());
  for (std::size_t i = 0; i < zoo_models().size(); ++i) {
    EXPECT_EQ(j["models"][i]["name"], std::string(zoo_models()[i].name));
    EXPECT_EQ(j["models"][i]["options"].size(), zoo_models()[i].options.size());
  }
}

TEST(Cli, InspectMobileNetV2Json) {
  const Result r = hwnas({"inspect", "mobilenet_v2", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const nlohmann::json j = nlohmann::json::parse(r.out);  // stdout is exactly one JSON object
  ASSERT_TRUE(j.is_object());
  for (const char* key : {"params", "macs", "weight_bytes", "peak_activation_bytes",
                          "peak_activation_bytes_min_order", "layers"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["params"].get<std::int64_t>(), 3504872);
  EXPECT_EQ(j["model"], "mobilenet_v2");
  EXPECT_EQ(j["precision"], "fp32");
  EXPECT_EQ(j["batch"], 1);
  const Analysis a = analyze(build_zoo_model("mobilenet_v2"), Precision::fp32, 1);
  EXPECT_EQ(j["macs"].get<std::int64_t>(), a.total.macs);
  EXPECT_EQ(j["weight_bytes"].get<std::int64_t>(), a.total.weight_bytes);
  EXPECT_EQ(j["peak_activation_bytes"].get<std::int64_t>(), a.peak_activation_bytes);
  EXPECT_EQ(j["peak_activation_bytes_min_order"].get<std::int64_t>(),
            a.peak_activation_bytes_min_order);

  const nlohmann::json& layers = j["layers"];
  ASSERT_TRUE(layers.is_array());
  ASSERT_EQ(layers.size(), static_cast<std::size_t>(build_zoo_model("mobilenet_v2").size()));
  std::int64_t params = 0, macs = 0;
  for (const nlohmann::json& layer : layers) {
    for (const char* key : {"name", "op", "block", "output_shape", "macs", "params"})
      ASSERT_TRUE(layer.contains(key)) << key << " missing in " << layer.dump();
    ASSERT_EQ(layer["output_shape"].size(), 4u);
    EXPECT_EQ(layer["output_shape"][0], 1);
    params += layer["params"].get<std::int64_t>();
    macs += layer["macs"].get<std::int64_t>();
  }
  EXPECT_EQ(params, 3504872);
  EXPECT_EQ(macs, j["macs"].get<std::int64_t>());
  EXPECT_EQ(layers[0]["op"], "input");
  EXPECT_EQ(layers[1]["name"], "features.0.conv");
  EXPECT_EQ(layers[1]["block"], "features.0");
  EXPECT_EQ(layers[1]["output_shape"], nlohmann::json::parse("[1, 32, 112, 112]"));
  EXPECT_EQ(layers.back()["op"], "output");
  EXPECT_EQ(layers.back()["block"], "");
}

TEST(Cli, InspectPrecisionAndBatch) {
  const Result r = hwnas({"inspect", "mobilenet_v2:width=0.5,res=160,classes=10,in_ch=1",
                          "--precision", "int8", "--batch", "4", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["precision"], "int8");
  EXPECT_EQ(j["batch"], 4);
  EXPECT_EQ(j["layers"][0]["output_shape"], nlohmann::json::parse("[4, 1, 160, 160]"));
  EXPECT_EQ(j["layers"].back()["output_shape"], nlohmann::json::parse("[4, 10, 1, 1]"));
  const Analysis a = analyze(build_zoo_model("mobilenet_v2:width=0.5,res=160,classes=10,in_ch=1"),
                             Precision::int8, 4);
  EXPECT_EQ(j["macs"].get<std::int64_t>(), a.total.macs);
  EXPECT_EQ(j["weight_bytes"].get<std::int64_t>(), a.total.weight_bytes);
}

TEST(Cli, InspectTable) {
  const Result r = hwnas({"inspect", "resnet18"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("layer1.0.1.conv"), std::string::npos);
  EXPECT_NE(r.out.find("model resnet18:"), std::string::npos);
}

TEST(Cli, InspectModelFiles) {
  for (const char* name : {"tiny.yaml", "tiny_residual.json"}) {
    SCOPED_TRACE(name);
    const std::string path = example(name);
    const Result r = hwnas({"inspect", path, "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const nlohmann::json j = nlohmann::json::parse(r.out);
    const Graph g = load_model_file(path);
    EXPECT_EQ(j["model"], g.name());
    EXPECT_EQ(j["params"].get<std::int64_t>(), analyze(g, Precision::fp32, 1).total.params);
    EXPECT_EQ(j["layers"].size(), static_cast<std::size_t>(g.size()));
  }
  // A model saved by hwnas inspects like the zoo model it came from.
  const std::string saved = (scratch_dir() / "saved.json").string();
  save_model_file(build_zoo_model("mnasnet1_0"), saved);
  const Result from_file = hwnas({"inspect", saved, "--json"});
  const Result from_zoo = hwnas({"inspect", "mnasnet1_0", "--json"});
  ASSERT_EQ(from_file.status, 0) << from_file.err;
  EXPECT_EQ(from_file.out, from_zoo.out);
}

// Names with line breaks, NULs, tabs, terminal controls, bytes that are not UTF-8 or
// hundreds of characters, as quoted YAML strings and JSON "\u0000" carry them: the table
// shows them escaped on one aligned line each, and --json stays one valid document.
const std::string kOddNamesYaml =
    "name: \"odd\\nmodel\"\n"
    "input: [3, 8, 8]\n"
    "layers:\n"
    "  - {op: conv2d, name: \"a\\0b\", out: 4, kernel: 1}\n"
    "  - {op: relu, name: \"line\\nbreak\\r\"}\n"
    "  - {op: relu, name: \"tab\\there\"}\n"
    "  - {op: relu, name: \"\\e[2J\\e[31mred\"}\n"
    "  - {op: relu, name: \"bidi\\u202Eevil\"}\n"
    "  - {op: relu, name: raw\xff\xfe" "bytes}\n"
    "  - {op: relu, name: " + std::string(300, 'n') + ".tail}\n"
    "  - {op: relu, name: \"caf\\u00e9\"}\n";

// The escaped names, in layer order after the input; the long one is shortened.
const std::vector<std::string> kOddNamesShown = {
    "a\\0b", "line\\nbreak\\r", "tab\\there", "\\x1b[2J\\x1b[31mred", "bidi\\u202eevil", "raw\\xff\\xfebytes",
    std::string(31, 'n') + "..." + std::string(25, 'n') + ".tail", "caf\u00e9"};

// No byte of `text` is a control character other than the line feeds between lines.
void expect_no_controls(const std::string& text) {
  for (const char c : text)
    EXPECT_FALSE((static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f)
        << "control byte " << static_cast<int>(static_cast<unsigned char>(c)) << " in:\n" << text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Cli, InspectTableEscapesNames) {
  const std::string path = write_temp("odd_names.yaml", kOddNamesYaml);
  const Result r = hwnas({"inspect", path});
  ASSERT_EQ(r.status, 0) << r.err;
  expect_no_controls(r.out);
  const std::vector<std::string> lines = lines_of(r.out);
  // Header, input, 8 layers, output, blank line, 6 lines of totals.
  ASSERT_EQ(lines.size(), 1u + 1 + 8 + 1 + 1 + 6) << r.out;
  const std::size_t op_column = lines[0].find("op ");
  for (std::size_t i = 0; i < kOddNamesShown.size(); ++i) {
    const std::string& row = lines[2 + i];
    EXPECT_EQ(row.rfind(kOddNamesShown[i] + "  ", 0), 0u) << row;
    if (i + 1 < kOddNamesShown.size()) {  // the last name has a two-byte character
      EXPECT_EQ(row.find(i == 0 ? "conv2d" : "relu"), op_column) << row;
    }
  }
  EXPECT_NE(r.out.find("\nmodel odd\\nmodel: 10 nodes"), std::string::npos) << r.out;
}

// simulate's table names each kernel by its first node, escaped and shortened as inspect's.
TEST(Cli, SimulateTableEscapesAndShortensNamesAsInspectDoes) {
  const std::string path = write_temp("odd_names_simulate.yaml", kOddNamesYaml);
  const Result r = hwnas({"simulate", path, "--target", "npu-p16"});
  ASSERT_EQ(r.status, 0) << r.err;
  expect_no_controls(r.out);
  const std::vector<std::string> lines = lines_of(r.out);
  const std::string& shortened = kOddNamesShown[6];
  const auto row = std::find_if(lines.begin(), lines.end(),
                                [&](const std::string& line) { return line.rfind(shortened + "  ", 0) == 0; });
  ASSERT_NE(row, lines.end()) << r.out;
  EXPECT_EQ(row->find(" relu "), lines[0].find(" ops ")) << r.out;  // aligned under the header
  EXPECT_EQ(r.out.find(std::string(32, 'n')), std::string::npos) << r.out;
}

TEST(Cli, InspectJsonKeepsOddNamesExactly) {
  const std::string path = write_temp("odd_names_json.yaml", kOddNamesYaml);
  const Result r = hwnas({"inspect", path, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["model"], "odd\nmodel");
  const nlohmann::json& layers = j["layers"];
  ASSERT_EQ(layers.size(), 10u);
  EXPECT_EQ(layers[1]["name"], std::string("a\0b", 3));
  EXPECT_EQ(layers[2]["name"], "line\nbreak\r");
  EXPECT_EQ(layers[2]["inputs"][0], std::string("a\0b", 3));
  EXPECT_EQ(layers[4]["name"], "\x1b[2J\x1b[31mred");
  EXPECT_EQ(layers[5]["name"], "bidi\u202eevil");
  // Bytes that are not UTF-8 cannot be JSON: each becomes U+FFFD.
  EXPECT_EQ(layers[6]["name"], "raw\ufffd\ufffdbytes");
  EXPECT_EQ(layers[7]["name"], std::string(300, 'n') + ".tail");
  EXPECT_EQ(layers[8]["name"], "caf\u00e9");
}

TEST(Cli, JsonModelFileWithNulInNames) {
  const std::string path = write_temp(
      "nul.json", R"({"input": [3, 8, 8], "layers": [{"op": "conv2d", "name": "x\u0000y", "out": 4, "kernel": 1},)"
                  R"( {"op": "relu", "name": "z\u0000", "inputs": "x\u0000y"}]})");
  Result r = hwnas({"inspect", path});
  ASSERT_EQ(r.status, 0) << r.err;
  expect_no_controls(r.out);
  EXPECT_NE(r.out.find("\nx\\0y  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nz\\0   "), std::string::npos) << r.out;
  r = hwnas({"inspect", path, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["layers"][2]["name"], std::string("z\0", 2));
}

// An error quoting such a name is still one whole line: a NUL used to end the message.
TEST(Cli, ErrorsQuoteOddNamesOnOneLine) {
  const std::string dup = write_temp("dup_nul.yaml",
                                     "input: [3, 8, 8]\nlayers:\n"
                                     "  - {op: conv2d, name: \"x\\0y\\e[2J\", out: 4, kernel: 1}\n"
                                     "  - {op: relu, name: \"x\\0y\\e[2J\"}\n");
  expect_bad_input({"inspect", dup}, "layer 'x\\0y\\x1b[2J': ");  // the message goes on after the name
  expect_no_controls(hwnas({"inspect", dup}).err);
  expect_bad_input({"inspect", "mobilenet_v9\x01\xff"}, "unknown zoo model 'mobilenet_v9\\x01\\xff'");
  // Command-line errors quote argv too.
  expect_bad_input({"inspect", "mobilenet_v2", "b\nc\x1b[2J"}, "b\\nc\\x1b[2J");
  expect_bad_input({"inspect", "mobilenet_v2", "--batch", "x\ny"}, "x\\ny");
  expect_bad_input({"fr\nob"}, "unknown command 'fr\\nob'");
}

TEST(Cli, BadModelFile) {
  expect_bad_input(
      {"inspect", write_temp("bad_op.yaml", "input: [3, 8, 8]\nlayers:\n  - {op: convv}\n")},
      "bad_op.yaml:3: layer 0: unknown op 'convv'");
  expect_bad_input({"inspect", write_temp("bad_syntax.json", "{\"layers\": [\n")},
                   "bad_syntax.json:");
  expect_bad_input(
      {"inspect",
       write_temp("bad_shape.yaml", "input: [3, 8, 8]\nlayers:\n  - {op: linear, out: 4}\n"),
       "--json"},
      "add flatten or global_pool");
  expect_bad_input({"inspect", "/nonexistent/model.yaml"}, "/nonexistent/model.yaml: cannot read");
  expect_bad_input({"inspect", scratch_dir().string() + "/"}, "/' is a directory, not a model file");
}

TEST(Cli, BadZooSpecs) {
  expect_bad_input({"inspect", "mobilenet_v9"}, "unknown zoo model 'mobilenet_v9'");
  expect_bad_input({"inspect", "mobilenet_v2:depth=3", "--json"}, "bad option 'depth=3'");
  expect_bad_input({"inspect", "mobilenet_v2:width=-1"}, "width must be a number");
  expect_bad_input({"inspect", "mobilenet_v2:res=abc"}, "res must be an integer in [1, 65536]");
  expect_bad_input({"inspect", "nb201:arch=|nor_conv_3x3~0|"}, "NAS-Bench-201 architecture");
  expect_bad_input({"inspect", "fbnet:blocks=skip"}, "FBNet block list 'skip': has 1 blocks; give 22 block names");
  expect_bad_input({"inspect", "mobilenet_v2:width=1\n2"}, "width must be a number");
  // Spec integers are decimal like files; an empty option list or a trailing comma is an error.
  expect_bad_input({"inspect", "mobilenet_v2:"}, "model 'mobilenet_v2:': nothing after ':'");
  expect_bad_input({"inspect", "mobilenet_v2:res=64,"}, "a trailing comma after 'res=64';");
  expect_bad_input({"inspect", "mobilenet_v2:width=0.5,res=64,"}, "a trailing comma after 'res=64';");
  expect_bad_input({"inspect", "mobilenet_v2:res=64,,"}, "a trailing comma after 'res=64,';");
  expect_bad_input({"inspect", "mobilenet_v2:,"}, "a trailing comma after ':';");
  expect_bad_input({"inspect", "mobilenet_v2:res=010"}, "res=010 has a leading zero; write res=10");
  expect_bad_input({"inspect", "mobilenet_v2:classes=00"}, "classes=00 has a leading zero; write classes=0");
  for (const char* v : {"0x10", "+64", "-64", "99999999999", "64.0"})
    expect_bad_input({"inspect", std::string("mobilenet_v2:res=") + v}, "res must be an integer in [1, 65536]");
  expect_bad_input({"inspect", "mobilenet_v2:width=0x1"}, "width must be a number in (0, 16]");
}

TEST(Cli, BadFlags) {
  expect_bad_input({"inspect", "mobilenet_v2", "--precision", "int9"}, "--precision 'int9'");
  expect_bad_input({"inspect", "mobilenet_v2", "--batch", "0"}, "--batch 0");
  expect_bad_input({"inspect", "mobilenet_v2", "--batch", "-2", "--json"}, "--batch -2: must be a whole number");
  // Integers are decimal only, as in files: no octal, hex or sign; the limit is named.
  expect_bad_input({"inspect", "mobilenet_v2", "--batch", "010", "--json"}, "--batch 010 has a leading zero; write 10");
  expect_bad_input({"inspect", "mobilenet_v2", "--batch", "0x10"}, "--batch 0x10: must be a whole number");
  expect_bad_input({"inspect", "mobilenet_v2", "--batch", "2147483648"},
                   "--batch 2147483648 is too large (at most 2147483647)");
  expect_bad_input({"simulate", "mobilenet_v2", "--target", "npu-p16", "--batch", "00"},
                   "--batch 00 has a leading zero; write 0");
  expect_bad_input({"inspect", "mobilenet_v2", "--batch", "two"}, "--batch");
  expect_bad_input({"inspect", "mobilenet_v2", "--frobnicate"}, "--frobnicate");
  expect_bad_input({"inspect", "mobilenet_v2", "resnet18"}, "resnet18");
  expect_bad_input({"inspect"}, "MODEL");
  expect_bad_input({"inspect", "mobilenet_v2", "--precision"}, "--precision");
  expect_bad_input({"zoo", "extra"}, "extra");
  expect_bad_input({}, "subcommand");
  expect_bad_input({"frobnicate"}, "frobnicate");
}

// Issue 9: numbers past int32/int64 are one-line errors (exit 2, nothing on stdout), in
// inspect and in the cpu target, which refuses them before allocating anything.
TEST(Cli, CountsPastInt64AreBadInput) {
  expect_bad_input({"inspect", "resnet50:res=65536", "--batch", "30000"},
                   "total MACs pass 2^63 - 1");
  expect_bad_input({"inspect", "resnet50:res=65536", "--batch", "30000", "--json"},
                   "total MACs pass 2^63 - 1");
  const std::string concat = write_temp(
      "concat_2_30.yaml", "input: [1073741824, 1, 1]\nlayers:\n  - {op: concat, inputs: [input, input]}\n");
  const std::string kernel = write_temp(
      "kernel_2_31.yaml", "input: [4, 8, 8]\nlayers:\n  - {op: conv2d, out: 4, kernel: 2147483647}\n");
  const std::string padding = write_temp(
      "padding_2_31.yaml",
      "input: [1, 8, 8]\nlayers:\n  - {op: conv2d, out: 1, kernel: 3, padding: 2147483647}\n");
  const std::string dilation = write_temp(
      "dilation_2_31.yaml",
      "input: [1, 8, 8]\nlayers:\n  - {op: conv2d, out: 1, kernel: 5, dilation: 2147483647}\n");
  for (const char* verb : {"inspect", "simulate"}) {
    SCOPED_TRACE(verb);
    const std::vector<std::string> target = verb == std::string("simulate")
                                                ? std::vector<std::string>{"--target", "cpu"}
                                                : std::vector<std::string>{};
    const auto args = [&](const std::string& model) {
      std::vector<std::string> a = {verb, model};
      a.insert(a.end(), target.begin(), target.end());
      return a;
    };
    expect_bad_input(args(concat), "node 'layers.0' (concat): output channels 2147483648 is more "
                                   "than 2147483647");
    expect_bad_input(args(kernel), "node 'layers.0' (conv2d): its parameters");
    expect_bad_input(args(padding), "output height 4294967300 is more than 2147483647");
    expect_bad_input(args(dilation), "dilation 2147483647 with kernel 5");
  }
}

TEST(Cli, CpuTargetRefusesHugeKernelsBeforeAllocating) {
  // Valid graphs whose kernels the cpu target cannot hold: a 4 GiB tensor, a 2^32-pixel
  // window, a resize with 10 GiB of tables, a 2.2e16-byte first layer.
  const std::string wide =
      write_temp("wide_relu.yaml", "input: [1073741824, 1, 1]\nlayers:\n  - {op: relu}\n");
  const std::string dilated = write_temp(
      "dilated_2_31.yaml",
      "input: [1, 8, 8]\nlayers:\n  - {op: conv2d, out: 1, kernel: 3, dilation: 2147483647}\n");
  expect_bad_input({"simulate", wide, "--target", "cpu"}, "cpu target's limit of 2147483648");
  expect_bad_input({"simulate", dilated, "--target", "cpu"}, "cpu target's limit of 16777216");
  // A 1 GiB output whose resize tables would take 10 GiB more.
  const std::string upsample = write_temp(
      "upsample_16k.yaml",
      "input: [1, 8, 8]\nlayers:\n  - {op: upsample, size: [16384, 16384], mode: bilinear}\n");
  expect_bad_input({"simulate", upsample, "--target", "cpu"}, "need 11811160320 bytes");
  expect_bad_input({"simulate", "resnet50:res=65536", "--batch", "30000", "--target", "cpu"},
                   "cpu target's limit of 2147483648");
}

TEST(Cli, CeilModePoolRunsOffASmallInputEverywhere) {
  const std::string pool = write_temp(
      "ceil_pool.yaml", "input: [1, 2, 2]\nlayers:\n  - {op: max_pool, kernel: 3, stride: 2, "
                        "ceil_mode: true}\n  - {op: avg_pool, kernel: 3, stride: 2, padding: 1, "
                        "ceil_mode: true, count_include_pad: false}\n");
  const Result r = hwnas({"inspect", pool, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["layers"][1]["output_shape"], nlohmann::json({1, 1, 1, 1}));  // PyTorch: 1x1
  EXPECT_EQ(j["layers"][2]["output_shape"], nlohmann::json({1, 1, 1, 1}));
  for (const char* target : {"cpu", "npu-p16", "edgetpu-like"}) {
    const Result s = hwnas({"simulate", pool, "--target", target, "--json"});
    EXPECT_EQ(s.status, 0) << target << ": " << s.err;
    EXPECT_EQ(nlohmann::json::parse(s.out)["kernels"], 2) << target;
  }
}

}  // namespace
}  // namespace hwnas::graph

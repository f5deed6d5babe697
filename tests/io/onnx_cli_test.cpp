// hwnas export, and ONNX files as the MODEL of other commands (inspect, estimate, simulate).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/io/onnx_import.h"
#include "support/cli_runner.h"

namespace hwnas {
namespace {

using testing::hwnas;
using testing::scratch_dir;

std::string path(const std::string& name) { return (scratch_dir() / name).string(); }

nlohmann::json inspect(const std::string& model) {
  const testing::Result r = hwnas({"inspect", model, "--json"});
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

TEST(OnnxCli, ExportsOnnxJsonYamlThatCommandsReadBack) {
  const std::string onnx = path("m.onnx");
  const testing::Result r = hwnas({"export", "mobilenet_v3_small:res=96", "--out", onnx});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "wrote " + onnx + " (onnx, " +
                       std::to_string(graph::build_zoo_model("mobilenet_v3_small:res=96").size()) + " nodes)\n");
  const nlohmann::json zoo = inspect("mobilenet_v3_small:res=96");
  const nlohmann::json back = inspect(onnx);
  for (const char* key : {"params", "params_folded", "macs", "peak_activation_bytes"}) EXPECT_EQ(back[key], zoo[key]) << key;
  EXPECT_TRUE(io::import_onnx_file(onnx).identical(graph::build_zoo_model("mobilenet_v3_small:res=96")));

  // ONNX -> YAML (by --format) and JSON (by extension): the same network.
  const std::string yaml = path("m.txt"), json = path("m.json");
  ASSERT_EQ(hwnas({"export", onnx, "--format", "yaml", "--out", yaml}).status, 0);
  ASSERT_EQ(hwnas({"export", onnx, "--out", json}).status, 0);
  EXPECT_EQ(graph::load_model(json), io::import_onnx_file(onnx));
  const std::string yaml_copy = path("m.yaml");
  std::filesystem::copy_file(yaml, yaml_copy, std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(graph::load_model(yaml_copy), io::import_onnx_file(onnx));
}

TEST(OnnxCli, SimulateTakesAnOnnxModel) {
  const std::string onnx = path("sim.onnx");
  ASSERT_EQ(hwnas({"export", "mobilenet_v2:res=96", "--out", onnx}).status, 0);
  const testing::Result a = hwnas({"simulate", onnx, "--target", "npu-p16", "--json"});
  const testing::Result b = hwnas({"simulate", "mobilenet_v2:res=96", "--target", "npu-p16", "--json"});
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(nlohmann::json::parse(a.out)["latency_ms"], nlohmann::json::parse(b.out)["latency_ms"]);
}

TEST(OnnxCli, InputShapeSuffixGivesDynamicAxesAShape) {
  const std::string onnx = path("s.onnx");
  ASSERT_EQ(hwnas({"export", "resnet18:res=64", "--out", onnx}).status, 0);
  const nlohmann::json at64 = inspect(onnx);
  const nlohmann::json at32 = inspect(onnx + ":input_shape=3,32,32");
  EXPECT_EQ(at32["macs"], inspect("resnet18:res=32")["macs"]);
  EXPECT_NE(at32["macs"], at64["macs"]);
}

TEST(OnnxCli, BadInputIsOneLineExit2) {
  const std::string onnx = path("b.onnx");
  ASSERT_EQ(hwnas({"export", "mobilenet_v2:res=32", "--out", onnx}).status, 0);
  testing::expect_bad_input({"export", "mobilenet_v2", "--out", path("m.txt2")},
                            "the extension names no format (.onnx, .json, .yaml, .yml); give --format");
  testing::expect_bad_input({"export", "mobilenet_v2", "--format", "pytorch", "--out", path("m.py")},
                            "--format 'pytorch': use onnx, json or yaml");
  testing::expect_bad_input({"export", onnx, "--out", onnx}, "it is model (MODEL)");
  testing::expect_bad_input({"inspect", path("missing.onnx")}, "cannot read the ONNX model (No such file or directory)");
  testing::expect_bad_input({"inspect", testing::write_temp("junk.onnx", "junk\x01\x02")}, "not an ONNX model");
  testing::expect_bad_input({"inspect", onnx + ":input_shape=3,0,2"}, "is not C,H,W");
  testing::expect_bad_input({"simulate", path("missing.onnx"), "--target", "npu-p16"}, "missing.onnx: cannot read the ONNX model");
  EXPECT_FALSE(std::filesystem::exists(path("m.txt2")));
}

}  // namespace
}  // namespace hwnas

// hwnas export (ONNX, JSON, YAML, PyTorch; its refusals), and ONNX files as the MODEL of
// other commands (inspect, estimate, simulate).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/io/onnx_export.h"
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

TEST(OnnxCli, ExportsPyTorchByExtensionOrFormatAndSaysWeightsArePlaceholders) {
  const std::string py = path("pt.py"), txt = path("pt.txt"), onnx = path("w.onnx");
  const testing::Result r = hwnas({"export", "mobilenet_v3_small:res=96", "--out", py});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "wrote " + py + " (pytorch, " +
                       std::to_string(graph::build_zoo_model("mobilenet_v3_small:res=96").size()) + " nodes)\n");
  const std::string text = testing::read_file(py);
  EXPECT_EQ(text.rfind("\"\"\"Network \"mobilenet_v3_small\" as a PyTorch module, written by hwnas ", 0), 0u) << text;
  EXPECT_NE(text.find(" from \"mobilenet_v3_small:res=96\".\n"), std::string::npos);
  ASSERT_EQ(hwnas({"export", "mobilenet_v3_small:res=96", "--format", "pytorch", "--out", txt}).status, 0);
  EXPECT_EQ(testing::read_file(txt), text);
  // ONNX weights are placeholders unless --weights gives trained ones, and the model and the
  // help say so.
  ASSERT_EQ(hwnas({"export", "mobilenet_v3_small:res=96", "--out", onnx}).status, 0);
  EXPECT_NE(testing::read_file(onnx).find(std::string(io::kPlaceholderWeightsDoc)), std::string::npos);
  const testing::Result help = hwnas({"export", "--help"});
  EXPECT_NE(help.out.find("ONNX carries trained weights with --weights, else placeholders (zeros)"),
            std::string::npos)
      << help.out;
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
                            "--out '" + path("m.txt2") +
                                "': the extension names no format (.onnx, .json, .yaml, .yml, .py); give --format or "
                                "one of those");
  testing::expect_bad_input({"export", "mobilenet_v2", "--format", "torch", "--out", path("bad.py")},
                            "--format 'torch': use onnx, json, yaml or pytorch");
  testing::expect_bad_input({"export", "mobilenet_v2", "--format", "json", "--out", path("bad.yaml")},
                            "--format json but --out '" + path("bad.yaml") +
                                "' ends in .yaml (format yaml); name it *.json or leave out --format");
  testing::expect_bad_input({"export", "mobilenet_v2", "--format", "pytorch", "--out", path("bad.onnx")},
                            "ends in .onnx (format onnx); name it *.py or leave out --format");
  testing::expect_bad_input({"export", "mobilenet_v2", "--out", "/dev/null"},
                            "/dev/null: cannot write the exported model (--out) there: it is a character device; give "
                            "the path of a regular file");
  testing::expect_bad_input({"export", onnx, "--out", onnx},
                            "cannot write the exported model (--out) there: it is the input model (MODEL) ('" + onnx + "')");
  testing::expect_bad_input({"inspect", path("pt.py")}, "hwnas does not read Python modules; give the model it was "
                                                        "exported from, or export the module to ONNX with torch.onnx.export");
  // A weights file as MODEL said "unknown zoo model" (s32 leftover).
  testing::expect_bad_input({"inspect", path("w.pt")}, "model '" + path("w.pt") +
                                                         "': a torch file (weights, a checkpoint or a supernet), not a model");
  testing::expect_bad_input({"inspect", path("missing.onnx")}, "cannot read the ONNX model (No such file or directory)");
  testing::expect_bad_input({"inspect", testing::write_temp("junk.onnx", "junk\x01\x02")}, "not an ONNX model");
  testing::expect_bad_input({"inspect", onnx + ":input_shape=3,0,2"}, "is not C,H,W");
  testing::expect_bad_input({"simulate", path("missing.onnx"), "--target", "npu-p16"}, "missing.onnx: cannot read the ONNX model");
  // A directory or a device as MODEL said "unknown zoo model" (fresh-user finding 11).
  const std::string dir = std::filesystem::path(path("m.txt2")).parent_path().string();
  testing::expect_bad_input({"export", dir, "--out", path("dir.yaml")},
                            "model '" + dir + "': '" + dir + "' is a directory, not a model file; give a model file "
                            "(.yaml, .yml, .json, .onnx) or a zoo model name ('hwnas zoo' lists them)");
  testing::expect_bad_input({"export", "/dev/null", "--out", path("dev.yaml")},
                            "model '/dev/null': '/dev/null' is a special file (device, FIFO or socket), not a model file");
  // CLI11's "--out: At Most 1 required but received 2" (fresh-user finding 13).
  testing::expect_bad_input({"export", "mobilenet_v2", "--out", path("a.yaml"), "--out", path("b.yaml")},
                            "--out given 2 times; give it once; run 'hwnas export --help'");
  for (const char* never : {"m.txt2", "bad.py", "bad.yaml", "bad.onnx", "dir.yaml", "dev.yaml", "a.yaml", "b.yaml"})
    EXPECT_FALSE(std::filesystem::exists(path(never))) << never;
}

}  // namespace
}  // namespace hwnas

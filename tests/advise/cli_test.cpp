// hwnas rewrite as a user runs it: listing sites, applying at one and writing the model
// (YAML; ONNX in and out; PyTorch), JSON, and every bad input (one line, exit 2, nothing on
// stdout, no file written).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/space/models.h"
#include "pass_fixture.h"
#include "support/cli_runner.h"

namespace hwnas::advise {
namespace {

using testing::expect_bad_input;
using testing::hwnas;
using testing::Result;
using testing::scratch_dir;

TEST(RewriteCli, ListsTheEligibleSites) {
  const Result r = hwnas({"rewrite", "mobilenet_v2", "--pass", "ibn_to_fused"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  // 17 IBNs of 52 blocks (features.0, features.18 and the classifier are not IBNs).
  EXPECT_EQ(r.out.rfind("ibn_to_fused on mobilenet_v2: 17 of 20 sites eligible (--all lists the others and why)\n", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("  features.2 (ibn): MACs +21374976 ("), std::string::npos) << r.out;
  const Result all = hwnas({"rewrite", "mobilenet_v2", "--pass", "ibn_to_fused", "--all"});
  EXPECT_NE(all.out.find("  features.0 (conv_bn_act): not eligible: block 'features.0' (conv_bn_act): not an IBN\n"),
            std::string::npos)
      << all.out;
}

TEST(RewriteCli, AppliesAtOneSiteAndWritesTheModel) {
  const std::string out = (scratch_dir() / "fused.yaml").string();
  std::filesystem::remove(out);
  const Result r = hwnas({"rewrite", "mobilenet_v2", "--pass", "ibn_to_fused", "--site", "features.2", "--out", out});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("ibn_to_fused at features.2 (ibn): ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("  - features.2.dw.conv\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wrote " + out), std::string::npos);
  const graph::Graph g = graph::load_model_file(out);
  EXPECT_EQ(graph::analyze(g, graph::Precision::fp32).total.macs, 300'774'272 + 21'374'976);

  const Result j = hwnas({"rewrite", "mobilenet_v2", "--pass", "align_channels", "--site", "features.1", "--param",
                          "p=32", "--json"});
  ASSERT_EQ(j.status, 0) << j.err;
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["rule"], "align_channels");
  EXPECT_EQ(doc["site"], "features.1");
  EXPECT_EQ(doc["eligible"], true);
  // features.1 reads 32 channels: with 32 out and stride 1 its spec's residual comes into play.
  EXPECT_EQ(doc["what"], "to multiples of 32 (up): out 16 -> 32; readers rebuilt: features.2; residual add now "
                         "active: features.1.add");
  EXPECT_EQ(doc["added"], nlohmann::json::parse(R"(["features.1.add"])"));
}

TEST(RewriteCli, LayerSitesOfAModelWithoutBlocks) {
  // MobileNetV3 small saved without its blocks, as an ONNX import where none was recognised.
  const std::string model = (scratch_dir() / "bare_v3.yaml").string();
  graph::save_model_file(test::strip_blocks(space::build_zoo_model("mobilenet_v3_small")), model);
  const Result list = hwnas({"rewrite", model, "--pass", "swap_activation"});
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("  features.0.act (layer): MACs +0 (+0.0%), params +0 (+0.0%): hardswish activation into "
                          "relu6\n"),
            std::string::npos)
      << list.out;
  const std::string out = (scratch_dir() / "bare_v3_relu6.yaml").string();
  std::filesystem::remove(out);
  const Result r = hwnas({"rewrite", model, "--pass", "swap_activation", "--site", "features.0.act", "--out", out});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("swap_activation at features.0.act (layer): hardswish activation into relu6\n", 0), 0u) << r.out;
  const graph::Graph g = graph::load_model_file(out);
  EXPECT_EQ(std::get<graph::Activation>(g.op(g.find("features.0.act"))).kind, graph::ActKind::relu6);
  expect_bad_input({"rewrite", model, "--pass", "swap_activation", "--site", "features.0.conv"},
                   "--site features.0.conv: not eligible for swap_activation: node 'features.0.conv' (conv2d): not an "
                   "activation");
  expect_bad_input({"rewrite", model, "--pass", "ibn_to_fused", "--site", "features.0.act"},
                   "--site 'features.0.act': a node, but pass 'ibn_to_fused' applies to blocks only");
}

TEST(RewriteCli, ReadsAndWritesOnnxAndWritesPyTorch) {
  const std::string in = (scratch_dir() / "in.onnx").string(), out = (scratch_dir() / "fused.onnx").string();
  ASSERT_EQ(hwnas({"export", "mobilenet_v2:res=64", "--out", in}).status, 0);
  const Result r = hwnas({"rewrite", in, "--pass", "ibn_to_fused", "--site", "features.2", "--out", out});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("wrote " + out), std::string::npos) << r.out;
  const auto macs = [](const std::string& model) {
    const Result i = hwnas({"inspect", model, "--json"});
    EXPECT_EQ(i.status, 0) << i.err;
    return nlohmann::json::parse(i.out)["macs"].get<std::int64_t>();
  };
  // The rewritten ONNX file reads back as the same rewrite of the zoo model.
  const std::string yaml = (scratch_dir() / "fused64.yaml").string();
  ASSERT_EQ(hwnas({"rewrite", "mobilenet_v2:res=64", "--pass", "ibn_to_fused", "--site", "features.2", "--out", yaml}).status, 0);
  EXPECT_EQ(macs(out), macs(yaml));
  EXPECT_GT(macs(out), macs(in));
  const std::string py = (scratch_dir() / "fused.py").string();
  std::filesystem::remove(py);
  ASSERT_EQ(hwnas({"rewrite", in, "--pass", "ibn_to_fused", "--site", "features.2", "--out", py}).status, 0);
  EXPECT_NE(testing::read_file(py).find("class Model(nn.Module):"), std::string::npos);
  expect_bad_input({"rewrite", in, "--pass", "ibn_to_fused", "--site", "features.2", "--out", in},
                   "cannot write the rewritten model (--out) there: it is the input model (MODEL)");
}

TEST(RewriteCli, BadInputIsOneLineAndWritesNothing) {
  const std::string out = (scratch_dir() / "never.yaml").string();
  std::filesystem::remove(out);
  expect_bad_input({"rewrite", "mobilenet_v2", "--pass", "fuse"}, "--pass 'fuse': no such pass; choose one of ibn_to_fused, ");
  expect_bad_input({"rewrite", "mobilenet_v2", "--pass", "ibn_to_fused", "--site", "features.99", "--out", out},
                   "--site 'features.99': model 'mobilenet_v2' has no block of that name");
  expect_bad_input({"rewrite", "mobilenet_v2", "--pass", "ibn_to_fused", "--site", "features.0", "--out", out},
                   "--site features.0: not eligible for ibn_to_fused: block 'features.0' (conv_bn_act): not an IBN");
  expect_bad_input({"rewrite", "mobilenet_v2", "--pass", "align_channels", "--param", "q=3"},
                   "--param q: pass 'align_channels' has no parameter 'q'; its parameters are p, direction");
  expect_bad_input({"rewrite", "mobilenet_v2", "--pass", "align_channels", "--param", "p=0"},
                   "--param p=0: use an integer from 1 to 4096");
  expect_bad_input({"rewrite", "mobilenet_v2", "--pass", "align_channels", "--param", "p"}, "--param 'p': write KEY=VALUE");
  expect_bad_input({"rewrite", "mobilenet_v3_small", "--pass", "swap_activation", "--param", "to=gelu"},
                   "--param to=gelu: not an activation");
  // One message, naming the real range, for every resolution that is not valid (fresh-user finding 10).
  expect_bad_input({"rewrite", "mobilenet_v2", "--pass", "scale_resolution"},
                   "pass 'scale_resolution' needs --param resolution=N: use an integer from 1 to 65536 (the new "
                   "input height, pixels)");
  expect_bad_input({"rewrite", "mobilenet_v2", "--pass", "scale_resolution", "--param", "resolution=-8"},
                   "--param resolution=-8: use an integer from 1 to 65536 (the new input height, pixels)");
  expect_bad_input({"rewrite", "mobilenet_v2", "--pass", "align_channels", "--param", "p=8", "--param", "p=16"},
                   "--param p: given twice (as p=8 and p=16); give it once");
  expect_bad_input({"rewrite", "mobilenet_v2", "--pass", "ibn_to_fused", "--out", out}, "--out needs --site");
  // The wording of a wrong --out extension belongs to the CLI's model-format handling.
  expect_bad_input({"rewrite", "mobilenet_v2", "--pass", "ibn_to_fused", "--site", "features.2", "--out", out + ".txt"},
                   "--out '" + out + ".txt': the extension names no format; end the name in .yaml, .yml, .json, .onnx or .py");
  expect_bad_input({"rewrite", "mobilenet_v2", "--pass", "ibn_to_fused", "--site", "features.2", "--out", "/dev/null"},
                   "/dev/null: cannot write the rewritten model (--out) there: it is a character device; give the path of a "
                   "regular file");
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace hwnas::advise

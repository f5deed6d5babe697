// torchvision's networks exported by Debian's PyTorch 1.13 (torch.onnx.export, opsets 11
// to 17, at test time) import with the zoo's MACs and params. The exporter folds each
// BatchNormalization into its Conv (a conv with a bias); the importer unfolds it again
// (OnnxImportOptions::unfold_batch_norm), and without unfolding params equal the zoo's
// params_folded (analysis.h). Decomposed into a target's kernels, the imports run the
// zoo's kernels where the BN epsilon is PyTorch's default (a folded file cannot say it:
// MobileNetV3 and EfficientNet use 1e-3).
#include <gtest/gtest.h>

#include "hwnas/estimate/decompose.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/io/onnx_import.h"
#include "io/block_checks.h"
#include "support/python_json.h"
#include "support/resources.h"
#include "support/scratch_dir.h"

namespace hwnas {
namespace {

constexpr int kResolution = 64;  // small for a quick test; the zoo builds the same resolution

TEST(OnnxTorchvision, ImportsWithTheZoosMacsAndParams) {
  const testing::ScratchDir dir("hwnas_onnx_torchvision");
  const testing::PythonJson out = testing::run_python_json(
      "tests/io/export_torchvision.py", "python3-torchvision", {}, {dir.path().string(), std::to_string(kResolution)});
  if (!out.skip.empty()) HWNAS_MISSING_RESOURCE(out.skip);
  ASSERT_TRUE(out.failure.empty()) << out.failure;
  ASSERT_EQ(out.doc["models"].size(), 7u);
  for (const auto& m : out.doc["models"]) {
    const std::string name = m["name"];
    SCOPED_TRACE(name + " opset " + std::to_string(m["opset"].get<int>()));
    const graph::Graph imported = io::import_onnx_file(m["file"]);
    const graph::Graph zoo = graph::build_zoo_model(name + ":res=" + std::to_string(kResolution));
    const graph::Analysis a = graph::analyze(imported, graph::Precision::fp32, 1, graph::MinOrder::skip);
    const graph::Analysis z = graph::analyze(zoo, graph::Precision::fp32, 1, graph::MinOrder::skip);
    EXPECT_EQ(a.total.macs, z.total.macs);
    EXPECT_EQ(a.total.params, z.total.params);
    EXPECT_EQ(a.total.params_folded, z.total.params_folded);
    io::OnnxImportOptions folded;
    folded.unfold_batch_norm = false;
    const graph::Graph as_file = io::import_onnx_file(m["file"], folded);
    const graph::Analysis f = graph::analyze(as_file, graph::Precision::fp32, 1, graph::MinOrder::skip);
    EXPECT_EQ(f.total.params, z.total.params_folded);
    EXPECT_EQ(f.total.macs, z.total.macs);
    // Blocks recognised: the zoo's kinds (names follow torchvision's modules: features.1.conv
    // where the zoo says features.1); the zoo's specs where the BN epsilon is
    // PyTorch's default, but for the head's dropout (not in an eval-mode export).
    const bool default_epsilon = name != "mobilenet_v3_small" && name != "mobilenet_v3_large" && name != "efficientnet_b0";
    ASSERT_EQ(imported.num_blocks(), zoo.num_blocks());
    for (graph::BlockId b = 0; b < zoo.num_blocks(); ++b) {
      EXPECT_EQ(imported.block(b).kind, zoo.block(b).kind) << zoo.block_name(b);
      if (default_epsilon && zoo.block(b).kind != graph::BlockKind::head) {
        EXPECT_TRUE(testing::same_spec(imported, b, zoo.block(b).spec)) << zoo.block_name(b);
      }
    }
    if (default_epsilon) {
      const hw::FusionRules rules{{hw::FusionPattern::conv_bn_act, hw::FusionPattern::conv_add,
                                   hw::FusionPattern::act_pool, hw::FusionPattern::se_gate}};
      const auto ki = estimate::decompose(imported, rules, graph::Precision::int8);
      const auto kz = estimate::decompose(zoo, rules, graph::Precision::int8);
      ASSERT_EQ(ki.size(), kz.size());
      for (std::size_t k = 0; k < ki.size(); ++k)
        EXPECT_EQ(hw::kernel_key(ki[k].kernel), hw::kernel_key(kz[k].kernel)) << "kernel " << k;
    }
    EXPECT_EQ(imported.shape(imported.output_nodes().at(0)), zoo.shape(zoo.output_nodes().at(0)));
    EXPECT_EQ(imported.input_nodes().size(), 1u);
  }
}

}  // namespace
}  // namespace hwnas

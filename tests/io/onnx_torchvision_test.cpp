// torchvision's networks exported by Debian's PyTorch 1.13 (torch.onnx.export, opsets 11
// to 17, at test time) import with the zoo's MACs and params. The exporter folds each
// BatchNormalization into its Conv (a conv with a bias), so the import's params equal the
// zoo's params_folded (analysis.h), and it has no BN left.
#include <gtest/gtest.h>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/io/onnx_import.h"
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
    EXPECT_EQ(a.total.params, z.total.params_folded);
    EXPECT_EQ(a.total.params_folded, z.total.params_folded);
    EXPECT_EQ(imported.shape(imported.output_nodes().at(0)), zoo.shape(zoo.output_nodes().at(0)));
    EXPECT_EQ(imported.input_nodes().size(), 1u);
  }
}

}  // namespace
}  // namespace hwnas

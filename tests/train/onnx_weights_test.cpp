// hwnas export --weights: a trained network's tensors become its ONNX initialisers, each
// under the name the exporter gives it, byte for byte; weights of another model are refused
// (train/onnx_weights.h, io/onnx_export.h); and the CLI's refusals (one line, exit 2,
// nothing written).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "cli_support.h"
#include "hwnas/base/error.h"
#include "hwnas/io/onnx_export.h"
#include "hwnas/space/models.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/network.h"
#include "hwnas/train/onnx_weights.h"
#include "support/cli_runner.h"

namespace hwnas::train {
namespace {

using hwnas::testing::scratch_dir;

constexpr const char* kModel = "mobilenet_v2:width=0.25,in_ch=1,classes=10,res=32";

// Weights of kModel with batch-norm statistics moved off their 0 / 1 start (one forward in
// training mode), written to a scratch file.
std::string trained_like(const std::string& name, std::uint64_t seed, const std::string& spec = kModel) {
  const graph::Graph g = space::build_zoo_model(spec);
  Network net(g, seed);
  net->train();
  {
    const torch::NoGradGuard no_grad;
    torch::manual_seed(static_cast<std::uint64_t>(seed));
    net->forward(torch::randn({4, 1, 32, 32}));
  }
  const std::string path = (scratch_dir() / name).string();
  write_weights(path, WeightsFile{{g.name(), graph_hash_text(g), "classification", 32}, net->named_state()});
  return path;
}

TEST(OnnxWeights, EveryTrainedTensorIsItsInitialiserByteForByte) {
  const std::string path = trained_like("onnx-w.pt", 7);
  const graph::Graph model = space::build_zoo_model(kModel);
  const ExportedWeights e = exported_weights(model, path);
  const onnx::ModelProto m = io::export_onnx(e.graph, kModel, &e.weights);
  EXPECT_NE(m.doc_string().find("Trained weights from " + path + "."), std::string::npos) << m.doc_string();

  std::map<std::string, const onnx::TensorProto*> inits;
  for (const onnx::TensorProto& t : m.graph().initializer()) inits[t.name()] = &t;
  const WeightsFile w = read_weights(path);
  std::size_t compared = 0, statistics = 0;
  for (const auto& [name, tensor] : w.tensors) {
    if (name.ends_with(".num_batches_tracked")) continue;
    const auto it = inits.find(name);
    ASSERT_NE(it, inits.end()) << name << " has no initialiser of that name";
    const torch::Tensor t = tensor.to(torch::kFloat32).contiguous();
    ASSERT_EQ(it->second->raw_data().size(), static_cast<std::size_t>(t.numel()) * sizeof(float)) << name;
    EXPECT_EQ(std::memcmp(it->second->raw_data().data(), t.data_ptr<float>(), it->second->raw_data().size()), 0)
        << name;
    std::int64_t n = 1;
    for (const std::int64_t d : it->second->dims()) n *= d;
    EXPECT_EQ(n, t.numel()) << name;
    ++compared;
    if (name.ends_with(".running_var")) statistics += t.ne(1).any().item<bool>() ? 1 : 0;
  }
  EXPECT_EQ(compared, e.weights.values.size());
  EXPECT_GT(statistics, 10u);  // the statistics exported are the trained ones, not the placeholders' 1

  // Without weights: the placeholders, and the doc string says so.
  const onnx::ModelProto placeholder = io::export_onnx(e.graph, kModel);
  EXPECT_NE(placeholder.doc_string().find(std::string(io::kPlaceholderWeightsDoc)), std::string::npos);
}

TEST(OnnxWeights, WeightsOfAnotherModelAreRefused) {
  const std::string wide = trained_like("onnx-wide.pt", 1, "mobilenet_v2:width=0.5,in_ch=1,classes=10,res=32");
  try {
    exported_weights(space::build_zoo_model(kModel), wide);
    FAIL() << "weights of another width were exported";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("these weights are for another model"), std::string::npos) << e.what();
  }
  // Values of another count for an initialiser: named with the file.
  const ExportedWeights good = exported_weights(space::build_zoo_model(kModel), trained_like("onnx-good.pt", 2));
  const std::string first = good.weights.values.begin()->first;
  io::OnnxWeights bad{{{first, std::vector<float>(3, 0.5F)}}, "bad.pt"};
  try {
    io::export_onnx(good.graph, "", &bad);
    FAIL() << "3 values were exported as " << first;
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.pt: tensor '" + first + "' has 3 values"), std::string::npos)
        << e.what();
  }
}

TEST(OnnxWeights, TheCliWritesTheOnnxAndRefusesBadInputInOneLine) {
  using hwnas::testing::hwnas;
  const std::string path = trained_like("onnx-cli.pt", 3);
  const std::string out = (scratch_dir() / "onnx-cli.onnx").string();
  std::filesystem::remove(out);
  const auto r = hwnas({"export", kModel, "--weights", path, "--out", out});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("trained tensors from " + path), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(out));
  onnx::ModelProto m;
  std::ifstream in(out, std::ios::binary);
  ASSERT_TRUE(m.ParseFromIstream(&in));
  EXPECT_NE(m.doc_string().find("Trained weights from"), std::string::npos);

  const std::string never = (scratch_dir() / "never.onnx").string();
  const std::string yaml = (scratch_dir() / "never.yaml").string();
  std::filesystem::remove(never);
  std::filesystem::remove(yaml);
  const std::string wide = trained_like("onnx-cli-wide.pt", 1, "mobilenet_v2:width=0.5,in_ch=1,classes=10,res=32");
  for (const auto& [args, message, written] :
       std::vector<std::tuple<std::vector<std::string>, std::string, std::string>>{
           {{"export", kModel, "--weights", wide, "--out", never}, "these weights are for another model", never},
           {{"export", kModel, "--weights", path + ".absent", "--out", never}, ".absent", never},
           {{"export", kModel, "--weights", path, "--out", yaml}, "--weights: only ONNX carries weights, not yaml",
            yaml},
           {{"export", kModel, "--weights", path, "--format", "onnx", "--out", path}, "it is the weights (--weights)",
            ""}}) {
    const auto bad = hwnas(args);
    EXPECT_EQ(bad.status, 2) << bad.err;
    EXPECT_NE(bad.err.find(message), std::string::npos) << bad.err;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
    if (!written.empty()) EXPECT_FALSE(std::filesystem::exists(written)) << written;
  }
}

}  // namespace
}  // namespace hwnas::train

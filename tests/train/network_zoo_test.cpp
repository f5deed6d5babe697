// Every network hwnas builds runs in torch: the zoo's models and random members of the
// search spaces (nb201, fbnet, mobilenet-cls/det/seg, the last three at small input
// resolutions) and the example model files. Their
// torch parameters count as the graph analysis counts them (graph/analysis.h), every node's
// output has the shape inference's shape (forward checks it), and a training step's
// backward runs through the in-place activations.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include "hwnas/graph/analysis.h"
#include "hwnas/space/models.h"
#include "hwnas/space/registry.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/network.h"
#include "support/scratch_dir.h"

namespace hwnas::train {
namespace {

using graph::Graph;

/// Checks parameter counts and output shapes of `g` at batch 2 in eval mode.
void check_network(const Graph& g, const std::string& what) {
  SCOPED_TRACE(what);
  Network net(g, 7);
  std::int64_t params = 0;
  for (const torch::Tensor& p : net->parameters()) params += p.numel();
  EXPECT_EQ(params, graph::analyze(g, graph::Precision::fp32, 1, graph::MinOrder::skip).total.params);

  net->eval();
  const torch::NoGradGuard no_grad;
  const graph::Shape in = g.shape(g.input_nodes().front());
  const std::vector<torch::Tensor> outputs = net->forward(torch::randn({2, in.c, in.h, in.w}));
  const std::vector<graph::NodeId> nodes = g.output_nodes();
  ASSERT_EQ(outputs.size(), nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const graph::Shape s = g.shape(nodes[i]);
    const torch::Tensor& y = outputs[i];
    if (y.dim() == 2) {  // flat: [N, C] of a [C,1,1] shape
      EXPECT_EQ(y.sizes(), (std::vector<std::int64_t>{2, s.c})) << g.node_name(nodes[i]);
      EXPECT_TRUE(s.h == 1 && s.w == 1) << g.node_name(nodes[i]);
    } else {
      EXPECT_EQ(y.sizes(), (std::vector<std::int64_t>{2, s.c, s.h, s.w})) << g.node_name(nodes[i]);
    }
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>()) << g.node_name(nodes[i]);
  }
}

TEST(NetworkZoo, EveryZooModel) {
  for (const char* spec :
       {"mobilenet_v2:res=64", "mobilenet_v3_large:res=64", "mobilenet_v3_small:res=64", "mnasnet1_0:res=64",
        "efficientnet_b0:res=64", "resnet18:res=64", "resnet50:res=64", "ssdlite_mobilenet_v2:res=96,classes=4",
        "lraspp_mobilenet_v3_large:res=64", "lraspp_mobilenet_v2:res=64,classes=3",
        "mobilenet_v2:width=0.5,in_ch=1,classes=10,res=32"})
    check_network(space::build_zoo_model(spec), spec);
  EXPECT_EQ(space::zoo_models().size(), 12u) << "a new zoo model: add it above";
}

TEST(NetworkZoo, ExampleModelFiles) {
  for (const char* file : {"examples/models/tiny.yaml", "examples/models/tiny_residual.json"}) {
    const std::string path = std::string(HWNAS_SOURCE_DIR) + "/" + file;
    check_network(space::load_model(path), path);
  }
}

/// `count` random members of `space`.
void check_space(const space::Space& space, int count) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < count; ++i) {
    const space::Genome genome = space::sample(space, rng);
    check_network(space.decode(genome), space.name() + " " + space.arch(genome));
  }
}

/// The built-in YAML space `name` (configs/spaces) with its input resolutions replaced by
/// `resolutions` and its baseline's by `baseline`, so that its members run quickly; every
/// other gene is the file's.
std::unique_ptr<space::Space> small_input_space(const std::string& name, const std::string& resolutions,
                                                const std::string& baseline, const testing::ScratchDir& dir) {
  std::ifstream in(std::string(HWNAS_SOURCE_DIR) + "/configs/spaces/" + name + ".yaml");
  std::string text{std::istreambuf_iterator<char>(in), {}};
  const auto replace = [&](const std::string& from, const std::string& to) {
    const std::size_t at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error(name + ".yaml has no '" + from + "'");
    text.replace(at, from.size(), to);
  };
  replace("  resolution: [", "  resolution: " + resolutions + " # [");
  replace("baseline:\n  resolution: ", "baseline:\n  resolution: " + baseline + " # ");
  const std::string path = (dir.path() / (name + ".yaml")).string();
  std::ofstream(path) << text;
  return space::make_space(path, {});
}

TEST(NetworkZoo, RandomMembersOfEverySpace) {
  check_space(*space::make_space("nb201", {}), 6);
  check_space(*space::make_space("fbnet", {}), 3);
  const testing::ScratchDir dir("hwnas_network_spaces");
  check_space(*small_input_space("mobilenet-cls", "[32, 64]", "64", dir), 4);
  check_space(*small_input_space("mobilenet-det", "[96, 128]", "96", dir), 3);
  check_space(*small_input_space("mobilenet-seg", "[64, 96]", "64", dir), 3);
}

// A training step: in-place activations (relu6, hardswish, silu after batch norm) leave
// autograd what it needs, and every parameter on a path to the loss gets a gradient.
TEST(NetworkZoo, TrainingStepsBackpropagate) {
  for (const char* spec : {"mobilenet_v2:res=32,classes=10", "mobilenet_v3_small:res=32,classes=10",
                           "efficientnet_b0:res=32,classes=10", "lraspp_mobilenet_v3_large:res=32,classes=3",
                           "fbnet:blocks=k3_e1_g2-k3_e6-skip-k5_e1_g2-k3_e1-k5_e1-k5_e6-k5_e1_g2-k5_e1_g2-k3_e3-"
                           "k3_e1-k3_e3-k5_e1-k5_e1_g2-k3_e1_g2-k3_e6-k5_e6-k3_e3-k5_e3-k3_e1-k5_e1-k3_e1"}) {
    SCOPED_TRACE(spec);
    Network net(space::build_zoo_model(spec), 3);
    net->train();
    const graph::Shape in = net->graph().shape(net->graph().input_nodes().front());
    const torch::Tensor loss = net->forward(torch::randn({2, in.c, in.h, in.w}))[0].square().mean();
    loss.backward();
    for (const auto& [name, p] : net->graph_parameters()) {
      ASSERT_TRUE(p.grad().defined()) << name;
      EXPECT_TRUE(torch::isfinite(p.grad()).all().item<bool>()) << name;
    }
  }
}

}  // namespace
}  // namespace hwnas::train

namespace hwnas::train {
namespace {

// --res of a segmenter (a fresh-user finding: LR-ASPP refused every --res but its own): an
// upsample to a fixed size follows the map it was sized to, so the model at a new
// resolution is the one the zoo builds there, and it runs.
TEST(AtResolution, FixedSizeUpsamplesFollowTheMapsTheyWereSizedTo) {
  const Graph at96 = space::load_model("lraspp_mobilenet_v2:width=0.25,classes=11,res=96");
  const Graph at32 = at_resolution(at96, 32);
  const Graph built32 = space::load_model("lraspp_mobilenet_v2:width=0.25,classes=11,res=32");
  EXPECT_EQ(at32.shape(at32.output_nodes().front()), (graph::Shape{11, 32, 32}));
  EXPECT_EQ(at32.hash(), built32.hash());
  check_network(at32, "lraspp_mobilenet_v2 at 32 from 96");
}

}  // namespace
}  // namespace hwnas::train

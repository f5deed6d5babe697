// Decomposition into kernels by fusion rules.
#include <gtest/gtest.h>

#include "hwnas/estimate/decompose.h"
#include "hwnas/graph/zoo/zoo.h"

namespace hwnas::estimate {
namespace {

using hw::FusionPattern;

std::vector<std::string> ops_of(const graph::Graph& g, const KernelInstance& k) {
  std::vector<std::string> ops;
  for (graph::NodeId id : k.nodes) ops.emplace_back(graph::op_name(g.op(id)));
  return ops;
}

const KernelInstance& kernel_of(const std::vector<KernelInstance>& ks, const graph::Graph& g,
                                std::string_view main) {
  for (const auto& k : ks)
    if (g.node_name(k.nodes[0]) == main) return k;
  ADD_FAILURE() << "no kernel starts at " << main;
  return ks.front();
}

TEST(Decompose, WithoutRulesEveryComputingNodeIsAKernel) {
  const graph::Graph g = graph::build_zoo_model("mobilenet_v2");
  const auto ks = decompose(g, {}, graph::Precision::int8);
  std::size_t computing = 0;
  for (graph::NodeId id = 0; id < g.size(); ++id) computing += !runs_no_kernel(g.op(id));
  EXPECT_EQ(ks.size(), computing);
  for (const auto& k : ks) EXPECT_EQ(k.nodes.size(), 1u);
}

TEST(Decompose, ConvBnActAndResidualAdd) {
  const graph::Graph g = graph::build_zoo_model("mobilenet_v2");
  const auto ks = decompose(g, {{FusionPattern::conv_bn_act, FusionPattern::conv_add}}, graph::Precision::int8);
  // 52 convolutions, the classifier's global pool and linear.
  EXPECT_EQ(ks.size(), 54u);
  EXPECT_EQ(ops_of(g, kernel_of(ks, g, "features.2.expand.conv")),
            (std::vector<std::string>{"conv2d", "batch_norm", "relu6"}));
  EXPECT_EQ(ops_of(g, kernel_of(ks, g, "features.3.project.conv")),
            (std::vector<std::string>{"conv2d", "batch_norm", "add"}));
  const auto& k = kernel_of(ks, g, "features.3.project.conv").kernel;
  EXPECT_EQ(k.ops.back().inputs.size(), 2u);
  EXPECT_EQ(k.precision, graph::Precision::int8);
}

TEST(Decompose, SqueezeExciteGate) {
  const graph::Graph g = graph::build_zoo_model("mobilenet_v3_large");
  const auto with = decompose(g, {{FusionPattern::conv_bn_act, FusionPattern::se_gate}}, graph::Precision::int8);
  EXPECT_EQ(ops_of(g, kernel_of(with, g, "features.4.se.pool")),
            (std::vector<std::string>{"global_avg_pool", "conv2d", "relu", "conv2d", "hardsigmoid", "mul"}));
  const auto without = decompose(g, {{FusionPattern::conv_bn_act}}, graph::Precision::int8);
  EXPECT_EQ(ops_of(g, kernel_of(without, g, "features.4.se.pool")), std::vector<std::string>{"global_avg_pool"});
  EXPECT_EQ(ops_of(g, kernel_of(without, g, "features.4.se.fc1")), (std::vector<std::string>{"conv2d", "relu"}));
  EXPECT_LT(with.size(), without.size());
}

TEST(Decompose, ActPoolAfterTheStem) {
  const graph::Graph g = graph::build_zoo_model("resnet18");
  const auto ks = decompose(g, {{FusionPattern::conv_bn_act, FusionPattern::act_pool}}, graph::Precision::fp16);
  EXPECT_EQ(ops_of(g, kernel_of(ks, g, "conv1.conv")),
            (std::vector<std::string>{"conv2d", "batch_norm", "relu", "max_pool"}));
}

TEST(Decompose, AddNotFusedWhenTheOtherAddendComesLater) {
  // ResNet's downsample branch is built after the main branch: the main branch's last conv
  // cannot absorb the add, the downsample conv can.
  const graph::Graph g = graph::build_zoo_model("resnet18");
  const auto ks = decompose(g, {{FusionPattern::conv_bn_act, FusionPattern::conv_add}}, graph::Precision::int8);
  EXPECT_EQ(ops_of(g, kernel_of(ks, g, "layer2.0.2.conv")), (std::vector<std::string>{"conv2d", "batch_norm"}));
  EXPECT_EQ(ops_of(g, kernel_of(ks, g, "layer2.0.downsample.conv")),
            (std::vector<std::string>{"conv2d", "batch_norm", "add", "relu"}));
}

TEST(Decompose, EveryComputingNodeInExactlyOneKernel) {
  for (const char* model : {"efficientnet_b0", "ssdlite_mobilenet_v2", "lraspp_mobilenet_v3_large"}) {
    const graph::Graph g = graph::build_zoo_model(model);
    const hw::FusionRules all{{FusionPattern::conv_bn_act, FusionPattern::conv_add, FusionPattern::act_pool,
                               FusionPattern::se_gate}};
    std::vector<int> seen(static_cast<std::size_t>(g.size()), 0);
    for (const auto& k : decompose(g, all, graph::Precision::int8))
      for (graph::NodeId id : k.nodes) ++seen[id];
    for (graph::NodeId id = 0; id < g.size(); ++id)
      EXPECT_EQ(seen[id], runs_no_kernel(g.op(id)) ? 0 : 1) << model << " " << g.node_name(id);
  }
}

}  // namespace
}  // namespace hwnas::estimate

namespace hwnas::estimate {
namespace {

TEST(Decompose, GroupHashEqualsKernelHash) {
  const hw::FusionRules all{{FusionPattern::conv_bn_act, FusionPattern::conv_add, FusionPattern::act_pool,
                             FusionPattern::se_gate}};
  for (const char* model : {"mobilenet_v3_large", "resnet50", "lraspp_mobilenet_v2"}) {
    const graph::Graph g = graph::build_zoo_model(model);
    const KernelGroups groups = group_kernels(g, all);
    const auto kernels = decompose(g, all, graph::Precision::fp16, 2);
    ASSERT_EQ(groups.size(), kernels.size());
    for (std::size_t i = 0; i < kernels.size(); ++i)
      EXPECT_EQ(hw::kernel_hash(g, groups.group(i), graph::Precision::fp16, 2), hw::kernel_hash(kernels[i].kernel))
          << model << " kernel " << i;
    EXPECT_NE(hw::kernel_hash(kernels[0].kernel), hw::kernel_hash(kernels[1].kernel));
  }
}

}  // namespace
}  // namespace hwnas::estimate

// Every kernel a network can form has sampled counterparts, so no fitted estimator lacks a
// model for a kernel of a real network: under each set of fusion rules, the kernel sampler
// forms exactly the types features.h's kernel_types() lists, and every main op (conv2d,
// relu6, max_pool, upsample, concat, ...) that a zoo model, an example model file or the
// validation networks decompose into, per type.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "hwnas/space/models.h"
#include "hwnas/estimate/decompose.h"
#include "hwnas/estimate/features.h"
#include "hwnas/estimate/kernel_sampler.h"
#include "hwnas/graph/zoo/zoo.h"

namespace hwnas::estimate {
namespace {

using hw::FusionPattern;

std::vector<hw::FusionRules> rule_sets() {
  return {hw::FusionRules{},
          hw::FusionRules{{FusionPattern::conv_bn_act}},
          hw::FusionRules{{FusionPattern::conv_bn_act, FusionPattern::conv_add, FusionPattern::act_pool,
                           FusionPattern::se_gate}}};
}

// "type/main op" of a kernel, e.g. "elementwise/hardswish", "pool/max_pool".
std::string kind(const hw::Kernel& k) { return kernel_type(k) + "/" + std::string(graph::op_name(k.main().op)); }

std::set<std::string> kinds_of(const graph::Graph& g, const hw::FusionRules& rules) {
  std::set<std::string> out;
  for (const KernelInstance& k : decompose(g, rules, graph::Precision::int8)) out.insert(kind(k.kernel));
  return out;
}

// What the sampler forms in a fit's worth of draws.
std::set<std::string> sampled_kinds(const hw::FusionRules& rules) {
  KernelSampler sampler(rules, graph::Precision::int8, 11);
  std::set<std::string> out;
  for (const hw::Kernel& k : sampler.next_batch(3000)) out.insert(kind(k));
  return out;
}

std::vector<graph::Graph> real_networks() {
  std::vector<graph::Graph> out;
  for (const graph::ZooModel& m : graph::zoo_models()) out.push_back(graph::build_zoo_model(m.name));
  // The search spaces' networks (space/models.h), which need an architecture.
  out.push_back(space::build_zoo_model("nb201:arch=|none~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|"
                                       "nor_conv_3x3~1|none~2|"));
  out.push_back(space::build_zoo_model("fbnet:blocks=k3_e1-k3_e1_g2-k3_e3-k3_e6-k5_e1-k5_e1_g2-k5_e3-k5_e6-skip-"
                                       "k3_e1-k3_e1_g2-k3_e3-k3_e6-k5_e1-k5_e1_g2-k5_e3-k5_e6-skip-k3_e1-k3_e1_g2-"
                                       "k3_e3-k3_e6"));
  for (const auto& f : std::filesystem::directory_iterator(std::filesystem::path(HWNAS_SOURCE_DIR) / "examples/models"))
    if (f.is_regular_file()) out.push_back(space::load_model(f.path().string()));
  return out;
}

TEST(KernelCoverage, SamplerFormsEveryKernelTypeOfTheRules) {
  for (const hw::FusionRules& rules : rule_sets()) {
    std::set<std::string> types;
    for (const std::string& k : sampled_kinds(rules)) types.insert(k.substr(0, k.find('/')));
    const std::vector<std::string> expected = kernel_types(rules);
    EXPECT_EQ(types, std::set<std::string>(expected.begin(), expected.end())) << rules.patterns.size() << " patterns";
  }
}

TEST(KernelCoverage, EveryKernelOfRealNetworksIsSampled) {
  const std::vector<graph::Graph> networks = real_networks();
  ASSERT_GE(networks.size(), 14u);  // 10 zoo models without options, NB201, FBNet, examples
  for (const hw::FusionRules& rules : rule_sets()) {
    const std::set<std::string> sampled = sampled_kinds(rules);
    for (const graph::Graph& g : networks)
      for (const std::string& k : kinds_of(g, rules))
        EXPECT_TRUE(sampled.contains(k)) << g.name() << " forms " << k << " kernels the sampler never forms ("
                                         << rules.patterns.size() << " fusion patterns)";
  }
}

// validate's networks hold those kernels too: a validation that never meets an upsample
// cannot tell that an estimator lacks one.
TEST(KernelCoverage, ValidationNetworksHoldEveryKernelType) {
  for (const hw::FusionRules& rules : rule_sets()) {
    KernelSampler sampler(rules, graph::Precision::int8, 7);
    std::set<std::string> types;
    for (int i = 0; i < 100; ++i)
      for (const std::string& k : kinds_of(sampler.random_validation_network(), rules))
        types.insert(k.substr(0, k.find('/')));
    const std::vector<std::string> expected = kernel_types(rules);
    EXPECT_EQ(types, std::set<std::string>(expected.begin(), expected.end())) << rules.patterns.size() << " patterns";
  }
}

}  // namespace
}  // namespace hwnas::estimate

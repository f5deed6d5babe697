// The built-in YAML spaces: their baselines are the zoo's MobileNetV2 networks exactly, and
// every genome of them decodes to a tagged, shape-checked network.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <ostream>
#include <random>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/estimate/decompose.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/space/registry.h"
#include "hwnas/space/yaml_space.h"

namespace hwnas::space {
namespace {

std::size_t gene_index(const Space& space, const std::string& name) {
  const std::vector<Gene>& genes = space.genes();
  for (std::size_t i = 0; i < genes.size(); ++i)
    if (genes[i].name == name) return i;
  ADD_FAILURE() << "no gene " << name;
  return 0;
}

/// The baseline with gene `name` set to the choice labelled `label`.
Genome with_choice(const Space& space, Genome genome, const std::string& name, const std::string& label) {
  const std::size_t i = gene_index(space, name);
  const std::vector<std::string>& choices = space.genes()[i].choices;
  const auto at = std::find(choices.begin(), choices.end(), label);
  EXPECT_NE(at, choices.end()) << name << " has no choice " << label;
  genome.genes[i] = static_cast<std::uint16_t>(at - choices.begin());
  return genome;
}

struct ZooCase {
  std::string space, zoo, width, resolution;
};
// What gtest (and ctest's test list) print for a case instead of its bytes.
void PrintTo(const ZooCase& c, std::ostream* os) { *os << c.space << " " << c.zoo << " width " << c.width; }

class BuiltinBaseline : public ::testing::TestWithParam<ZooCase> {};

TEST_P(BuiltinBaseline, DecodesToTheZooModel) {
  const ZooCase& c = GetParam();
  const std::unique_ptr<Space> space = make_space(c.space, {});
  ASSERT_TRUE(space->baseline());
  Genome genome = with_choice(*space, *space->baseline(), "channel_multiplier", c.width);
  genome = with_choice(*space, genome, "resolution", c.resolution);
  const graph::Graph decoded = space->decode(genome);
  const graph::Graph zoo = graph::build_zoo_model(fmt::format("{}:width={},res={}", c.zoo, c.width, c.resolution));
  EXPECT_EQ(decoded.size(), zoo.size());
  EXPECT_TRUE(decoded == zoo);
  EXPECT_EQ(decoded.hash(), zoo.hash());
}

INSTANTIATE_TEST_SUITE_P(Zoo, BuiltinBaseline,
                         ::testing::Values(ZooCase{"mobilenet-cls", "mobilenet_v2", "1", "224"},
                                           ZooCase{"mobilenet-cls", "mobilenet_v2", "0.5", "160"},
                                           ZooCase{"mobilenet-cls", "mobilenet_v2", "0.75", "192"},
                                           ZooCase{"mobilenet-cls", "mobilenet_v2", "1.4", "224"},
                                           ZooCase{"mobilenet-det", "ssdlite_mobilenet_v2", "1", "320"},
                                           ZooCase{"mobilenet-det", "ssdlite_mobilenet_v2", "0.5", "256"},
                                           ZooCase{"mobilenet-seg", "lraspp_mobilenet_v2", "1", "520"},
                                           ZooCase{"mobilenet-seg", "lraspp_mobilenet_v2", "0.75", "448"}),
                         // Test names readable in ctest's log: mobilenet_v2_w0_5_r160.
                         [](const ::testing::TestParamInfo<ZooCase>& info) {
                           std::string name = info.param.zoo + "_w" + info.param.width + "_r" + info.param.resolution;
                           for (char& c : name)
                             if (c == '.') c = '_';
                           return name;
                         });

TEST(BuiltinSpaces, TheBaselineIsTheUnmodifiedZooModelAtItsDefaults) {
  EXPECT_TRUE(make_space("mobilenet-cls", {})->decode(*make_space("mobilenet-cls", {})->baseline()) ==
              graph::build_zoo_model("mobilenet_v2"));
  EXPECT_TRUE(make_space("mobilenet-det", {})->decode(*make_space("mobilenet-det", {})->baseline()) ==
              graph::build_zoo_model("ssdlite_mobilenet_v2"));
  EXPECT_TRUE(make_space("mobilenet-seg", {})->decode(*make_space("mobilenet-seg", {})->baseline()) ==
              graph::build_zoo_model("lraspp_mobilenet_v2"));
  // The scenes' spaces (shipped files, not built in): the zoo models docs/training.md trains.
  const std::string dir = std::string(HWNAS_SOURCE_DIR) + "/configs/spaces/";
  for (const auto& [file, zoo] : {std::pair{"mobilenet-det-scenes.yaml", "ssdlite_mobilenet_v2"},
                                  std::pair{"mobilenet-seg-scenes.yaml", "lraspp_mobilenet_v2"}}) {
    const std::unique_ptr<Space> scenes = make_space(dir + file, {});
    EXPECT_TRUE(scenes->decode(*scenes->baseline()) ==
                graph::build_zoo_model(std::string(zoo) + ":width=0.5,res=96,in_ch=1,classes=11"))
        << file;
  }
}

TEST(BuiltinSpaces, AnotherGenomeIsAnotherNetwork) {
  const std::unique_ptr<Space> space = make_space("mobilenet-cls", {});
  const Genome fused = with_choice(*space, *space->baseline(), "stage3.layer2.block", "fused_ibn");
  EXPECT_FALSE(space->decode(fused) == space->decode(*space->baseline()));
}

TEST(BuiltinSpaces, RandomGenomesDecodeToTaggedNetworks) {
  for (const std::string name : {"mobilenet-cls", "mobilenet-det", "mobilenet-seg"}) {
    SCOPED_TRACE(name);
    const std::unique_ptr<Space> space = make_space(name, {});
    std::mt19937_64 rng(7);
    std::set<std::uint64_t> hashes;
    for (int i = 0; i < 30; ++i) {
      const Genome genome = sample(*space, rng);
      EXPECT_EQ(space->canonical(genome), genome);
      const graph::Graph g = space->decode(genome);
      hashes.insert(g.hash());
      for (graph::NodeId n = 0; n < g.size(); ++n) {
        const bool io = std::holds_alternative<graph::Input>(g.op(n)) || std::holds_alternative<graph::Output>(g.op(n));
        const bool head_upsample = g.node_name(n) == "upsample";  // LR-ASPP's final resize
        if (!io && !head_upsample) {
          EXPECT_NE(g.node(n).block, graph::kNoBlock) << g.node_name(n);
        }
      }
    }
    EXPECT_EQ(hashes.size(), 30u);
  }
}

// The decoded networks decompose into the same kernels as the zoo's, through block tags.
TEST(BuiltinSpaces, DecodedNetworksDecomposeAsTheZoosDo) {
  const std::unique_ptr<hw::Target> target = hw::make_target("npu-p16");
  const auto kernels = [&](const graph::Graph& g) {
    return estimate::decompose(g, *target->fusion_rules(), target->precision()).size();
  };
  const std::unique_ptr<Space> cls = make_space("mobilenet-cls", {});
  EXPECT_EQ(kernels(cls->decode(*cls->baseline())), kernels(graph::build_zoo_model("mobilenet_v2")));
  const std::unique_ptr<Space> det = make_space("mobilenet-det", {});
  EXPECT_EQ(kernels(det->decode(*det->baseline())), kernels(graph::build_zoo_model("ssdlite_mobilenet_v2")));
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20; ++i) EXPECT_GT(kernels(cls->decode(sample(*cls, rng))), 20u);
}

// A space of `n` genes of `choices` choices each, for Space's default sizes.
class UniformSpace : public Space {
 public:
  UniformSpace(std::size_t n, std::size_t choices) {
    for (std::size_t i = 0; i < n; ++i) genes_.push_back({fmt::format("g{}", i), std::vector<std::string>(choices, "c")});
  }
  const std::string& name() const override { return name_; }
  const std::vector<Gene>& genes() const override { return genes_; }
  graph::Graph decode(const Genome&) const override { return graph::Graph(); }

 private:
  std::string name_ = "uniform";
  std::vector<Gene> genes_;
};

TEST(SpaceSize, TheDefaultIsTheProductOfChoicesBelow1e15) {
  EXPECT_EQ(make_space("nb201", {})->exact_size(), 15625u);
  EXPECT_EQ(UniformSpace(3, 10).exact_size(), 1000u);
  EXPECT_EQ(UniformSpace(14, 10).exact_size(), 100'000'000'000'000u);
  EXPECT_EQ(UniformSpace(15, 10).exact_size(), std::nullopt);  // exactly 1e15
  EXPECT_EQ(UniformSpace(5, 65536).exact_size(), std::nullopt);  // 2^80: no wrap-around
  EXPECT_DOUBLE_EQ(UniformSpace(5, 65536).log10_size(), 5 * std::log10(65536.0));
}

TEST(BuiltinSpaces, SizesAreLargeAndTheNamesListed) {
  const std::vector<std::string> names = builtin_space_names();
  EXPECT_EQ(names, (std::vector<std::string>{"mobilenet-cls", "mobilenet-det", "mobilenet-seg", "nb201", "fbnet"}));
  const std::unique_ptr<Space> cls = make_space("mobilenet-cls", {});
  EXPECT_GT(cls->log10_size(), 15);
  EXPECT_FALSE(cls->exact_size());
}

TEST(BuiltinSpaces, UnknownNamesListTheBuiltins) {
  try {
    make_space("mobilenet", {});
    FAIL();
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown space 'mobilenet'; built-in spaces: mobilenet-cls, mobilenet-det, mobilenet-seg, nb201, "
              "fbnet; or give a space file ending in .yaml (docs/spaces.md)");
  }
  EXPECT_THROW(make_space("nb201", {.uncurated = true}), UserError);
}

TEST(BuiltinSpaces, TheUncuratedTwinKeepsTheBaselineAndStepsChannelsByOne) {
  const std::unique_ptr<Space> curated = make_space("mobilenet-cls", {});
  const std::unique_ptr<Space> twin = make_space("mobilenet-cls", {.uncurated = true});
  const std::vector<std::string>& channels = twin->genes()[gene_index(*twin, "stage4.channels")].choices;
  ASSERT_EQ(channels.size(), 96u - 48u + 1u);
  EXPECT_EQ(channels.front(), "48");
  EXPECT_EQ(channels[1], "49");
  const std::vector<std::string>& grid = twin->genes()[gene_index(*twin, "channel_multiplier")].choices;
  EXPECT_EQ(grid.size(), 19u);  // 0.5, 0.55, ..., 1.4
  EXPECT_EQ(grid[1], "0.55");
  EXPECT_GT(twin->log10_size(), curated->log10_size());
  // Same baseline network at multiplier 1 (all baseline channels are whole multiples).
  EXPECT_TRUE(twin->decode(*twin->baseline()) == curated->decode(*curated->baseline()));
  std::mt19937_64 rng(3);
  for (int i = 0; i < 10; ++i) twin->decode(sample(*twin, rng));
}

TEST(Registry, PComesFromAnNpuTargetOrAnEstimatorsLanes) {
  const SpaceOptions npu = space_options_for_target(hw::make_target("npu-p32")->parallelism_factor(), "npu-p32");
  EXPECT_EQ(npu.parallelism_factor, 32);
  EXPECT_EQ(npu.parallelism_source, "target 'npu-p32'");
  const SpaceOptions cpu = space_options_for_target(hw::make_target("cpu")->parallelism_factor(), "cpu");
  EXPECT_EQ(cpu.parallelism_factor, std::nullopt);
  EXPECT_EQ(cpu.parallelism_source, "target 'cpu'");
  EXPECT_EQ(space_options_for_estimator(16, "e.json").parallelism_factor, 16);
  const SpaceOptions none = space_options_for_estimator(0, "e.json");
  EXPECT_EQ(none.parallelism_factor, std::nullopt);
  EXPECT_EQ(none.parallelism_source, "estimator 'e.json' (its detected lanes)");
}

TEST(Registry, OnlySpaceFilesCarryFilters) {
  EXPECT_TRUE(space_filters(*make_space("nb201", {})).empty());
  EXPECT_TRUE(space_filters(*make_space("mobilenet-cls", {})).empty());
}

}  // namespace
}  // namespace hwnas::space

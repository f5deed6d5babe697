// YAML spaces: reading (every error one line naming the file and key), genes, canonical
// genomes, the exact size, P, the uncurated twin, decoding.
#include "hwnas/space/yaml_space.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "hwnas/base/error.h"

namespace hwnas::space {
namespace {

// Two stages; the second has every block kind and a depth choice.
constexpr std::string_view kTiny = R"(name: tiny
input: {channels: 3, resolution: [32, 64]}
stem: {channels: 16}
stages:
  - {stride: 2, depth: 1, channels: 16, block: ibn, kernel: 3, expansion: 1}
  - name: body
    stride: 2
    depth: [1, 2]
    channels: [16, 24]
    block: [ibn, conv, skip]
    kernel: [3, 5]
    expansion: [3, 6]
    se: [false, true]
head: {task: classification, classes: 10, features: 64}
)";

YamlSpace tiny(std::string_view text = kTiny, const SpaceOptions& options = {}) {
  return YamlSpace(read_space_definition(text, "tiny.yaml", options));
}

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

std::string testing_read(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t gene_position(const Space& space, const std::string& name) {
  for (std::size_t i = 0; i < space.genes().size(); ++i)
    if (space.genes()[i].name == name) return i;
  ADD_FAILURE() << name;
  return 0;
}

std::vector<std::string> gene_names(const Space& space) {
  std::vector<std::string> names;
  for (const Gene& g : space.genes()) names.push_back(g.name);
  return names;
}

TEST(YamlSpace, OneGenePerDecisionWithSeveralChoices) {
  const YamlSpace space = tiny();
  EXPECT_EQ(gene_names(space), (std::vector<std::string>{
                                   "resolution", "body.depth", "body.channels", "body.layer1.block",
                                   "body.layer1.kernel", "body.layer1.expansion", "body.layer1.se", "body.layer2.block",
                                   "body.layer2.kernel", "body.layer2.expansion", "body.layer2.se"}));
  // The first layer of a stage cannot be skip: it has the stride.
  EXPECT_EQ(space.genes()[3].choices, (std::vector<std::string>{"ibn", "conv"}));
  EXPECT_EQ(space.genes()[7].choices, (std::vector<std::string>{"ibn", "conv", "skip"}));
  EXPECT_EQ(space.genes()[6].choices, (std::vector<std::string>{"false", "true"}));
}

TEST(YamlSpace, ExactSizeCountsDistinctCanonicalGenomes) {
  const YamlSpace space = tiny();
  std::set<Genome> canonical;
  Genome g;
  g.genes.assign(space.genes().size(), 0);
  const std::vector<std::uint32_t> sizes = space.cardinalities();
  for (;;) {  // every genome, as an odometer
    canonical.insert(space.canonical(g));
    std::size_t i = 0;
    while (i < g.genes.size() && ++g.genes[i] == sizes[i]) g.genes[i++] = 0;
    if (i == g.genes.size()) break;
  }
  // 2 resolutions · 2 channels · (10 one-layer + 10 · 11 two-layer bodies).
  EXPECT_EQ(canonical.size(), 480u);
  ASSERT_TRUE(space.exact_size());
  EXPECT_EQ(*space.exact_size(), canonical.size());
  EXPECT_DOUBLE_EQ(space.log10_size(), std::log10(480.0));
}

TEST(YamlSpace, CanonicalZeroesWhatDoesNotShapeTheNetwork) {
  const YamlSpace space = tiny();
  // depth 1 (index 0): layer 2's genes are zero; layer 1 is conv: its expansion and SE too.
  const Genome g = parse_genome("1-0-1-1-1-1-1-2-1-1-1", "test");
  EXPECT_EQ(to_text(space.canonical(g)), "1-0-1-1-1-0-0-0-0-0-0");
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200; ++i) {
    Genome raw;
    for (const std::uint32_t n : space.cardinalities())
      raw.genes.push_back(static_cast<std::uint16_t>(std::uniform_int_distribution<std::uint32_t>(0, n - 1)(rng)));
    const Genome c = space.canonical(raw);
    EXPECT_EQ(space.canonical(c), c);
    EXPECT_TRUE(space.decode(raw) == space.decode(c)) << to_text(raw);
  }
}

TEST(YamlSpace, DecodesEachBlockKind) {
  const YamlSpace space = tiny();
  // res 64, depth 2, 24 channels, layer 1 conv k5, layer 2 ibn k3 e6 with SE.
  const graph::Graph g = space.decode(parse_genome("1-1-1-1-1-0-0-0-0-1-1", "test"));
  std::set<graph::BlockKind> kinds;
  for (graph::BlockId b = 0; b < g.num_blocks(); ++b) kinds.insert(g.block(b).kind);
  EXPECT_EQ(kinds,
            (std::set<graph::BlockKind>{graph::BlockKind::conv_bn_act, graph::BlockKind::ibn, graph::BlockKind::head}));
  EXPECT_EQ(g.shape(g.find("body.layer1.conv")).c, 24);
  EXPECT_EQ(g.shape(g.find("body.layer1.conv")).h, 8);  // 64 / 2 (stem) / 2 / 2 (stages)
  EXPECT_EQ(g.shape(g.find("body.layer2.expand.conv")).c, 144);
  EXPECT_NE(g.find("body.layer2.se.mul"), -1);
  EXPECT_NE(g.find("body.layer2.add"), -1);  // stride 1, 24 -> 24: residual
  // A skip layer adds nothing.
  const graph::Graph skipped = space.decode(parse_genome("1-1-1-1-1-0-0-2-0-0-0", "test"));
  EXPECT_EQ(skipped.find("body.layer2.dw.conv"), -1);
  EXPECT_EQ(skipped.size() + 0, space.decode(parse_genome("1-0-1-1-1-0-0-0-0-0-0", "test")).size());
}

TEST(YamlSpace, MultiplesOfPFollowTheParallelismFactor) {
  const std::string text =
      replaced(std::string(kTiny), "channels: [16, 24]", "channels: {multiple_of: P, min: 16, max: 64}");
  const YamlSpace p16 = tiny(text, {.parallelism_factor = 16, .parallelism_source = "target 'npu-p16'"});
  EXPECT_EQ(p16.genes()[2].choices, (std::vector<std::string>{"16", "32", "48", "64"}));
  const YamlSpace p32 = tiny(text, {.parallelism_factor = 32, .parallelism_source = "target 'npu-p32'"});
  EXPECT_EQ(p32.genes()[2].choices, (std::vector<std::string>{"32", "64"}));
  const YamlSpace twin = tiny(text, {.parallelism_factor = 32, .parallelism_source = "x", .uncurated = true});
  EXPECT_EQ(twin.genes()[2].choices.size(), 33u);  // 32..64
  EXPECT_EQ(twin.genes()[2].choices[1], "33");
}

TEST(YamlSpace, RoundChannelsToPKeepsMultipliedChannelsMultiplesOfP) {
  std::string text = replaced(std::string(kTiny), "stem: {channels: 16}",
                              "channel_multiplier: [0.5, 1.3]\nround_channels_to: P\nstem: {channels: 16}");
  const YamlSpace space = tiny(text, {.parallelism_factor = 16, .parallelism_source = "t"});
  std::mt19937_64 rng(5);
  for (int i = 0; i < 50; ++i) {
    const graph::Graph g = space.decode(sample(space, rng));
    for (graph::NodeId n = 0; n < g.size(); ++n)
      if (const auto* conv = std::get_if<graph::Conv2d>(&g.op(n));
          conv && g.node_name(n) != "classifier.fc" && g.node_name(n).find(".se.") == std::string_view::npos) {
        EXPECT_EQ(conv->out_channels % 16, 0) << g.node_name(n);
      }
  }
}

TEST(YamlSpace, CuratedFalseIsTheUncuratedTwin) {
  const std::string text =
      replaced(std::string(kTiny), "name: tiny", "name: tiny\ncurated: false\nchannel_multiplier: [0.5, 0.6, 1.0]");
  const YamlSpace twin = tiny(text);
  EXPECT_FALSE(twin.definition().curated);
  EXPECT_EQ(twin.definition().round_channels_to, 1);
  // 0.5, 0.55, ..., 1.0: the 0.05 grid between the smallest and largest choice.
  EXPECT_EQ(twin.genes()[1].choices.size(), 11u);
  EXPECT_EQ(twin.genes()[3].choices.size(), 9u);  // body.channels 16..24
}

struct BadCase {
  std::string from, to, message;
};
// What gtest (and ctest's test list) print for a case instead of its bytes: the edit.
void PrintTo(const BadCase& c, std::ostream* os) { *os << "'" << c.from << "' -> '" << c.to << "'"; }

class BadSpaceFile : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadSpaceFile, IsOneLineNamingTheFileAndKey) {
  const BadCase& c = GetParam();
  const std::string text = c.from.empty() ? c.to : replaced(std::string(kTiny), c.from, c.to);
  try {
    tiny(text, c.message.find("target 'cpu'") != std::string::npos ? SpaceOptions{.parallelism_source = "target 'cpu'"}
                                                                   : SpaceOptions{});
    FAIL() << "accepted:\n" << text;
  } catch (const UserError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("tiny.yaml", 0), 0u) << what;
    EXPECT_NE(what.find(c.message), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Errors, BadSpaceFile,
    ::testing::Values(
        BadCase{"stages:", "stges:", "tiny.yaml:4: key 'stges': unknown key; did you mean 'stages'?"},
        BadCase{"kernel: [3, 5]", "kernal: [3, 5]", "key 'stages[1].kernal': unknown key; did you mean 'kernel'?"},
        BadCase{"kernel: [3, 5]", "kernel: []", "key 'stages[1].kernel': the list of choices is empty"},
        BadCase{"channels: [16, 24]", "channels: {multiple_of: 8, min: 64, max: 16}",
                "key 'stages[1].channels.min': min 64 is above max 16; swap them"},
        BadCase{"channels: [16, 24]", "channels: {multiple_of: 32, min: 40, max: 60}",
                "key 'stages[1].channels': no multiple of 32 lies in [40, 60]"},
        BadCase{"channels: [16, 24]", "channels: {multiple_of: 8, min: 8}", "key 'stages[1].channels.max': is missing"},
        BadCase{"depth: [1, 2]", "depth: two", "key 'stages[1].depth': must be an integer, got 'two'"},
        BadCase{"depth: [1, 2]", "depth: [1, \"2\"]", "key 'stages[1].depth[1]': must be an integer, got the string"},
        BadCase{"depth: [1, 2]", "depth: [1, 1]", "key 'stages[1].depth[1]': 1 appears twice"},
        BadCase{"depth: [1, 2]", "depth: [1, 65]", "key 'stages[1].depth[1]': 65 is too large (at most 64)"},
        BadCase{"kernel: [3, 5]", "kernel: [3, 4]", "key 'stages[1].kernel': 4 is even"},
        BadCase{"block: [ibn, conv, skip]", "block: [skip]", "key 'stages[1].block': skip alone"},
        BadCase{"block: [ibn, conv, skip]", "block: [ibn, fused]",
                "key 'stages[1].block[1]': must be one of ibn, fused_ibn, conv, skip, got 'fused'; did you mean "
                "'fused_ibn'?"},
        BadCase{"se: [false, true]", "se: [no, yes]", "key 'stages[1].se[0]': must be true or false, got 'no'"},
        BadCase{"channels: [16, 24]", "channels: {multiple_of: P, min: 16, max: 64}",
                "key 'stages[1].channels.multiple_of': P is the target's parallelism factor, but no target was given"},
        BadCase{"channels: [16, 24]", "channels: {multiple_of: P, min: 16, max: 64}",
                "P is the target's parallelism factor, but target 'cpu' has none"},
        BadCase{"- name: body", "- name: stage1", "key 'stages[1].name': 'stage1' names two stages"},
        BadCase{"- name: body", "- name: bo.dy", "key 'stages[1].name': must be a non-empty name without '.'"},
        BadCase{"task: classification", "task: clasification",
                "key 'head.task': must be one of classification, detection, segmentation, got 'clasification'; did "
                "you mean 'classification'?"},
        BadCase{"classes: 10,", "classes: 10, anchors: 6,",
                "key 'head.anchors': unknown key (keys here: task, classes, features, dropout_percent)"},
        BadCase{"task: classification", "task: detection, extra_channels: [64]",
                "key 'head.task': detection taps the layer that takes output stride 16 to 32"},
        BadCase{"task: classification", "task: segmentation, output_stride: [1, 3]",
                "key 'head.output_stride': 3 is not 1, 2, 4 or 8"},
        BadCase{
            "",
            std::string(kTiny)
                .replace(std::string(kTiny).find("resolution: [32, 64]"), 20, "resolution: [36, 64]")
                .replace(std::string(kTiny).find("task: classification"), 20, "task: segmentation, output_stride: 8"),
            "key 'head.output_stride': 8 does not divide the input resolution 36"},
        BadCase{"head:", "filters: {max_peak_activation_bytes: 512kib}\nhead:",
                "key 'filters.max_peak_activation_bytes': '512kib' is not a byte size"},
        BadCase{"head:", "filters: {max_param: 5M}\nhead:",
                "key 'filters.max_param': unknown filter; did you mean 'max_params'?"},
        BadCase{"head:", "baseline: {resolution: 32, stages: [{}, {depth: 2, channels: 40}]}\nhead:",
                "key 'baseline.stages[1].channels': 40 is not among the choices (16, 24)"},
        BadCase{"head:", "baseline: {resolution: 32, stages: [{}, {depth: 2}]}\nhead:",
                "key 'baseline.stages[1].channels': is missing; the baseline picks every decision"},
        BadCase{"head:", "baseline: {resolution: 32, stages: [{}]}\nhead:",
                "key 'baseline.stages': must be a list of 2 stages"},
        BadCase{"task: classification, ", "", "tiny.yaml:14: key 'head.task': is missing; give classification"},
        BadCase{"head: {task: classification, classes: 10, features: 64}", "head: classification", "key 'head': must be a mapping of task, got 'classification'"},
        BadCase{"", "- just a list", "tiny.yaml: a space file is a mapping"},
        BadCase{"", "", "tiny.yaml: the file is empty"}));

TEST(YamlSpace, SegmentationNeedsAFeatureAtOutputStride8) {
  const std::string text = replaced(replaced(std::string(kTiny), "task: classification", "task: segmentation"),
                                    "stem: {channels: 16}", "stem: {channels: 16, stride: 1}");
  try {
    tiny(text);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'head.task': segmentation taps the last layer at output stride 8"),
              std::string::npos)
        << e.what();
  }
  // With the stem's stride 2 it reaches 8: LR-ASPP on the body's last layer, output at 32 / 4.
  const YamlSpace seg =
      tiny(replaced(std::string(kTiny), "task: classification", "task: segmentation, output_stride: [1, 4]"));
  const graph::Graph g = seg.decode(parse_genome("0-0-0-0-0-0-0-0-0-0-0-1", "test"));
  const graph::NodeId out = g.output_nodes().at(0);
  EXPECT_EQ(g.shape(out), (graph::Shape{10, 8, 8}));
}

TEST(YamlSpace, TheBaselineComesFromTheFile) {
  const std::string text = replaced(
      std::string(kTiny), "head:",
      "baseline:\n  resolution: 64\n  stages:\n    - {}\n    - {depth: 2, channels: 24, block: conv, kernel: 5, "
      "expansion: 3, se: true}\nhead:");
  const YamlSpace space = tiny(text);
  ASSERT_TRUE(space.baseline());
  // The first layer and the second are conv k5; conv's expansion and SE genes are zero.
  EXPECT_EQ(to_text(*space.baseline()), "1-1-1-1-1-0-0-1-1-0-0");
}

}  // namespace
}  // namespace hwnas::space

namespace hwnas::space {
namespace {

// The complete example of docs/spaces.md reads, and its baseline fits P = 8, 16 and 32.
TEST(YamlSpaceDocs, TheCompleteExampleReads) {
  const std::string doc = testing_read(std::string(HWNAS_SOURCE_DIR) + "/docs/spaces.md");
  const std::size_t begin = doc.find("```yaml\n# A classification space");
  ASSERT_NE(begin, std::string::npos);
  const std::size_t text = begin + 8;
  const std::string example = doc.substr(text, doc.find("```", text) - text);
  for (const std::int32_t p : {8, 16, 32}) {
    const YamlSpace space(
        read_space_definition(example, "spaces.md", {.parallelism_factor = p, .parallelism_source = "t"}));
    ASSERT_TRUE(space.baseline());
    EXPECT_EQ(space.definition().filters.max_peak_activation_bytes, 524288);
    EXPECT_EQ(space_filters(space).max_params, 2'000'000);
    space.decode(*space.baseline());
    std::mt19937_64 rng(static_cast<std::uint64_t>(p));
    for (int i = 0; i < 20; ++i) space.decode(sample(space, rng));
  }
  const YamlSpace p16(
      read_space_definition(example, "spaces.md", {.parallelism_factor = 16, .parallelism_source = "t"}));
  EXPECT_EQ(p16.genes()[gene_position(p16, "middle.channels")].choices,
            (std::vector<std::string>{"32", "48", "64", "80", "96"}));
  EXPECT_THROW(read_space_definition(example, "spaces.md", {}), UserError);
}

}  // namespace
}  // namespace hwnas::space

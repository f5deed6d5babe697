// The measured CPU target (XNNPACK): every op kind runs, fused kernels of zoo models run,
// unsupported kernels and bad descriptions fail with one-line messages. Timing checks are
// structural (positive, repeat counts, spread) apart from one relative comparison with a
// wide margin; repeatability figures come from bench/cpu_target_bench.cpp.
#include "hwnas/hw/cpu/cpu_target.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "hwnas/estimate/decompose.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/space/models.h"

namespace hwnas::hw {
namespace {

using namespace graph;

// Few, short runs: these tests check what runs, not how fast.
CpuOptions quick() {
  CpuOptions o;
  o.warmup = 1;
  o.min_repeats = 2;
  o.max_repeats = 6;
  o.target_seconds = 0.002;
  return o;
}

// A kernel of one node applied to an input of shape `in` (plus `extra` inputs).
Kernel node_kernel(Op op, Shape in, std::vector<Shape> extra = {}, std::int32_t batch = 1) {
  Graph g;
  std::vector<NodeId> inputs = {g.add("x", Input{in.c, in.h, in.w}, {})};
  for (std::size_t i = 0; i < extra.size(); ++i)
    inputs.push_back(
        g.add(fmt::format("x{}", i + 1), Input{extra[i].c, extra[i].h, extra[i].w}, {}));
  const NodeId id = g.add("n", std::move(op), std::span<const NodeId>(inputs));
  return single_node_kernel(g, id, Precision::fp32, batch);
}

void expect_measured(const Measurement& m, const CpuOptions& o, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_GT(m.latency_s, 0);
  EXPECT_GE(m.samples_s.size(), static_cast<std::size_t>(o.min_repeats));
  EXPECT_LE(m.samples_s.size(), static_cast<std::size_t>(o.max_repeats));
  EXPECT_GE(m.spread, 0);
  EXPECT_TRUE(std::all_of(m.samples_s.begin(), m.samples_s.end(), [](double s) { return s > 0; }));
  EXPECT_EQ(m.bound, Bound::unknown);
  EXPECT_FALSE(m.utilization.has_value());
  EXPECT_FALSE(m.cycles.has_value());
}

TEST(CpuTarget, EveryOpKindMeasures) {
  const CpuOptions o = quick();
  const auto target = make_cpu_target(o);
  const Shape x{16, 14, 14};
  const std::vector<std::pair<std::string, Kernel>> kernels = {
      {"conv3x3",
       node_kernel(Conv2d{.out_channels = 32, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1},
                   x)},
      {"conv strided dilated", node_kernel(Conv2d{.out_channels = 8,
                                                  .kernel_h = 3,
                                                  .kernel_w = 3,
                                                  .stride_h = 2,
                                                  .stride_w = 2,
                                                  .pad_h = 2,
                                                  .pad_w = 2,
                                                  .dilation_h = 2,
                                                  .dilation_w = 2,
                                                  .bias = true},
                                           x)},
      {"grouped conv", node_kernel(Conv2d{.out_channels = 32, .groups = 4}, x)},
      {"depthwise", node_kernel(Conv2d{.out_channels = 16,
                                       .kernel_h = 3,
                                       .kernel_w = 3,
                                       .pad_h = 1,
                                       .pad_w = 1,
                                       .groups = 16},
                                x)},
      {"depthwise x2", node_kernel(Conv2d{.out_channels = 32,
                                          .kernel_h = 5,
                                          .kernel_w = 5,
                                          .stride_h = 2,
                                          .stride_w = 2,
                                          .pad_h = 2,
                                          .pad_w = 2,
                                          .groups = 16},
                                   x)},
      // Asymmetric padding (ONNX pads; TensorFlow's SAME at stride 2) and resize coordinates.
      {"conv asymmetric", node_kernel(Conv2d{.out_channels = 8, .kernel_h = 3, .kernel_w = 3,
                                             .stride_h = 2, .stride_w = 2, .pad_bottom = 1,
                                             .pad_right = 1},
                                      x)},
      {"depthwise asymmetric", node_kernel(Conv2d{.out_channels = 16, .kernel_h = 3, .kernel_w = 3,
                                                  .stride_h = 2, .stride_w = 2, .groups = 16,
                                                  .pad_bottom = 1, .pad_right = 1},
                                           x)},
      {"max_pool asymmetric", node_kernel(Pool{.kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1,
                                               .pad_bottom = 0, .pad_right = 0},
                                          x)},
      {"bilinear align_corners",
       node_kernel(Upsample{.mode = UpsampleMode::bilinear,
                            .coordinates = ResizeCoordinates::align_corners},
                   x)},
      {"linear", node_kernel(Linear{.out_features = 10}, {64, 1, 1})},
      {"batch_norm", node_kernel(BatchNorm{}, x)},
      {"relu", node_kernel(Activation{ActKind::relu}, x)},
      {"relu6", node_kernel(Activation{ActKind::relu6}, x)},
      {"hardswish", node_kernel(Activation{ActKind::hardswish}, x)},
      {"hardsigmoid", node_kernel(Activation{ActKind::hardsigmoid}, x)},
      {"sigmoid", node_kernel(Activation{ActKind::sigmoid}, x)},
      {"silu", node_kernel(Activation{ActKind::silu}, x)},
      {"add", node_kernel(Add{}, x, {x})},
      {"add of three", node_kernel(Add{}, x, {x, x})},
      {"mul", node_kernel(Mul{}, x, {x})},
      {"mul broadcast", node_kernel(Mul{}, x, {{16, 1, 1}})},
      {"avg_pool", node_kernel(Pool{.kind = PoolKind::avg,
                                    .kernel_h = 3,
                                    .kernel_w = 3,
                                    .stride_h = 1,
                                    .stride_w = 1,
                                    .pad_h = 1,
                                    .pad_w = 1},
                               x)},
      {"max_pool ceil",
       node_kernel(Pool{.kind = PoolKind::max, .kernel_h = 3, .kernel_w = 3, .ceil_mode = true},
                   {16, 16, 16})},
      {"global avg", node_kernel(GlobalPool{PoolKind::avg}, x)},
      {"global max", node_kernel(GlobalPool{PoolKind::max}, x)},
      {"global max of 1x1", node_kernel(GlobalPool{PoolKind::max}, {16, 1, 1})},
      {"bilinear", node_kernel(Upsample{.mode = UpsampleMode::bilinear, .scale = 2}, x)},
      {"concat", node_kernel(Concat{}, x, {{8, 14, 14}})},
      {"channel_shuffle", node_kernel(ChannelShuffle{4}, x)},
      {"zero (NB201's none)", node_kernel(Zero{}, x)},
      {"batch 3", node_kernel(Conv2d{.out_channels = 16, .kernel_h = 3, .kernel_w = 3}, x, {}, 3)},
  };
  for (const auto& [what, kernel] : kernels) {
    Measurement m;
    ASSERT_NO_THROW(m = target->measure(kernel)) << what << ": " << kernel_key(kernel);
    expect_measured(m, o, what);
  }
}

TEST(CpuTarget, FusedKernelsOfZooModelsMeasure) {
  const CpuOptions o = quick();
  const auto target = make_cpu_target(o);
  const FusionRules all{{FusionPattern::conv_bn_act, FusionPattern::conv_add,
                         FusionPattern::act_pool, FusionPattern::se_gate}};
  std::string fbnet = "fbnet:blocks=k3_e1";
  for (int i = 1; i < 22; ++i) fbnet += i % 3 == 0 ? "-k5_e6" : i % 3 == 1 ? "-k3_e1_g2" : "-skip";
  for (const std::string spec :
       {"mobilenet_v2:res=64", "mobilenet_v3_large:res=64", "resnet18:res=64",
        "efficientnet_b0:res=64", "lraspp_mobilenet_v3_large:res=64", fbnet.c_str()}) {
    const Graph g = space::build_zoo_model(spec);
    for (const estimate::KernelInstance& k : estimate::decompose(g, all, Precision::int8, 1)) {
      Measurement m;
      ASSERT_NO_THROW(m = target->measure(k.kernel)) << spec << ": " << kernel_key(k.kernel);
      expect_measured(m, o, spec + ": " + kernel_key(k.kernel));
    }
  }
}

TEST(CpuTarget, FourTimesTheMacsTakesLonger) {
  CpuOptions o;
  o.target_seconds = 0.02;
  const auto target = make_cpu_target(o);
  const Kernel small =
      node_kernel(Conv2d{.out_channels = 32, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1},
                  {32, 28, 28});
  const Kernel big =
      node_kernel(Conv2d{.out_channels = 64, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1},
                  {64, 28, 28});
  ASSERT_EQ(kernel_macs(big), 4 * kernel_macs(small));
  // Interleaved, best of three: a burst of load from other processes hits one round only.
  double small_s = 1e9, big_s = 1e9;
  for (int round = 0; round < 3; ++round) {
    small_s = std::min(small_s, target->measure(small).latency_s);
    big_s = std::min(big_s, target->measure(big).latency_s);
  }
  EXPECT_GT(big_s, 1.5 * small_s) << "small " << small_s << " s, big " << big_s << " s";
}

TEST(CpuTarget, RepeatsAdaptBetweenMinAndMax) {
  CpuOptions o = quick();
  const Kernel k = node_kernel(Activation{ActKind::relu}, {8, 8, 8});
  o.min_repeats = 3;
  o.max_repeats = 7;
  o.target_seconds = 1e-9;  // reached at once: min_repeats runs
  EXPECT_EQ(make_cpu_target(o)->measure(k).samples_s.size(), 3U);
  o.target_seconds = 30;  // never reached: max_repeats runs
  EXPECT_EQ(make_cpu_target(o)->measure(k).samples_s.size(), 7U);
}

TEST(CpuTarget, ThreadPoolRuns) {
  CpuOptions o = quick();
  o.threads = 2;
  const auto target = make_cpu_target(o);
  EXPECT_EQ(target->name(), "cpu-2t");
  expect_measured(target->measure(node_kernel(
                      Conv2d{.out_channels = 32, .kernel_h = 3, .kernel_w = 3}, {32, 28, 28})),
                  o, "2 threads");
}

TEST(CpuTarget, UnsupportedKernelsNameTheKernel) {
  const auto target = make_cpu_target(quick());
  Kernel concat_relu = node_kernel(Concat{}, {8, 4, 4}, {{8, 4, 4}});
  concat_relu.ops.push_back({Activation{ActKind::relu}, {{16, 4, 4}}, {16, 4, 4}});
  const std::vector<Kernel> kernels = {
      node_kernel(Upsample{.mode = UpsampleMode::nearest, .scale = 2}, {8, 4, 4}),
      node_kernel(Activation{ActKind::identity}, {8, 4, 4}),
      concat_relu,
  };
  for (const Kernel& k : kernels) {
    try {
      target->measure(k);
      ADD_FAILURE() << "measured " << kernel_key(k);
    } catch (const UnsupportedKernel& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(kernel_key(k)), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

TEST(CpuTargetDescription, DefaultsNameAndIdentity) {
  const auto plain = make_cpu_target(YAML::Load("{}"), "cpu.yaml");
  EXPECT_EQ(plain->name(), "cpu-1t");
  EXPECT_TRUE(std::regex_match(plain->identity(), std::regex("cpu-1t#[0-9a-f]{16}")))
      << plain->identity();
  EXPECT_EQ(make_cpu_target(CpuOptions{})->identity(), plain->identity());
  const auto named = make_cpu_target(
      YAML::Load("{name: laptop, kind: cpu, threads: 2, target_seconds: 0.1}"), "cpu.yaml");
  EXPECT_EQ(named->name(), "laptop");
  const CpuOptions o =
      parse_cpu_options(YAML::Load("{threads: 2, warmup: 0, min_repeats: 3, max_repeats: 9}"), "x");
  EXPECT_EQ(o.threads, 2);
  EXPECT_EQ(o.warmup, 0);
  EXPECT_EQ(o.min_repeats, 3);
  EXPECT_EQ(o.max_repeats, 9);
  EXPECT_NE(make_cpu_target(o)->identity(), plain->identity());
}

void expect_error(const std::string& yaml, const std::string& expected) {
  SCOPED_TRACE(yaml);
  try {
    make_cpu_target(YAML::Load(yaml), "my_cpu.yaml");
    ADD_FAILURE() << "accepted";
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("my_cpu.yaml", 0), 0U) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(CpuTargetDescription, BadDescriptionsNameTheKey) {
  expect_error("{threads: 1, cores: 4}", "unknown key 'cores'");
  expect_error("threads: 0", "key 'threads': must be a positive integer");
  expect_error("threads: abc",
               "key 'threads': must be a positive integer (at most 256), got 'abc'");
  // threads: 1000000 was allowed and started over a thousand threads before it was stopped.
  expect_error("threads: 1000000", "threads = 1000000 is too large (at most 256)");
  expect_error("threads: 257", "threads = 257 is too large (at most 256)");
  EXPECT_EQ(parse_cpu_options(YAML::Load("threads: 256"), "x").threads, 256);
  expect_error("threads: [1, 2]", "key 'threads'");
  expect_error("kind: npu", "key 'kind': must be cpu");
  expect_error("min_repeats: -1", "key 'min_repeats': must be a positive integer");
  expect_error("warmup: -1", "key 'warmup': must be a non-negative integer");
  expect_error("target_seconds: 0", "key 'target_seconds': must be a positive number");
  expect_error("{min_repeats: 10, max_repeats: 5}",
               "key 'max_repeats': must be at least min_repeats (10)");
  expect_error("[1, 2]", "a YAML mapping");
  CpuOptions o;
  o.threads = 0;
  EXPECT_THROW(make_cpu_target(o), UserError);
  o.threads = 257;
  EXPECT_THROW(make_cpu_target(o), UserError);
}

}  // namespace
}  // namespace hwnas::hw

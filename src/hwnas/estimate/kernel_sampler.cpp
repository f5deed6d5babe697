#include "hwnas/estimate/kernel_sampler.h"

#include <fmt/format.h>

#include <array>

#include "hwnas/estimate/decompose.h"
#include "hwnas/estimate/random_layers.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/space/fbnet.h"
#include "hwnas/space/nb201.h"

namespace hwnas::estimate {

KernelSampler::KernelSampler(hw::FusionRules rules, graph::Precision precision, std::uint64_t seed,
                             std::vector<std::int32_t> batches)
    : rules_(std::move(rules)), precision_(precision), rng_(seed), batches_(std::move(batches)) {
  HWNAS_CHECK(!batches_.empty());
}

graph::Graph KernelSampler::random_zoo_network() {
  static const std::unique_ptr<space::Space> nb201 = space::make_nb201_space(), fbnet = space::make_fbnet_space();
  // A zoo model at a random width and resolution, or a random architecture of a space.
  struct Choice {
    const char* model;
    const space::Space* space;
  };
  static const std::array<Choice, 12> kChoices = {{{"mobilenet_v2", nullptr},
                                                   {"mobilenet_v3_large", nullptr},
                                                   {"mobilenet_v3_small", nullptr},
                                                   {"mnasnet1_0", nullptr},
                                                   {"efficientnet_b0", nullptr},
                                                   {"resnet18", nullptr},
                                                   {"resnet50", nullptr},
                                                   {nullptr, nb201.get()},
                                                   {nullptr, fbnet.get()},
                                                   {"ssdlite_mobilenet_v2", nullptr},
                                                   {"lraspp_mobilenet_v3_large", nullptr},
                                                   {"lraspp_mobilenet_v2", nullptr}}};
  static constexpr std::array<double, 8> kWidths = {0.35, 0.5, 0.75, 1.0, 1.0, 1.25, 1.4, 0.6};
  const Choice choice = pick(rng_, kChoices);
  if (choice.space != nullptr) return choice.space->decode(space::sample(*choice.space, rng_));
  const std::int32_t res = 32 * uniform(rng_, 3, 10);
  return graph::build_zoo_model(fmt::format("{}:width={},res={}", choice.model, pick(rng_, kWidths), res));
}

graph::NodeId KernelSampler::random_block(graph::Graph& g, graph::NodeId x, std::int32_t out,
                                          std::int32_t stride, const std::string& name) {
  static constexpr std::array<std::int32_t, 4> kKernels = {1, 3, 5, 7};
  static constexpr std::array<std::int32_t, 5> kExpand = {1, 2, 3, 4, 6};
  const std::int32_t c = g.shape(x).c;
  const std::int32_t kernel = pick(rng_, kKernels);
  const std::int32_t expanded = std::max(1, c * pick(rng_, kExpand));
  const auto act = uniform(rng_, 0, 1) ? graph::ActKind::relu6 : graph::ActKind::hardswish;
  std::optional<graph::SqueezeExciteSpec> se;
  if (uniform(rng_, 0, 3) == 0) se = graph::SqueezeExciteSpec{std::max(8, expanded / 4)};
  switch (uniform(rng_, 0, 2)) {
    case 0:
      return graph::conv_bn_act(g, x, {.out = out, .kernel = kernel, .stride = stride, .act = act}, name);
    case 1:
      return graph::ibn(g, x, {.out = out, .expanded = expanded, .kernel = std::max(3, kernel),
                               .stride = stride, .act = act, .se = se}, name).output;
    default:
      return graph::fused_ibn(g, x, {.out = out, .expanded = expanded, .kernel = std::max(3, kernel),
                                     .stride = stride, .act = act, .se = se}, name).output;
  }
}

graph::Graph KernelSampler::random_block_network() {
  static constexpr std::array<std::int32_t, 6> kSizes = {7, 14, 28, 56, 112, 20};
  static constexpr std::array<std::int32_t, 8> kWideSizes = {4, 7, 10, 14, 28, 56, 112, 160};
  graph::Graph g("random_blocks");
  const std::int32_t size = wide_ ? pick(rng_, kWideSizes) : pick(rng_, kSizes);
  const std::int32_t max_channels = wide_ ? 1536 : 512;
  const std::int32_t in = channels(rng_, 3, wide_ ? max_channels : (size >= 56 ? 96 : 512));
  graph::NodeId x = g.add("input", graph::Input{in, size, size}, {});
  for (int i = 0, blocks = uniform(rng_, 1, 3); i < blocks; ++i) {
    const std::int32_t out = uniform(rng_, 0, 2) == 0 ? g.shape(x).c : channels(rng_, 8, max_channels);
    const std::int32_t stride = g.shape(x).h >= 8 && uniform(rng_, 0, 3) == 0 ? 2 : 1;
    x = random_block(g, x, out, stride, fmt::format("b{}", i));
  }
  g.add("output", graph::Output{}, {x});
  return g;
}

graph::Graph KernelSampler::random_validation_network() {
  switch (uniform(rng_, 0, 3)) {
    case 0: return random_zoo_network();
    case 1: return random_layer_network(rng_);
    default: break;
  }
  graph::Graph g("random_network");
  const std::int32_t res = 32 * uniform(rng_, 3, 7);
  graph::NodeId x = g.add("input", graph::Input{3, res, res}, {});
  x = graph::conv_bn_act(g, x, {.out = channels(rng_, 8, 48), .kernel = 3, .stride = 2}, "stem");
  const int blocks = uniform(rng_, 5, 12);
  std::int32_t width = g.shape(x).c;
  for (int i = 0; i < blocks; ++i) {
    const bool down = g.shape(x).h >= 8 && uniform(rng_, 0, blocks) < 4;
    if (down || uniform(rng_, 0, 3) == 0) width = std::min(640, channels(rng_, width, width * 2));
    x = random_block(g, x, width, down ? 2 : 1, fmt::format("blocks.{}", i));
  }
  x = graph::conv_bn_act(g, x, {.out = channels(rng_, 256, 1280)}, "head");
  x = g.add("pool", graph::GlobalPool{}, {x});
  x = g.add("fc", graph::Linear{uniform(rng_, 10, 1000)}, {x});
  g.add("output", graph::Output{}, {x});
  return g;
}

graph::Graph KernelSampler::random_network() {
  switch (uniform(rng_, 0, 3)) {
    case 0: return random_zoo_network();
    case 1: return random_layer_network(rng_);
    default: return random_block_network();
  }
}

std::int32_t KernelSampler::random_batch() {
  return batches_[std::uniform_int_distribution<std::size_t>(0, batches_.size() - 1)(rng_)];
}

void KernelSampler::refill() {
  const graph::Graph g = wide_                     ? random_block_network()
                         : uniform(rng_, 0, 2) == 0 ? random_validation_network()
                                                    : random_network();
  std::vector<KernelInstance> kernels = decompose(g, rules_, precision_, random_batch());
  if (wide_)  // corners of the space, but not kernels that would take a CPU seconds to time
    std::erase_if(kernels, [](const KernelInstance& k) { return hw::kernel_macs(k.kernel) > kWideMaxMacs; });
  // A few kernels per network, so samples spread over many networks.
  for (int i = 0; i < 4 && !kernels.empty(); ++i) {
    const std::size_t at = std::uniform_int_distribution<std::size_t>(0, kernels.size() - 1)(rng_);
    pending_.push_back(std::move(kernels[at].kernel));
    kernels.erase(kernels.begin() + static_cast<std::ptrdiff_t>(at));
  }
}

hw::Kernel KernelSampler::next() {
  while (pending_.empty()) refill();
  hw::Kernel k = std::move(pending_.back());
  pending_.pop_back();
  return k;
}

}  // namespace hwnas::estimate

namespace hwnas::estimate {

std::vector<hw::Kernel> KernelSampler::next_batch(std::int64_t count) {
  std::vector<hw::Kernel> out;
  for (std::int64_t i = 0; i < count; ++i) out.push_back(next());
  return out;
}

void KernelSampler::reseed(std::uint64_t seed) {
  rng_.seed(seed);
  pending_.clear();
}

}  // namespace hwnas::estimate

#include "hwnas/train/proxies/zen.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <cmath>

#include "hwnas/train/network.h"
#include "hwnas/train/proxies/proxy_support.h"
#include "hwnas/train/proxies/proxy_taps.h"

namespace hwnas::train::proxies {
namespace {

/// The node whose value Zen-score compares: the input of the last global pool, else of
/// the first output.
graph::NodeId feature_node(const graph::Graph& graph) {
  const std::vector<graph::NodeId> pools = nodes_of<graph::GlobalPool>(graph);
  return graph.inputs(pools.empty() ? graph.output_nodes().front() : pools.back())[0];
}

class Zen : public Proxy {
 public:
  explicit Zen(ZenOptions options) : options_(options) {}
  std::string_view name() const override { return "zen"; }
  bool needs_data() const override { return false; }

  ProxyScore score(const graph::Graph& graph, const ProxyInput&, std::uint64_t seed) const override {
    const ProxyGuard guard(seed);
    const TappedGraph tapped = tap_nodes(graph, {feature_node(graph)});
    const graph::Shape& in = graph.shape(graph.input_nodes().front());
    const auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    const torch::NoGradGuard no_grad;
    Network network(tapped.graph, seed);
    network->train();
    double total = 0;
    for (std::int32_t r = 0; r < options_.repeats; ++r) {
      for (auto& [name, p] : network->graph_parameters())
        if (p.dim() >= 2) p.normal_(0.0, 1.0, generator);
      const torch::Tensor x = torch::empty({options_.batch, in.c, in.h, in.w}).normal_(0.0, 1.0, generator);
      const torch::Tensor noise = torch::empty_like(x).normal_(0.0, 1.0, generator);
      const std::vector<torch::Tensor> clean = network->forward(x);
      const std::vector<torch::Tensor> mixed = network->forward(x + options_.mixup_gamma * noise);
      const torch::Tensor f = clean[tapped.first_tap].to(torch::kDouble);
      const double delta =
          (f - mixed[tapped.first_tap].to(torch::kDouble)).abs().reshape({x.size(0), -1}).sum(1).mean().item<double>();
      if (!(delta > 0) || !std::isfinite(delta))
        return ProxyScore{0, false, fmt::format("Zen-score's feature difference Δ is {}", delta)};
      double log_bn_scale = 0;
      for (const auto& [tensor_name, t] : network->named_state())
        if (tensor_name.ends_with(".running_var")) log_bn_scale += 0.5 * std::log(t.mean().item<double>());
      total += std::log(delta) + log_bn_scale;
    }
    return checked_score(total / options_.repeats, name(), true);
  }

 private:
  ZenOptions options_;
};

}  // namespace

std::unique_ptr<Proxy> make_zen(ZenOptions options) { return std::make_unique<Zen>(options); }

}  // namespace hwnas::train::proxies

#include "hwnas/train/proxies/te_nas_ntk.h"

#include <fmt/format.h>

#include <algorithm>

#include "hwnas/train/network.h"
#include "hwnas/train/proxies/proxy_support.h"

namespace hwnas::train::proxies {
namespace {

// A kernel whose condition number exceeds 10¹² is singular to the float32 gradients' precision.
constexpr double kSingular = 1e-12;

class TeNasNtk : public Proxy {
 public:
  explicit TeNasNtk(std::int64_t max_images) : max_images_(max_images) {}
  std::string_view name() const override { return "te_nas_ntk"; }
  bool needs_data() const override { return true; }

  ProxyScore score(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed) const override {
    const ProxyGuard guard(seed);
    require_batch(input, name());
    Network network(graph, seed);
    network->train();
    std::vector<torch::Tensor> weights;
    for (const auto& [name, p] : network->graph_parameters())
      if (name.ends_with(".weight")) weights.push_back(p);
    const std::int64_t n = std::min(input.images.size(0), max_images_);
    const torch::Tensor y = joined_outputs(network->forward(input.images.slice(0, 0, n)));
    if (weights.empty() || !y.requires_grad()) return ProxyScore{0, false, "no weight reaches the output"};
    std::vector<torch::Tensor> rows;
    for (std::int64_t i = 0; i < n; ++i) {
      const std::vector<torch::Tensor> g = torch::autograd::grad({y[i].sum()}, weights, {}, true, false, true);
      std::vector<torch::Tensor> flat;
      for (std::size_t w = 0; w < weights.size(); ++w)
        flat.push_back(g[w].defined() ? g[w].reshape({-1}) : torch::zeros({weights[w].numel()}));
      rows.push_back(torch::cat(flat).to(torch::kDouble));
    }
    const torch::Tensor gradients = torch::stack(rows);
    const torch::Tensor eigenvalues = torch::linalg_eigvalsh(torch::mm(gradients, gradients.t()));
    const double smallest = eigenvalues[0].item<double>(), largest = eigenvalues[-1].item<double>();
    if (!(smallest > kSingular * largest))
      return ProxyScore{0, false, fmt::format("the NTK is singular (eigenvalues {} to {})", smallest, largest)};
    return checked_score(-largest / smallest, name(), true);
  }

 private:
  std::int64_t max_images_;
};

}  // namespace

std::unique_ptr<Proxy> make_te_nas_ntk(std::int64_t max_images) { return std::make_unique<TeNasNtk>(max_images); }

}  // namespace hwnas::train::proxies

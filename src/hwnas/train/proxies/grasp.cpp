#include "hwnas/train/proxies/grasp.h"

#include "hwnas/train/network.h"
#include "hwnas/train/proxies/proxy_support.h"

namespace hwnas::train::proxies {
namespace {

class Grasp : public Proxy {
 public:
  std::string_view name() const override { return "grasp"; }
  bool needs_data() const override { return true; }
  void check_graph(const graph::Graph& graph, Task task, std::int32_t classes) const override {
    require_task_head(graph, task, classes, name());
  }

  ProxyScore score(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed) const override {
    const ProxyGuard guard(seed);
    require_batch(input, name());
    require_task_head(graph, input.task, input.classes, name());
    Network network(graph, seed);
    network->train();
    network->set_twice_differentiable(true);  // the Hessian-gradient product differentiates a gradient
    std::vector<torch::Tensor> weights;
    for (const auto& [node, w] : conv_linear_weights(*network)) weights.push_back(w);
    const torch::Tensor loss = task_loss(graph, network->forward(input.images), input, name());
    if (weights.empty() || !loss.requires_grad()) return ProxyScore{0, false, "no weight reaches the loss"};
    const std::vector<torch::Tensor> g = torch::autograd::grad({loss}, weights, {}, true, true, true);
    torch::Tensor product = torch::zeros({}, loss.options());
    std::vector<torch::Tensor> reached;
    for (std::size_t i = 0; i < weights.size(); ++i)
      if (g[i].defined()) {
        product = product + (g[i] * g[i].detach()).sum();
        reached.push_back(weights[i]);
      }
    if (reached.empty() || !product.requires_grad()) return ProxyScore{0, false, "no weight reaches the loss"};
    const std::vector<torch::Tensor> hg = torch::autograd::grad({product}, reached, {}, false, false, true);
    double sum = 0;
    for (std::size_t i = 0; i < reached.size(); ++i)
      if (hg[i].defined()) sum -= (reached[i].detach() * hg[i]).sum().item<double>();
    return checked_score(sum, name());
  }
};

}  // namespace

std::unique_ptr<Proxy> make_grasp() { return std::make_unique<Grasp>(); }

}  // namespace hwnas::train::proxies

#include "hwnas/train/proxies/fisher.h"

#include "hwnas/train/network.h"
#include "hwnas/train/proxies/proxy_support.h"
#include "hwnas/train/proxies/proxy_taps.h"

namespace hwnas::train::proxies {
namespace {

class Fisher : public Proxy {
 public:
  std::string_view name() const override { return "fisher"; }
  bool needs_data() const override { return true; }
  void check_graph(const graph::Graph& graph, Task task, std::int32_t classes) const override {
    require_task_head(graph, task, classes, name());
  }

  ProxyScore score(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed) const override {
    const ProxyGuard guard(seed);
    require_batch(input, name());
    require_task_head(graph, input.task, input.classes, name());
    std::vector<graph::NodeId> layers = nodes_of<graph::Conv2d>(graph);
    const std::vector<graph::NodeId> linears = nodes_of<graph::Linear>(graph);
    layers.insert(layers.end(), linears.begin(), linears.end());
    if (layers.empty()) return ProxyScore{0, false, "the network has no conv2d or linear layer"};
    const TappedGraph tapped = tap_nodes(graph, layers);
    Network network(tapped.graph, seed, torch::MemoryFormat::Contiguous);
    network->train();
    const std::vector<torch::Tensor> outputs = network->forward(input.images);
    const torch::Tensor loss = task_loss(graph, outputs, input, name());  // the graph's outputs come first
    if (!loss.requires_grad()) return ProxyScore{0, false, "no parameter reaches the loss"};
    // A tapped flat value (a linear's) is a view; its base is what the network reads on.
    std::vector<torch::Tensor> activations;
    for (std::size_t i = tapped.first_tap; i < outputs.size(); ++i)
      activations.push_back(outputs[i].is_view() ? torch::Tensor(outputs[i]._base()) : outputs[i]);
    const std::vector<torch::Tensor> gradients =
        torch::autograd::grad({loss}, activations, {}, false, false, true);
    double sum = 0;
    for (std::size_t l = 0; l < activations.size(); ++l) {
      if (!gradients[l].defined()) continue;
      const std::int64_t n = activations[l].size(0), c = activations[l].size(1);
      const torch::Tensor per_channel =
          (activations[l].detach() * gradients[l]).reshape({n, c, -1}).sum(2).to(torch::kDouble);
      sum += per_channel.square().mean(0).mul(0.5).sum().item<double>();
    }
    return checked_score(sum, name());
  }
};

}  // namespace

std::unique_ptr<Proxy> make_fisher() { return std::make_unique<Fisher>(); }

}  // namespace hwnas::train::proxies

#include "hwnas/train/proxies/loss_gradients.h"

#include "hwnas/train/network.h"
#include "hwnas/train/proxies/proxy_support.h"

namespace hwnas::train::proxies {

std::vector<torch::Tensor> loss_gradients(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed,
                               std::string_view proxy) {
  require_batch(input, proxy);
  require_task_head(graph, input.task, input.classes, proxy);
  Network network(graph, seed);
  network->train();
  const torch::Tensor loss = task_loss(graph, network->forward(input.images), input, proxy);
  if (loss.requires_grad()) loss.backward();
  std::vector<torch::Tensor> out;
  for (const auto& [node, w] : conv_linear_weights(*network)) out.push_back(w);
  return out;
}

}  // namespace hwnas::train::proxies

#include "hwnas/train/proxies/loss_gradients.h"

#include "hwnas/train/network.h"
#include "hwnas/train/proxies/proxy_support.h"

namespace hwnas::train::proxies {

std::vector<torch::Tensor> loss_gradients(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed,
                               std::string_view proxy) {
  require_batch(input, proxy);
  require_classifier_head(graph, input.classes, proxy);
  Network network(graph, seed);
  network->train();
  const torch::Tensor loss = cross_entropy(classifier_logits(*network, input.images, input, proxy), input);
  if (loss.requires_grad()) loss.backward();
  std::vector<torch::Tensor> out;
  for (const auto& [node, w] : conv_linear_weights(*network)) out.push_back(w);
  return out;
}

}  // namespace hwnas::train::proxies

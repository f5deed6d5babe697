#include "hwnas/train/proxies/proxy_taps.h"

#include <fmt/format.h>

#include "hwnas/train/network.h"

namespace hwnas::train::proxies {

TappedGraph tap_nodes(const graph::Graph& graph, const std::vector<graph::NodeId>& nodes) {
  TappedGraph tapped{graph, graph.output_nodes().size()};
  for (const graph::NodeId id : nodes)
    tapped.graph.add(fmt::format("{}.proxy_tap", graph.node_name(id)), graph::Output{}, {id});
  return tapped;
}

std::vector<graph::NodeId> rectifier_nodes(const graph::Graph& graph) {
  std::vector<graph::NodeId> found;
  for (const graph::NodeId id : nodes_of<graph::Activation>(graph)) {
    const graph::ActKind kind = std::get<graph::Activation>(graph.op(id)).kind;
    if (kind == graph::ActKind::relu || kind == graph::ActKind::relu6) found.push_back(id);
  }
  return found;
}

std::vector<torch::Tensor> rectifier_codes(const graph::Graph& graph, const torch::Tensor& images,
                                           std::uint64_t seed) {
  const std::vector<graph::NodeId> rectifiers = rectifier_nodes(graph);
  if (rectifiers.empty()) return {};
  const TappedGraph tapped = tap_nodes(graph, rectifiers);
  Network network(tapped.graph, seed);
  network->train();
  const torch::NoGradGuard no_grad;
  const std::vector<torch::Tensor> outputs = network->forward(images);
  std::vector<torch::Tensor> codes;
  for (std::size_t i = tapped.first_tap; i < outputs.size(); ++i)
    codes.push_back(outputs[i].reshape({images.size(0), -1}).gt(0).to(torch::kFloat));
  return codes;
}

}  // namespace hwnas::train::proxies

#include "hwnas/train/proxies/proxy_support.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "hwnas/base/error.h"
#include "hwnas/train/model_input.h"

namespace hwnas::train::proxies {

std::vector<std::pair<std::string, torch::Tensor>> conv_linear_weights(NetworkImpl& network) {
  const graph::Graph& g = network.graph();
  std::vector<std::pair<std::string, torch::Tensor>> weights;
  const NamedTensors params = network.graph_parameters();
  for (graph::NodeId id = 0; id < g.size(); ++id) {
    if (!std::holds_alternative<graph::Conv2d>(g.op(id)) && !std::holds_alternative<graph::Linear>(g.op(id))) continue;
    const std::string name = fmt::format("{}.weight", g.node_name(id));
    for (const auto& [param_name, tensor] : params)
      if (param_name == name) weights.emplace_back(std::string(g.node_name(id)), tensor);
  }
  return weights;
}

void require_classifier_head(const graph::Graph& graph, std::int32_t classes, std::string_view proxy) {
  // The trainer's check, at the model's own class count when it gives more scores than
  // `classes` (a map is refused as one, named with [classes,1,1]).
  std::int32_t scores = classes;
  if (const std::vector<graph::NodeId> outputs = graph.output_nodes(); outputs.size() == 1)
    if (const graph::Shape& s = graph.shape(outputs.front()); s.h == 1 && s.w == 1) scores = std::max(classes, s.c);
  try {
    check_classifier(graph, scores);
  } catch (const UserError& e) {
    throw UserError(fmt::format("proxy {} scores classifiers of at least {} classes: {}", proxy, classes, e.what()));
  }
}

torch::Tensor as_logits(const torch::Tensor& first_output) { return first_output.flatten(1); }

torch::Tensor classifier_logits(NetworkImpl& network, const torch::Tensor& images, const ProxyInput& input,
                                std::string_view proxy) {
  require_classifier_head(network.graph(), input.classes, proxy);
  const torch::Tensor logits = as_logits(network.forward(images).front());
  HWNAS_CHECK(logits.dim() == 2 && logits.size(0) == images.size(0) && logits.size(1) >= input.classes);
  return logits;
}

torch::Tensor cross_entropy(const torch::Tensor& logits, const ProxyInput& input) {
  return torch::nn::functional::cross_entropy(logits, input.labels);
}

ProxyScore checked_score(double value, std::string_view proxy, bool zero_is_defined) {
  if (std::isnan(value)) return {0, false, fmt::format("{} is NaN", proxy)};
  if (std::isinf(value)) return {0, false, fmt::format("{} overflowed float64 (the sum is inf)", proxy)};
  if (value == 0 && !zero_is_defined)
    return {0, false,
            fmt::format("{} is 0: no weight reaches the output (every path from input to output is cut)", proxy)};
  return {value, true, ""};
}

double sum_abs(const std::vector<torch::Tensor>& tensors) {
  double sum = 0;
  for (const torch::Tensor& t : tensors) sum += t.detach().abs().sum(torch::kDouble).item<double>();
  return sum;
}

ProxyGuard::ProxyGuard() : grad_enabled_(torch::GradMode::is_enabled()) {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  {
    const std::lock_guard<std::mutex> lock(generator.mutex());
    generator_state_ = generator.get_state();
  }
  torch::GradMode::set_enabled(true);
}

ProxyGuard::~ProxyGuard() {
  torch::GradMode::set_enabled(grad_enabled_);
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  const std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(generator_state_);
}

void require_batch(const ProxyInput& input, std::string_view proxy) {
  if (!input.images.defined() || input.images.dim() != 4 || input.images.size(0) == 0)
    throw UserError(fmt::format("proxy {} needs a batch of images; it was given none", proxy));
  if (!input.labels.defined() || input.labels.dim() != 1 || input.labels.size(0) != input.images.size(0) ||
      input.classes <= 0)
    throw UserError(fmt::format("proxy {} needs one label per image and a class count", proxy));
}

}  // namespace hwnas::train::proxies

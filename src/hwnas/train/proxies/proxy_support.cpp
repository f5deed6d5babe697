#include "hwnas/train/proxies/proxy_support.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "hwnas/base/error.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/tasks/detection_task.h"
#include "hwnas/train/tasks/segmentation_task.h"
#include "hwnas/train/tasks/task_heads.h"

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

torch::Tensor joined_outputs(const std::vector<torch::Tensor>& outputs) {
  HWNAS_CHECK(!outputs.empty());
  std::vector<torch::Tensor> flat;
  for (const torch::Tensor& out : outputs) flat.push_back(out.flatten(1));
  return flat.size() == 1 ? flat.front() : torch::cat(flat, 1);
}

void require_task_head(const graph::Graph& graph, Task task, std::int32_t classes, std::string_view proxy) {
  if (task == Task::classification) return require_classifier_head(graph, classes, proxy);
  try {
    if (task == Task::detection)
      static_cast<void>(ssd_head_layout(graph, classes));
    else
      check_segmenter(graph, classes + 1);
  } catch (const UserError& e) {
    throw UserError(fmt::format("proxy {} scores {} of the scenes' {} object class{}: {}", proxy,
                                task == Task::detection ? "SSD detectors" : "segmenters", classes,
                                classes == 1 ? "" : "es", e.what()));
  }
}

torch::Tensor task_loss(const graph::Graph& graph, const std::vector<torch::Tensor>& outputs, const ProxyInput& input,
                        std::string_view proxy) {
  require_task_head(graph, input.task, input.classes, proxy);
  const std::size_t heads = graph.output_nodes().size();
  HWNAS_CHECK(outputs.size() >= heads && heads >= 1);
  if (input.task == Task::detection)
    return ssd_loss(ssd_head_layout(graph, input.classes),
                    std::vector<torch::Tensor>(outputs.begin(), outputs.begin() + static_cast<std::ptrdiff_t>(heads)),
                    input.boxes)
        .total;
  if (input.task == Task::segmentation) return segmentation_loss(outputs.front(), input.masks);
  const torch::Tensor logits = as_logits(outputs.front());
  HWNAS_CHECK(logits.dim() == 2 && logits.size(0) == input.images.size(0) && logits.size(1) >= input.classes);
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

ProxyGuard::ProxyGuard(std::uint64_t seed) : grad_enabled_(torch::GradMode::is_enabled()) {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  {
    const std::lock_guard<std::mutex> lock(generator.mutex());
    generator_state_ = generator.get_state();
    generator.set_current_seed(seed ^ 0x9e3779b97f4a7c15ULL);  // a stream apart from the weights' (same seed)
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
  const std::int64_t n = input.images.size(0);
  const bool targets = input.task == Task::classification
                           ? input.labels.defined() && input.labels.dim() == 1 && input.labels.size(0) == n
                       : input.task == Task::detection
                           ? static_cast<std::int64_t>(input.boxes.size()) == n
                           : input.masks.defined() && input.masks.dim() == 3 && input.masks.size(0) == n;
  if (!targets || input.classes <= 0)
    throw UserError(fmt::format("proxy {} needs one {} per image and a class count", proxy,
                                input.task == Task::classification ? "label"
                                : input.task == Task::detection    ? "list of boxes"
                                                                   : "mask"));
}

}  // namespace hwnas::train::proxies

#include "hwnas/train/optimizer.h"

#include <fmt/format.h>

#include <sstream>

#include "hwnas/base/error.h"

namespace hwnas::train {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const NamedTensors& parameters, const OptimizerConfig& c) {
  std::vector<torch::Tensor> decayed, not_decayed;
  for (const auto& [name, tensor] : parameters) (tensor.dim() >= 2 ? decayed : not_decayed).push_back(tensor);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto add_group = [&](std::vector<torch::Tensor>& tensors, double weight_decay) {
    if (tensors.empty()) return;
    std::unique_ptr<torch::optim::OptimizerOptions> options;
    if (c.kind == OptimizerKind::sgd)
      options = std::make_unique<torch::optim::SGDOptions>(
          torch::optim::SGDOptions(c.lr).momentum(c.momentum).nesterov(c.nesterov).weight_decay(weight_decay));
    else
      options = std::make_unique<torch::optim::AdamWOptions>(
          torch::optim::AdamWOptions(c.lr).betas({c.beta1, c.beta2}).weight_decay(weight_decay));
    groups.emplace_back(std::move(tensors), std::move(options));
  };
  add_group(decayed, c.weight_decay);
  add_group(not_decayed, 0.0);
  HWNAS_CHECK(!groups.empty());
  if (c.kind == OptimizerKind::sgd)
    return std::make_unique<torch::optim::SGD>(
        std::move(groups), torch::optim::SGDOptions(c.lr).momentum(c.momentum).nesterov(c.nesterov));
  return std::make_unique<torch::optim::AdamW>(std::move(groups), torch::optim::AdamWOptions(c.lr));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (torch::optim::OptimizerParamGroup& group : optimizer.param_groups()) group.options().set_lr(lr);
}

std::string save_optimizer_state(const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

void load_optimizer_state(torch::optim::Optimizer& optimizer, const std::string& bytes, std::string_view source) {
  try {
    std::istringstream in(bytes);
    torch::serialize::InputArchive archive;
    archive.load_from(in);
    optimizer.load(archive);
  } catch (const c10::Error& e) {
    const std::string why = e.what_without_backtrace();
    throw UserError(fmt::format("{}: the optimizer state cannot be restored ({}); drop --resume to start afresh",
                                source, why.substr(0, why.find('\n'))));
  }
}

}  // namespace hwnas::train

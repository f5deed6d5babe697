// The optimiser of a training run (train_options.h, OptimizerConfig): two parameter groups
// — conv and linear weights with weight decay, and every 1-D tensor (batch-norm weights
// and biases, conv and linear biases) without — and the per-step learning rate.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "hwnas/train/network.h"
#include "hwnas/train/train_options.h"

namespace hwnas::train {

/// torch::optim::SGD or AdamW over `parameters` (the trainable tensors; names unused but
/// for order): group 0 the tensors of 2 or more dimensions, decayed by
/// config.weight_decay; group 1 the 1-D ones, weight decay 0. A group with no tensor is
/// left out.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const NamedTensors& parameters, const OptimizerConfig& config);

/// Sets the learning rate of every group (the schedule's rate for the next step).
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

/// The optimiser's state (momentum buffers; AdamW's moments and step counts) as bytes
/// (torch's own archive format), for a checkpoint; and back into an optimiser made by
/// make_optimizer over the same parameters. `source` names the file in errors.
std::string save_optimizer_state(const torch::optim::Optimizer& optimizer);
void load_optimizer_state(torch::optim::Optimizer& optimizer, const std::string& bytes, std::string_view source);

}  // namespace hwnas::train

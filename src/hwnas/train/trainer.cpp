#include "hwnas/train/trainer.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <new>
#include <string_view>

#include "hwnas/base/error.h"
#include "hwnas/train/optimizer.h"
#include "hwnas/train/sampling.h"
#include "hwnas/train/schedule.h"

namespace hwnas::train {
namespace {

using Clock = std::chrono::steady_clock;

// The first tensor of `state` holding a NaN or an infinity, or "".
std::string first_non_finite(const NamedTensors& state) {
  for (const auto& [name, tensor] : state)
    if (tensor.is_floating_point() && !torch::isfinite(tensor).all().item<bool>()) return name;
  return "";
}

}  // namespace

TrainableModel trainable(Network& network) {
  TrainableModel m;
  m.module = network.ptr().get();
  m.logits = [&network](const torch::Tensor& images) { return network->forward(images).front().flatten(1); };
  m.parameters = [&network] { return network->graph_parameters(); };
  m.state = [&network] { return network->named_state(); };
  m.load_state = [&network](const NamedTensors& s, std::string_view source) { network->load_state(s, source); };
  return m;
}

std::int64_t steps_per_epoch(std::int64_t images, std::int32_t batch) {
  HWNAS_CHECK(images >= 2 && batch >= 1);
  return images < batch ? 1 : images / batch;
}

LabelledBatch labelled_batch(Batch& b) {
  return {torch::from_blob(b.pixels.data(), {b.n, b.channels, b.height, b.width}, torch::kFloat32).clone(),
          torch::from_blob(b.labels.data(), {b.n}, torch::kInt32).to(torch::kInt64)};
}

FitResult fit(TrainableModel& model, std::int64_t train_images, const BatchLoss& batch_loss, const TrainOptions& options,
              const ModelStamp& stamp, const ProgressCallback& progress) {
  FitResult result;
  const std::int64_t steps = steps_per_epoch(train_images, options.batch);
  const std::int64_t batch = std::min<std::int64_t>(options.batch, train_images);
  const CosineSchedule schedule{options.optimizer.lr, 0.0, steps * options.epochs,
                                warmup_steps_for(options.warmup, steps * options.epochs)};
  std::unique_ptr<torch::optim::Optimizer> optimizer = make_optimizer(model.parameters(), options.optimizer);
  const std::map<std::string, std::string> identity = run_identity(options);

  double first_loss = std::nan(""), seconds_before = 0;
  std::int64_t images_before = 0;
  if (options.resume) {
    const Checkpoint c = read_checkpoint(options.checkpoint);
    check_resumable(c, stamp, identity, options.checkpoint);
    model.load_state(c.tensors, options.checkpoint);
    load_optimizer_state(*optimizer, c.optimizer, options.checkpoint);
    result.resumed_from_epoch = result.epochs_done = c.epochs_done;
    first_loss = c.first_loss;
    result.seconds_before = seconds_before = c.seconds;
    images_before = c.images_seen;
  }

  // Training time only: each epoch's steps and checks, not the checkpoint writes (seconds
  // for a large model), so that the checkpoint's `seconds` after the last epoch and this
  // session's total add up to the same figure.
  double trained_seconds = 0;
  Clock::time_point epoch_start = Clock::now();
  auto elapsed = [&] {
    return trained_seconds + std::chrono::duration<double>(Clock::now() - epoch_start).count();
  };
  for (std::int32_t epoch = result.epochs_done; epoch < options.epochs; ++epoch) {
    epoch_start = Clock::now();
    model.module->train();
    torch::manual_seed(derive_seed(options.seed, static_cast<std::uint64_t>(epoch), std::uint64_t{1} << 32));
    const std::vector<std::int64_t> order = epoch_order(train_images, options.seed, epoch);
    double loss_sum = 0;
    for (std::int64_t step = 0; step < steps; ++step) {
      const std::span<const std::int64_t> positions(order.data() + step * batch, static_cast<std::size_t>(batch));
      const double lr = schedule.lr_at(epoch * steps + step);
      set_learning_rate(*optimizer, lr);
      // Gradients set to none, not to zero (PyTorch's zero_grad(set_to_none=True)): a weight
      // no gradient reaches in a step (a supernet's weights of subnets not drawn) is skipped
      // by the optimizer in that step, whether or not it had a gradient earlier in this
      // process, so a resumed run takes the steps of one that did not stop. (Zeroed, it kept
      // taking momentum and decay steps only where an earlier step of the process had
      // given it a gradient.) A network whose weights all get gradients trains the same.
      for (auto& group : optimizer->param_groups())
        for (auto& p : group.params()) p.mutable_grad().reset();
      const torch::Tensor loss = batch_loss(
          positions, derive_seed(options.seed, static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(step)),
          RunStep{epoch * steps + step, steps * options.epochs});
      const double value = loss.item<double>();
      const std::string where = fmt::format("epoch {} step {} (lr {:g})", epoch + 1, step + 1, lr);
      if (std::isnan(first_loss)) first_loss = value;
      if (!std::isfinite(value) || value > 100 * std::max(first_loss, 1.0)) {
        result.failed = true;
        result.failure = std::isfinite(value)
                             ? fmt::format("loss {:.4g} at {} is over 100 times the first step's {:.4g}: the run "
                                           "diverged; lower --lr",
                                           value, where, first_loss)
                             : fmt::format("loss is {} at {}: the run diverged; lower --lr", value, where);
        break;
      }
      loss.backward();
      optimizer->step();
      loss_sum += value;
      result.images += batch;
      if (progress) progress({epoch, options.epochs, step + 1, steps, loss_sum / static_cast<double>(step + 1),
                              static_cast<double>(result.images) / std::max(elapsed(), 1e-9)});
    }
    if (!result.failed)
      if (const std::string bad = first_non_finite(model.state()); !bad.empty()) {
        result.failed = true;
        result.failure = fmt::format("tensor '{}' is not finite after epoch {}: the run diverged; lower --lr", bad,
                                     epoch + 1);
      }
    trained_seconds = elapsed();
    if (result.failed) break;
    result.final_loss = loss_sum / static_cast<double>(steps);
    result.epochs_done = epoch + 1;
    if (!options.checkpoint.empty())
      write_checkpoint(options.checkpoint,
                       Checkpoint{stamp, identity, result.epochs_done, images_before + result.images,
                                  seconds_before + trained_seconds, first_loss, model.state(),
                                  save_optimizer_state(*optimizer)});
  }
  result.seconds = trained_seconds;
  return result;
}

FitResult fit_classifier(TrainableModel& model, std::int64_t train_images, const BatchSource& source,
                         const TrainOptions& options, const ModelStamp& stamp, const ProgressCallback& progress) {
  const auto smoothing = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(options.label_smoothing);
  const BatchLoss loss = [&](std::span<const std::int64_t> positions, std::uint64_t seed, RunStep) {
    const LabelledBatch b = source(positions, seed);
    return torch::nn::functional::cross_entropy(model.logits(b.images), b.labels, smoothing);
  };
  return fit(model, train_images, loss, options, stamp, progress);
}

ClassScores predict_classes(TrainableModel& model, std::int64_t images, const BatchSource& source,
                            std::int32_t batch) {
  HWNAS_CHECK(images >= 1 && batch >= 1);
  torch::NoGradGuard no_grad;
  model.module->eval();
  ClassScores out;
  std::vector<std::int64_t> positions;
  for (std::int64_t first = 0; first < images; first += batch) {
    positions.clear();
    for (std::int64_t i = first; i < std::min(images, first + batch); ++i) positions.push_back(i);
    const LabelledBatch b = source(positions, 0);
    const torch::Tensor logits = model.logits(b.images).to(torch::kFloat32).contiguous();
    out.classes = static_cast<std::int32_t>(logits.size(1));
    out.scores.insert(out.scores.end(), logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
    const torch::Tensor labels = b.labels.to(torch::kInt32).contiguous();
    out.labels.insert(out.labels.end(), labels.data_ptr<std::int32_t>(), labels.data_ptr<std::int32_t>() + labels.numel());
  }
  return out;
}

bool is_out_of_memory(const std::exception& e) {
  return dynamic_cast<const std::bad_alloc*>(&e) != nullptr ||
         std::string_view(e.what()).find("can't allocate memory") != std::string_view::npos;
}

void throw_out_of_memory(std::string_view model, std::int64_t batch, std::int32_t resolution) {
  throw UserError(fmt::format("model '{}' needs more memory than is available at batch {} and resolution {}: give a "
                              "smaller --batch or --res",
                              model, batch, resolution));
}

}  // namespace hwnas::train

// The training loop of every task: mini-batch SGD or AdamW (optimizer.h) under a cosine
// schedule with warm-up (schedule.h), a checkpoint after every epoch, and a run that
// diverges ending as failed with the reason — never a crash, never a number. The task
// enters as the loss of a batch (fit): cross-entropy with label smoothing for a classifier
// (fit_classifier), the SSD loss or the per-pixel cross-entropy for the scenes
// (scene_run.cpp). docs/training.md, "Training".
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/train/checkpoint.h"
#include "hwnas/train/data/batch.h"
#include "hwnas/train/network.h"
#include "hwnas/train/train_options.h"

namespace hwnas::train {

/// A network as the loop sees it: a Network (trainable()), or a hand-made module in tests.
struct TrainableModel {
  torch::nn::Module* module = nullptr;                        // switched by train() / eval()
  std::function<torch::Tensor(const torch::Tensor&)> logits;  // float [N,C,H,W] → [N, classes]
  std::function<NamedTensors()> parameters;                   // trainable tensors, stable order
  std::function<NamedTensors()> state;                        // parameters and buffers, by name
  std::function<void(const NamedTensors&, std::string_view source)> load_state;  // UserError on mismatch
};

/// `network` (one Output of [classes,1,1], model_input.h check_classifier) as a
/// TrainableModel; the network must outlive it.
TrainableModel trainable(Network& network);

/// Images float32 [N,C,H,W] and class labels int64 [N].
struct LabelledBatch {
  torch::Tensor images, labels;
};
/// A made batch (data/batch.h: pixels in [N, C, H, W] order, int32 labels) as tensors: the
/// images copied, the labels widened to int64.
LabelledBatch labelled_batch(Batch& batch);
/// The images at `positions` (indices into the run's training subset, or the test set),
/// augmented with `seed` for training.
using BatchSource = std::function<LabelledBatch(std::span<const std::int64_t> positions, std::uint64_t seed)>;


/// Steps per epoch over `images` training images: ⌊images / batch⌋ (the incomplete last
/// batch of a shuffle is dropped, so batch norm never sees a batch of one), or 1 when
/// images < batch (one batch of them all).
std::int64_t steps_per_epoch(std::int64_t images, std::int32_t batch);

struct FitResult {
  bool failed = false;
  std::string failure;                 // "loss is nan at epoch 2 step 37 (lr 1e+06); lower --lr"
  std::int32_t epochs_done = 0;        // completed epochs, resumed ones included
  std::int32_t resumed_from_epoch = 0; // epochs the checkpoint had done (0: a fresh run)
  std::int64_t images = 0;             // images trained on in this session
  double seconds = 0;                  // this session's training time (no evaluation, no checkpoint writes)
  double seconds_before = 0;           // resumed: the sessions' before it, from the checkpoint
  double final_loss = 0;               // mean loss of the last epoch trained in this session
};

/// Where a step is in the whole run: `step` 0 to steps − 1 over every epoch (epoch ×
/// steps_per_epoch + step within it), `steps` the run's (epochs × steps_per_epoch).
struct RunStep {
  std::int64_t step = 0, steps = 1;
};

/// The loss of one training batch, a differentiable scalar: the images at `positions`
/// (indices into the run's training subset), augmented with `seed`, through the model and
/// the task's loss; `at` is the step's place in the run (a schedule of what is trained,
/// such as the supernet's progressive shrinking, follows it). The model is in training mode
/// when it is called.
using BatchLoss =
    std::function<torch::Tensor(std::span<const std::int64_t> positions, std::uint64_t seed, RunStep at)>;

/// Trains `model` for options.epochs over `train_images` images (>= 2), each step
/// minimising `loss` of its batch: epoch e visits epoch_order(train_images, seed, e) (sampling.h), step s's
/// augmentation seed is derive_seed(seed, e, s), and torch's global generator (dropout) is
/// seeded with derive_seed(seed, e, 2^32) at each epoch's start; so with the same seed and
/// threads two runs give the same weights bit for bit, and a run resumed from an epoch's
/// checkpoint ends as one that did not stop. The learning rate follows the cosine
/// schedule per step from options.optimizer.lr with options.warmup of the steps warming up.
/// When options.checkpoint is set, the checkpoint is written after each epoch; with
/// options.resume it is read first (check_resumable against `stamp` and run_identity).
/// A loss that is NaN or infinite, or above 100 × max(first step's loss, 1), or weights
/// that are not finite after an epoch end the run as failed (FitResult::failure names
/// the epoch and step). UserError for a checkpoint that cannot be resumed, and whatever
/// `loss` throws. model.logits is not used.
FitResult fit(TrainableModel& model, std::int64_t train_images, const BatchLoss& loss, const TrainOptions& options,
              const ModelStamp& stamp, const ProgressCallback& progress);

/// Copies what `fit` did into a run's record (classification_run.h, scene_run.h): failed,
/// failure, epochs_done, resumed_from_epoch, images_trained, train_seconds, images_per_s.
template <class Run>
void record_fit(const FitResult& fit, Run& run) {
  run.failed = fit.failed;
  run.failure = fit.failure;
  run.epochs_done = fit.epochs_done;
  run.resumed_from_epoch = fit.resumed_from_epoch;
  run.images_trained = fit.images;
  run.train_seconds = fit.seconds;
  run.images_per_s = fit.seconds > 0 ? static_cast<double>(fit.images) / fit.seconds : 0;
}

/// fit() with the classifier's loss: cross-entropy of model.logits on `source`'s batches
/// with options.label_smoothing (Szegedy et al. 2016, §7).
FitResult fit_classifier(TrainableModel& model, std::int64_t train_images, const BatchSource& source,
                         const TrainOptions& options, const ModelStamp& stamp, const ProgressCallback& progress);

/// Class scores of `images` test images in eval mode without gradients, in batches of
/// `batch`: row-major [images × classes] logits, and the labels.
struct ClassScores {
  std::vector<float> scores;
  std::vector<std::int32_t> labels;
  std::int32_t classes = 0;
};
ClassScores predict_classes(TrainableModel& model, std::int64_t images, const BatchSource& source,
                            std::int32_t batch);

/// Whether `e` is an allocation that failed: std::bad_alloc (a batch's pixels, a
/// std::vector) or torch's "DefaultCPUAllocator: can't allocate memory" (c10/core/impl/alloc_cpu.cpp).
bool is_out_of_memory(const std::exception& e);
/// UserError "model 'M' needs more memory than is available at batch B and resolution R:
/// give a smaller --batch or --res", as hwnas proxy and the scene tasks refuse it.
[[noreturn]] void throw_out_of_memory(std::string_view model, std::int64_t batch, std::int32_t resolution);

/// `work()`, with an allocation that fails in it (is_out_of_memory) refused as
/// throw_out_of_memory's one-line UserError instead of an internal error with a backtrace
/// (s32 fresh-user finding 3). Other exceptions pass through.
template <class Work>
decltype(auto) refusing_out_of_memory(std::string_view model, std::int64_t batch, std::int32_t resolution,
                                      Work&& work) {
  try {
    return work();
  } catch (const std::exception& e) {
    if (!is_out_of_memory(e)) throw;
    throw_out_of_memory(model, batch, resolution);
  }
}

}  // namespace hwnas::train

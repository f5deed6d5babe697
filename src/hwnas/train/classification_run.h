// `hwnas train` and `hwnas evaluate` for classification on Fashion-MNIST: everything
// between the command line and the training loop — the checks that refuse bad input before
// any work (one-line UserErrors, nothing written), the data at the run's resolution and
// channels, the network, the loop (trainer.h), the test-set metrics, and the weights.
// Torch-free header, so the CLI compiles without torch. docs/training.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hwnas/graph/graph.h"
#include "hwnas/train/train_options.h"
#include "hwnas/train/weight_transfer.h"

namespace hwnas::train {

/// What a training or an evaluation did.
struct ClassificationRun {
  std::string model;                  // the graph's name
  bool failed = false;                // the training diverged: `failure` says where; no metrics
  std::string failure;
  double top1 = 0, top5 = 0;          // fractions of the measured images, when not failed
  std::int64_t test_images = 0;       // the images measured: the test set's, or (validation) the held-out ones
  bool validation = false;            // measured on TrainOptions::validation held-out training images
  std::int32_t resolution = 0, channels = 0, threads = 0;
  std::int64_t train_images = 0;      // the training subset's size (0 for evaluate)
  std::int32_t epochs_done = 0, resumed_from_epoch = 0;
  std::int64_t images_trained = 0;    // in this session
  double train_seconds = 0, images_per_s = 0, eval_seconds = 0;  // train_seconds: this session's
  double resumed_train_seconds = 0;   // resumed: the training time of the sessions before (checkpoint)
  std::optional<WeightTransfer> init; // with TrainOptions::init_from: what the network started from
};

/// Trains `model` (options.task is classification: scene_run.h trains detectors and
/// segmenters; another task is an InternalError) on Fashion-MNIST from options.data_dir
/// (default_fashion_mnist_dir() when empty; each split is read once per process and kept
/// while its files' sizes and modification times stay, for `hwnas-train train --serve`;
/// a run never changes it, so runs in one process equal runs of their own), then measures top-1 and top-5 on the whole
/// test set (or, with options.validation, on that many training images held out by
/// validation_split, sampling.h; the subset is then drawn from the rest) and writes
/// options.save. Images are resized to options.resolution (the
/// model's own when 0; the model is rebuilt at that size, model_input.h), replicated to the
/// model's input channels, normalised by the training set's pixel mean and standard
/// deviation, and augmented (crop after padding by res/14 pixels, horizontal flip). torch
/// runs on resolve_threads(options.threads) threads. Before any work, UserError for: bad
/// knobs (check_train_options), an unsupported task, a missing or damaged dataset, a model
/// that is not a classifier of 10 classes or that the network builder cannot express
/// (naming the node), an input of other than 1 or 3 channels, --validation leaving fewer than
/// 2 training images, --save or --checkpoint paths
/// that cannot be written (or are the model file, the --init-from file or each other), a
/// checkpoint that cannot be resumed, and an --init-from file that cannot be read (after
/// the data is loaded: one that shares no parameter with the model, init_from_weights).
/// With options.init_from the network starts from that file's tensors (weight_transfer.h)
/// instead of the seed's alone, then trains under the same schedule: fine-tuning with few
/// --epochs and a lower --lr. `model_file` (empty for zoo specs) is the MODEL file, never
/// overwritten. A diverging run returns failed with the reason, writes no weights.
ClassificationRun train_classification(const graph::Graph& model, const std::string& model_file,
                                       const TrainOptions& options, const ProgressCallback& progress);

struct EvaluateOptions {
  std::string weights;      // a weights file written by train_classification
  std::string data_dir;     // as TrainOptions
  std::int32_t threads = 0;
  std::int32_t batch = 256;
};

/// Loads `weights` into `model` (rebuilt at the resolution the weights were trained at)
/// and measures top-1 and top-5 on the whole Fashion-MNIST test set. UserError when the
/// file is not a weights file, or its tensors are another model's (naming the first tensor
/// that is missing, extra or of another shape), or it was trained for another task (naming
/// the --task to give) or on
/// another architecture with the same tensors (naming both graph hashes).
ClassificationRun evaluate_classification(const graph::Graph& model, const EvaluateOptions& options);

}  // namespace hwnas::train

// Fine-tuning the advisor's combined model from the baseline's trained weights (issue 12 §2;
// docs/advisor.md, "Fine-tuning the result"): `hwnas advise MODEL ... --out M2 --finetune W`.
//
//   1. the metric before: hwnas-train evaluate MODEL --weights W --json (the baseline's own
//      weights, no training), which also checks that W are MODEL's weights;
//   2. the metric after: hwnas-train train M2 --init-from W --json (docs/training.md,
//      "Initialising from another model's weights") at the weights' task and resolution
//      (the combined model's own when a rewrite changed the resolution), which measures the
//      trained model on the same test set.
//
// Both steps run hwnas-train, the executable beside hwnas, in a process group of its own
// (search/trial_program.h), so this library stays torch-free. A step's refusal (exit 2) is
// a UserError quoting hwnas-train's one line; a training that diverged (exit 3) is a
// result with `failure` set; a killed hwnas-train is a UserError naming the step.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "hwnas/advise/advisor_report.h"
#include "hwnas/graph/graph.h"

namespace hwnas::advise {

struct FinetuneOptions {
  std::string weights;                 // the baseline's weights file (hwnas train --save)
  std::string save;                    // where the fine-tuned weights go (the caller writes them)
  std::string data_dir;                // as hwnas train --data; empty: the task's default
  std::int32_t epochs = 1;             // 1 to 10,000
  double lr = 0.01;                    // peak learning rate of hwnas train's SGD schedule
  std::optional<double> weight_decay;  // unset: hwnas train's (SGD: 4e-5)
  double subset = 1;                   // share of the training set, (0, 1], class-stratified
  std::int32_t threads = 0;            // torch threads of both steps; 0: the machine's cores
  std::uint64_t seed = 0;              // as hwnas train --seed
  std::function<void(const std::string&)> progress;  // a line per step and per epoch trained (stderr in the CLI)
};

/// A measurement of one model: `accuracy` in percent (classification top-1; detection
/// 100 x mAP@0.5; segmentation 100 x mIoU) and the `metrics` object of hwnas-train --json
/// (top1, top5 as fractions; map_50, map_50_95, ...; miou, pixel_accuracy, ...).
struct TaskMetrics {
  double accuracy = 0;
  nlohmann::json metrics;
};

/// What step 1 found: the weights' task and resolution and the metric before.
struct Baseline {
  std::string task;             // "classification", "detection", "segmentation"
  std::int32_t resolution = 0;  // the side the weights were trained at
  std::int32_t scene_size = 0;  // detection, segmentation: the scenes' side (else 0)
  std::string scene_labels;     // detection, segmentation: "items" or "presence"
  TaskMetrics before;
  double seconds = 0;           // wall time of the evaluation
};

struct FinetuneResult {
  Baseline baseline;
  std::int32_t resolution = 0;  // the side the combined model was trained at
  TaskMetrics after;
  nlohmann::json init_from;     // hwnas-train's record of what --init-from copied (train_output.cpp)
  std::int64_t train_images = 0;
  std::int32_t epochs = 0, threads = 0;
  double lr = 0, weight_decay = 0, train_seconds = 0, images_per_s = 0;
  std::string weights_bytes;    // the fine-tuned weights file's content, for options.save
  std::string failure;          // not empty: the training diverged (then no `after`, no weights)
};

/// hwnas-train beside the running executable; UserError saying how to build it when missing.
std::filesystem::path finetune_program();

/// The checks before any work, each a UserError naming its option: the training knobs with
/// the trainer's own ranges (train_options.h: --finetune-epochs 1 to 10,000, --finetune-lr
/// > 0, --finetune-subset (0, 1], --finetune-threads 1 to 1,024, --finetune-weight-decay
/// [0, 1]); the weights file readable and a regular file.
void check_finetune_options(const FinetuneOptions& options);

/// Step 1 on `model_arg` (the MODEL argument as the user gave it; `model` the graph it
/// loads to). UserError "--finetune W: ..." with hwnas-train's reason when it refuses W (not
/// a weights file, a checkpoint, another model's), or its own line when the data are
/// missing; and when W were trained at another resolution than `model`'s input (the advice
/// would value another input than the one the weights see).
Baseline evaluate_baseline(const std::string& model_arg, const graph::Graph& model, const FinetuneOptions& options,
                           const std::filesystem::path& program);

/// Step 2: trains `combined` (the advice's final graph, named `name` in messages: the --out
/// file) from options.weights at `baseline`'s task and at `combined`'s input side (the
/// weights' resolution, which evaluate_baseline checked is the model's, unless a rewrite
/// scaled it), and returns both metrics and the weights. Throws UserError naming the step
/// as described above.
FinetuneResult finetune(const graph::Graph& combined, const Baseline& baseline, const FinetuneOptions& options,
                        const std::filesystem::path& program, const std::string& name);

/// finetune_report.cpp: the text block printed after the advice (initialisation, the
/// metrics before -> after, the time), the JSON object {"weights", "save", "task",
/// "resolution", "epochs", "lr", "weight_decay", "subset", "threads", "seed",
/// "train_images", "before": {"accuracy", "metrics"}, "after": {...}, "change_points",
/// "init_from", "seconds", "images_per_s", "evaluate_seconds"}, and the summary page's section.
std::string finetune_text(const FinetuneResult& result, const FinetuneOptions& options);
nlohmann::ordered_json finetune_json(const FinetuneResult& result, const FinetuneOptions& options);
SummarySection finetune_section(const FinetuneResult& result, const FinetuneOptions& options);

}  // namespace hwnas::advise

// What `hwnas train` and `hwnas evaluate` print: the JSON object (--json) and the text
// lines, for classification (train/classification_run.h) and for detection and
// segmentation (train/scene_run.h). One shape for every task: `model`, `task`, `status`,
// `failure` (when failed), `accuracy` (the search's one figure, 0–100: top-1 %, 100 ×
// mAP@0.5 or 100 × mIoU; absent when failed), `metrics` (the task's), then the run's
// facts. docs/training.md, "hwnas train / evaluate".
#pragma once

#include <nlohmann/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "hwnas/train/classification_run.h"
#include "hwnas/cli/progress.h"
#include "hwnas/train/scene_run.h"
#include "hwnas/train/train_options.h"

namespace hwnas::cli {

/// The --json object of a run; `trained` adds the training's fields (train only).
nlohmann::ordered_json run_json(const train::ClassificationRun& run, bool trained);
nlohmann::ordered_json run_json(const train::SceneRun& run, bool trained);

/// The text lines after a training: what was trained, the throughput, the metrics, the
/// peak RSS and where the weights went (`save`, when not empty).
void print_trained(const train::ClassificationRun& run, const std::string& save);
void print_trained(const train::SceneRun& run, const std::string& save);

/// The metric lines of a run (train's and evaluate's).
void print_metrics(const train::ClassificationRun& run);
void print_metrics(const train::SceneRun& run);

/// The images an epoch of this session trained when fewer than `train_images`: an epoch
/// trains whole batches only (trainer.h), so with 600 images and --batch 128 it trains 512,
/// and "600 training images" must not stand for them. nullopt when every image was trained,
/// or no epoch ran this session (`epochs` = epochs done − resumed from).
std::optional<std::int64_t> images_an_epoch_if_fewer(std::int64_t epochs, std::int64_t images_trained,
                                                     std::int64_t train_images);

/// A training predicted to need more than this is told how to try the commands quickly.
inline constexpr double kLongTrainingSeconds = 2 * 3600;

/// The training's progress on `bar` (which must outlive the callback): on a terminal a bar
/// redrawn in place; in a log (nohup, CI) a line at the first step and at the end of each
/// epoch, each with the epoch, the loss and the images per second. Once the pace is known
/// (10 s or 1% of the steps after the first report, whose step includes the start-up), a
/// run predicted to need more than kLongTrainingSeconds more gets one note: "LABEL: at this
/// pace the training needs about 3h49m more; to check that everything works, fewer
/// --epochs and a --subset (e.g. --epochs 1 --subset 0.02) take minutes" (hwnas train,
/// hwnas supernet train; docs/training.md).
train::ProgressCallback training_progress(ProgressBar& bar);

/// --data of a classification run must hold Fashion-MNIST's files (train and test); checked
/// before the model is read. UserError naming --data (the data module's names the directory
/// alone). Empty: the default directory, checked later.
void check_classification_data(const std::string& dir);

/// What a training did, for the text line after it: "3 epochs: 33,792 images in 12.5 s"
/// (`this_session`: " in 12.5 s" and what follows, from the caller), or with a resume
/// "3 epochs (resumed after epoch 1, 4.1 s of training before): ...", or, when the
/// checkpoint had done every epoch, "3 epochs, all in the checkpoint (its training took
/// 12.4 s): nothing left to train" rather than a time of 0.0 s (hwnas train and hwnas
/// supernet train).
std::string epochs_text(std::int32_t epochs_done, std::int32_t resumed_from_epoch, double resumed_train_seconds,
                        const std::string& this_session);

/// Peak resident memory of this process, bytes (getrusage).
std::int64_t peak_rss_bytes();

}  // namespace hwnas::cli

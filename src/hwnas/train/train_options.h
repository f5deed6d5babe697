// What a training run is told: the task, the data, the fidelity (epochs, subset,
// resolution), the optimiser and its schedule, the threads and the seed, and where its
// weights and checkpoint go. Torch-free, so the CLI and the search's experiment files can
// build and check options without libtorch. docs/training.md, "Training".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "hwnas/train/data/image_set.h"
#include "hwnas/train/data/scenes.h"

namespace hwnas::train {

enum class OptimizerKind : std::uint8_t { sgd, adamw };

std::string_view optimizer_name(OptimizerKind kind);  // "sgd", "adamw"
/// "sgd" or "adamw"; UserError naming `option` and the choices otherwise.
OptimizerKind parse_optimizer(std::string_view text, std::string_view option);
/// "classification", "detection" or "segmentation"; UserError naming `option` otherwise.
Task parse_task(std::string_view text, std::string_view option);

/// torch::optim::SGD (PyTorch's momentum form: v = μ·v + g, Nesterov p −= lr·(g + μ·v)) or
/// torch::optim::AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization",
/// ICLR 2019). Weight decay applies to conv and linear weights only: never to batch-norm
/// weights or any bias (1-D tensors), as in Goyal et al. 2017, §5.1 ("no bias decay").
struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::sgd;
  double lr = 0.1;              // peak learning rate (after warm-up)
  double momentum = 0.9;        // sgd
  bool nesterov = true;         // sgd
  double weight_decay = 4e-5;   // sgd: L2 added to the gradient; adamw: decoupled
  double beta1 = 0.9, beta2 = 0.999;  // adamw
};

/// The defaults of `kind`: sgd lr 0.1, weight decay 4e-5 (MobileNetV2's, Sandler et al.
/// 2018 §6.1); adamw lr 0.002, weight decay 0.05.
OptimizerConfig default_optimizer(OptimizerKind kind);

/// The largest label smoothing hwnas train --label-smoothing and an experiment's
/// accuracy.train.label_smoothing accept (both check against this one constant).
inline constexpr double kMaxLabelSmoothing = 0.999;

struct TrainOptions {
  Task task = Task::classification;
  std::string data_dir;               // empty: the task's default (Fashion-MNIST: Debian's; scenes: the
                                      // scene cache, data/scene_cache.h default_scene_cache_dir)
  std::int32_t epochs = 10;           // 1 to 10,000
  double subset = 1.0;                // share of the training set, (0, 1], class-stratified by seed
  std::int32_t resolution = 0;        // input height and width, 8 to 1,024; 0: the model's own
  std::int32_t threads = 0;           // torch intra-op threads, 1 to 1,024; 0: the machine's cores
  std::uint64_t seed = 0;             // weights, subset, shuffles, augmentation, dropout
  std::int64_t validation = 0;        // classification: training images held out and measured
                                      // instead of the test set (sampling.h validation_split), 0 to
                                      // 30,000; 0: measure on the test set
  std::int32_t batch = 128;           // 1 to 65,536
  OptimizerConfig optimizer;
  double label_smoothing = 0.1;       // [0, kMaxLabelSmoothing]: Szegedy et al. 2016, §7
  double warmup = 0.05;               // share of all steps spent warming up, [0, 1]
  bool augment = true;                // random crop (pad 2 at 28 pixels, scaled) and horizontal flip
  std::string checkpoint;             // written after every epoch when not empty
  bool resume = false;                // continue from `checkpoint`
  std::string save;                   // final weights, when not empty
  std::string init_from;              // when not empty: a weights file or checkpoint whose tensors
                                      // initialise the network (weight_transfer.h); then training as usual
  // Scenes (detection and segmentation only; data/scenes.h, drawn from Fashion-MNIST's
  // default directory or $HWNAS_FASHION_MNIST_DIR):
  std::int64_t scenes = 10'000;       // training scenes, 2 to 1,000,000 (then --subset of them)
  std::int64_t test_scenes = 1'000;   // test scenes, all measured, 1 to 1,000,000
  std::int32_t scene_size = 96;       // canvas side, 32 to 1,024; item sides scale with it (28–56 at 96)
  SceneLabels scene_labels = SceneLabels::items;  // items: 10 classes; presence: 1 ("person-like")
  // Diagnostics of detection and segmentation (refused for classification):
  bool test_on_train = false;         // measure on the training scenes trained on (the --subset, not
                                      // augmented) instead of test scenes: an overfitting check
  bool measure_each_epoch = false;    // also measure after every epoch but the last (SceneRun::curve)
};

/// "items" or "presence"; UserError naming `option` otherwise.
SceneLabels parse_scene_labels(std::string_view text, std::string_view option);
std::string_view scene_labels_name(SceneLabels labels);

/// The scene options of a run: the default SceneOptions at options.scene_size (item_min and
/// item_max scaled by scene_size / 96 and rounded) with options.scene_labels.
SceneOptions scene_options(const TrainOptions& options);

/// Where a running training stands, for a progress bar (the trainer calls it per step).
struct StepProgress {
  std::int32_t epoch = 0, epochs = 0;  // 0-based epoch of the step, and all of them
  std::int64_t step = 0, steps = 0;    // 1-based step within the epoch, steps per epoch
  double loss = 0;                     // mean training loss of the epoch so far
  double images_per_s = 0;             // this session's training throughput so far
  std::string note;                    // not empty: a line to show, not a step (the fields above are 0),
                                       // e.g. that scenes are being generated
};
using ProgressCallback = std::function<void(const StepProgress&)>;

/// Throws UserError naming the option (CLI spelling, e.g. "--subset 0 is out of range
/// (0, 1]") when a knob is outside the ranges above (the scene knobs for detection and
/// segmentation; for classification a scene knob other than its default is refused), or
/// --resume lacks --checkpoint.
void check_train_options(const TrainOptions& options);

/// Throws UserError "PATH: the WHAT would be written into the dataset directory DIR
/// (...); write it elsewhere" when `path`'s directory is `data_dir` (or, empty, the task's
/// default: Debian's Fashion-MNIST or the scene cache) or Fashion-MNIST's directory, the
/// datasets a training reads: a weights file named like a dataset file would replace it.
void check_not_in_dataset_dir(const std::string& path, std::string_view what, Task task, const std::string& data_dir);

/// Throws UserError "PATH: the WHAT is a torch pickle, not a model or config file; name it
/// e.g. STEM.SUFFIX (a .yaml name would replace a model, space or experiment file)" when
/// `path` ends in .yaml, .yml, .json, .onnx or .csv. `suffix`: the usual one (".pt").
void check_pickle_output_name(const std::string& path, std::string_view what, std::string_view suffix);

/// Throws UserError "C exists: give --resume to continue it, or remove it" when
/// options.checkpoint names an existing file and options.resume is off (it would be
/// replaced by the new run's first epoch), and "C: no such checkpoint (--checkpoint,
/// --resume): ...; drop --resume to start the run" when options.resume is on and there is
/// no such file.
void check_fresh_checkpoint(const TrainOptions& options);

/// The outputs of a training checked before any work: --save and --checkpoint
/// (check_output_path: neither is MODEL's `model_file`, --init-from or the other;
/// check_pickle_output_name; check_fresh_checkpoint), then check_not_in_dataset_dir for
/// each. Call it after the data check, so that missing data is reported first. Throws
/// UserError.
void check_run_outputs(const TrainOptions& options, const std::string& model_file);

/// The cores torch may use when `threads` is 0 (std::thread::hardware_concurrency, ≥ 1).
std::int32_t resolve_threads(std::int32_t threads);

/// Images per class label of Fashion-MNIST's training split in `dir` (its labels file
/// alone; fashion_mnist_files' errors when missing, a one-line UserError naming the file
/// when unreadable or a label is outside 0-9).
std::map<std::int32_t, std::int64_t> training_class_sizes(const std::string& dir);

/// How many images a classification run trains on: training_subset(fraction) (sampling.h)
/// of the images validation_split(validation) leaves, from the class sizes alone. Each
/// class holds out its share of `validation` rounded down, and one more for the classes of
/// the largest remainders (ties: the lower label), as validation_split does; of the rest it
/// keeps round(fraction · count), at least one.
std::int64_t training_images(const std::map<std::int32_t, std::int64_t>& class_sizes, std::int64_t validation,
                             double fraction);

/// Throws UserError "SUBSET X leaves N training images, fewer than one batch of B (BATCH);
/// give SUBSET at least Y" (Y: the smallest such fraction, rounded up to 3 significant
/// digits; "give a smaller BATCH (at most N)" when no fraction fills one) unless the run
/// trains on at least `batch` images. `subset_name`, `batch_name`: the option names
/// ("--subset", "--batch") or keys.
void check_subset_fills_batch(const std::map<std::int32_t, std::int64_t>& class_sizes, std::int64_t validation,
                              double subset, std::int64_t batch, std::string_view subset_name,
                              std::string_view batch_name);

/// The same for `options` (its validation, subset and batch) on the training split in
/// options.data_dir (training_class_sizes, whose errors it throws too): what `train
/// --serve`, `supernet train` and a search's accuracy.train check before any training.
void check_subset_fills_batch(const TrainOptions& options, std::string_view subset_name, std::string_view batch_name);

/// The most torch threads a run may ask for: 4 × this machine's cores (resolve_threads(0)),
/// at most 1024. More only oversubscribes the cores (a typo such as --threads 1000).
std::int32_t max_threads();

/// Throws UserError "NAME N is more than 4 × the C cores of this machine (...); give 1 to M"
/// for `threads` above max_threads(), and "NAME N is out of range [1, M]" below 1. `name`:
/// the option, e.g. "--threads"; empty: the message starts at N (for the caller to name a key).
void check_threads(std::int64_t threads, std::string_view name);

/// Everything that decides a run's trajectory, as option → value text (CLI spelling), for
/// a checkpoint to refuse a resume under other options ("--epochs": "3"); for detection and
/// segmentation also --scenes, --scene-size and --scene-labels; --validation and
/// --init-from (its path as given) when set.
std::map<std::string, std::string> run_identity(const TrainOptions& options);

}  // namespace hwnas::train

// hwnas train MODEL / hwnas evaluate MODEL --weights W: parses, prints (train_output.h);
// the work is train/classification_run.h's (classification) and train/scene_run.h's
// (detection, segmentation).
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/model_arg.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/number_options.h"
#include "hwnas/cli/progress.h"
#include "hwnas/cli/resume_note.h"
#include "hwnas/cli/run_app.h"
#include "hwnas/cli/serve_loop.h"
#include "hwnas/cli/train_output.h"
#include "hwnas/space/models.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/classification_run.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/scene_run.h"

namespace hwnas::cli {
namespace {

std::string model_file_of(const std::string& model) {
  std::error_code ec;
  return std::filesystem::is_regular_file(model, ec) ? model : "";
}

// A weights file or checkpoint given as MODEL (s32 fresh-user finding 9: "unknown zoo
// model 'a.pt'"): refused saying what it is and where it goes. Both are zip archives
// (torch's pickle format), which no model file is.
void refuse_weights_as_model(const std::string& model, std::string_view verb) {
  std::ifstream in(model, std::ios::binary);
  char magic[4] = {};
  if (model_file_of(model).empty() || !in.read(magic, 4) || std::string_view(magic, 4) != "PK\x03\x04") return;
  std::string of;
  try {
    of = fmt::format(" of model '{}'", train::read_weights_or_checkpoint(model, "MODEL").stamp.model);
  } catch (const UserError&) {  // another torch pickle, or a damaged one: said generally
  }
  throw UserError(fmt::format("MODEL {}: is a weights file or checkpoint{} (a torch pickle), not a model; give the "
                              "MODEL it was trained for (a zoo spec or model file) and {}",
                              printable(model, 120), of,
                              verb == "evaluate" ? fmt::format("--weights {}", printable(model, 120))
                                                 : fmt::format("the file to --init-from (weights to start from) or to "
                                                               "--checkpoint with --resume (a run to continue)")));
}

// The scene knobs both verbs take.
struct SceneArgs {
  std::string labels = "items";
};
void add_scene_options(CLI::App* cmd, std::int64_t& test_scenes, std::int32_t& scene_size, SceneArgs& args) {
  add_integer_option(cmd, "--test-scenes", test_scenes, 1, 1'000'000, "detection, segmentation: test scenes measured");
  add_integer_option(cmd, "--scene-size", scene_size, 32, 1024, "detection, segmentation: scene canvas side, pixels");
  cmd->add_option("--scene-labels", args.labels, "detection, segmentation: items (10 classes) or presence (1)")
      ->default_str("items");
}

// Prints a run's result and exits 3 when it failed.
template <class Run>
void report_training(const Run& r, bool json, const std::string& save) {
  if (json) emit_json(run_json(r, true));
  if (r.failed) {
    fmt::print(stderr, "hwnas: training failed: {}\n", r.failure);
    std::exit(kTrainingFailed);
  }
  if (!json) print_trained(r, save);
}

// --serve (serve_loop.h): one MODEL (a model file or zoo spec) per stdin line, each trained
// with the command line's options and answered with --json's object on one line, a
// diverged training's included (status "failed"); {"model", "error"} for a model it
// refuses. The data is read once (classification_run.h), so a short training pays no
// start-up but its own: the search's accuracy source `train` keeps one such process per
// worker (search/train_accuracy.cpp).
void serve_trainings(const train::TrainOptions& options) {
  serve_lines(
      std::cin, stdout,
      [&](const std::string& request) {
        const graph::Graph g = load_model_arg(request);
        // "model" is the network's name, as in --json; "request" the line it answers.
        nlohmann::ordered_json answer =
            options.task == train::Task::classification
                ? run_json(train::train_classification(g, model_file_of(request), options, {}), true)
                : run_json(train::train_scenes(g, model_file_of(request), options, {}), true);
        answer["request"] = request;
        return answer;
      },
      [](const std::string& request, const std::string& error) -> nlohmann::ordered_json {
        return {{"model", request}, {"request", request}, {"error", error}};
      });
}

// Why `cmd`'s options cannot go with --serve ("" when they can): what writes one model's
// files or reads one model's, and MODEL and --json, which the requests and answers are.
std::string serve_conflict(const CLI::App& cmd, const std::string& model) {
  if (!model.empty())
    return fmt::format("--serve reads its MODELs from stdin, one per line; drop MODEL '{}'", model);
  if (cmd.count("--init-from") > 0)  // reads one model's weights (s27 fresh-user finding 12)
    return "--init-from starts one model from another's weights, and --serve trains every model it is sent from its "
           "own initialisation; drop --init-from";
  for (const char* option : {"--json", "--save", "--checkpoint", "--resume"})
    if (cmd.count(option) > 0)
      return fmt::format("--serve answers each model in one JSON line and keeps no files of one model; drop {}",
                         option);
  return "";
}

void add_train(CLI::App& app) {
  struct Args {
    std::string model, task = "classification", optimizer = "sgd";
    std::optional<double> lr, weight_decay;
    train::TrainOptions options;
    bool no_augment = false, json = false, serve = false;
    SceneArgs scenes;
  };
  auto args = std::make_shared<Args>();
  train::TrainOptions& o = args->options;
  auto* cmd = app.add_subcommand(
      "train", "Train a model (classification: Fashion-MNIST; detection, segmentation: scenes) and measure it");
  cmd->add_option("MODEL", args->model, "Zoo spec or model file (without --serve)");
  cmd->add_option("--task", args->task, "classification, detection or segmentation")->default_str("classification");
  cmd->add_option("--data", o.data_dir,
                  "classification: Fashion-MNIST directory (default: Debian's, or $HWNAS_FASHION_MNIST_DIR); "
                  "detection, segmentation: scene cache directory (default: $HWNAS_SCENE_CACHE_DIR or "
                  "~/.cache/hwnas/scenes)");
  add_integer_option(cmd, "--scenes", o.scenes, 2, 1'000'000, "detection, segmentation: training scenes");
  add_scene_options(cmd, o.test_scenes, o.scene_size, args->scenes);
  add_integer_option(cmd, "--epochs", o.epochs, 1, 10'000, "Epochs");
  add_real_option(cmd, "--subset", o.subset, 0, true, 1, "Share of the training set, class-stratified by --seed")
      ->default_str("1");
  add_integer_option(cmd, "--res", o.resolution, 8, 1024, "Input resolution (default: the model's)")->default_str("");
  add_threads_option(cmd, o.threads, "torch threads (default: the cores)")->default_str("");
  add_integer_option(cmd, "--seed", o.seed, 0, UINT64_MAX, "Seed of weights, subset, order, augmentation");
  add_integer_option(cmd, "--validation", o.validation, 0, 30'000,
                     "classification: hold out this many training images (the same for every run) and measure "
                     "on them instead of the test set");
  add_integer_option(cmd, "--batch", o.batch, 2, 65'536, "Batch size (at least 2: batch norm)");
  cmd->add_option("--optimizer", args->optimizer, "sgd (Nesterov momentum 0.9) or adamw")->default_str("sgd");
  add_real_option(cmd, "--lr", args->lr, 0, true, 1e9, "Peak learning rate (default: sgd 0.1, adamw 0.002)");
  add_real_option(cmd, "--weight-decay", args->weight_decay, 0, false, 1,
                  "Weight decay of conv and linear weights (default: sgd 4e-5, adamw 0.05)");
  add_real_option(cmd, "--label-smoothing", o.label_smoothing, 0, false, train::kMaxLabelSmoothing,
                  "Label smoothing")->default_str("0.1");
  add_real_option(cmd, "--warmup", o.warmup, 0, false, 1, "Share of the steps warming up")->default_str("0.05");
  cmd->add_flag("--no-augment", args->no_augment, "Train without random crop and flip");
  cmd->add_option("--save", o.save, "Write the trained weights to this file");
  cmd->add_option("--init-from", o.init_from,
                  "Start from this weights file or checkpoint's tensors of the same name (another model's too: "
                  "a rewrite of it; docs/training.md), then train as usual: fine-tuning with few --epochs and "
                  "a lower --lr");
  cmd->add_option("--checkpoint", o.checkpoint, "Write a checkpoint after every epoch to this file");
  cmd->add_flag("--resume", o.resume, "Continue the run saved in --checkpoint");
  cmd->add_flag("--test-on-train", o.test_on_train,
                "detection, segmentation: measure on the training scenes trained on (not augmented) instead of "
                "test scenes: an overfitting check");
  cmd->add_flag("--measure-each-epoch", o.measure_each_epoch,
                "detection, segmentation: also measure after every epoch (a learning curve; not counted as training "
                "time)");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->add_flag("--serve", args->serve,
                "Train the MODEL of each stdin line with these options and answer --json's object on one stdout "
                "line, until stdin ends (the data is read once)");
  cmd->callback([args, cmd] {
    if (const std::string why = args->serve ? serve_conflict(*cmd, args->model) : ""; !why.empty())
      throw UserError(why);
    if (!args->serve && args->model.empty())
      throw UserError("give the MODEL to train (a zoo spec such as mobilenet_v2:width=0.5,in_ch=1,classes=10, or a "
                      "model file), or --serve to read models from stdin");
    train::TrainOptions options = args->options;
    options.task = train::parse_task(args->task, "--task");
    // Given at all, not only at another value than the default (s27 fresh-user finding 9).
    if (options.task != train::Task::classification && cmd->count("--label-smoothing") > 0)
      throw UserError(fmt::format("--label-smoothing smooths class labels of classification; {} trains without it: "
                                  "drop it",
                                  train::task_name(options.task)));
    const train::OptimizerKind kind = train::parse_optimizer(args->optimizer, "--optimizer");
    options.optimizer = train::default_optimizer(kind);
    if (args->lr) options.optimizer.lr = *args->lr;
    if (args->weight_decay) options.optimizer.weight_decay = *args->weight_decay;
    options.augment = !args->no_augment;
    options.scene_labels = train::parse_scene_labels(args->scenes.labels, "--scene-labels");
    train::check_train_options(options);
    if (options.task == train::Task::classification) check_classification_data(options.data_dir);
    // Both given, one would be ignored (s32 fresh-user finding 12b).
    if (options.test_on_train && cmd->count("--test-scenes") > 0)
      throw UserError("--test-on-train measures on the training scenes, so --test-scenes would count no scene: drop "
                      "one of them");
    if (args->serve) {  // what would refuse every model is refused before the first
      if (options.task == train::Task::classification)
        train::check_subset_fills_batch(options, "--subset", "--batch");
      return serve_trainings(options);
    }
    refuse_weights_as_model(args->model, "train");
    const graph::Graph g = load_model_arg(args->model);
    if (!options.checkpoint.empty()) say_how_to_resume_on_interrupt(options.checkpoint);
    ProgressBar bar("train " + g.name());
    const train::ProgressCallback progress = training_progress(bar);
    if (options.task == train::Task::classification) {
      const train::ClassificationRun r = train::train_classification(g, model_file_of(args->model), options, progress);
      bar.finish();
      report_training(r, args->json, options.save);
    } else {
      const train::SceneRun r = train::train_scenes(g, model_file_of(args->model), options, progress);
      bar.finish();
      report_training(r, args->json, options.save);
    }
  });
}

void add_evaluate(CLI::App& app) {
  struct Args {
    std::string model, task;
    train::SceneEvaluateOptions options;
    bool json = false;
    SceneArgs scenes;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("evaluate", "Measure a model with trained weights on the test images of its task");
  train::EvaluateOptions& base = args->options.base;
  cmd->add_option("MODEL", args->model, "Zoo spec or model file")->required();
  cmd->add_option("--weights", base.weights, "Weights file from 'hwnas train --save'")->required();
  cmd->add_option("--task", args->task, "classification, detection or segmentation (default: the weights' task)");
  cmd->add_option("--data", base.data_dir, "Fashion-MNIST directory, or the scene cache directory (as train's)");
  add_threads_option(cmd, base.threads, "torch threads (default: the cores)")->default_str("");
  add_integer_option(cmd, "--batch", base.batch, 1, 65'536, "Batch size");
  add_scene_options(cmd, args->options.test_scenes, args->options.scene_size, args->scenes);
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args, cmd] {
    train::SceneEvaluateOptions options = args->options;
    if (options.base.threads != 0) train::check_threads(options.base.threads, "--threads");
    options.scene_labels = train::parse_scene_labels(args->scenes.labels, "--scene-labels");
    options.scene_size_given = cmd->count("--scene-size") > 0;
    options.scene_labels_given = cmd->count("--scene-labels") > 0;
    options.task =
        args->task.empty() ? train::weights_task(options.base.weights) : train::parse_task(args->task, "--task");
    if (options.task == train::Task::classification)
      for (const char* scene_option : {"--test-scenes", "--scene-size", "--scene-labels"})
        if (cmd->count(scene_option) > 0)
          throw UserError(fmt::format("{} is for detection and segmentation weights; {} holds a classifier's: drop it",
                                      scene_option, options.base.weights));
    if (options.task == train::Task::classification) check_classification_data(options.base.data_dir);
    refuse_weights_as_model(args->model, "evaluate");
    const graph::Graph g = load_model_arg(args->model);
    auto report = [&](const auto& r) {
      if (args->json) {
        emit_json(run_json(r, false));
        return;
      }
      fmt::print("model {} at {}x{} with {}: ", printable(r.model), r.resolution, r.resolution,
                 printable(options.base.weights));
      print_metrics(r);
    };
    if (options.task == train::Task::classification)
      report(train::evaluate_classification(g, options.base));
    else
      report(train::evaluate_scenes(g, options));
  });
}

}  // namespace

void add_train_command(CLI::App& app) {
  add_train(app);
  add_evaluate(app);
}

}  // namespace hwnas::cli

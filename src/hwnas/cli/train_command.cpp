// hwnas train MODEL / hwnas evaluate MODEL --weights W: parses, prints; the work is
// train/classification_run.h's.
#include <fmt/format.h>
#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/number_options.h"
#include "hwnas/cli/progress.h"
#include "hwnas/space/models.h"
#include "hwnas/train/classification_run.h"

namespace hwnas::cli {
namespace {

// A training that diverged: the run ends, with its reason, and no metric (docs/cli.md).
constexpr int kTrainingFailed = 3;

std::int64_t peak_rss_bytes() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return std::int64_t{usage.ru_maxrss} * 1024;
}

std::string model_file_of(const std::string& model) {
  std::error_code ec;
  return std::filesystem::is_regular_file(model, ec) ? model : "";
}

nlohmann::ordered_json to_json(const train::ClassificationRun& r, bool trained) {
  nlohmann::ordered_json j{{"model", r.model}, {"task", "classification"}, {"status", r.failed ? "failed" : "ok"}};
  if (r.failed) j["failure"] = r.failure;
  if (!r.failed) j["metrics"] = {{"top1", r.top1}, {"top5", r.top5}, {"test_images", r.test_images}};
  j["resolution"] = r.resolution;
  j["channels"] = r.channels;
  j["threads"] = r.threads;
  if (trained) {
    j["train_images"] = r.train_images;
    j["epochs_done"] = r.epochs_done;
    j["resumed_from_epoch"] = r.resumed_from_epoch;
    j["images_trained"] = r.images_trained;
    j["train_seconds"] = r.train_seconds;
    j["images_per_s"] = r.images_per_s;
  }
  j["eval_seconds"] = r.eval_seconds;
  j["peak_rss_bytes"] = peak_rss_bytes();
  return j;
}

void print_metrics(const train::ClassificationRun& r) {
  fmt::print("top-1 {:.2f}%, top-5 {:.2f}% on {} test images ({:.2f} s)\n", 100 * r.top1, 100 * r.top5,
             r.test_images, r.eval_seconds);
}

void add_train(CLI::App& app) {
  struct Args {
    std::string model, task = "classification", optimizer = "sgd";
    std::optional<double> lr, weight_decay;
    train::TrainOptions options;
    bool no_augment = false, json = false;
  };
  auto args = std::make_shared<Args>();
  train::TrainOptions& o = args->options;
  auto* cmd = app.add_subcommand("train", "Train a model on Fashion-MNIST and measure its test accuracy");
  cmd->add_option("MODEL", args->model, "Zoo spec or model file")->required();
  cmd->add_option("--task", args->task, "classification (detection, segmentation: not yet)")
      ->default_str("classification");
  cmd->add_option("--data", o.data_dir, "Fashion-MNIST directory (default: Debian's, or $HWNAS_FASHION_MNIST_DIR)");
  add_integer_option(cmd, "--epochs", o.epochs, 1, 10'000, "Epochs");
  add_real_option(cmd, "--subset", o.subset, 0, true, 1, "Share of the training set, class-stratified by --seed")
      ->default_str("1");
  add_integer_option(cmd, "--res", o.resolution, 8, 1024, "Input resolution (default: the model's)")->default_str("");
  add_integer_option(cmd, "--threads", o.threads, 1, 1024, "torch threads (default: the cores)")->default_str("");
  add_integer_option(cmd, "--seed", o.seed, 0, UINT64_MAX, "Seed of weights, subset, order, augmentation");
  add_integer_option(cmd, "--batch", o.batch, 2, 65'536, "Batch size (at least 2: batch norm)");
  cmd->add_option("--optimizer", args->optimizer, "sgd (Nesterov momentum 0.9) or adamw")->default_str("sgd");
  cmd->add_option_function<std::string>(
         "--lr", [args](const std::string& s) { args->lr = parse_real("--lr", s, 0, true, 1e9); },
         "Peak learning rate (default: sgd 0.1, adamw 0.002)");
  cmd->add_option_function<std::string>(
         "--weight-decay", [args](const std::string& s) { args->weight_decay = parse_real("--weight-decay", s, 0, false, 1); },
         "Weight decay of conv and linear weights (default: sgd 4e-5, adamw 0.05)");
  add_real_option(cmd, "--label-smoothing", o.label_smoothing, 0, false, 0.999, "Label smoothing")->default_str("0.1");
  add_real_option(cmd, "--warmup", o.warmup, 0, false, 1, "Share of the steps warming up")->default_str("0.05");
  cmd->add_flag("--no-augment", args->no_augment, "Train without random crop and flip");
  cmd->add_option("--save", o.save, "Write the trained weights to this file");
  cmd->add_option("--checkpoint", o.checkpoint, "Write a checkpoint after every epoch to this file");
  cmd->add_flag("--resume", o.resume, "Continue the run saved in --checkpoint");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args] {
    train::TrainOptions options = args->options;
    options.task = train::parse_task(args->task, "--task");
    const train::OptimizerKind kind = train::parse_optimizer(args->optimizer, "--optimizer");
    options.optimizer = train::default_optimizer(kind);
    if (args->lr) options.optimizer.lr = *args->lr;
    if (args->weight_decay) options.optimizer.weight_decay = *args->weight_decay;
    options.augment = !args->no_augment;
    train::check_train_options(options);
    const graph::Graph g = space::load_model(args->model);
    ProgressBar bar("train " + g.name());
    const train::ClassificationRun r =
        train::train_classification(g, model_file_of(args->model), options, [&bar](const train::StepProgress& p) {
          bar.update(p.epoch * p.steps + p.step, p.epochs * p.steps,
                     fmt::format("epoch {}/{}, loss {:.4f}, {:.0f} images/s", p.epoch + 1, p.epochs, p.loss,
                                 p.images_per_s));
        });
    bar.finish();
    if (args->json) emit_json(to_json(r, true));
    if (r.failed) {
      fmt::print(stderr, "hwnas: training failed: {}\n", r.failure);
      std::exit(kTrainingFailed);
    }
    if (args->json) return;
    fmt::print("model {} (classification, Fashion-MNIST {} training images at {}x{}, {} channel{}, {} threads)\n",
               printable(r.model), r.train_images, r.resolution, r.resolution, r.channels,
               r.channels == 1 ? "" : "s", r.threads);
    fmt::print("{} epochs{}: {} images in {:.2f} s, {:.1f} images/s\n", r.epochs_done,
               r.resumed_from_epoch > 0 ? fmt::format(" (resumed after epoch {})", r.resumed_from_epoch) : "",
               r.images_trained, r.train_seconds, r.images_per_s);
    print_metrics(r);
    fmt::print("peak RSS {:.0f} MiB\n", static_cast<double>(peak_rss_bytes()) / (1 << 20));
    if (!options.save.empty()) fmt::print("weights written to {}\n", printable(options.save));
  });
}

void add_evaluate(CLI::App& app) {
  struct Args {
    std::string model;
    train::EvaluateOptions options;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("evaluate", "Test accuracy of a model with trained weights on Fashion-MNIST");
  cmd->add_option("MODEL", args->model, "Zoo spec or model file")->required();
  cmd->add_option("--weights", args->options.weights, "Weights file from 'hwnas train --save'")->required();
  cmd->add_option("--data", args->options.data_dir, "Fashion-MNIST directory (default: Debian's)");
  add_integer_option(cmd, "--threads", args->options.threads, 1, 1024, "torch threads (default: the cores)")
      ->default_str("");
  add_integer_option(cmd, "--batch", args->options.batch, 1, 65'536, "Batch size");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args] {
    const graph::Graph g = space::load_model(args->model);
    const train::ClassificationRun r = train::evaluate_classification(g, args->options);
    if (args->json) {
      emit_json(to_json(r, false));
      return;
    }
    fmt::print("model {} at {}x{} with {}: ", printable(r.model), r.resolution, r.resolution,
               printable(args->options.weights));
    print_metrics(r);
  });
}

}  // namespace

void add_train_command(CLI::App& app) {
  add_train(app);
  add_evaluate(app);
}

}  // namespace hwnas::cli

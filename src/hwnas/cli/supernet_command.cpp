// hwnas supernet train | eval | extract (run by hwnas-train; docs/supernet.md): a
// weight-sharing supernet over a search space. Parses and prints; the work is
// train/supernet/'s.
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/model_arg.h"
#include "hwnas/cli/number_options.h"
#include "hwnas/cli/progress.h"
#include "hwnas/cli/resume_note.h"
#include "hwnas/cli/run_app.h"
#include "hwnas/cli/serve_loop.h"
#include "hwnas/cli/train_output.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/space/registry.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/supernet/supernet_eval.h"
#include "hwnas/train/supernet/supernet_trainer.h"

namespace hwnas::cli {
namespace {

namespace sn = train::supernet;

using space::is_space_file;


// MODEL|ARCH: a model file (an existing file, or a path: a '/' or a model file's ending),
// else an architecture string of the supernet's space, else a zoo spec.
graph::Graph subnet_graph(const std::string& spec, const space::Space& space) {
  std::error_code ec;
  if (std::filesystem::exists(spec, ec) || spec.find('/') != std::string::npos ||
      std::filesystem::path(spec).extension() == ".yaml" || std::filesystem::path(spec).extension() == ".yml" ||
      std::filesystem::path(spec).extension() == ".json")
    return load_model_arg(spec);
  try {
    return space.decode(space.parse_arch(spec));
  } catch (const UserError& arch_error) {
    try {
      return load_model_arg(spec);
    } catch (const UserError& model_error) {
      throw UserError(fmt::format("'{}' is neither a model ({}) nor an architecture of the supernet's space '{}' ({}); "
                                  "give a model file or an architecture string of that space (hwnas space sample "
                                  "prints both)",
                                  printable(spec, 80), model_error.what(), space.name(), arch_error.what()));
    }
  }
}

// --space of eval and extract (supernet_file.h supernet_space).
void add_space_option(CLI::App* cmd, std::string& space) {
  cmd->add_option("--space", space,
                  "The space file the supernet was trained on, when it moved (checked against the supernet's "
                  "fingerprint; default: the stored path, then beside the supernet file)");
}

// The task's metric, as the JSON and the text name it.
const char* metric_name(train::Task task) {
  switch (task) {
    case train::Task::classification: return "top-1";
    case train::Task::detection: return "mAP@0.5";
    case train::Task::segmentation: return "mIoU";
  }
  return "";
}

// The accuracy a search reads, in percent: top-1 exactly as images counted, or 100 × the metric.
double accuracy_percent(train::Task task, const sn::SubnetAccuracy& a) {
  return task == train::Task::classification ? percent_of_images(a.top1, a.images) : 100 * a.metric;
}

// The trivial baseline's name and JSON key, as hwnas train's (train_output.cpp).
const char* baseline_name(train::Task task) {
  return task == train::Task::detection ? "prior-box" : "all-background";
}
const char* baseline_key(train::Task task) {
  return task == train::Task::detection ? "baseline_map_50" : "baseline_miou";
}

// "unit" of a task: what it trains on and measures.
std::string unit_of(train::Task task) { return task == train::Task::classification ? "image" : "scene"; }

// The scenes of a scene supernet, as hwnas train's --json "scenes": canvas size, labels,
// test scenes, and a corrupt cache file generated again (when one was).
nlohmann::ordered_json scenes_json(std::int32_t size, train::SceneLabels labels, std::int64_t test_scenes,
                                   const std::string& cache_note) {
  nlohmann::ordered_json j = {
      {"size", size}, {"labels", train::scene_labels_name(labels)}, {"test_scenes", test_scenes}};
  if (!cache_note.empty()) j["cache_note"] = cache_note;
  return j;
}

// "test scenes" or "validation images" / "test images".
std::string measured_what(train::Task task, bool test) {
  if (task != train::Task::classification) return "test scenes";
  return test ? "test images" : "validation images";
}

nlohmann::ordered_json accuracy_json(train::Task task, const sn::SubnetAccuracy& a) {
  nlohmann::ordered_json j;
  j["accuracy"] = accuracy_percent(task, a);
  j["metric"] = metric_name(task);
  if (task == train::Task::classification) {
    j["top1"] = a.top1;
    j["top5"] = a.top5;
  } else if (task == train::Task::detection) {
    j["map_50"] = a.metric;
    j["map_50_95"] = a.map_50_95;
    j[baseline_key(task)] = a.baseline;
  } else {
    j["miou"] = a.metric;
    j[baseline_key(task)] = a.baseline;
  }
  j["resolution"] = a.resolution;
  j["images"] = a.images;
  j["seconds"] = a.seconds;
  return j;
}

// As hwnas train says it (train_output.h images_an_epoch_if_fewer; s32 fresh-user finding 12c).
// "" when every image was trained, or no epoch this session.
std::string whole_batches_note(const sn::SupernetRun& r, const std::string& unit) {
  const std::optional<std::int64_t> per_epoch =
      images_an_epoch_if_fewer(r.epochs_done - r.resumed_from_epoch, r.images_trained, r.train_images);
  if (!per_epoch) return "";
  return fmt::format("; {} of the {} training {}s an epoch: whole batches only, the last {} of each epoch's "
                     "shuffled order left out",
                     *per_epoch, r.train_images, unit, r.train_images - *per_epoch);
}

void add_train(CLI::App* parent) {
  struct Args {
    std::string space, target, task = "classification", optimizer = "sgd", scene_labels = "items",
                schedule = "sandwich";
    std::optional<double> lr;
    sn::SupernetTrainOptions options;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  train::TrainOptions& o = args->options.train;
  o.validation = 5000;
  auto* cmd = parent->add_subcommand(
      "train",
      "Train a weight-sharing supernet of a space (BigNAS sandwich rule or OFA progressive shrinking): classifiers "
      "on Fashion-MNIST, detectors and segmenters on the scenes");
  cmd->add_option("SPACE", args->space, "Built-in space name or a space file (.yaml)")->required();
  cmd->add_option("--target", args->target, "Target whose parallelism factor P the space's channels take");
  cmd->add_option("--out", args->options.out, "The supernet file to write")->required();
  cmd->add_option("--task", args->task, "classification, detection or segmentation: what the space's networks do")
      ->default_str("classification");
  cmd->add_option("--data", o.data_dir,
                  "classification: Fashion-MNIST directory (default: Debian's, or $HWNAS_FASHION_MNIST_DIR); "
                  "detection, segmentation: scene cache directory (default: $HWNAS_SCENE_CACHE_DIR or "
                  "~/.cache/hwnas/scenes)");
  add_integer_option(cmd, "--scenes", o.scenes, 2, 1'000'000, "detection, segmentation: training scenes");
  add_integer_option(cmd, "--test-scenes", o.test_scenes, 1, 1'000'000,
                     "detection, segmentation: test scenes the subnets are measured on (here and by eval)");
  add_integer_option(cmd, "--scene-size", o.scene_size, 32, 1024, "detection, segmentation: scene canvas side, pixels");
  cmd->add_option("--scene-labels", args->scene_labels, "detection, segmentation: items (10 classes) or presence (1)")
      ->default_str("items");
  cmd->add_option("--optimizer", args->optimizer, "sgd (Nesterov momentum) or adamw")->default_str("sgd");
  add_integer_option(cmd, "--epochs", o.epochs, 1, 10'000, "Epochs");
  add_integer_option(cmd, "--batch", o.batch, 2, 65'536, "Batch size (at least 2: batch norm)");
  add_real_option(cmd, "--lr", args->lr, 0, true, 1e9, "Peak learning rate (default: sgd 0.1, adamw 0.002)");
  add_real_option(cmd, "--subset", o.subset, 0, true, 1,
                  "Share of the training images (class-stratified) or scenes, drawn by --seed")
      ->default_str("1");
  add_integer_option(cmd, "--validation", o.validation, 0, 30'000,
                     "classification: hold out this many training images (as hwnas train --validation) for eval to "
                     "measure on (detection, segmentation: measured on --test-scenes)")
      ->default_str("5000");
  add_threads_option(cmd, o.threads, "torch threads (default: the cores)")->default_str("");
  add_integer_option(cmd, "--seed", o.seed, 0, UINT64_MAX, "Seed of the bank's weights, subset, order, subnets");
  add_integer_option(cmd, "--random-subnets", args->options.random_subnets, 0, 16,
                     "Random subnets a step besides the largest and the smallest (progressive: from its second "
                     "phase)");
  cmd->add_option("--schedule", args->schedule,
                  "sandwich (BigNAS: largest, smallest and random subnets every step) or progressive (OFA's "
                  "progressive shrinking: the largest alone, then kernel, depth, expansion, channels, the rest)")
      ->default_str("sandwich");
  add_integer_option(cmd, "--calibration-images", args->options.calibration_images, 2, 60'000,
                     "Images recalibrating batch norm of the largest and smallest subnet measured at the end");
  cmd->add_option("--checkpoint", o.checkpoint, "Write a checkpoint after every epoch to this file");
  cmd->add_flag("--resume", o.resume, "Continue the run saved in --checkpoint");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args, cmd] {
    sn::SupernetTrainOptions options = args->options;
    options.train.task = train::parse_task(args->task, "--task");
    options.train.scene_labels = train::parse_scene_labels(args->scene_labels, "--scene-labels");
    options.schedule = sn::parse_schedule(args->schedule, "--schedule");
    options.train.optimizer = train::default_optimizer(train::parse_optimizer(args->optimizer, "--optimizer"));
    if (args->lr) options.train.optimizer.lr = *args->lr;
    if (options.train.task == train::Task::classification) {
      for (const char* scene_option : {"--scenes", "--test-scenes", "--scene-size", "--scene-labels"})
        if (cmd->count(scene_option) > 0)
          throw UserError(fmt::format("{} is a knob of the scenes (detection, segmentation); a classification "
                                      "supernet trains on Fashion-MNIST: drop it, or give --task",
                                      scene_option));
      check_classification_data(options.train.data_dir);
      train::check_subset_fills_batch(options.train, "--subset", "--batch");
    } else if (cmd->count("--validation") == 0) {
      options.train.validation = 0;  // measured on the test scenes; a given one is refused with the fix
    }
    space::SpaceOptions space_options;
    if (!args->target.empty()) {
      const std::unique_ptr<hw::Target> target = hw::make_target(args->target);
      space_options = space::space_options_for_target(target->parallelism_factor(), args->target);
      options.parallelism_factor = space_options.parallelism_factor.value_or(0);
    }
    const std::unique_ptr<space::Space> space = space::make_space(args->space, space_options);
    options.space_arg = is_space_file(args->space) ? std::filesystem::absolute(args->space).string() : args->space;
    // The space file and --target's description are inputs: no output may replace them.
    std::vector<FileRole> inputs;
    if (is_space_file(args->space)) inputs.push_back({args->space, "the space file (SPACE)"});
    if (!args->target.empty() && hw::names_a_description_file(args->target))
      inputs.push_back({hw::target_description_path(args->target).string(), "the target description (--target)"});
    check_output_path(options.out, "supernet file (--out)", inputs);
    if (!options.train.checkpoint.empty())
      check_output_path(options.train.checkpoint, "checkpoint (--checkpoint)", inputs);
    train::check_pickle_output_name(options.out, "supernet file (--out)", ".supernet");
    if (!options.train.checkpoint.empty())
      train::check_pickle_output_name(options.train.checkpoint, "checkpoint (--checkpoint)", ".ckpt");
    train::check_fresh_checkpoint(options.train);
    options.target = args->target;
    if (!options.train.checkpoint.empty()) say_how_to_resume_on_interrupt(options.train.checkpoint);
    ProgressBar bar("supernet " + space->name());
    const train::ProgressCallback progress = training_progress(bar);
    const sn::SupernetRun r = sn::train_supernet(*space, options, progress);
    bar.finish();
    const double resumed_seconds = r.resumed_train_seconds;
    if (args->json) {
      nlohmann::ordered_json j;
      j["space"] = space->name();
      j["out"] = r.failed ? nlohmann::ordered_json() : nlohmann::ordered_json(options.out);
      j["failed"] = r.failed;
      if (r.failed) j["failure"] = r.failure;
      j["epochs"] = r.epochs_done;
      j["resumed_from_epoch"] = r.resumed_from_epoch;
      j["train_images"] = r.train_images;
      j["images_trained"] = r.images_trained;  // this session's: whole batches only
      j["random_subnets"] = options.random_subnets;
      j["schedule"] = sn::schedule_name(options.schedule);
      j["threads"] = r.threads;
      // train_seconds as the file's: every session's; session_seconds this one's.
      j["train_seconds"] = r.train_seconds + resumed_seconds;
      j["session_seconds"] = r.train_seconds;
      j["resumed_train_seconds"] = resumed_seconds;
      // This session's figures: null when it trained no epoch (a --resume with nothing left;
      // the checkpoint keeps no loss, and 0 would read as a measurement).
      const std::int32_t epochs = r.epochs_done - r.resumed_from_epoch;
      const auto this_session = [epochs](double v) { return epochs > 0 ? nlohmann::ordered_json(v) : nullptr; };
      j["seconds_per_epoch"] = this_session(r.train_seconds / std::max(epochs, 1));
      j["subnet_images"] = r.subnet_images;
      j["final_loss"] = this_session(r.final_loss);
      j["bank_tensors"] = r.bank_tensors;
      j["bank_parameters"] = r.bank_parameters;
      if (!r.failed) {
        j["task"] = train::task_name(options.train.task);
        j["measured_on"] = r.validation ? "validation" : "test";
        j["metric"] = metric_name(options.train.task);
        j["largest"] = {{"arch", r.largest_arch}, {"accuracy", json_number(100 * r.largest_accuracy)}};
        j["smallest"] = {{"arch", r.smallest_arch}, {"accuracy", json_number(100 * r.smallest_accuracy)}};
        if (options.train.task != train::Task::classification) {
          j[baseline_key(options.train.task)] = r.baseline;
          j["scenes"] = scenes_json(options.train.scene_size, options.train.scene_labels, options.train.test_scenes,
                                    r.cache_note);
        }
      }
      emit_json(j);
    }
    if (r.failed) {
      fmt::print(stderr, "hwnas: training failed: {}\n", r.failure);
      std::exit(kTrainingFailed);
    }
    if (args->json) return;
    const std::int32_t epochs = r.epochs_done - r.resumed_from_epoch;
    const std::string trained =
        epochs_text(r.epochs_done, r.resumed_from_epoch, resumed_seconds,
                    fmt::format("{} in {:.1f} s ({:.1f} s an epoch{})",
                                plural(r.images_trained, unit_of(options.train.task)), r.train_seconds,
                                epochs > 0 ? r.train_seconds / epochs : 0.0,
                                whole_batches_note(r, unit_of(options.train.task))));
    fmt::print("supernet of {} ({}, {} parameters; {}, {} random subnets a step), {}, {}; written to {}\n",
               space->name(), plural(r.bank_tensors, "tensor"), r.bank_parameters,
               options.schedule == sn::SupernetSchedule::progressive ? "progressive shrinking" : "sandwich rule",
               options.random_subnets, trained, plural(r.threads, "thread"), printable(options.out));
    const train::Task task = options.train.task;
    const std::string on = fmt::format("the {} {}", r.measured_images, measured_what(task, !r.validation));
    const std::string baseline =
        task == train::Task::classification ? "" : fmt::format(" ({} {:.2f}%)", baseline_name(task), 100 * r.baseline);
    const char* metric = metric_name(task);
    fmt::print("largest subnet {}: {} {:.2f}% on {}{}\n", r.largest_arch, metric, 100 * r.largest_accuracy, on,
               baseline);
    fmt::print("smallest subnet {}: {} {:.2f}% on {}\n", r.smallest_arch, metric, 100 * r.smallest_accuracy, on);
    if (!r.cache_note.empty()) fmt::print(stderr, "note: {}\n", r.cache_note);
  });
}

// supernet.check(subnet), an error naming `arg`, the MODEL argument as the user typed it
// (the error itself names the graph).
void check_arg(const sn::OpenedSupernet& supernet, const graph::Graph& subnet, const std::string& arg) {
  try {
    supernet.check(subnet);
  } catch (const UserError& e) {
    throw UserError(fmt::format("{}: {}", printable(arg, 80), e.what()));
  }
}

// --serve (serve_loop.h): one model file path per stdin line; one JSON line each:
// {"accuracy", "seconds"} or {"error"}.
void serve(const sn::OpenedSupernet& supernet) {
  serve_lines(
      std::cin, stdout,
      [&](const std::string& request) -> nlohmann::ordered_json {
        const sn::SubnetAccuracy a = supernet.measure(subnet_graph(request, supernet.space()));
        return {{"accuracy", accuracy_percent(supernet.file().task, a)}, {"seconds", a.seconds}};
      },
      [](const std::string&, const std::string& error) -> nlohmann::ordered_json { return {{"error", error}}; });
}

void add_eval(CLI::App* parent) {
  struct Args {
    std::string file;
    std::vector<std::string> models;
    sn::SupernetEvalOptions options;
    std::int32_t threads = 1;
    bool json = false, serve = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = parent->add_subcommand(
      "eval",
      "Measure subnets of a supernet after batch-norm recalibration (top-1 on its validation images; mAP@0.5 or mIoU "
      "on its test scenes)");
  cmd->add_option("FILE", args->file, "Supernet file (hwnas supernet train --out)")->required();
  cmd->add_option("MODEL", args->models, "Model files of the space, or its architecture strings");
  add_space_option(cmd, args->options.space);
  cmd->add_option("--data", args->options.data_dir,
                  "Fashion-MNIST directory (default: Debian's); a detection or segmentation supernet's: the scene "
                  "cache (default: $HWNAS_SCENE_CACHE_DIR or ~/.cache/hwnas/scenes)");
  cmd->add_flag("--test", args->options.test,
                "Measure on the test set instead of the held-out validation images (a detection or segmentation "
                "supernet always measures on its test scenes)");
  add_integer_option(cmd, "--validation", args->options.validation, 1, 30'000,
                     "Measure on this many held-out images (default: all the supernet held out)")
      ->default_str("");
  add_integer_option(cmd, "--calibration-images", args->options.calibration_images, 2, 60'000,
                     "Training images recalibrating each subnet's batch norm");
  add_threads_option(cmd, args->threads, "torch threads");
  cmd->add_option("--expect-fingerprint", args->options.expect_fingerprint,
                  "Refuse a supernet whose space has another fingerprint (the search passes its space's)");
  cmd->add_option("--expect-space-name", args->options.expect_space_name,
                  "The name of the space of --expect-fingerprint, named when the fingerprint differs (the search's)");
  cmd->add_option("--validation-key", args->options.validation_key,
                  "Name this experiment key instead of --validation in errors, with no --test fix (the search's)");
  cmd->add_option("--space-key", args->options.space_key,
                  "Name this experiment key instead of --space in errors (the search's)");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->add_flag("--serve", args->serve,
                "Read one model file per stdin line and answer each with one JSON line (the search's "
                "accuracy: supernet: keeps one such process)");
  cmd->callback([args] {
    if (args->serve && (!args->models.empty() || args->json))
      throw UserError("--serve reads its models from stdin and answers in JSON lines; drop MODEL and --json");
    if (args->models.empty() && !args->serve) throw UserError("give at least one MODEL or architecture, or --serve");
    if (args->options.test && args->options.validation >= 0)
      throw UserError("give --test or --validation, not both");
    train::check_threads(args->threads, "--threads");
    args->options.check_data = [dir = args->options.data_dir](train::Task task) {
      if (task == train::Task::classification) check_classification_data(dir);
    };
    torch::set_num_threads(args->threads);
    const auto start = std::chrono::steady_clock::now();
    const sn::OpenedSupernet supernet(args->file, args->options);
    if (args->serve) {
      serve(supernet);
      return;
    }
    std::vector<graph::Graph> graphs;  // every model read before any is measured
    for (const std::string& spec : args->models) {
      graphs.push_back(subnet_graph(spec, supernet.space()));
      check_arg(supernet, graphs.back(), spec);  // every model refused before any is measured
    }
    ProgressBar bar("supernet eval");
    std::vector<sn::SubnetAccuracy> results;
    for (std::size_t i = 0; i < graphs.size(); ++i) {
      results.push_back(supernet.measure(graphs[i]));
      bar.update(static_cast<std::int64_t>(i + 1), static_cast<std::int64_t>(graphs.size()));
    }
    bar.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const train::Task task = supernet.file().task;
    const std::string on = measured_what(task, args->options.test);
    if (args->json) {
      nlohmann::ordered_json doc;
      doc["supernet"] = args->file;
      doc["space"] = supernet.space().name();
      doc["task"] = train::task_name(task);
      if (task != train::Task::classification)
        doc["scenes"] = scenes_json(supernet.data().train_set.width, supernet.data().scene_labels,
                                    supernet.data().test_set.size(), supernet.data().cache_note);
      doc["measured_on"] = task == train::Task::classification && !args->options.test ? "validation" : "test";
      doc["calibration_images"] = supernet.calibration_images();
      doc["threads"] = args->threads;
      doc["models"] = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < graphs.size(); ++i) {
        nlohmann::ordered_json m = {{"model", args->models[i]}};
        m.update(accuracy_json(task, results[i]));
        doc["models"].push_back(m);
      }
      doc["seconds"] = seconds;
      emit_json(doc);
      return;
    }
    for (std::size_t i = 0; i < graphs.size(); ++i) {
      const sn::SubnetAccuracy& a = results[i];
      const std::string measured =
          task == train::Task::classification
              ? fmt::format("top-1 {:.2f}%, top-5 {:.2f}%", 100 * a.top1, 100 * a.top5)
              : task == train::Task::detection
                    ? fmt::format("mAP@0.5 {:.2f}%, mAP@[.5:.95] {:.2f}%", 100 * a.metric, 100 * a.map_50_95)
                    : fmt::format("mIoU {:.2f}%", 100 * a.metric);
      const std::string baseline =
          task == train::Task::classification
              ? ""
              : fmt::format(" ({} {:.2f}%)", baseline_name(task), 100 * a.baseline);
      const std::string unit = on.substr(0, on.size() - 1);  // "test scene", "validation image"
      fmt::print("{}: {}{} on {} at {}x{} ({:.2f} s)\n", printable(args->models[i]), measured, baseline,
                 plural(a.images, unit), a.resolution, a.resolution, a.seconds);
    }
    if (!supernet.data().cache_note.empty()) fmt::print(stderr, "note: {}\n", supernet.data().cache_note);
  });
}

void add_extract(CLI::App* parent) {
  struct Args {
    std::string file, model, out, weights;
    sn::SupernetEvalOptions options;
    std::int32_t threads = 1;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = parent->add_subcommand(
      "extract", "Write a subnet's model file and its recalibrated weights (for hwnas train --init-from, evaluate)");
  cmd->add_option("FILE", args->file, "Supernet file")->required();
  cmd->add_option("MODEL", args->model, "Model file of the space, or its architecture string")->required();
  cmd->add_option("--out", args->out, "The model file to write (.yaml or .json)")->required();
  cmd->add_option("--weights", args->weights, "The weights file to write")->required();
  add_space_option(cmd, args->options.space);
  cmd->add_option("--data", args->options.data_dir,
                  "Fashion-MNIST directory (default: Debian's); a detection or segmentation supernet's: the scene "
                  "cache (default: $HWNAS_SCENE_CACHE_DIR or ~/.cache/hwnas/scenes)");
  add_integer_option(cmd, "--calibration-images", args->options.calibration_images, 2, 60'000,
                     "Training images recalibrating batch norm");
  add_threads_option(cmd, args->threads, "torch threads");
  cmd->callback([args] {
    if (!args->out.ends_with(".yaml") && !args->out.ends_with(".yml") && !args->out.ends_with(".json"))
      throw UserError(fmt::format("--out {}: a model file ends in .yaml, .yml or .json{}", printable(args->out),
                                  args->out.ends_with(".onnx")
                                      ? "; for ONNX, extract to YAML and run hwnas export (docs/export.md)"
                                      : ""));
    // Once the supernet's task is known (its --data is Fashion-MNIST's or the scene cache).
    args->options.check_data = [&args](train::Task task) {
      if (task == train::Task::classification) check_classification_data(args->options.data_dir);
      for (const auto& [path, what] :
           {std::pair{args->out, "model file (--out)"}, {args->weights, "weights file (--weights)"}})
        train::check_not_in_dataset_dir(path, what, task, args->options.data_dir);
    };
    // MODEL and --space are inputs only when they are files (else an architecture string, a
    // built-in space's name).
    std::error_code ec;
    const auto if_file = [&ec](const std::string& path) {
      return std::filesystem::is_regular_file(path, ec) ? path : std::string();
    };
    const std::vector<FileRole> inputs = {{args->file, "supernet file (FILE)"},
                                          {if_file(args->model), "the subnet's model (MODEL)"},
                                          {if_file(args->options.space), "the space file (--space)"}};
    const auto check_outputs = [&args](std::vector<FileRole> others) {
      others.push_back({args->weights, "weights file (--weights)"});
      check_output_path(args->out, "model file (--out)", others);
      others.back() = {args->out, "model file (--out)"};
      check_output_path(args->weights, "weights file (--weights)", others);
    };
    check_outputs(inputs);
    train::check_pickle_output_name(args->weights, "weights file (--weights)", ".pt");
    args->options.test = true;  // extraction measures nothing: no validation split needed
    train::check_threads(args->threads, "--threads");
    torch::set_num_threads(args->threads);
    const sn::OpenedSupernet supernet(args->file, args->options);
    // Without --space, the space file the supernet's lookup found (the stored path, or a
    // copy beside the supernet) is an input too: known once the supernet is read, still
    // before anything is written (s32 fresh-user finding 1: --out over it replaced the space).
    std::vector<FileRole> spaces;
    for (const std::string& path : supernet.space_files())
      spaces.push_back({path, spaces.empty() ? "the space file of the supernet (FILE)"
                                             : "a copy of the supernet's space file that its lookup reads (FILE)"});
    check_outputs(spaces);
    const graph::Graph g = subnet_graph(args->model, supernet.space());
    check_arg(supernet, g, args->model);
    const train::WeightsFile weights = supernet.extract(g);
    graph::save_model_file(g, args->out);
    train::write_weights(args->weights, weights);
    fmt::print("{}: model {} ({}x{}), weights {} ({}, recalibrated on {})\n", printable(args->model, 80),
               printable(args->out), weights.stamp.resolution, weights.stamp.resolution, printable(args->weights),
               plural(static_cast<std::int64_t>(weights.tensors.size()), "tensor"),
               plural(supernet.calibration_images(), "training " + unit_of(supernet.file().task)));
    if (const train::Task task = supernet.file().task; task != train::Task::classification)
      fmt::print("hwnas evaluate {} --weights {} --task {} --test-scenes {}{} measures it as supernet eval does\n",
                 printable(args->out), printable(args->weights), train::task_name(task),
                 supernet.data().test_set.size(),
                 args->options.data_dir.empty() ? "" : " --data " + printable(args->options.data_dir));
  });
}

}  // namespace

void add_supernet_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("supernet", "Weight-sharing supernet of a search space: train, eval, extract");
  cmd->require_subcommand(1);
  add_train(cmd);
  add_eval(cmd);
  add_extract(cmd);
}

}  // namespace hwnas::cli

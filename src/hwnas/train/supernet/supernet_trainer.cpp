#include "hwnas/train/supernet/supernet_trainer.h"

#include <fmt/format.h>

#include <map>
#include <string_view>
#include <utility>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/space/yaml_space.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/sampling.h"
#include "hwnas/train/scene_plan.h"
#include "hwnas/train/scene_sets.h"
#include "hwnas/train/supernet/subnet_genomes.h"
#include "hwnas/train/supernet/supernet_data.h"
#include "hwnas/train/supernet/supernet_eval.h"
#include "hwnas/train/supernet/supernet_file.h"
#include "hwnas/train/supernet/weight_bank.h"
#include "hwnas/train/tasks/detection_task.h"
#include "hwnas/train/tasks/segmentation_task.h"
#include "hwnas/train/tasks/task_heads.h"
#include "hwnas/train/trainer.h"

namespace hwnas::train::supernet {
namespace {

namespace F = torch::nn::functional;

constexpr std::string_view kStampPrefix = "supernet of ", kStampSuffix = " random subnets a step)";

constexpr std::string_view kProgressive = "progressive shrinking, ";

// The stamp of this run's checkpoints: the space's name, --schedule and --random-subnets in
// the model name ("supernet of S (N random subnets a step)", "supernet of S (progressive
// shrinking, N random subnets a step)"), its fingerprint as the graph hash, the largest
// subnet's resolution.
ModelStamp supernet_stamp(const space::Space& space, const SupernetTrainOptions& o) {
  SplitMix probe(0);
  const std::string_view schedule = o.schedule == SupernetSchedule::progressive ? kProgressive : "";
  ModelStamp stamp{fmt::format("{}{} ({}{}{}", kStampPrefix, space.name(), schedule, o.random_subnets, kStampSuffix),
                   space::fingerprint(space), std::string(task_name(o.train.task)),
                   input_shape(space.decode(largest_genome(space, probe))).resolution};
  if (o.train.task != Task::classification) {
    stamp.scene_size = o.train.scene_size;
    stamp.scene_labels = std::string(scene_labels_name(o.train.scene_labels));
  }
  return stamp;
}

// {S, N} of a supernet_stamp model name "supernet of S (N random subnets a step)"; {"?",
// "?"} when the name is not one.
std::pair<std::string, std::string> stamp_parts(const std::string& model) {
  const std::size_t open = model.rfind(" (");
  if (!model.starts_with(kStampPrefix) || !model.ends_with(kStampSuffix) || open == std::string::npos ||
      open < kStampPrefix.size())
    return {"?", "?"};
  return {model.substr(kStampPrefix.size(), open - kStampPrefix.size()),
          model.substr(open + 2, model.size() - kStampSuffix.size() - open - 2)};
}

// A checkpoint of another supernet training names the option that differs (fit's
// check_resumable would say "give the same MODEL": a supernet training has none); the
// options in the checkpoint's identity (--epochs, --lr, ...) fit checks after this.
void check_supernet_checkpoint(const space::Space& space, const SupernetTrainOptions& o) {
  const std::string& path = o.train.checkpoint;
  ModelStamp was;
  try {
    was = read_checkpoint(path).stamp;
  } catch (const UserError& e) {  // read_checkpoint's fix names hwnas train; this one is hwnas supernet train's
    std::string what = e.what();
    const std::string_view fix = "give a file written by hwnas train";
    if (what.ends_with(fix))
      what.replace(what.size() - fix.size(), fix.size(), "give a checkpoint written by hwnas supernet train");
    throw UserError(what);
  }
  const ModelStamp now = supernet_stamp(space, o);
  if (was == now) return;
  if (!was.model.starts_with(kStampPrefix))
    throw UserError(fmt::format("{}: a checkpoint of model '{}', not of a supernet training; give the --checkpoint of "
                                "the supernet training to resume or drop --resume",
                                path, was.model));
  const auto [was_space, was_subnets] = stamp_parts(was.model);
  std::string differs;
  if (was.graph_hash != now.graph_hash || was_space != space.name())
    differs = fmt::format("the space '{}' (fingerprint {}), not '{}' ({})", was_space, was.graph_hash, space.name(),
                          now.graph_hash);
  else if (const bool progressive = was_subnets.starts_with(kProgressive);
           progressive != (o.schedule == SupernetSchedule::progressive))
    differs = fmt::format("--schedule {}, not {}", progressive ? "progressive" : "sandwich", schedule_name(o.schedule));
  else if (was.model != now.model)
    differs = fmt::format("--random-subnets {}, not {}",
                          progressive ? was_subnets.substr(kProgressive.size()) : was_subnets, o.random_subnets);
  else if (was.task != now.task)
    differs = fmt::format("--task {}, not {}", was.task, now.task);
  else if (was.scene_size != now.scene_size || was.scene_labels != now.scene_labels)
    differs = fmt::format("--scene-size {} and --scene-labels {}, not {} and {}", was.scene_size, was.scene_labels,
                          now.scene_size, now.scene_labels);
  else
    differs = fmt::format("resolution {}, not {}", was.resolution, now.resolution);
  throw UserError(fmt::format("{}: was written by a supernet training with {}; resume with the same options or "
                              "drop --resume",
                              path, differs));
}

// A space whose networks are no classifiers of Fashion-MNIST (1 or 3 input channels, 10
// classes; judged on `largest`): the space is at fault, and a model's fix (classes=, in_ch=)
// cannot be given to it. Worded as the search's accuracy.train check
// (search/accuracy_sources.cpp; s32 fresh-user finding 7).
void check_fashion_mnist_space(const space::Space& space, const graph::Graph& largest) {
  try {
    classifier_at(largest, 0, 10);
    return;
  } catch (const UserError& e) {
    // A space file whose head detects or segments: the --task it is for.
    if (const auto* yaml = dynamic_cast<const space::YamlSpace*>(&space);
        yaml != nullptr && yaml->definition().head.task != space::Task::classification) {
      const std::string_view task = space::task_name(yaml->definition().head.task);
      throw UserError(fmt::format("space '{}' is a {} space (its head), and a supernet trains for --task "
                                  "classification unless told: give --task {} to train it on the scenes",
                                  space.name(), task, task));
    }
    throw UserError(fmt::format("space '{}' cannot be trained on Fashion-MNIST ({}); a supernet of --task "
                                "classification (the default) trains classifiers: {}; or give a detection or "
                                "segmentation space of the scenes with --task detection or segmentation",
                                space.name(), reason_without_model_fix(e), kFashionMnistSpaceFix));
  }
}

// A space whose networks are no detectors or segmenters of the scenes (judged on `largest`,
// as train_scenes judges a model: task_heads.h scene_model).
void check_scene_space(const space::Space& space, const graph::Graph& largest, Task task, SceneLabels labels) {
  try {
    scene_model(largest, 0, task, labels);
  } catch (const UserError& e) {
    const std::int32_t classes = object_classes(labels) + 1;  // with background
    throw UserError(fmt::format("space '{}' cannot be trained for {} on the scenes ({}); give a space whose networks "
                                "take 1- or 3-channel images and end in {} of {} classes (head: classes: {}; "
                                "--scene-labels {}: {} object classes and background) (e.g. "
                                "configs/spaces/mobilenet-{}-scenes.yaml), or the --task or --scene-labels its "
                                "networks are for",
                                space.name(), task_name(task), reason_without_model_fix(e),
                                task == Task::detection ? "an SSD head" : "a map", classes, classes,
                                scene_labels_name(labels), classes - 1, task == Task::detection ? "det" : "seg"));
  }
}

void check_options(const space::Space& space, const SupernetTrainOptions& o) {
  check_train_options(o.train);
  if (o.random_subnets < 0 || o.random_subnets > 16)
    throw UserError(fmt::format("--random-subnets {} is out of range 0 to 16", o.random_subnets));
  check_not_in_dataset_dir(o.out, "supernet file (--out)", o.train.task, o.train.data_dir);
  check_output_path(o.out, "supernet file (--out)", {{o.train.checkpoint, "checkpoint (--checkpoint)"}});
  if (!o.train.checkpoint.empty()) {
    check_not_in_dataset_dir(o.train.checkpoint, "checkpoint (--checkpoint)", o.train.task, o.train.data_dir);
    check_output_path(o.train.checkpoint, "checkpoint (--checkpoint)", {{o.out, "supernet file (--out)"}});
  }
  if (o.train.resume) {
    read_text_file(o.train.checkpoint, "checkpoint (--checkpoint, --resume)");
    check_supernet_checkpoint(space, o);
  }
  SplitMix rng(0);
  const graph::Graph largest = space.decode(largest_genome(space, rng));
  if (o.train.task == Task::classification) {
    check_fashion_mnist_space(space, largest);
    return;
  }
  check_scene_space(space, largest, o.train.task, o.train.scene_labels);
  check_scene_options(scene_options(o.train));
  const SceneKnobNames knobs{"--scenes", "--test-scenes", "--scene-size", "--subset"};
  check_training_scenes(o.train, knobs);
  if (const std::string why = scene_memory_problem(o.train, physical_memory_bytes(), knobs); !why.empty())
    throw UserError(fmt::format("--scenes {} at --scene-size {}: {}", o.train.scenes, o.train.scene_size, why));
  check_scene_cache_dir(scene_cache_dir(o.train.data_dir));
}

// The teacher's detached predictions, for the in-place distillation of the other subnets:
// class probabilities [N, K] of a classifier, per-pixel class logits [N, K, H, W] of a
// segmenter at its masks' size (a detector's subnets learn from the truth boxes: header).
struct Teacher {
  torch::Tensor soft;
};

// Soft cross-entropy of a segmenter's `logits` against the teacher's per-pixel logits, both
// at the student's masks' size (bilinear), over the pixels whose mask is not 255.
torch::Tensor distilled_segmentation_loss(const torch::Tensor& logits, const Teacher& teacher, const Batch& b) {
  const torch::Tensor student = torch::log_softmax(logits_at(logits, b.height, b.width), 1);
  const torch::Tensor target = torch::softmax(logits_at(teacher.soft, b.height, b.width), 1);
  const torch::Tensor per_pixel = -(target * student).sum(1);  // [N, H, W]
  const torch::Tensor keep = mask_tensor(b).ne(255).to(per_pixel.dtype());
  return (per_pixel * keep).sum() / keep.sum().clamp_min(1);
}

// The sandwich loss of one batch (see the header).
struct Sandwich {
  const space::Space& space;
  const WeightBankImpl& bank;
  const SupernetData& data;
  const SupernetTrainOptions& options;
  std::int64_t* subnet_images;
  const std::vector<std::int32_t>& phases;  // --schedule progressive: shrinking_phases(space)
  std::int32_t phase_count;                 // shrinking_phase_count(phases)

  torch::Tensor operator()(std::span<const std::int64_t> positions, std::uint64_t seed, RunStep at) const {
    std::vector<std::int64_t> chosen(positions.size());
    for (std::size_t i = 0; i < positions.size(); ++i)
      chosen[i] = data.training[static_cast<std::size_t>(positions[i])];
    SplitMix rng(seed, 1);
    std::vector<space::Genome> genomes = {largest_genome(space, rng)};
    if (options.schedule == SupernetSchedule::sandwich) {
      genomes.push_back(smallest_genome(space, rng));
      for (std::int32_t i = 0; i < options.random_subnets; ++i) genomes.push_back(random_genome(space, rng));
    } else if (const std::int32_t phase = static_cast<std::int32_t>(at.step * (phase_count + 1) / at.steps);
               phase > 0) {
      genomes.push_back(phase_genome(space, genomes[0], phases, phase, true, rng));
      for (std::int32_t i = 0; i < options.random_subnets; ++i)
        genomes.push_back(phase_genome(space, genomes[0], phases, phase, false, rng));
    }
    std::map<std::int32_t, Batch> batches;  // by resolution
    torch::Tensor total;
    Teacher teacher;
    for (std::size_t i = 0; i < genomes.size(); ++i) {
      const graph::Graph g = space.decode(genomes[i]);
      const InputShape in = input_shape(g);
      auto it = batches.find(in.resolution);
      if (it == batches.end())
        it = batches
                 .emplace(in.resolution, supernet_batch(data, data.train_set, chosen, in.resolution, in.channels,
                                                        options.train.augment, seed))
                 .first;
      const torch::Tensor loss = subnet_loss(g, it->second, i == 0, teacher);
      total = total.defined() ? total + loss : loss;
      *subnet_images += static_cast<std::int64_t>(chosen.size());
    }
    return total / static_cast<double>(genomes.size());
  }

  // One subnet's loss on `b`: the largest's on the truth (and it becomes the teacher), the
  // others' on the teacher's predictions (detection: on the truth).
  torch::Tensor subnet_loss(const graph::Graph& g, Batch& b, bool largest, Teacher& teacher) const {
    Network net = bank.subnet(g);
    const std::vector<torch::Tensor> out = net->forward(scene_images(b));
    switch (data.task) {
      case Task::classification: {
        const torch::Tensor logits = out.front().flatten(1);
        if (!largest) return -(teacher.soft * torch::log_softmax(logits, 1)).sum(1).mean();
        teacher.soft = torch::softmax(logits.detach(), 1);
        const torch::Tensor labels =
            torch::from_blob(b.labels.data(), {static_cast<std::int64_t>(b.labels.size())}, torch::kInt32)
                .to(torch::kInt64);
        return F::cross_entropy(logits, labels,
                                F::CrossEntropyFuncOptions().label_smoothing(options.train.label_smoothing));
      }
      case Task::segmentation: {
        if (!largest) return distilled_segmentation_loss(out.at(0), teacher, b);
        teacher.soft = logits_at(out.at(0).detach(), b.height, b.width);
        return segmentation_loss(out.at(0), mask_tensor(b));
      }
      case Task::detection: {
        const SceneModel m = scene_model(g, 0, Task::detection, data.scene_labels);
        return ssd_loss(m.layout, out, b.boxes).total;
      }
    }
    HWNAS_CHECK(false);
    return {};
  }
};

}  // namespace

std::string_view schedule_name(SupernetSchedule schedule) {
  return schedule == SupernetSchedule::progressive ? "progressive" : "sandwich";
}

SupernetSchedule parse_schedule(std::string_view text, std::string_view option) {
  if (text == "sandwich") return SupernetSchedule::sandwich;
  if (text == "progressive") return SupernetSchedule::progressive;
  throw UserError(fmt::format("{} '{}' is not a schedule: give sandwich (BigNAS) or progressive (OFA's progressive "
                              "shrinking)",
                              option, text));
}

SupernetRun train_supernet(const space::Space& space, const SupernetTrainOptions& options,
                           const ProgressCallback& progress) {
  check_options(space, options);
  const SupernetData data =
      options.train.task == Task::classification
          ? load_supernet_data(options.train.data_dir, options.train.validation, options.train.subset,
                               options.train.seed)
          : load_supernet_scenes(options.train, progress);
  // Progressive shrinking needs a step for each phase, or a phase would be skipped unseen.
  const std::int64_t steps_an_epoch =
      steps_per_epoch(static_cast<std::int64_t>(data.training.size()), options.train.batch);
  const std::vector<std::int32_t> phases = shrinking_phases(space);
  const std::int32_t phase_count = shrinking_phase_count(phases);
  if (options.schedule == SupernetSchedule::progressive && steps_an_epoch * options.train.epochs < 1 + phase_count)
    throw UserError(fmt::format("--schedule progressive trains space '{}' in {} phases of at least one step each, and "
                                "this run has {} steps ({} an epoch): give more --epochs, a smaller --batch or a "
                                "larger --subset",
                                space.name(), 1 + phase_count, steps_an_epoch * options.train.epochs, steps_an_epoch));
  SupernetRun run;
  run.threads = resolve_threads(options.train.threads);
  torch::set_num_threads(run.threads);
  run.train_images = static_cast<std::int64_t>(data.training.size());
  run.cache_note = data.cache_note;
  run.validation = options.train.validation > 0;

  std::vector<graph::Graph> sizing;
  for (const space::Genome& g : bank_genomes(space, options.train.seed, options.bank_genomes))
    sizing.push_back(space.decode(g));
  WeightBank bank(bank_shapes(sizing), options.train.seed);
  run.bank_tensors = static_cast<std::int64_t>(bank->tensors().size());
  for (const auto& entry : bank->tensors()) run.bank_parameters += entry.second.numel();

  TrainableModel model;
  model.module = bank.ptr().get();
  model.parameters = [&bank] { return bank->tensors(); };
  model.state = [&bank] { return bank->tensors(); };
  model.load_state = [&bank](const NamedTensors& s, std::string_view source) { bank->load(s, source); };
  const std::string fingerprint = space::fingerprint(space);
  const ModelStamp stamp = supernet_stamp(space, options);
  const Sandwich sandwich{space, *bank, data, options, &run.subnet_images, phases, phase_count};
  const FitResult fit = train::fit(model, run.train_images, sandwich, options.train, stamp, progress);
  record_fit(fit, run);
  run.resumed_train_seconds = fit.seconds_before;
  run.final_loss = fit.final_loss;
  if (run.failed) return run;

  SupernetFile file;
  file.space = options.space_arg;
  file.space_name = space.name();
  file.fingerprint = fingerprint;
  file.parallelism_factor = options.parallelism_factor;
  file.target = options.target;
  file.options = run_identity(options.train);
  file.options["--random-subnets"] = std::to_string(options.random_subnets);
  file.options["--schedule"] = std::string(schedule_name(options.schedule));
  if (options.train.task != Task::classification)  // what eval measures on
    file.options["--test-scenes"] = std::to_string(options.train.test_scenes);
  file.validation = options.train.validation;
  file.batch = options.train.batch;
  file.epochs_done = run.epochs_done;
  file.train_seconds = run.train_seconds + run.resumed_train_seconds;  // every session's
  file.tensors = bank->tensors();
  write_supernet(options.out, file);

  MeasureOptions measure;
  measure.calibration_images = std::min<std::int64_t>(options.calibration_images, run.train_images);
  measure.calibration_batch = options.train.batch;
  measure.test = options.train.validation == 0;  // scene tasks: always (validation 0)
  measure.validation = options.train.validation;
  SplitMix ends(0);
  // Categorical genes at their first choice, so the figures are comparable across runs.
  space::Genome largest = largest_genome(space, ends), smallest = smallest_genome(space, ends);
  const std::vector<GeneOrder> orders = gene_orders(space);
  for (std::size_t i = 0; i < orders.size(); ++i)
    if (orders[i] == GeneOrder::categorical) largest.genes[i] = smallest.genes[i] = 0;
  largest = space.canonical(largest);
  smallest = space.canonical(smallest);
  run.largest_arch = space.arch(largest);
  run.smallest_arch = space.arch(smallest);
  const SubnetAccuracy measured_largest = measure_subnet(*bank, space.decode(largest), data, measure);
  run.largest_accuracy = measured_largest.metric;
  run.baseline = measured_largest.baseline;
  run.measured_images = measured_largest.images;
  run.smallest_accuracy = measure_subnet(*bank, space.decode(smallest), data, measure).metric;
  return run;
}

}  // namespace hwnas::train::supernet

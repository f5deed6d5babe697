// A measured check of the detection and segmentation losses (src/hwnas/train/tasks): trains
// a detector or a segmenter on cached scenes for a few epochs and prints the loss before and
// after, the test metric (mAP@0.5 and COCO mAP, or mIoU), the trivial baseline's, and
// images/s — so that full runs can be planned. Not a test; docs/training.md, "Detection and
// segmentation".
//   train_task_check [--task detection|segmentation] [--model SPEC] [--train N] [--test M]
//                    [--epochs E] [--batch B] [--lr LR] [--threads T] [--max-seconds S]
// SGD with Nesterov momentum (optimizer.h), cosine schedule with 5% warm-up (schedule.h),
// crop (pad res/12) and flip augmentation; default 96x96 `items` scenes (10 classes).
#include <fmt/format.h>
#include <malloc.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "hwnas/space/models.h"
#include "hwnas/train/data/scene_cache.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/network.h"
#include "hwnas/train/optimizer.h"
#include "hwnas/train/sampling.h"
#include "hwnas/train/schedule.h"
#include "hwnas/train/tasks/baselines.h"
#include "hwnas/train/tasks/detection_task.h"
#include "hwnas/train/tasks/segmentation_task.h"

namespace {

using namespace hwnas::train;
using Clock = std::chrono::steady_clock;

struct Run {
  bool detection = true;
  std::string model;
  std::int64_t train = 2000, test = 500;
  int epochs = 1, batch = 32, threads = 2;
  double lr = 0.05, max_seconds = 600;
};

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Seconds spent in each part of the training steps.
struct StepTimes {
  double batch = 0, forward = 0, loss = 0, backward = 0, step = 0;
};

// The loss of one batch, for either task.
torch::Tensor batch_loss(const Run& run, Network& net, const SsdHeadLayout& layout, Batch& batch, StepTimes& split) {
  const torch::Tensor images =
      torch::from_blob(batch.pixels.data(), {batch.n, batch.channels, batch.height, batch.width}, torch::kFloat32);
  auto t = Clock::now();
  const std::vector<torch::Tensor> out = net->forward(images);
  split.forward += since(t);
  t = Clock::now();
  torch::Tensor loss =
      run.detection ? ssd_loss(layout, out, batch.boxes).total : segmentation_loss(out.at(0), mask_tensor(batch));
  split.loss += since(t);
  return loss;
}

BatchOptions batch_options(std::int32_t res, std::int32_t channels) {
  BatchOptions o;
  o.resolution = res;
  o.channels = channels;
  o.mean = 0.2751f;  // docs/data.md: the scenes' x/255 mean and std
  o.std = 0.2098f;
  return o;
}

// Test loss (eval mode) and metric over the whole test set; the metric line is printed.
double evaluate(const Run& run, Network& net, const SsdHeadLayout& layout, const ImageSet& test, const BatchOptions& o,
                const std::string& when) {
  torch::NoGradGuard no_grad;
  net->eval();
  std::optional<SsdEvaluator> map;  // detection only
  if (run.detection) map.emplace(layout);
  ConfusionMatrix confusion(test.classes + 1);
  double loss = 0;
  std::int64_t batches = 0;
  for (std::int64_t start = 0; start < test.size(); start += run.batch) {
    std::vector<std::int64_t> idx;
    for (std::int64_t i = start; i < std::min(test.size(), start + run.batch); ++i) idx.push_back(i);
    Batch b = make_batch(test, idx, o);
    const torch::Tensor images = torch::from_blob(b.pixels.data(), {b.n, b.channels, b.height, b.width}, torch::kFloat32);
    const std::vector<torch::Tensor> out = net->forward(images);
    if (run.detection) {
      loss += ssd_loss(layout, out, b.boxes).total.item<double>();
      map->add(out, b.boxes);
    } else {
      loss += segmentation_loss(out.at(0), mask_tensor(b)).item<double>();
      add_segmentation(confusion, out.at(0), b.masks, b.height, b.width);
    }
    ++batches;
  }
  net->train();
  if (run.detection) {
    const DetectionMap r = map->result();
    fmt::print("{}: test loss {:.4f}, mAP@0.5 {:.4f}, mAP@[.5:.95] {:.4f}\n", when, loss / batches, r.map_50, r.map_50_95);
  } else {
    fmt::print("{}: test loss {:.4f}, mIoU {:.4f}, pixel accuracy {:.4f}\n", when, loss / batches, confusion.mean_iou(),
               confusion.pixel_accuracy());
  }
  return loss / batches;
}

void baseline(const Run& run, const SsdHeadLayout& layout, const ImageSet& train, const ImageSet& test,
              std::int32_t res) {
  if (run.detection) {
    const float scale = static_cast<float>(res) / static_cast<float>(train.width);
    auto scaled = [scale](const std::vector<std::vector<Box>>& boxes) {
      std::vector<std::vector<Box>> out = boxes;
      for (auto& image : out)
        for (Box& b : image) b = {b.x0 * scale, b.y0 * scale, b.x1 * scale, b.y1 * scale, b.label};
      return out;
    };
    const std::vector<Detection> prior = prior_box_baseline(scaled(train.boxes), layout.anchors);
    MeanAveragePrecision map(train.classes);
    for (const auto& truth : scaled(test.boxes)) map.add_image(truth, prior);
    const DetectionMap r = map.result();
    fmt::print("baseline (prior boxes of the commonest class, {} detections): mAP@0.5 {:.4f}, mAP@[.5:.95] {:.4f}\n",
               prior.size(), r.map_50, r.map_50_95);
  } else {
    ConfusionMatrix confusion(test.classes + 1);
    confusion.add(std::vector<std::int32_t>(test.masks.size(), 0), test.masks);
    fmt::print("baseline (all background): mIoU {:.4f}, pixel accuracy {:.4f}\n", confusion.mean_iou(),
               confusion.pixel_accuracy());
  }
}

int run_check(const Run& run) {
  torch::set_num_threads(run.threads);
  SceneOptions scenes;
  const ImageSet train =
      make_cached_scenes(scenes, Split::train, run.train, default_fashion_mnist_dir(), default_scene_cache_dir()).scenes;
  const ImageSet test =
      make_cached_scenes(scenes, Split::test, run.test, default_fashion_mnist_dir(), default_scene_cache_dir()).scenes;
  const hwnas::graph::Graph graph = hwnas::space::load_model(run.model);
  const InputShape input = input_shape(graph);
  SsdHeadLayout layout;
  if (run.detection)
    layout = ssd_head_layout(graph, train.classes);
  else
    check_segmenter(graph, train.classes + 1);
  fmt::print("{} on {} training / {} test scenes, resolution {}, {} threads, batch {}, lr {}\n", run.model, run.train,
             run.test, input.resolution, run.threads, run.batch, run.lr);
  baseline(run, layout, train, test, input.resolution);

  Network net(graph, 1);
  net->train();
  OptimizerConfig config;
  config.lr = run.lr;
  auto optimizer = make_optimizer(net->graph_parameters(), config);
  const std::int64_t steps = run.train / run.batch, total = steps * run.epochs;
  const CosineSchedule schedule{run.lr, 0.0, total, warmup_steps_for(0.05, total)};
  BatchOptions o = batch_options(input.resolution, input.channels);
  auto t = Clock::now();
  const double before = evaluate(run, net, layout, test, o, "before training");
  fmt::print("(evaluation {:.1f} s)\n", since(t));
  BatchOptions augmented = o;
  augmented.augment = true;
  augmented.pad = input.resolution / 12;
  const auto start = Clock::now();
  std::int64_t step = 0, images = 0;
  double first = 0, last = 0;
  StepTimes split;
  for (int epoch = 0; epoch < run.epochs; ++epoch) {
    const std::vector<std::int64_t> order = epoch_order(run.train, 7, epoch);
    augmented.seed = derive_seed(7, static_cast<std::uint64_t>(epoch));
    double sum = 0;
    for (std::int64_t s = 0; s < steps; ++s, ++step) {
      const std::vector<std::int64_t> idx(order.begin() + s * run.batch, order.begin() + (s + 1) * run.batch);
      auto t = Clock::now();
      Batch b = make_batch(train, idx, augmented);
      split.batch += since(t);
      set_learning_rate(*optimizer, schedule.lr_at(step));
      const torch::Tensor loss = batch_loss(run, net, layout, b, split);
      t = Clock::now();
      optimizer->zero_grad();
      loss.backward();
      split.backward += since(t);
      t = Clock::now();
      optimizer->step();
      split.step += since(t);
      const double value = loss.item<double>();
      sum += value;
      images += b.n;
      if (step < 10) first += value / 10;
      const double seconds = since(start);
      if ((s + 1) % 10 == 0)
        fmt::print("epoch {} step {}/{}: mean loss {:.4f}, {:.1f} images/s\n", epoch + 1, s + 1, steps, sum / (s + 1),
                   images / seconds);
      if (s == steps - 1) last = sum / steps;
      if (seconds > run.max_seconds) {
        fmt::print("stopped after {:.0f} s (--max-seconds)\n", seconds);
        epoch = run.epochs;
        last = sum / (s + 1);
        break;
      }
    }
  }
  const double seconds = since(start);
  fmt::print("training: mean loss of the first 10 steps {:.4f}, of the last epoch {:.4f}; {} images in {:.1f} s, "
             "{:.1f} images/s\n",
             first, last, images, seconds, images / seconds);
  fmt::print("seconds in batches {:.1f}, forward {:.1f}, loss {:.1f}, backward {:.1f}, optimiser {:.1f}\n", split.batch,
             split.forward, split.loss, split.backward, split.step);
  const double after = evaluate(run, net, layout, test, o, "after training");
  fmt::print("test loss {:.4f} -> {:.4f}\n", before, after);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);  // developers_pitfalls.md: 5x faster training
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  Run run;
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (args.contains("--task")) run.detection = args["--task"] == "detection";
  run.model = args.contains("--model") ? args["--model"]
              : run.detection ? "ssdlite_mobilenet_v2:width=0.5,res=96,in_ch=1,classes=11"
                              : "lraspp_mobilenet_v2:width=0.5,res=96,in_ch=1,classes=11";
  if (args.contains("--train")) run.train = std::stoll(args["--train"]);
  if (args.contains("--test")) run.test = std::stoll(args["--test"]);
  if (args.contains("--epochs")) run.epochs = std::stoi(args["--epochs"]);
  if (args.contains("--batch")) run.batch = std::stoi(args["--batch"]);
  if (args.contains("--lr")) run.lr = std::stod(args["--lr"]);
  if (args.contains("--threads")) run.threads = std::stoi(args["--threads"]);
  if (args.contains("--max-seconds")) run.max_seconds = std::stod(args["--max-seconds"]);
  try {
    return run_check(run);
  } catch (const std::exception& e) {
    fmt::print(stderr, "train_task_check: {}\n", e.what());
    return 2;
  }
}

#include "hwnas/train/classification_run.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>

#include "hwnas/base/elapsed.h"
#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/metrics/classification.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/network.h"
#include "hwnas/train/sampling.h"
#include "hwnas/train/trainer.h"
#include "hwnas/train/weight_transfer.h"

namespace hwnas::train {
namespace {

using Clock = std::chrono::steady_clock;


std::filesystem::path data_dir_of(const std::string& dir) {
  return dir.empty() ? default_fashion_mnist_dir() : std::filesystem::path(dir);
}

// What identifies the bytes of a split's files without reading them: their paths, sizes
// and modification times.
std::string files_stamp(const std::filesystem::path& dir, Split split) {
  const FashionMnistFiles f = fashion_mnist_files(dir, split);
  std::string stamp;
  for (const std::filesystem::path& p : {f.images, f.labels}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(p, ec);
    const auto time = std::filesystem::last_write_time(p, ec).time_since_epoch().count();
    stamp += fmt::format("{}:{}:{};", std::filesystem::absolute(p).string(), size, time);
  }
  return stamp;
}

// A split of Fashion-MNIST, read once per process while its files stay as they were:
// `hwnas-train train --serve` trains many models, and reading and unpacking the training
// split is most of a short training's start-up. load_fashion_mnist's UserErrors.
std::shared_ptr<const ImageSet> fashion_mnist(const std::string& dir, Split split) {
  static std::mutex mutex;
  static std::map<Split, std::pair<std::string, std::shared_ptr<const ImageSet>>> kept;
  const std::filesystem::path where = data_dir_of(dir);
  const std::string stamp = files_stamp(where, split);
  const std::lock_guard lock(mutex);
  auto& [kept_stamp, set] = kept[split];
  if (!set || kept_stamp != stamp) {
    set.reset();  // the old copy goes before the new one is read
    set = std::make_shared<const ImageSet>(load_fashion_mnist(where, split));
    kept_stamp = stamp;
  }
  return set;
}

// The batches of `set`'s images `indices` (positions index into it) as the model takes them.
BatchSource batches(const ImageSet& set, std::vector<std::int64_t> indices, BatchOptions base) {
  return [&set, indices = std::move(indices), base](std::span<const std::int64_t> positions, std::uint64_t seed) {
    std::vector<std::int64_t> chosen(positions.size());
    for (std::size_t i = 0; i < positions.size(); ++i) chosen[i] = indices[static_cast<std::size_t>(positions[i])];
    BatchOptions options = base;
    options.seed = seed;
    Batch b = make_batch(set, chosen, options);
    return labelled_batch(b);
  };
}

std::vector<std::int64_t> all_of(const ImageSet& set) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(set.size()));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int64_t>(i);
  return v;
}

// Top-1 and top-5 of `network` on `set`'s images `indices`, into `run`.
void measure(Network& network, const ImageSet& set, std::vector<std::int64_t> indices, const BatchOptions& base,
             std::int32_t batch, ClassificationRun& run) {
  const Clock::time_point start = Clock::now();
  TrainableModel m = trainable(network);
  const auto images = static_cast<std::int64_t>(indices.size());
  const ClassScores s = predict_classes(m, images, batches(set, std::move(indices), base), batch);
  TopKAccuracy acc(s.classes);
  acc.add(s.scores, s.labels);
  run.top1 = acc.top1();
  run.top5 = acc.top5();
  run.test_images = acc.images();
  run.eval_seconds = seconds_since(start);
}

BatchOptions batch_options(const graph::Graph& g, const ImageSet& train_set) {
  const InputShape in = input_shape(g);
  return network_batches(in.resolution, in.channels, train_set.pixels);
}

}  // namespace

ClassificationRun train_classification(const graph::Graph& model, const std::string& model_file,
                                       const TrainOptions& options, const ProgressCallback& progress) {
  check_train_options(options);
  HWNAS_CHECK(options.task == Task::classification);  // scene_run.h trains the others
  check_run_outputs(options, model_file);  // --data was checked before (hwnas-train: check_classification_data)
  if (options.resume) read_text_file(options.checkpoint, "checkpoint (--checkpoint, --resume)");
  if (!options.init_from.empty()) read_text_file(options.init_from, "weights file (--init-from)");

  const std::shared_ptr<const ImageSet> train_data = fashion_mnist(options.data_dir, Split::train);
  const std::shared_ptr<const ImageSet> test_data = fashion_mnist(options.data_dir, Split::test);
  const ImageSet &train_set = *train_data, &test_set = *test_data;
  std::map<std::int32_t, std::int64_t> class_sizes;
  for (const std::int32_t label : train_set.labels) ++class_sizes[label];
  check_subset_fills_batch(class_sizes, options.validation, options.subset, options.batch, "--subset", "--batch");
  const graph::Graph g = classifier_at(model, options.resolution, train_set.classes);

  ClassificationRun run;
  run.model = g.name();
  run.threads = resolve_threads(options.threads);
  torch::set_num_threads(run.threads);
  const InputShape in = input_shape(g);
  run.resolution = in.resolution;
  run.channels = in.channels;
  Network network(g, options.seed);
  if (!options.init_from.empty()) run.init = init_from_weights(*network, options.init_from);
  const ModelStamp stamp{g.name(), graph_hash_text(g), std::string(task_name(options.task)), in.resolution};
  // With --validation the subset is drawn from the images not held out.
  ValidationSplit split = validation_split(train_set.labels, options.validation);
  std::vector<std::int32_t> rest_labels;
  for (std::int64_t i : split.training) rest_labels.push_back(train_set.labels[static_cast<std::size_t>(i)]);
  std::vector<std::int64_t> subset = training_subset(rest_labels, options.subset, options.seed);
  for (std::int64_t& i : subset) i = split.training[static_cast<std::size_t>(i)];
  run.train_images = static_cast<std::int64_t>(subset.size());
  run.validation = options.validation > 0;

  BatchOptions train_batches = batch_options(g, train_set);
  const BatchOptions test_batches = train_batches;
  train_batches.augment = options.augment;
  train_batches.pad = std::max(1, static_cast<std::int32_t>(std::lround(in.resolution / 14.0)));
  TrainableModel m = trainable(network);
  const FitResult fit = refusing_out_of_memory(run.model, options.batch, in.resolution, [&] {
    return fit_classifier(m, run.train_images, batches(train_set, subset, train_batches), options, stamp, progress);
  });
  record_fit(fit, run);
  run.resumed_train_seconds = fit.seconds_before;
  if (run.failed) return run;
  const std::int32_t eval_batch = std::max(options.batch, 256);
  refusing_out_of_memory(run.model, eval_batch, in.resolution, [&] {
    if (run.validation)
      measure(network, train_set, std::move(split.validation), test_batches, eval_batch, run);
    else
      measure(network, test_set, all_of(test_set), test_batches, eval_batch, run);
  });
  if (!options.save.empty()) write_weights(options.save, WeightsFile{stamp, network->named_state()});
  return run;
}

ClassificationRun evaluate_classification(const graph::Graph& model, const EvaluateOptions& options) {
  const WeightsFile w = read_weights(options.weights);
  check_weights_task(w, Task::classification, options.weights);
  const std::shared_ptr<const ImageSet> train_data = fashion_mnist(options.data_dir, Split::train);
  const std::shared_ptr<const ImageSet> test_data = fashion_mnist(options.data_dir, Split::test);
  const ImageSet &train_set = *train_data, &test_set = *test_data;
  const graph::Graph g = classifier_at(model, w.stamp.resolution, train_set.classes);

  ClassificationRun run;
  run.model = g.name();
  run.threads = resolve_threads(options.threads);
  torch::set_num_threads(run.threads);
  run.resolution = w.stamp.resolution;
  run.channels = input_shape(g).channels;
  Network network(g, 0);
  network->load_state(w.tensors, options.weights);
  check_weights_graph(w, g, options.weights);
  refusing_out_of_memory(run.model, options.batch, run.resolution, [&] {
    measure(network, test_set, all_of(test_set), batch_options(g, train_set), options.batch, run);
  });
  return run;
}

}  // namespace hwnas::train

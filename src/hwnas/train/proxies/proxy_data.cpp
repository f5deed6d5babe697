#include "hwnas/train/proxies/proxy_data.h"

#include <fmt/format.h>

#include <algorithm>

#include "hwnas/base/error.h"
#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/random.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/sampling.h"
#include "hwnas/train/scene_plan.h"
#include "hwnas/train/scene_sets.h"
#include "hwnas/train/tasks/segmentation_task.h"
#include "hwnas/train/tasks/task_heads.h"

namespace hwnas::train::proxies {

namespace {

// The reference scenes of `options`' canvas, as `hwnas train` reads them (scene_sets.h).
ImageSet reference_scenes(const ProxyDataOptions& options) {
  TrainOptions train;
  train.task = options.task;
  train.scene_size = options.scene_size;
  train.scene_labels = options.scene_labels;
  check_train_options(train);
  const SceneOptions scenes = scene_options(train);
  const std::int64_t count = reference_scene_count(options.scene_size);
  if (options.batch > count)
    throw UserError(fmt::format("--batch {}: the proxies' batch of scenes is drawn from the {} reference scenes of a "
                                "{}-pixel canvas; give --batch {} or fewer",
                                options.batch, count, options.scene_size, count));
  std::string cache_note;  // a corrupt cache file generated again: said as a note
  SceneReader read(scenes, options.dir, cache_note, options.progress);
  ImageSet set = read.all(Split::train, count);
  if (!cache_note.empty() && options.progress) {
    StepProgress note;
    note.note = cache_note;
    options.progress(note);
  }
  return set;
}

}  // namespace

ProxyData::ProxyData(const ProxyDataOptions& options)
    : set_(options.task == Task::classification
               ? load_fashion_mnist(options.dir.empty() ? default_fashion_mnist_dir()
                                                        : std::filesystem::path(options.dir),
                                    Split::train)
               : reference_scenes(options)),
      task_(options.task),
      seed_(options.seed) {
  HWNAS_CHECK(options.batch >= 1 && options.batch <= set_.size());
  indices_ = epoch_order(set_.size(), options.seed, 0);
  indices_.resize(static_cast<std::size_t>(options.batch));
  normalisation_ = network_batches(0, 0, set_.pixels);  // the moments, once: 47 million pixels
}

void check_proxy_input(const graph::Graph& graph, Task task) {
  const std::string_view batch = task == Task::classification ? "Fashion-MNIST" : "scene";
  if (const std::vector<graph::NodeId> inputs = graph.input_nodes(); inputs.size() == 1) {
    const graph::Shape& s = graph.shape(inputs.front());
    if (s.h != s.w)
      throw UserError(fmt::format("model '{}': input '{}' is {}x{}; the proxies' {} images are square: give the "
                                  "model a square input (the data-free proxies synflow, zen, params, macs take any)",
                                  graph.name(), graph.node_name(inputs.front()), s.h, s.w, batch));
  }
  const InputShape in = input_shape(graph);  // one Input node
  if (in.channels != 1 && in.channels != 3)
    throw UserError(fmt::format("model '{}' takes {}-channel images; the proxies' {} batch is grey (1 channel, or "
                                "repeated to 3): give the model a 1- or 3-channel input (e.g. in_ch=1 for a zoo model)",
                                graph.name(), in.channels, batch));
}

std::int32_t proxy_classes(Task task, SceneLabels labels) {
  return task == Task::classification ? static_cast<std::int32_t>(kFashionMnistClasses.size()) : object_classes(labels);
}

ProxyInput ProxyData::input_for(const graph::Graph& graph) const {
  check_proxy_input(graph, task_);
  const InputShape in = input_shape(graph);
  BatchOptions options = normalisation_;
  options.resolution = in.resolution;
  options.channels = in.channels;
  Batch b = make_batch(set_, indices_, options);
  ProxyInput input;
  input.images = scene_images(b);
  input.task = task_;
  input.classes = set_.classes;
  if (task_ == Task::classification)
    input.labels = torch::tensor(std::vector<std::int64_t>(b.labels.begin(), b.labels.end()), torch::kLong);
  else if (task_ == Task::detection)
    input.boxes = std::move(b.boxes);
  else
    input.masks = mask_tensor(b);
  return input;
}

ProxyInput ProxyData::crops(std::int32_t count, std::int32_t size) const {
  HWNAS_CHECK(task_ == Task::classification && count >= 1 && count <= set_.size() && size >= 1 &&
              size <= std::min(set_.height, set_.width) && set_.channels == 1);
  const std::vector<std::int64_t> order = epoch_order(set_.size(), seed_, 1);
  SplitMix draw(seed_, 0x7e4a5);
  torch::Tensor images = torch::empty({count, 1, size, size}, torch::kFloat);
  std::vector<std::int64_t> labels(static_cast<std::size_t>(count));
  float* out = images.data_ptr<float>();
  const std::int64_t plane = std::int64_t{set_.height} * set_.width;
  for (std::int32_t i = 0; i < count; ++i) {
    const std::int64_t image = order[static_cast<std::size_t>(i)];
    const std::int64_t y0 = draw.integer(0, set_.height - size), x0 = draw.integer(0, set_.width - size);
    const std::uint8_t* in = set_.pixels.data() + image * plane;
    for (std::int32_t y = 0; y < size; ++y)
      for (std::int32_t x = 0; x < size; ++x)
        *out++ = (static_cast<float>(in[(y0 + y) * set_.width + x0 + x]) / 255.0f - normalisation_.mean) /
                 normalisation_.std;
    labels[static_cast<std::size_t>(i)] = set_.labels[static_cast<std::size_t>(image)];
  }
  ProxyInput input;
  input.images = images;
  input.labels = torch::tensor(labels, torch::kLong);
  input.classes = set_.classes;
  return input;
}

}  // namespace hwnas::train::proxies

#include "hwnas/train/supernet/supernet_eval.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "hwnas/base/error.h"
#include "hwnas/train/metrics/classification.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/sampling.h"
#include "hwnas/train/scene_sets.h"
#include "hwnas/train/supernet/bn_recalibration.h"
#include "hwnas/train/tasks/task_heads.h"

namespace hwnas::train::supernet {
namespace {

void check_subnet(const graph::Graph& g, const SupernetData& data) {
  if (data.task != Task::classification) {
    scene_model(g, 0, data.task, data.scene_labels);
    return;
  }
  const InputShape in = input_shape(g);
  if (in.channels != 1 && in.channels != 3)
    throw UserError(fmt::format("model '{}' takes {}-channel images; Fashion-MNIST's are grayscale: give a model of "
                                "the supernet's space",
                                g.name(), in.channels));
  check_classifier(g, data.train_set.classes);
}

// read_supernet(path), refused when its space is not the caller's (expect_fingerprint,
// expect_space_name).
SupernetFile read_expected(const std::string& path, const SupernetEvalOptions& o) {
  SupernetFile f = read_supernet(path);
  if (o.expect_fingerprint.empty() || f.fingerprint == o.expect_fingerprint) return f;
  const std::string searched = o.expect_space_name.empty() ? "" : fmt::format(" '{}'", o.expect_space_name);
  // The name is part of the fingerprint (space.h): a renamed copy of the space is another.
  const std::string why = !o.expect_space_name.empty() && o.expect_space_name != f.space_name
                              ? fmt::format("another name, and maybe other choices or another P; a space's name is "
                                            "part of its fingerprint: if only the name differs, name it '{}' again, "
                                            "else",
                                            f.space_name)
                              : std::string("other choices, or another P;");
  throw UserError(fmt::format("{}: the supernet was trained on space '{}' ({}, fingerprint {}), not on the searched "
                              "space{} (fingerprint {}: {} train a supernet on the searched space)",
                              path, f.space_name, f.space, f.fingerprint, searched, o.expect_fingerprint, why));
}

}  // namespace

Network calibrated_subnet(const WeightBankImpl& bank, const graph::Graph& subnet, const SupernetData& data,
                          const MeasureOptions& options) {
  check_subnet(subnet, data);
  const torch::NoGradGuard no_grad;
  Network network = bank.subnet(subnet);
  const InputShape in = input_shape(subnet);
  const auto count = static_cast<std::int64_t>(data.training.size());
  const std::vector<std::int64_t> order = epoch_order(count, 0, 0);
  const std::int64_t images = std::min(options.calibration_images, count);
  std::vector<torch::Tensor> batches;
  for (std::int64_t first = 0; first + 1 < images; first += options.calibration_batch) {
    std::vector<std::int64_t> chosen;
    for (std::int64_t i = first; i < std::min(images, first + options.calibration_batch); ++i)
      chosen.push_back(data.training[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])]);
    if (chosen.size() < 2) break;  // batch norm cannot take a batch of one
    Batch b = supernet_batch(data, data.train_set, chosen, in.resolution, in.channels, false, 0);
    batches.push_back(scene_images(b));
  }
  recalibrate_batch_norm(*network, batches);
  return network;
}

SubnetAccuracy measure_subnet(const WeightBankImpl& bank, const graph::Graph& subnet, const SupernetData& data,
                              const MeasureOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  Network network = calibrated_subnet(bank, subnet, data, options);
  const torch::NoGradGuard no_grad;
  const InputShape in = input_shape(subnet);
  SubnetAccuracy out;
  out.model = subnet.name();
  out.resolution = in.resolution;
  if (data.task != Task::classification) {  // on the test scenes (the supernet held none out)
    const SceneModel m = scene_model(subnet, 0, data.task, data.scene_labels);
    SceneRun run;
    run.task = data.task;
    measure_scenes(network, m, data.test_set, data.reference,
                   network_batches(in.resolution, in.channels, data.reference.pixels), options.batch, run);
    out.metric = run.accuracy() / 100;
    out.map_50_95 = run.map_50_95;
    out.baseline = run.baseline;
    out.images = run.test_images;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
  }
  const ImageSet& set = options.test ? data.test_set : data.train_set;
  std::vector<std::int64_t> measured;
  if (options.test) {
    for (std::int64_t i = 0; i < set.size(); ++i) measured.push_back(i);
  } else {
    measured = options.validation == static_cast<std::int64_t>(data.validation.size())
                   ? data.validation
                   : validation_split(data.train_set.labels, options.validation).validation;
  }
  TopKAccuracy accuracy(set.classes);
  for (std::size_t first = 0; first < measured.size(); first += static_cast<std::size_t>(options.batch)) {
    const std::size_t n = std::min(measured.size() - first, static_cast<std::size_t>(options.batch));
    const ImageBatch b = image_batch(data, set, std::span(measured).subspan(first, n), in.resolution, in.channels,
                                     false, 0);
    const torch::Tensor logits = network->forward(b.images).front().flatten(1).to(torch::kFloat32).contiguous();
    const torch::Tensor labels = b.labels.to(torch::kInt32).contiguous();
    accuracy.add(std::span(logits.data_ptr<float>(), static_cast<std::size_t>(logits.numel())),
                 std::span(labels.data_ptr<std::int32_t>(), static_cast<std::size_t>(labels.numel())));
  }
  out.top1 = out.metric = accuracy.top1();
  out.top5 = accuracy.top5();
  out.images = accuracy.images();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

OpenedSupernet::OpenedSupernet(const std::string& path, const SupernetEvalOptions& options)
    : path_(path),
      file_(read_expected(path, options)),
      space_(supernet_space(file_, path, options.space, options.space_key)),
      space_files_(supernet_space_files(file_, path, options.space)) {
  // A search names its key and has no --test (it keeps the test set unseen).
  const bool cli = options.validation_key.empty();
  const std::string key = cli ? "--validation" : options.validation_key;
  const std::string or_test = cli ? " or --test" : "";
  if (options.calibration_images < 2)
    throw UserError(fmt::format("--calibration-images {} is below 2; batch norm needs two images",
                                options.calibration_images));
  if (options.check_data) options.check_data(file_.task);
  std::int64_t validation = 0;
  if (file_.task != Task::classification) {
    data_ = scene_data(options, key);
  } else {
    if (options.validation > file_.validation)
      throw UserError(fmt::format("{} {}: the supernet {} held out {} training images; measure on at most those "
                                  "(the others were trained on){}",
                                  key, options.validation, path, file_.validation, cli ? ", or give --test" : ""));
    validation = options.validation < 0 ? file_.validation : options.validation;
    if (!options.test && validation == 0)
      throw UserError(fmt::format("{}: the supernet held out no training images (trained with --validation 0), so "
                                  "it has no validation split to measure on; {}train it with --validation N",
                                  path, cli ? "give --test, or " : ""));
    const auto subset = file_.options.find("--subset");
    const auto seed = file_.options.find("--seed");
    data_ = load_supernet_data(options.data_dir, file_.validation,
                               subset == file_.options.end() ? 1.0 : std::stod(subset->second),
                               seed == file_.options.end() ? 0 : std::stoull(seed->second));
    if (!options.test && validation < file_.validation) {
      // A smaller split is not always inside the larger: refuse the images that were trained on.
      const std::vector<std::int64_t> chosen = validation_split(data_.train_set.labels, validation).validation;
      if (!std::includes(data_.validation.begin(), data_.validation.end(), chosen.begin(), chosen.end()))
        throw UserError(fmt::format("{} {}: that split is not inside the {} images the supernet {} held out; give "
                                    "{} {}{}",
                                    key, validation, file_.validation, path, key, file_.validation, or_test));
    }
  }
  bank_ = WeightBank(file_.tensors);
  file_.tensors.clear();  // the bank holds them now
  measure_.calibration_images = std::min(options.calibration_images, static_cast<std::int64_t>(data_.training.size()));
  measure_.calibration_batch = file_.batch;
  measure_.test = options.test || file_.task != Task::classification;  // scenes: always the test scenes
  measure_.validation = validation;
}

// A scene supernet's data: the test scenes it was trained beside and its training scenes
// (the training options in the file say which). It held out no training scenes, so a
// validation count is refused.
SupernetData OpenedSupernet::scene_data(const SupernetEvalOptions& options, const std::string& validation_key) const {
  TrainOptions t;
  t.task = file_.task;
  const auto stored = [this](const char* key) {
    const auto it = file_.options.find(key);
    if (it == file_.options.end())
      throw UserError(fmt::format("{}: a damaged supernet file: the training option {} is missing; train it again",
                                  path_, key));
    return it->second;
  };
  try {
    t.scenes = std::stoll(stored("--scenes"));
    t.test_scenes = std::stoll(stored("--test-scenes"));
    t.scene_size = std::stoi(stored("--scene-size"));
    t.subset = std::stod(stored("--subset"));
    t.seed = std::stoull(stored("--seed"));
  } catch (const std::logic_error&) {
    throw UserError(fmt::format("{}: a damaged supernet file: a scene option is not a number; train it again", path_));
  }
  t.scene_labels = parse_scene_labels(stored("--scene-labels"), path_);
  t.data_dir = options.data_dir;
  if (options.validation > 0)
    throw UserError(fmt::format("{} {}: the supernet {} is a {} supernet, measured on its {} test scenes (it held out "
                                "no training scenes); drop {}",
                                validation_key, options.validation, path_, task_name(t.task), t.test_scenes,
                                validation_key));
  return load_supernet_scenes(t, {});
}

void OpenedSupernet::check_of_space(const graph::Graph& subnet) const {
  if (subnet.name() != space_->name())
    throw UserError(fmt::format("model '{}' is not of the supernet's space '{}' (its models, from hwnas space sample "
                                "or decode of that space, carry its name); give a model of that space or a supernet "
                                "trained on the model's space",
                                subnet.name(), space_->name()));
}

void OpenedSupernet::check(const graph::Graph& subnet) const {
  check_of_space(subnet);
  check_subnet(subnet, data_);
  const torch::NoGradGuard no_grad;
  bank_->subnet(subnet);
}

SubnetAccuracy OpenedSupernet::measure(const graph::Graph& subnet) const {
  check_of_space(subnet);
  return measure_subnet(*bank_, subnet, data_, measure_);
}

WeightsFile OpenedSupernet::extract(const graph::Graph& subnet) const {
  check_of_space(subnet);
  Network network = calibrated_subnet(*bank_, subnet, data_, measure_);
  const InputShape in = input_shape(subnet);
  ModelStamp stamp{subnet.name(), graph_hash_text(subnet), std::string(task_name(file_.task)), in.resolution};
  if (file_.task != Task::classification) {  // hwnas evaluate measures it on the scenes it was trained on
    stamp.scene_size = data_.train_set.width;
    stamp.scene_labels = std::string(scene_labels_name(data_.scene_labels));
  }
  return WeightsFile{stamp, network->named_state()};
}

}  // namespace hwnas::train::supernet

#include "hwnas/train/proxies/proxy_data.h"

#include <fmt/format.h>

#include <algorithm>

#include "hwnas/base/error.h"
#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/random.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/sampling.h"

namespace hwnas::train::proxies {

ProxyData::ProxyData(const std::filesystem::path& dir, std::int32_t batch, std::uint64_t seed)
    : set_(load_fashion_mnist(dir, Split::train)), seed_(seed) {
  HWNAS_CHECK(batch >= 1 && batch <= set_.size());
  indices_ = epoch_order(set_.size(), seed, 0);
  indices_.resize(static_cast<std::size_t>(batch));
  normalisation_ = network_batches(0, 0, set_.pixels);  // the moments, once: 47 million pixels
}

void ProxyData::check_input(const graph::Graph& graph) const {
  const InputShape in = input_shape(graph);
  if (in.channels != 1 && in.channels != 3)
    throw UserError(fmt::format("model '{}' takes {}-channel images; the proxies' Fashion-MNIST batch is grey "
                                "(1 channel, or repeated to 3)",
                                graph.name(), in.channels));
}

ProxyInput ProxyData::input_for(const graph::Graph& graph) const {
  check_input(graph);
  const InputShape in = input_shape(graph);
  BatchOptions options = normalisation_;
  options.resolution = in.resolution;
  options.channels = in.channels;
  const Batch b = make_batch(set_, indices_, options);
  ProxyInput input;
  input.images = torch::from_blob(const_cast<float*>(b.pixels.data()), {b.n, b.channels, b.height, b.width},
                                  torch::kFloat)
                     .clone();
  input.labels = torch::tensor(std::vector<std::int64_t>(b.labels.begin(), b.labels.end()), torch::kLong);
  input.classes = set_.classes;
  return input;
}

ProxyInput ProxyData::crops(std::int32_t count, std::int32_t size) const {
  HWNAS_CHECK(count >= 1 && count <= set_.size() && size >= 1 && size <= std::min(set_.height, set_.width) &&
              set_.channels == 1);
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

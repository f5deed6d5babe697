#include "hwnas/train/proxies/proxy_data.h"

#include <fmt/format.h>

#include "hwnas/base/error.h"
#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/sampling.h"

namespace hwnas::train::proxies {

ProxyData::ProxyData(const std::filesystem::path& dir, std::int32_t batch, std::uint64_t seed)
    : set_(load_fashion_mnist(dir, Split::train)) {
  HWNAS_CHECK(batch >= 1 && batch <= set_.size());
  indices_ = epoch_order(set_.size(), seed, 0);
  indices_.resize(static_cast<std::size_t>(batch));
  normalisation_ = network_batches(0, 0, set_.pixels);  // the moments, once: 47 million pixels
}

ProxyInput ProxyData::input_for(const graph::Graph& graph) const {
  const InputShape in = input_shape(graph);
  if (in.channels != 1 && in.channels != 3)
    throw UserError(fmt::format("model '{}' takes {}-channel images; the proxies' Fashion-MNIST batch is grey "
                                "(1 channel, or repeated to 3)",
                                graph.name(), in.channels));
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

}  // namespace hwnas::train::proxies

// A tiny classifier and a learnable synthetic data set for the trainer's tests: 3 classes
// of 1×8×8 images, class k of brightness k plus Gaussian noise (σ 0.5).
#pragma once

#include <torch/torch.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "hwnas/graph/graph.h"
#include "hwnas/train/trainer.h"

namespace hwnas::testing {

using train::BatchSource;
using train::LabelledBatch;

inline graph::Graph tiny_classifier(std::int32_t classes = 3) {
  using namespace graph;
  Graph g("tiny");
  NodeId x = g.add("input", Input{1, 8, 8}, {});
  x = g.add("conv", Conv2d{.out_channels = 4, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1}, {x});
  x = g.add("bn", BatchNorm{}, {x});
  x = g.add("relu", Activation{ActKind::relu}, {x});
  x = g.add("pool", GlobalPool{}, {x});
  x = g.add("fc", Linear{classes}, {x});
  g.add("out", Output{}, {x});
  return g;
}

struct SyntheticSet {
  torch::Tensor images, labels;  // [N,1,8,8] float, [N] int64
  BatchSource source() const {
    return [this](std::span<const std::int64_t> positions, std::uint64_t) {
      const torch::Tensor index =
          torch::from_blob(const_cast<std::int64_t*>(positions.data()), {static_cast<std::int64_t>(positions.size())},
                           torch::kInt64);
      return LabelledBatch{images.index_select(0, index), labels.index_select(0, index)};
    };
  }
};

inline SyntheticSet synthetic_set(std::int64_t n, std::uint32_t seed = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0, 0.5);
  SyntheticSet s{torch::zeros({n, 1, 8, 8}), torch::zeros({n}, torch::kInt64)};
  auto img = s.images.accessor<float, 4>();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t label = i % 3;
    s.labels[i] = label;
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) img[i][0][y][x] = noise(rng) + static_cast<float>(label);
  }
  return s;
}

inline std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace hwnas::testing

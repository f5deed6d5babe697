// Helpers of the network tests (network_test.cpp, network_attributes_test.cpp): one-op graphs
// run on 1, 2, 3, ... ramps, their outputs compared element by element.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/train/network.h"

namespace hwnas::train::network_testing {

/// One output of `g` on `input` (eval mode unless `training`).
inline torch::Tensor run(const graph::Graph& g, const torch::Tensor& input, bool training = false,
                         std::size_t output = 0) {
  Network net(g, 1);
  net->train(training);
  return net->forward(input).at(output);
}

/// [1, C, H, W] holding 1, 2, 3, ... in order.
inline torch::Tensor ramp(std::int64_t c, std::int64_t h, std::int64_t w) {
  return torch::arange(1, 1 + c * h * w, torch::kFloat).view({1, c, h, w});
}

/// `actual`, flattened, equals `expected` within 1e-5 per element.
inline void expect_values(const torch::Tensor& actual, std::vector<float> expected) {
  const torch::Tensor flat = actual.contiguous().view({-1});
  ASSERT_EQ(flat.numel(), static_cast<std::int64_t>(expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(flat[static_cast<std::int64_t>(i)].item<float>(), expected[i], 1e-5) << "element " << i;
}

/// input [c, h, w] -> `op` (node "op") -> output, in a graph named "one_op".
inline graph::Graph one_op(const graph::Op& op, std::int32_t c, std::int32_t h, std::int32_t w) {
  graph::Graph g("one_op");
  const graph::NodeId x = g.add("input", graph::Input{c, h, w}, {});
  g.add("output", graph::Output{}, {g.add("op", op, {x})});
  return g;
}

}  // namespace hwnas::train::network_testing

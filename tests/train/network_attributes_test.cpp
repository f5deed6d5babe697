// The IR attributes ONNX needs (issue 12 §0) as training runs them: asymmetric padding,
// resize coordinates; and the one-line refusals of what it does not run. Expected values
// are computed by hand on 1, 2, 3, ... ramps.
#include <gtest/gtest.h>

#include "hwnas/base/error.h"
#include "hwnas/train/network.h"
#include "network_test_helpers.h"

namespace hwnas::train {
namespace {

using namespace graph;
using namespace network_testing;

TEST(NetworkAttributes, AsymmetricConvPadsBottomAndRight) {
  // 2x2 ones on [1..9] padded with a zero row below and a zero column on the right.
  Network net(one_op(Conv2d{.out_channels = 1, .kernel_h = 2, .kernel_w = 2, .pad_bottom = 1,
                            .pad_right = 1},
                     1, 3, 3),
              1);
  net->load_state({{"op.weight", torch::ones({1, 1, 2, 2})}}, "test");
  net->eval();
  expect_values(net->forward(ramp(1, 3, 3)).at(0), {12, 16, 9, 24, 28, 15, 15, 17, 9});
}

TEST(NetworkAttributes, AsymmetricPoolsPadTopAndLeft) {
  // Kernel 2, stride 2, one padded row and column before: windows {1}, {2,3}, {4,7}, {5,6,8,9}.
  const Pool max{.kernel_h = 2, .kernel_w = 2, .pad_h = 1, .pad_w = 1, .pad_bottom = 0, .pad_right = 0};
  expect_values(run(one_op(max, 1, 3, 3), ramp(1, 3, 3)), {1, 3, 7, 9});
  Pool avg = max;
  avg.kind = PoolKind::avg;  // padded zeros count: every window divides by 4
  expect_values(run(one_op(avg, 1, 3, 3), ramp(1, 3, 3)), {0.25, 1.25, 2.75, 7});
}

TEST(NetworkAttributes, BilinearAlignCornersAndHalfPixel) {
  Upsample corners{.mode = UpsampleMode::bilinear, .scale = 0, .out_h = 3, .out_w = 3};
  corners.coordinates = ResizeCoordinates::align_corners;
  expect_values(run(one_op(corners, 1, 2, 2), ramp(1, 2, 2)), {1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4});
  // half_pixel = pytorch_half_pixel for outputs longer than 1: x_in = (x + 0.5)/2 − 0.5,
  // clamped at the edges: 1, 1.25, 1.75, 2 along a row.
  Upsample half{.mode = UpsampleMode::bilinear, .scale = 2};
  half.coordinates = ResizeCoordinates::half_pixel;
  const torch::Tensor out = run(one_op(half, 1, 1, 2), ramp(1, 1, 2));
  expect_values(out[0][0][0], {1, 1.25, 1.75, 2});
}

std::string refusal(const Op& op, std::int32_t h = 4) {
  try {
    Network net(one_op(op, 1, h, 4), 1);
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "not refused";
  return "";
}

void expect_one_line(const std::string& message, std::initializer_list<std::string_view> parts) {
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  for (std::string_view part : parts) EXPECT_NE(message.find(part), std::string::npos) << part << " not in " << message;
}

TEST(NetworkAttributes, WhatTrainingDoesNotRunIsRefusedNamingTheNode) {
  Upsample exact{.mode = UpsampleMode::nearest, .scale = 2};
  exact.coordinates = ResizeCoordinates::half_pixel;
  exact.rounding = NearestRounding::round_prefer_ceil;
  expect_one_line(refusal(exact),
                  {"network 'one_op': node 'op' (upsample): training runs nearest with coordinates "
                   "asymmetric and rounding floor",
                   "got nearest with coordinates half_pixel and rounding round_prefer_ceil"});
  Upsample legacy{.mode = UpsampleMode::bilinear, .scale = 2};
  legacy.coordinates = ResizeCoordinates::asymmetric;
  expect_one_line(refusal(legacy), {"node 'op' (upsample)", "got bilinear with coordinates asymmetric"});
  Upsample to_one{.mode = UpsampleMode::bilinear, .scale = 0, .out_h = 1, .out_w = 4};
  to_one.coordinates = ResizeCoordinates::half_pixel;
  expect_one_line(refusal(to_one), {"node 'op' (upsample)", "half_pixel (output larger than 1x1)"});
  const Pool ceil{.kernel_h = 2, .kernel_w = 2, .pad_h = 1, .ceil_mode = true, .pad_bottom = 0};
  expect_one_line(refusal(ceil), {"node 'op' (max_pool)", "asymmetric padding with ceil_mode"});
  Pool excluded{.kind = PoolKind::avg, .kernel_h = 2, .kernel_w = 2, .pad_w = 1, .pad_right = 0};
  excluded.count_include_pad = false;
  expect_one_line(refusal(excluded), {"node 'op' (avg_pool)", "count_include_pad false"});
}

}  // namespace
}  // namespace hwnas::train

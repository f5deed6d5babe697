// Shape inference: one shape function per op (ONNX style), pure.
#pragma once

#include <span>
#include <string_view>

#include "hwnas/graph/graph.h"

namespace hwnas::graph {

/// Output shape of `op` applied to `inputs`. Throws UserError that names `node_name`, the
/// op and the mismatch, e.g. "node 'stage3.project' (conv2d): input has 40 channels,
/// not divisible by groups 48".
Shape infer_shape(const Op& op, std::span<const Shape> inputs, std::string_view node_name);

/// Output size of a sliding window (convolution or pooling) along one axis; <= 0 when the
/// window does not fit.
std::int32_t window_output_size(std::int32_t in, std::int32_t kernel, std::int32_t stride,
                                std::int32_t pad, std::int32_t dilation, bool ceil_mode);

}  // namespace hwnas::graph

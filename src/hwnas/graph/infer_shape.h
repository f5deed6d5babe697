// Shape inference: one shape function per op (ONNX style), pure.
#pragma once

#include <span>
#include <string_view>

#include "hwnas/graph/graph.h"

namespace hwnas::graph {

/// Output shape of `op` applied to `inputs`. Throws UserError that names `node_name`, the
/// op and the mismatch, e.g. "node 'stage3.project' (conv2d): input has 40 channels,
/// not divisible by groups 48". Every shape it returns has dimensions in [1, 2^31 − 1] and
/// c·h·w ≤ 2^63 − 1 (a larger result, e.g. a concat of 2^30 + 2^30 channels, is a
/// UserError), so Shape::elements() never overflows.
Shape infer_shape(const Op& op, std::span<const Shape> inputs, std::string_view node_name);

/// Output size of a sliding window along one axis, PyTorch's rule (aten/src/ATen/native/
/// Pool.h, pooling_output_shape_pad_lr; convolution is the same without ceil_mode), with
/// `pad_begin` before and `pad_end` after the input (ONNX's pads; PyTorch's 2·pad is the
/// symmetric case):
///   floor((in + pad_begin + pad_end − dilation·(kernel − 1) − 1 + (ceil_mode ? stride − 1 : 0))
///         / stride) + 1,
/// rounding toward −∞; under ceil_mode a last window that would start after the input
/// (inside the end padding) is dropped. Exact in int64 for any int32 arguments (stride > 0);
/// < 1 when no window fits, and may exceed int32 (the caller refuses both).
std::int64_t window_output_size(std::int32_t in, std::int32_t kernel, std::int32_t stride,
                                std::int32_t pad_begin, std::int32_t pad_end,
                                std::int32_t dilation, bool ceil_mode);

/// "Same" padding of a kernel, dilation·(kernel − 1) / 2 (kernel and dilation > 0). Throws
/// UserError naming `node_name`, the dilation and the kernel when it exceeds int32.
std::int32_t same_padding(std::int32_t kernel, std::int32_t dilation, std::string_view node_name);

}  // namespace hwnas::graph

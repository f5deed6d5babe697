// Operation parameters of the hwnas IR: a closed set of plain structs.
//
// Every struct is a value type with `==` and a `fields()` view used for hashing, so
// nodes, and whole graphs, compare and hash without knowing which op they hold.
// Channel counts of an op's *input* are never stored: they come from shape inference.
// Each op's model-file names, inputs, attributes, shape function and counts are described
// once, in op_schema.h; adding an alternative to `Op` without a description fails the build.
//
// Attributes added after graph hashes were first recorded (asymmetric padding, resize
// coordinates and rounding) are listed by `added_fields()` and hashed only when
// `added_are_default()` is false, so graphs that do not use them keep their hashes.
#pragma once

#include <cstdint>
#include <string_view>
#include <tuple>
#include <variant>

namespace hwnas::graph {

enum class ActKind : std::uint8_t { relu, relu6, hardswish, hardsigmoid, sigmoid, silu, identity };
enum class PoolKind : std::uint8_t { avg, max };
enum class UpsampleMode : std::uint8_t { nearest, bilinear };
/// How an output pixel maps to input coordinates (ONNX Resize's coordinate_transformation_mode;
/// x_in = f(x_out), scale = in / out):
///   asymmetric: x_out·scale                     (PyTorch nearest)
///   half_pixel: (x_out + 0.5)·scale − 0.5
///   pytorch_half_pixel: as half_pixel, but 0 when the output length is 1 (PyTorch bilinear,
///     align_corners=False)
///   align_corners: x_out·(in − 1)/(out − 1)    (PyTorch align_corners=True)
enum class ResizeCoordinates : std::uint8_t { asymmetric, half_pixel, pytorch_half_pixel, align_corners };
/// How nearest resizing rounds x_in to a pixel (ONNX Resize's nearest_mode); PyTorch's
/// nearest is floor.
enum class NearestRounding : std::uint8_t { floor, ceil, round_prefer_floor, round_prefer_ceil };

/// A network input of one sample: channels × height × width (the batch is implicit).
struct Input {
  std::int32_t channels = 0, height = 0, width = 0;
  auto fields() const { return std::tie(channels, height, width); }
  bool operator==(const Input&) const = default;
};

/// 2-D convolution. Depthwise is groups == input channels == out_channels.
/// Padding: `pad_h` rows on top and `pad_w` columns on the left; `pad_bottom` and
/// `pad_right` default to the same (symmetric, as PyTorch pads), and differ only for
/// asymmetric padding (ONNX pads [top, left, bottom, right], TensorFlow's "SAME"). Set
/// all four when changing a padding after construction.
struct Conv2d {
  std::int32_t out_channels = 0;
  std::int32_t kernel_h = 1, kernel_w = 1;
  std::int32_t stride_h = 1, stride_w = 1;
  std::int32_t pad_h = 0, pad_w = 0;
  std::int32_t dilation_h = 1, dilation_w = 1;
  std::int32_t groups = 1;
  bool bias = false;
  std::int32_t pad_bottom = pad_h, pad_right = pad_w;
  auto fields() const {
    return std::tie(out_channels, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w,
                    dilation_h, dilation_w, groups, bias);
  }
  auto added_fields() const { return std::tie(pad_bottom, pad_right); }
  bool added_are_default() const { return symmetric(); }
  bool symmetric() const { return pad_bottom == pad_h && pad_right == pad_w; }
  bool operator==(const Conv2d&) const = default;
};

/// PyTorch's default batch-norm epsilon; model files and op JSON omit an epsilon equal to it.
inline constexpr double kDefaultBatchNormEpsilon = 1e-5;

/// Batch normalisation over channels (affine: weight and bias are parameters). `epsilon`
/// is added to the variance before its square root, as PyTorch's BatchNorm2d `eps`
/// (torchvision 0.14's MobileNetV3 uses 1e-3, its other models 1e-5).
struct BatchNorm {
  bool affine = true;
  double epsilon = kDefaultBatchNormEpsilon;
  auto fields() const { return std::tie(affine, epsilon); }
  bool operator==(const BatchNorm&) const = default;
};

struct Activation {
  ActKind kind = ActKind::relu;
  auto fields() const { return std::tie(kind); }
  bool operator==(const Activation&) const = default;
};

/// Elementwise sum of two or more tensors of equal shape.
struct Add {
  auto fields() const { return std::tuple<>(); }
  bool operator==(const Add&) const = default;
};

/// Elementwise product; the second input may be [C,1,1] and is broadcast (squeeze-excite).
struct Mul {
  auto fields() const { return std::tuple<>(); }
  bool operator==(const Mul&) const = default;
};

/// Concatenation along channels.
struct Concat {
  auto fields() const { return std::tuple<>(); }
  bool operator==(const Concat&) const = default;
};

/// Max or average pooling. Padding as Conv2d's: `pad_h`/`pad_w` top and left,
/// `pad_bottom`/`pad_right` equal to them unless asymmetric.
struct Pool {
  PoolKind kind = PoolKind::max;
  std::int32_t kernel_h = 2, kernel_w = 2;
  std::int32_t stride_h = 2, stride_w = 2;
  std::int32_t pad_h = 0, pad_w = 0;
  bool count_include_pad = true;  // avg only: PyTorch's default
  bool ceil_mode = false;
  std::int32_t pad_bottom = pad_h, pad_right = pad_w;
  auto fields() const {
    return std::tie(kind, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w,
                    count_include_pad, ceil_mode);
  }
  auto added_fields() const { return std::tie(pad_bottom, pad_right); }
  bool added_are_default() const { return symmetric(); }
  bool symmetric() const { return pad_bottom == pad_h && pad_right == pad_w; }
  bool operator==(const Pool&) const = default;
};

/// Global pooling to [C,1,1].
struct GlobalPool {
  PoolKind kind = PoolKind::avg;
  auto fields() const { return std::tie(kind); }
  bool operator==(const GlobalPool&) const = default;
};

/// PyTorch's interpolate: nearest is asymmetric with floor, bilinear (align_corners=False)
/// is pytorch_half_pixel.
constexpr ResizeCoordinates default_coordinates(UpsampleMode mode) {
  return mode == UpsampleMode::nearest ? ResizeCoordinates::asymmetric
                                       : ResizeCoordinates::pytorch_half_pixel;
}

/// Resize by an integer `scale`, or to `out_h` × `out_w` when scale is 0 (ONNX Resize).
/// `coordinates` defaults to PyTorch's for the mode; `rounding` applies to nearest only
/// (bilinear keeps floor). Set `coordinates` again when changing `mode` after construction.
struct Upsample {
  UpsampleMode mode = UpsampleMode::nearest;
  std::int32_t scale = 2;
  std::int32_t out_h = 0, out_w = 0;
  ResizeCoordinates coordinates = default_coordinates(mode);
  NearestRounding rounding = NearestRounding::floor;
  auto fields() const { return std::tie(mode, scale, out_h, out_w); }
  auto added_fields() const { return std::tie(coordinates, rounding); }
  bool added_are_default() const {
    return coordinates == default_coordinates(mode) && rounding == NearestRounding::floor;
  }
  bool operator==(const Upsample&) const = default;
};

/// Fully connected layer on a flat [C,1,1] input.
struct Linear {
  std::int32_t out_features = 0;
  bool bias = true;
  auto fields() const { return std::tie(out_features, bias); }
  bool operator==(const Linear&) const = default;
};

/// [C,H,W] -> [C·H·W,1,1]; a view, it allocates nothing.
struct Flatten {
  auto fields() const { return std::tuple<>(); }
  bool operator==(const Flatten&) const = default;
};

struct ChannelShuffle {
  std::int32_t groups = 2;
  auto fields() const { return std::tie(groups); }
  bool operator==(const ChannelShuffle&) const = default;
};

/// A tensor of zeros shaped like its input (NAS-Bench-201's `none` edge).
struct Zero {
  auto fields() const { return std::tuple<>(); }
  bool operator==(const Zero&) const = default;
};

/// Inference no-op; `rate_percent` is kept so training and export see the same model.
struct Dropout {
  std::int32_t rate_percent = 0;
  auto fields() const { return std::tie(rate_percent); }
  bool operator==(const Dropout&) const = default;
};

/// Marks its input as a network output.
struct Output {
  auto fields() const { return std::tuple<>(); }
  bool operator==(const Output&) const = default;
};

using Op = std::variant<Input, Conv2d, BatchNorm, Activation, Add, Mul, Concat, Pool, GlobalPool,
                        Upsample, Linear, Flatten, ChannelShuffle, Zero, Dropout, Output>;

/// The op's name as written in model files and tables: "conv2d", "relu6", "avg_pool", ...
std::string_view op_name(const Op& op);
std::string_view act_name(ActKind kind);
std::string_view pool_name(PoolKind kind);
std::string_view upsample_name(UpsampleMode mode);
std::string_view coordinates_name(ResizeCoordinates coordinates);
std::string_view rounding_name(NearestRounding rounding);

/// Hash of the op's kind and parameters (`fields()`, and `added_fields()` when not default).
std::uint64_t hash_op(const Op& op);

/// True for conv2d whose groups equal its output channels and input channels are 1 per group.
bool is_depthwise(const Conv2d& conv, std::int32_t in_channels);

/// Ops whose output aliases their input buffer (no new activation memory).
bool is_alias(const Op& op);

}  // namespace hwnas::graph

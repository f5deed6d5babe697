#include "hwnas/hw/cpu/xnn_program.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "hwnas/base/checked.h"
#include "hwnas/hw/cpu/xnn_support.h"
#include "hwnas/hw/target.h"

namespace hwnas::hw {
namespace xnn {

namespace {

void fill(float* data, std::size_t n, float scale, std::uint32_t seed) {
  std::uint32_t state = seed * 2654435761U;
  for (std::size_t i = 0; i < n; ++i) {
    state = state * 1664525U + 1013904223U;
    data[i] = scale * (static_cast<float>(state >> 8) / 8388608.0F - 1.0F);
  }
}

constexpr std::size_t kExtraFloats = XNN_EXTRA_BYTES / sizeof(float);

}  // namespace

float* add_constant(Constants& constants, std::size_t elements, float scale) {
  std::vector<float>& constant = constants.emplace_back(elements + kExtraFloats);
  fill(constant.data(), constant.size(), scale, static_cast<std::uint32_t>(constants.size()));
  return constant.data();
}

std::size_t Arena::reserve(std::size_t elements) {
  constexpr std::size_t kAlignFloats = 64 / sizeof(float);
  const std::size_t offset = floats_;
  floats_ += (elements + kExtraFloats + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
  return offset;
}

void Arena::allocate() {
  constexpr std::size_t kPage = 4096;
  const std::size_t bytes = (floats_ * sizeof(float) + kPage - 1) / kPage * kPage;
  data_.reset(static_cast<float*>(std::aligned_alloc(kPage, std::max(bytes, kPage))));
  if (!data_)
    throw UserError(fmt::format("cpu target: cannot allocate {} bytes of tensors", bytes));
  fill(data_.get(), floats_, 1.0F, 1);
}

void Arena::Free::operator()(float* p) const { std::free(p); }

void unsupported(const Kernel& kernel, const std::string& why) {
  throw UnsupportedKernel(
      fmt::format("cpu target cannot run kernel {}: {}", kernel_key(kernel), why));
}

void check(const Kernel& kernel, xnn_status status, std::string_view what) {
  switch (status) {
    case xnn_status_success: return;
    case xnn_status_invalid_parameter:
    case xnn_status_unsupported_parameter:
      unsupported(kernel, fmt::format("XNNPACK rejects the parameters of its {}", what));
    case xnn_status_out_of_memory:
      throw UserError(fmt::format("cpu target: XNNPACK ran out of memory building {} for kernel {}",
                                  what, kernel_key(kernel)));
    default:
      throw UserError(
          fmt::format("cpu target: XNNPACK failed (status {}) building {} for kernel {}",
                      static_cast<int>(status), what, kernel_key(kernel)));
  }
}

}  // namespace xnn

namespace {

// Concat and channel shuffle are data movement the subgraph API of this XNNPACK lacks;
// its x32 copy and channel-shuffle operators run them (one copy per concatenated input).
std::vector<xnn::OperatorPtr> build_copy_operators(const Kernel& kernel, xnn::Arena& arena,
                                                   pthreadpool_t threadpool) {
  const KernelOp& op = kernel.main();
  const std::size_t pixels =
      static_cast<std::size_t>(kernel.batch) * static_cast<std::size_t>(op.output.h * op.output.w);
  const auto channels = static_cast<std::size_t>(op.output.c);
  std::vector<std::size_t> inputs;
  for (const graph::Shape& in : op.inputs)
    inputs.push_back(arena.reserve(pixels * static_cast<std::size_t>(in.c)));
  const std::size_t output = arena.reserve(pixels * channels);
  arena.allocate();
  std::vector<xnn::OperatorPtr> operators;
  if (const auto* shuffle = std::get_if<graph::ChannelShuffle>(&op.op)) {
    if (shuffle->groups < 2 || op.output.c % shuffle->groups != 0)
      xnn::unsupported(kernel, "channel_shuffle needs at least 2 groups that divide the channels");
    const auto groups = static_cast<std::size_t>(shuffle->groups);
    xnn_operator_t raw = nullptr;
    xnn::check(
        kernel,
        xnn_create_channel_shuffle_nc_x32(groups, channels / groups, channels, channels, 0, &raw),
        "channel shuffle operator");
    operators.emplace_back(raw);
    xnn::check(kernel,
               xnn_setup_channel_shuffle_nc_x32(raw, pixels, arena.at(inputs[0]), arena.at(output),
                                                threadpool),
               "channel shuffle operator");
    return operators;
  }
  std::size_t first_channel = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto in_channels = static_cast<std::size_t>(op.inputs[i].c);
    xnn_operator_t raw = nullptr;
    xnn::check(kernel, xnn_create_copy_nc_x32(in_channels, in_channels, channels, 0, &raw),
               "copy operator for concat");
    operators.emplace_back(raw);
    xnn::check(kernel,
               xnn_setup_copy_nc_x32(raw, pixels, arena.at(inputs[i]),
                                     arena.at(output) + first_channel, threadpool),
               "copy operator for concat");
    first_channel += in_channels;
  }
  return operators;
}

// Refuses a kernel beyond kMaxCpuWindowExtent or kMaxCpuKernelBytes before anything is
// allocated: shapes and attributes come from users, and XNNPACK would otherwise try to
// allocate them (or wrap its 32-bit window arithmetic).
void check_limits(const Kernel& kernel) {
  using hwnas::checked_add, hwnas::checked_mul, hwnas::checked_product;
  std::optional<std::int64_t> bytes = 0;
  const auto add = [&](std::optional<std::int64_t> more) {
    bytes = bytes && more ? checked_add(*bytes, *more) : std::nullopt;
  };
  const auto floats = [&](std::optional<std::int64_t> count) {
    add(count ? checked_product({*count, kernel.batch, 4}) : count);
  };
  const auto window = [&](std::int32_t in, std::int32_t kernel_size, std::int32_t pad_begin,
                          std::int32_t pad_end, std::int32_t dilation, const char* axis) {
    const std::int64_t padded = std::int64_t{in} + pad_begin + std::int64_t{pad_end};
    const std::int64_t dilated = std::int64_t{dilation} * (kernel_size - 1) + 1;
    if (std::max(padded, dilated) > kMaxCpuWindowExtent)
      xnn::unsupported(kernel, fmt::format("its {} window spans {} pixels (padded input) and {} "
                                           "(dilated kernel), more than the cpu target's limit "
                                           "of {}",
                                           axis, padded, dilated, kMaxCpuWindowExtent));
  };
  const auto taps = [&](const graph::Shape& out, std::int64_t window_taps) {
    add(checked_product({out.h, out.w, window_taps, kernel.batch, 8}));
  };
  for (const KernelOp& op : kernel.ops) {
    for (const graph::Shape& s : op.inputs) floats(checked_product({s.c, s.h, s.w}));
    floats(checked_product({op.output.c, op.output.h, op.output.w}));
    const graph::Shape& x = op.inputs.empty() ? op.output : op.inputs[0];
    if (const auto* conv = std::get_if<graph::Conv2d>(&op.op)) {
      window(x.h, conv->kernel_h, conv->pad_h, conv->pad_bottom, conv->dilation_h, "height");
      window(x.w, conv->kernel_w, conv->pad_w, conv->pad_right, conv->dilation_w, "width");
      const auto weights = checked_product(
          {conv->out_channels, x.c / std::max(conv->groups, 1), conv->kernel_h, conv->kernel_w});
      const auto with_bias = weights ? checked_add(*weights, conv->out_channels) : weights;
      add(with_bias ? checked_mul(*with_bias, 4) : with_bias);
      taps(op.output, std::int64_t{conv->kernel_h} * conv->kernel_w);
    } else if (const auto* pool = std::get_if<graph::Pool>(&op.op)) {
      window(x.h, pool->kernel_h, pool->pad_h, pool->pad_bottom, 1, "height");
      window(x.w, pool->kernel_w, pool->pad_w, pool->pad_right, 1, "width");
      taps(op.output, std::int64_t{pool->kernel_h} * pool->kernel_w);
    } else if (std::holds_alternative<graph::GlobalPool>(op.op)) {
      taps(op.output, std::int64_t{x.h} * x.w);
    } else if (const auto* linear = std::get_if<graph::Linear>(&op.op)) {
      add(checked_product({std::int64_t{x.c} + 1, linear->out_features, 4}));
    } else if (std::holds_alternative<graph::Upsample>(op.op)) {
      taps(op.output, 5);  // bilinear: 4 source pointers and 2 float weights per pixel
    }
  }
  if (!bytes || *bytes > kMaxCpuKernelBytes)
    xnn::unsupported(kernel, fmt::format("its tensors, weights and indirection buffers need {} "
                                         "bytes, more than the cpu target's limit of {}",
                                         bytes ? fmt::format("{}", *bytes) : "over 2^63",
                                         kMaxCpuKernelBytes));
}

bool is_copy_op(const graph::Op& op) {
  return std::holds_alternative<graph::Concat>(op) ||
         std::holds_alternative<graph::ChannelShuffle>(op);
}

}  // namespace

struct XnnProgram::State {
  pthreadpool_t threadpool = nullptr;
  xnn::Constants constants;
  xnn::Arena arena;
  xnn::RuntimePtr runtime;                  // the subgraph path, or
  std::vector<xnn::OperatorPtr> operators;  // the copy path, run in order
};

XnnProgram::XnnProgram(const Kernel& kernel, pthreadpool* threadpool)
    : state_(std::make_unique<State>()) {
  if (kernel.ops.empty()) throw UserError("cpu target: a kernel needs at least one op");
  if (kernel.batch < 1)
    xnn::unsupported(kernel, fmt::format("the batch must be positive, got {}", kernel.batch));
  check_limits(kernel);
  state_->threadpool = threadpool;
  const bool copy_main = is_copy_op(kernel.main().op);
  for (std::size_t i = 1; i < kernel.ops.size(); ++i) {
    if (is_copy_op(kernel.ops[i].op))
      xnn::unsupported(kernel, fmt::format("{} runs only as a kernel's main op on the cpu target",
                                           graph::op_name(kernel.ops[i].op)));
    if (copy_main && !graph::is_alias(kernel.ops[i].op))
      xnn::unsupported(kernel, fmt::format("{} takes no fused ops on the cpu target",
                                           graph::op_name(kernel.main().op)));
  }
  if (copy_main)
    state_->operators = build_copy_operators(kernel, state_->arena, threadpool);
  else
    state_->runtime =
        xnn::build_subgraph_runtime(kernel, state_->constants, state_->arena, threadpool);
}

XnnProgram::~XnnProgram() = default;

void XnnProgram::run() {
  if (state_->runtime) {
    const xnn_status status = xnn_invoke_runtime(state_->runtime.get());
    if (status != xnn_status_success)
      throw UserError(fmt::format("cpu target: XNNPACK failed running a kernel (status {})",
                                  static_cast<int>(status)));
    return;
  }
  for (const xnn::OperatorPtr& op : state_->operators) {
    const xnn_status status = xnn_run_operator(op.get(), state_->threadpool);
    if (status != xnn_status_success)
      throw UserError(fmt::format("cpu target: XNNPACK failed running a copy operator (status {})",
                                  static_cast<int>(status)));
  }
}

}  // namespace hwnas::hw

// Translation of a kernel's ops into an XNNPACK subgraph (NHWC fp32 values).
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "hwnas/hw/cpu/xnn_support.h"

namespace hwnas::hw::xnn {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Clamp {
  float lo = -kInf, hi = kInf;
};

template <class T>
const T* as(const graph::Op& op) {
  return std::get_if<T>(&op);
}

// relu and relu6 as an output clamp; false for other ops.
bool clamp_of(const graph::Op& op, Clamp& clamp) {
  const auto* act = as<graph::Activation>(op);
  if (act == nullptr || (act->kind != graph::ActKind::relu && act->kind != graph::ActKind::relu6))
    return false;
  clamp = {0.0F, act->kind == graph::ActKind::relu6 ? 6.0F : kInf};
  return true;
}

// Ops whose XNNPACK node has output_min/output_max.
bool takes_clamp(const graph::Op& op) {
  return as<graph::Conv2d>(op) || as<graph::Linear>(op) || as<graph::BatchNorm>(op) ||
         as<graph::Add>(op) || as<graph::Mul>(op) || as<graph::Pool>(op) ||
         as<graph::GlobalPool>(op);
}

class Translator {
 public:
  Translator(const Kernel& kernel, Constants& constants, Arena& arena)
      : kernel_(kernel), constants_(constants), arena_(arena) {}

  RuntimePtr build(pthreadpool_t threadpool) {
    const std::vector<std::size_t> steps = computing_ops();
    xnn_subgraph_t raw = nullptr;
    check(kernel_, xnn_create_subgraph(count_external_values(steps), 0, &raw), "subgraph");
    subgraph_.reset(raw);

    std::vector<std::uint32_t> kernel_inputs;
    for (const graph::Shape& s : kernel_.main().inputs)
      kernel_inputs.push_back(value(s, XNN_VALUE_FLAG_EXTERNAL_INPUT));
    std::uint32_t chain = kernel_inputs.at(0);
    graph::Shape chain_shape = kernel_.main().inputs[0];
    for (std::size_t p = 0; p < steps.size();) {
      const KernelOp& op = kernel_.ops[steps[p]];
      std::vector<std::uint32_t> inputs = kernel_inputs;
      if (steps[p] > 0) {
        const std::vector<Source> from = sources(steps[p], chain_shape);
        inputs.clear();
        for (std::size_t k = 0; k < from.size(); ++k)
          inputs.push_back(from[k] == Source::chain ? chain
                           : from[k] == Source::kernel_input
                               ? kernel_inputs[0]
                               : value(op.inputs[k], XNN_VALUE_FLAG_EXTERNAL_INPUT));
      }
      // The output stage: a batch norm after a conv or linear folds into its bias (the
      // weights are arbitrary anyway), relu/relu6 into the output clamp.
      std::size_t q = p + 1;
      if ((as<graph::Conv2d>(op.op) || as<graph::Linear>(op.op)) && q < steps.size() &&
          as<graph::BatchNorm>(kernel_.ops[steps[q]].op))
        ++q;
      Clamp clamp;
      if (takes_clamp(op.op) && q < steps.size() && clamp_of(kernel_.ops[steps[q]].op, clamp)) ++q;
      const graph::Shape& out_shape = kernel_.ops[steps[q - 1]].output;
      const std::uint32_t out =
          value(out_shape, q == steps.size() ? XNN_VALUE_FLAG_EXTERNAL_OUTPUT : 0);
      define(op, inputs, clamp, out);
      chain = out;
      chain_shape = out_shape;
      p = q;
    }

    xnn_runtime_t runtime = nullptr;
    check(kernel_, xnn_create_runtime_v2(subgraph_.get(), threadpool, 0, &runtime), "runtime");
    RuntimePtr owned(runtime);
    arena_.allocate();
    std::vector<xnn_external_value> externals;
    for (const auto& [id, offset] : externals_) externals.push_back({id, arena_.at(offset)});
    check(kernel_, xnn_setup_runtime(runtime, externals.size(), externals.data()), "runtime setup");
    return owned;
  }

 private:
  enum class Source : std::uint8_t { chain, kernel_input, external };

  [[noreturn]] void fail(const std::string& why) const { unsupported(kernel_, why); }

  // Indices of the ops that compute; shape-preserving views (identity, dropout, flatten
  // of a flat tensor, output) pass their input through.
  std::vector<std::size_t> computing_ops() const {
    std::vector<std::size_t> steps;
    for (std::size_t i = 0; i < kernel_.ops.size(); ++i) {
      const KernelOp& op = kernel_.ops[i];
      if (as<graph::Input>(op.op)) fail("a graph input runs no kernel");
      if (!graph::is_alias(op.op)) {
        steps.push_back(i);
        continue;
      }
      if (op.inputs.size() != 1 || op.inputs[0] != op.output)
        fail(fmt::format("{} reshapes a spatial tensor inside a kernel", graph::op_name(op.op)));
    }
    if (steps.empty()) fail("every op is a view; there is nothing to compute");
    return steps;
  }

  // Where each input of ops[i] (i > 0) comes from: the previous op's output (the first
  // input of its shape), the kernel's input (squeeze-excite's gate multiplies the tensor
  // the kernel pooled), or a tensor computed before the kernel (a residual addend).
  std::vector<Source> sources(std::size_t i, const graph::Shape& chain_shape) const {
    const KernelOp& op = kernel_.ops[i];
    std::vector<Source> out(op.inputs.size(), Source::external);
    bool found = false;
    for (std::size_t k = 0; k < op.inputs.size(); ++k) {
      if (!found && op.inputs[k] == chain_shape) {
        out[k] = Source::chain;
        found = true;
      } else if (as<graph::Mul>(op.op) && as<graph::GlobalPool>(kernel_.main().op) &&
                 op.inputs[k] == kernel_.main().inputs[0]) {
        out[k] = Source::kernel_input;
      }
    }
    if (!found)
      fail(fmt::format("op {} ({}) does not take the previous op's output {}", i,
                       graph::op_name(op.op), graph::to_string(chain_shape)));
    return out;
  }

  std::uint32_t count_external_values(const std::vector<std::size_t>& steps) const {
    std::size_t count = kernel_.main().inputs.size() + 1;
    graph::Shape chain_shape = kernel_.main().inputs.at(0);
    for (const std::size_t i : steps) {
      if (i > 0)
        for (const Source s : sources(i, chain_shape)) count += s == Source::external ? 1 : 0;
      chain_shape = kernel_.ops[i].output;
    }
    return static_cast<std::uint32_t>(count);
  }

  // An NHWC value of `kernel_.batch` samples; external ones get room in the arena.
  std::uint32_t value(const graph::Shape& s, std::uint32_t flags) {
    const std::size_t dims[4] = {static_cast<std::size_t>(kernel_.batch),
                                 static_cast<std::size_t>(s.h), static_cast<std::size_t>(s.w),
                                 static_cast<std::size_t>(s.c)};
    const bool external = flags != 0;
    std::uint32_t id = 0;
    check(kernel_,
          xnn_define_tensor_value(subgraph_.get(), xnn_datatype_fp32, 4, dims, nullptr,
                                  external ? next_external_++ : XNN_INVALID_VALUE_ID, flags, &id),
          "tensor value");
    if (external)
      externals_.emplace_back(id, arena_.reserve(dims[0] * dims[1] * dims[2] * dims[3]));
    return id;
  }

  std::uint32_t constant(std::initializer_list<std::size_t> dims, float scale) {
    std::size_t elements = 1;
    for (const std::size_t d : dims) elements *= d;
    std::uint32_t id = 0;
    check(kernel_,
          xnn_define_tensor_value(subgraph_.get(), xnn_datatype_fp32, dims.size(), dims.begin(),
                                  add_constant(constants_, elements, scale), XNN_INVALID_VALUE_ID,
                                  0, &id),
          "constant tensor");
    return id;
  }

  std::uint32_t binary(bool add, std::uint32_t a, std::uint32_t b, std::uint32_t out,
                       Clamp clamp = {}) {
    xnn_subgraph_t sg = subgraph_.get();
    check(kernel_,
          add ? xnn_define_add2(sg, clamp.lo, clamp.hi, a, b, out, 0)
              : xnn_define_multiply2(sg, clamp.lo, clamp.hi, a, b, out, 0),
          add ? "add" : "multiply");
    return out;
  }

  void define(const KernelOp& op, const std::vector<std::uint32_t>& in, Clamp clamp,
              std::uint32_t out);

  const Kernel& kernel_;
  Constants& constants_;
  Arena& arena_;
  SubgraphPtr subgraph_;
  std::uint32_t next_external_ = 0;
  std::vector<std::pair<std::uint32_t, std::size_t>> externals_;  // value id, arena offset
};

void Translator::define(const KernelOp& op, const std::vector<std::uint32_t>& in, Clamp clamp,
                        std::uint32_t out) {
  xnn_subgraph_t sg = subgraph_.get();
  const graph::Shape& x = op.inputs[0];
  const auto u = [](std::int32_t v) { return static_cast<std::uint32_t>(v); };
  const auto z = [](std::int32_t v) { return static_cast<std::size_t>(v); };
  if (const auto* conv = as<graph::Conv2d>(op.op)) {  // padding: top, right, bottom, left
    const float scale =
        1.0F / std::sqrt(static_cast<float>(x.c / conv->groups * conv->kernel_h * conv->kernel_w));
    const std::uint32_t bias = constant({z(conv->out_channels)}, scale);
    if (conv->groups == x.c && conv->groups > 1) {
      const std::uint32_t filter =
          constant({1, z(conv->kernel_h), z(conv->kernel_w), z(conv->out_channels)}, scale);
      check(kernel_,
            xnn_define_depthwise_convolution_2d(
                sg, u(conv->pad_h), u(conv->pad_right), u(conv->pad_bottom), u(conv->pad_w),
                u(conv->kernel_h), u(conv->kernel_w), u(conv->stride_h), u(conv->stride_w),
                u(conv->dilation_h), u(conv->dilation_w), u(conv->out_channels / x.c), z(x.c),
                clamp.lo, clamp.hi, in[0], filter, bias, out, 0),
            "depthwise convolution");
      return;
    }
    const std::uint32_t filter = constant(
        {z(conv->out_channels), z(conv->kernel_h), z(conv->kernel_w), z(x.c / conv->groups)},
        scale);
    check(kernel_,
          xnn_define_convolution_2d(sg, u(conv->pad_h), u(conv->pad_right), u(conv->pad_bottom),
                                    u(conv->pad_w), u(conv->kernel_h), u(conv->kernel_w),
                                    u(conv->stride_h), u(conv->stride_w), u(conv->dilation_h),
                                    u(conv->dilation_w), u(conv->groups), z(x.c / conv->groups),
                                    z(conv->out_channels / conv->groups), clamp.lo, clamp.hi, in[0],
                                    filter, bias, out, 0),
          "convolution");
  } else if (const auto* linear = as<graph::Linear>(op.op)) {
    if (x.h != 1 || x.w != 1) fail("linear takes a flat [C,1,1] input");
    const float scale = 1.0F / std::sqrt(static_cast<float>(x.c));
    const std::uint32_t filter = constant({z(linear->out_features), z(x.c)}, scale);
    const std::uint32_t bias = constant({z(linear->out_features)}, scale);
    check(kernel_, xnn_define_fully_connected(sg, clamp.lo, clamp.hi, in[0], filter, bias, out, 0),
          "fully connected");
  } else if (as<graph::BatchNorm>(op.op)) {
    const std::uint32_t scaled = binary(false, in[0], constant({z(x.c)}, 1.0F), value(x, 0));
    binary(true, scaled, constant({z(x.c)}, 1.0F), out, clamp);
  } else if (const auto* act = as<graph::Activation>(op.op)) {
    switch (act->kind) {
      case graph::ActKind::relu:
      case graph::ActKind::relu6:
        clamp_of(op.op, clamp);
        check(kernel_, xnn_define_clamp(sg, clamp.lo, clamp.hi, in[0], out, 0), "clamp");
        break;
      case graph::ActKind::hardswish:
        check(kernel_, xnn_define_hardswish(sg, in[0], out, 0), "hardswish");
        break;
      case graph::ActKind::sigmoid:
        check(kernel_, xnn_define_sigmoid(sg, in[0], out, 0), "sigmoid");
        break;
      case graph::ActKind::hardsigmoid: {  // clamp(x / 6 + 0.5, 0, 1)
        const std::uint32_t scaled = binary(false, in[0], constant({1}, 1.0F / 6), value(x, 0));
        binary(true, scaled, constant({1}, 0.5F), out, {0.0F, 1.0F});
        break;
      }
      case graph::ActKind::silu: {  // x * sigmoid(x)
        const std::uint32_t gate = value(x, 0);
        check(kernel_, xnn_define_sigmoid(sg, in[0], gate, 0), "sigmoid");
        binary(false, in[0], gate, out);
        break;
      }
      case graph::ActKind::identity: fail("identity runs no kernel");
    }
  } else if (as<graph::Add>(op.op)) {
    if (in.size() < 2) fail("add needs at least two inputs");
    std::uint32_t sum = in[0];
    for (std::size_t k = 1; k < in.size(); ++k) {
      const bool last = k + 1 == in.size();
      sum = binary(true, sum, in[k], last ? out : value(op.output, 0), last ? clamp : Clamp{});
    }
  } else if (as<graph::Mul>(op.op)) {
    if (in.size() != 2) fail("mul takes exactly two inputs");
    binary(false, in[0], in[1], out, clamp);
  } else if (const auto* pool = as<graph::Pool>(op.op)) {
    // Bottom/right padding that gives the kernel's output size (ceil_mode adds rows; an
    // asymmetric pool's pad_bottom/pad_right are what its output size implies).
    const auto far_pad = [](std::int32_t out_size, std::int32_t stride, std::int32_t kernel,
                            std::int32_t in_size, std::int32_t pad) {
      return static_cast<std::uint32_t>(
          std::max(0, (out_size - 1) * stride + kernel - in_size - pad));
    };
    const std::uint32_t pb = far_pad(op.output.h, pool->stride_h, pool->kernel_h, x.h, pool->pad_h);
    const std::uint32_t pr = far_pad(op.output.w, pool->stride_w, pool->kernel_w, x.w, pool->pad_w);
    if (pool->kind == graph::PoolKind::avg)
      check(kernel_,
            xnn_define_average_pooling_2d(sg, u(pool->pad_h), pr, pb, u(pool->pad_w),
                                          u(pool->kernel_h), u(pool->kernel_w), u(pool->stride_h),
                                          u(pool->stride_w), clamp.lo, clamp.hi, in[0], out, 0),
            "average pooling");
    else
      check(kernel_,
            xnn_define_max_pooling_2d(sg, u(pool->pad_h), pr, pb, u(pool->pad_w), u(pool->kernel_h),
                                      u(pool->kernel_w), u(pool->stride_h), u(pool->stride_w), 1, 1,
                                      clamp.lo, clamp.hi, in[0], out, 0),
            "max pooling");
  } else if (const auto* global = as<graph::GlobalPool>(op.op)) {
    if (global->kind == graph::PoolKind::avg)
      check(kernel_, xnn_define_global_average_pooling_2d(sg, clamp.lo, clamp.hi, in[0], out, 0),
            "global average pooling");
    else if (x.h * x.w == 1)  // a copy; XNNPACK has no 1x1 max-pooling window
      check(kernel_, xnn_define_clamp(sg, clamp.lo, clamp.hi, in[0], out, 0), "global max pooling");
    else  // one max-pooling window over the whole input
      check(kernel_,
            xnn_define_max_pooling_2d(sg, 0, 0, 0, 0, u(x.h), u(x.w), 1, 1, 1, 1, clamp.lo,
                                      clamp.hi, in[0], out, 0),
            "global max pooling");
  } else if (const auto* up = as<graph::Upsample>(op.op)) {
    if (up->mode == graph::UpsampleMode::nearest)
      fail("nearest upsampling: this XNNPACK (2022-02) has no nearest resize");
    // Flags 0 is half_pixel; pytorch_half_pixel differs from it only for an output length
    // of 1, which changes which pixel is read, not the work.
    std::uint32_t flags = 0;
    switch (up->coordinates) {
      case graph::ResizeCoordinates::align_corners: flags = XNN_FLAG_ALIGN_CORNERS; break;
      case graph::ResizeCoordinates::asymmetric: flags = XNN_FLAG_TENSORFLOW_LEGACY_MODE; break;
      case graph::ResizeCoordinates::half_pixel:
      case graph::ResizeCoordinates::pytorch_half_pixel: break;
    }
    check(kernel_,
          xnn_define_static_resize_bilinear_2d(sg, z(op.output.h), z(op.output.w), in[0], out, flags),
          "bilinear resize");
  } else if (as<graph::Zero>(op.op)) {
    // NAS-Bench-201's `none` edge as its PyTorch code runs it, x.mul(0.): a broadcast multiply
    // by a zero scalar (constant() with scale 0 is all zeros).
    binary(false, in[0], constant({1}, 0.0F), out, clamp);
  } else {
    fail(fmt::format("{} has no XNNPACK implementation", graph::op_name(op.op)));
  }
}

}  // namespace

RuntimePtr build_subgraph_runtime(const Kernel& kernel, Constants& constants, Arena& arena,
                                  pthreadpool_t threadpool) {
  return Translator(kernel, constants, arena).build(threadpool);
}

}  // namespace hwnas::hw::xnn

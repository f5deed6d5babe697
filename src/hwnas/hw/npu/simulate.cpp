#include "hwnas/hw/npu/simulate.h"

#include <algorithm>
#include <cmath>

#include "hwnas/graph/overloaded.h"

namespace hwnas::hw {
namespace {

using graph::Shape;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

struct Cost {
  double array_cycles = 0;   // MAC array busy cycles
  double vector_cycles = 0;  // vector unit / output stage cycles
  double sram_bytes = 0;
  double dram_bytes = 0;
  double macs = 0;
};

// Elements the vector unit processes for one sample of `op`: a window's taps per output
// element for pooling, the input for global pooling, else one per output element. Every op
// is listed, so a new one must be placed here.
double vector_work(const KernelOp& op) {
  const double out = double(op.output.elements());
  return std::visit(
      Overloaded{[&](const graph::Pool& p) { return out * p.kernel_h * p.kernel_w; },
                 [&](const graph::GlobalPool&) { return double(op.inputs[0].elements()); },
                 [&](const graph::Input&) { return out; },
                 [&](const graph::Conv2d&) { return out; },
                 [&](const graph::BatchNorm&) { return out; },
                 [&](const graph::Activation&) { return out; },
                 [&](const graph::Add&) { return out; },
                 [&](const graph::Mul&) { return out; },
                 [&](const graph::Concat&) { return out; },
                 [&](const graph::Upsample&) { return out; },
                 [&](const graph::Linear&) { return out; },
                 [&](const graph::Flatten&) { return out; },
                 [&](const graph::ChannelShuffle&) { return out; },
                 [&](const graph::Zero&) { return out; },
                 [&](const graph::Dropout&) { return out; },
                 [&](const graph::Output&) { return out; }},
      op.op);
}

class Model {
 public:
  Model(const NpuDescription& hw, std::int32_t batch)
      : hw_(hw), batch_(batch), elem_(graph::element_bytes(hw.precision)) {}

  // Bytes of a tensor as the NPU stores it (channels padded to channel_align).
  double bytes(const Shape& s) const {
    return double(ceil_div(s.c, hw_.channel_align) * hw_.channel_align) * s.h * s.w * elem_ * batch_;
  }
  double vector_cycles(double elements) const {
    return std::ceil(elements * hw_.vector_op_cycles / hw_.vector_lanes);
  }
  double fill_cycles() const {
    return hw_.fold_fill_factor * (2.0 * hw_.input_lanes + hw_.parallelism_factor - 2.0);
  }

  void conv(const graph::Conv2d& p, const Shape& in, const Shape& out, Cost& c) const {
    // In double: a user's layer can pass int64 here (2^31 · 2^31 · batch pixels); exact
    // below 2^53, far beyond any real layer.
    const double pixels = std::ceil(double(out.h) * out.w * batch_ / hw_.spatial_lanes);
    const double taps = double(p.kernel_h) * p.kernel_w;
    c.macs += double(out.elements()) * batch_ * (in.c / p.groups) * taps;
    const bool depthwise = p.groups > 1 && p.groups == in.c && p.groups == p.out_channels;
    double weight_bytes = double(p.out_channels) * (in.c / p.groups) * taps * elem_ +
                          (hw_.precision == graph::Precision::int8 ? hw_.bias_bytes : elem_) *
                              p.out_channels;
    double input_reads = 1;
    if (depthwise && hw_.depthwise_mode == DepthwiseMode::vector) {
      c.vector_cycles += vector_cycles(double(out.elements()) * batch_ * taps);
    } else if (depthwise) {
      // One input lane per channel: P channels at a time, the reduction lanes idle.
      const double tiles = double(ceil_div(p.out_channels, hw_.parallelism_factor)) * taps;
      c.array_cycles += tiles * (pixels + fill_cycles());
    } else {
      const std::int64_t cin_g = in.c / p.groups, cout_g = p.out_channels / p.groups;
      const std::int64_t cout_folds = ceil_div(cout_g, hw_.parallelism_factor);
      const double tiles = double(p.groups) * double(ceil_div(cin_g, hw_.input_lanes)) *
                           double(cout_folds) * taps;
      c.array_cycles += tiles * (pixels + fill_cycles());
      input_reads = double(cout_folds);  // the input streams once per output-channel fold
    }
    c.sram_bytes += bytes(in) * input_reads + bytes(out) + weight_bytes;
    if (weight_bytes > hw_.weight_sram_kib * 1024) c.dram_bytes += weight_bytes;
  }

  void linear(const graph::Linear& p, const Shape& in, const Shape& out, Cost& c) const {
    conv(graph::Conv2d{.out_channels = p.out_features, .bias = p.bias}, in, out, c);
  }

  // An op in a convolution's output stage (BN, activation, residual add, pool, SE mul).
  void output_stage(const KernelOp& op, Cost& c) const {
    if (std::holds_alternative<graph::BatchNorm>(op.op)) return;  // folded into requantisation
    c.vector_cycles += vector_cycles(double(op.output.elements()) * batch_);
    for (std::size_t i = 1; i < op.inputs.size(); ++i) c.sram_bytes += bytes(op.inputs[i]);
  }

  // A kernel whose main op runs on the vector unit.
  void vector_op(const KernelOp& op, Cost& c) const {
    c.vector_cycles += vector_cycles(vector_work(op) * batch_);
    for (const Shape& s : op.inputs) c.sram_bytes += bytes(s);
    c.sram_bytes += bytes(op.output);
  }

 private:
  const NpuDescription& hw_;
  std::int32_t batch_;
  int elem_;
};

}  // namespace

Measurement simulate_npu(const Kernel& kernel, const NpuDescription& hw) {
  const Model model(hw, kernel.batch);
  Cost c;
  const KernelOp& main = kernel.main();
  // Convolutions and linear layers run on the MAC array, every other op on the vector unit.
  const auto on_vector = [&] {
    model.vector_op(main, c);
    return false;
  };
  const bool on_array = std::visit(
      Overloaded{[&](const graph::Conv2d& p) {
                   model.conv(p, main.inputs[0], main.output, c);
                   return true;
                 },
                 [&](const graph::Linear& p) {
                   model.linear(p, main.inputs[0], main.output, c);
                   return true;
                 },
                 [&](const graph::Input&) { return on_vector(); },
                 [&](const graph::BatchNorm&) { return on_vector(); },
                 [&](const graph::Activation&) { return on_vector(); },
                 [&](const graph::Add&) { return on_vector(); },
                 [&](const graph::Mul&) { return on_vector(); },
                 [&](const graph::Concat&) { return on_vector(); },
                 [&](const graph::Pool&) { return on_vector(); },
                 [&](const graph::GlobalPool&) { return on_vector(); },
                 [&](const graph::Upsample&) { return on_vector(); },
                 [&](const graph::Flatten&) { return on_vector(); },
                 [&](const graph::ChannelShuffle&) { return on_vector(); },
                 [&](const graph::Zero&) { return on_vector(); },
                 [&](const graph::Dropout&) { return on_vector(); },
                 [&](const graph::Output&) { return on_vector(); }},
      main.op);
  for (std::size_t i = 1; i < kernel.ops.size(); ++i) {
    const KernelOp& op = kernel.ops[i];
    if (const auto* conv = std::get_if<graph::Conv2d>(&op.op)) model.conv(*conv, op.inputs[0], op.output, c);
    else model.output_stage(op, c);
  }
  // Activations live in SRAM unless the kernel's input and output do not fit: then
  // they are spilled to DRAM (written by the producer, read back by the consumer).
  const double activation_bytes = model.bytes(main.inputs.empty() ? main.output : main.inputs[0]) +
                                  model.bytes(kernel.ops.back().output);
  if (activation_bytes > hw.sram_kib * 1024) c.dram_bytes += activation_bytes;

  const double clock_hz = hw.clock_mhz * 1e6;
  // A convolution's output stage is pipelined with its MAC array; a vector kernel's fused
  // ops (e.g. squeeze-excite's small convolutions) run one after another.
  const double compute = on_array ? std::max(c.array_cycles, c.vector_cycles)
                                  : c.array_cycles + c.vector_cycles;
  const double sram = c.sram_bytes / (hw.sram_gb_per_s * 1e9 / clock_hz);
  const double dram = c.dram_bytes > 0
                          ? c.dram_bytes / (hw.dram_gb_per_s * 1e9 / clock_hz) +
                                hw.dram_latency_ns * 1e-9 * clock_hz
                          : 0.0;
  const double busy = std::max({compute, sram, dram});
  Measurement m;
  m.cycles = busy + hw.layer_overhead_cycles;
  m.latency_s = *m.cycles / clock_hz;
  m.sram_bytes = c.sram_bytes;
  m.dram_bytes = c.dram_bytes;
  const double peak_macs =
      double(hw.input_lanes) * hw.parallelism_factor * hw.spatial_lanes;
  m.utilization = compute > 0 ? std::min(1.0, c.macs / (compute * peak_macs)) : 0.0;
  if (hw.layer_overhead_cycles >= busy) m.bound = Bound::overhead;
  else if (busy == compute) m.bound = Bound::compute;
  else if (busy == sram) m.bound = Bound::sram;
  else m.bound = Bound::dram;
  return m;
}

}  // namespace hwnas::hw

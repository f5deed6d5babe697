#include "hwnas/estimate/features.h"

#include <cmath>

#include "hwnas/graph/analysis.h"
#include "hwnas/graph/overloaded.h"

namespace hwnas::estimate {
namespace {

constexpr int kFolds[] = {4, 8, 16, 32, 64};

float log2p(double v) { return static_cast<float>(std::log2(1.0 + v)); }

float act_code(const graph::Op& op) {
  const auto* act = std::get_if<graph::Activation>(&op);
  if (act == nullptr) return 0;
  return 1 + static_cast<float>(act->kind);
}

}  // namespace

std::string kernel_type(const hw::Kernel& kernel) {
  const hw::KernelOp& main = kernel.main();
  using Type = std::string;
  // Every op is listed: a new op must be given a kernel type here.
  const Type elementwise = "elementwise";
  return std::visit(
      Overloaded{
          [&](const graph::Conv2d& conv) -> Type {
            if (graph::is_depthwise(conv, main.inputs[0].c)) return "dwconv";
            return conv.groups > 1 ? "group_conv" : "conv";
          },
          [](const graph::Linear&) -> Type { return "linear"; },
          [](const graph::Pool&) -> Type { return "pool"; },
          [&](const graph::GlobalPool&) -> Type { return kernel.ops.size() > 1 ? "se" : "global_pool"; },
          [](const graph::Concat&) -> Type { return "concat"; },
          [](const graph::Upsample&) -> Type { return "upsample"; },
          [&](const graph::Input&) { return elementwise; },
          [&](const graph::BatchNorm&) { return elementwise; },
          [&](const graph::Activation&) { return elementwise; },
          [&](const graph::Add&) { return elementwise; },
          [&](const graph::Mul&) { return elementwise; },
          [&](const graph::Flatten&) { return elementwise; },
          [&](const graph::ChannelShuffle&) { return elementwise; },
          [&](const graph::Zero&) { return elementwise; },
          [&](const graph::Dropout&) { return elementwise; },
          [&](const graph::Output&) { return elementwise; },
      },
      main.op);
}

std::vector<std::string> kernel_types(const hw::FusionRules& rules) {
  std::vector<std::string> types = {"conv", "dwconv", "group_conv", "linear", "pool", "global_pool", "concat",
                                    "upsample", "elementwise"};
  if (rules.has(hw::FusionPattern::se_gate)) types.push_back("se");
  return types;
}

const std::vector<std::string>& feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"cin", "hin", "win", "cout", "hout", "wout", "kernel", "stride",
                                  "groups", "dilation", "inputs", "fused_ops", "fused_add", "fused_pool",
                                  "fused_act", "main_act", "log2_macs", "log2_input", "log2_output",
                                  "log2_weights", "batch", "element_bytes", "pixels",
                                  "log2_activation_bytes", "log2_weight_bytes"};
    n.insert(n.end(), {"log2_cin", "log2_cout", "log2_pixels"});
    for (int p : kFolds) {
      n.push_back("cin_folds_" + std::to_string(p));
      n.push_back("cout_folds_" + std::to_string(p));
      n.push_back("log2_cin_folds_" + std::to_string(p));
      n.push_back("log2_cout_folds_" + std::to_string(p));
      n.push_back("log2_tile_work_" + std::to_string(p));
      n.push_back("log2_input_streams_" + std::to_string(p));
    }
    return n;
  }();
  return names;
}

void append_feature_vector(const hw::Kernel& kernel, std::vector<float>& x) {
  const hw::KernelOp& main = kernel.main();
  const graph::Shape in = main.inputs.empty() ? main.output : main.inputs[0];
  const graph::Shape out = main.output;
  float k = 1, stride = 1, groups = 1, dilation = 1, weights = 0;
  if (const auto* conv = std::get_if<graph::Conv2d>(&main.op)) {
    k = static_cast<float>(conv->kernel_h);
    stride = static_cast<float>(conv->stride_h);
    groups = static_cast<float>(conv->groups);
    dilation = static_cast<float>(conv->dilation_h);
    weights = float(conv->out_channels) * float(in.c / conv->groups) * float(conv->kernel_h * conv->kernel_w);
  } else if (const auto* linear = std::get_if<graph::Linear>(&main.op)) {
    weights = float(linear->out_features) * float(in.c);
  } else if (const auto* pool = std::get_if<graph::Pool>(&main.op)) {
    k = static_cast<float>(pool->kernel_h);
    stride = static_cast<float>(pool->stride_h);
  }
  float fused_add = 0, fused_pool = 0, fused_act = 0;
  for (std::size_t i = 1; i < kernel.ops.size(); ++i) {
    const graph::Op& op = kernel.ops[i].op;
    fused_add += std::holds_alternative<graph::Add>(op) || std::holds_alternative<graph::Mul>(op);
    fused_pool += std::holds_alternative<graph::Pool>(op);
    if (act_code(op) > 0) fused_act = act_code(op);
  }
  const double b = kernel.batch;
  x.insert(x.end(), {float(in.c), float(in.h), float(in.w), float(out.c), float(out.h), float(out.w),
                          k, stride, groups, dilation, float(main.inputs.size()),
                          float(kernel.ops.size() - 1), fused_add, fused_pool, fused_act, act_code(main.op),
                          log2p(double(hw::kernel_macs(kernel))), log2p(double(in.elements()) * b),
                          log2p(double(kernel.ops.back().output.elements()) * b), log2p(weights),
                          float(kernel.batch), float(graph::element_bytes(kernel.precision)),
                          float(out.h) * float(out.w),
                          // What on-chip memories must hold: thresholds of spills and streaming.
                          log2p((double(in.elements()) + double(kernel.ops.back().output.elements())) * b *
                                graph::element_bytes(kernel.precision)),
                          log2p(double(weights) * graph::element_bytes(kernel.precision))});
  const int cin_g = groups > 1 ? std::max(1, in.c / static_cast<int>(groups)) : in.c;
  x.insert(x.end(), {float(std::log2(double(in.c))), float(std::log2(double(out.c))),
                     float(std::log2(double(out.h) * out.w))});
  for (int p : kFolds) {
    const int cin_folds = (cin_g + p - 1) / p, cout_folds = (out.c + p - 1) / p;
    // Array work if p were both lane counts: tiles × pixels; and the input re-read per
    // output fold.
    const double tiles = double(groups) * cin_folds * cout_folds * k * k;
    x.insert(x.end(), {float(cin_folds), float(cout_folds), float(std::log2(double(cin_folds))),
                       float(std::log2(double(cout_folds))), float(std::log2(tiles * out.h * out.w * b)),
                       float(std::log2(double(in.elements()) * b * cout_folds))});
  }
}

std::vector<float> feature_vector(const hw::Kernel& kernel) {
  std::vector<float> x;
  x.reserve(feature_names().size());
  append_feature_vector(kernel, x);
  return x;
}

namespace {

// Columns of feature_vector that lane features derive from.
enum Column : std::size_t {
  kCin = 0, kHin = 1, kWin = 2, kCout = 3, kHout = 4, kWout = 5, kKernel = 6, kGroups = 8,
  kLog2Weights = 19, kBatch = 20, kElementBytes = 21
};
constexpr const char* kLaneFeatureNames[] = {
    "lane_cout_folds", "lane_cin_folds",      "lane_cout_utilization", "lane_cin_utilization",
    "log2_lane_work",  "log2_lane_input_streams", "log2_padded_activation_bytes", "log2_lane_work_per_byte",
    "log2_lane_tiles", "log2_lane_bytes"};

double ceil_div(double a, double b) { return std::ceil(a / b); }

}  // namespace

const std::vector<std::string>& model_feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = feature_names();
    n.insert(n.end(), std::begin(kLaneFeatureNames), std::end(kLaneFeatureNames));
    return n;
  }();
  return names;
}

namespace {

// Lane features of the stored vector at out[at …], appended to out.
void append_lane_features(std::size_t at, const Lanes& lanes, std::vector<float>& out) {
  const float* x = out.data() + at;
  const double pc = std::max(1, lanes.cout), pi = std::max(1, lanes.cin), pa = std::max(1, lanes.channels);
  const double cin = x[kCin], cout = x[kCout], groups = std::max(1.0f, x[kGroups]), b = x[kBatch];
  const double in_pixels = double(x[kHin]) * x[kWin], out_pixels = double(x[kHout]) * x[kWout];
  const double taps = double(x[kKernel]) * x[kKernel];
  const bool depthwise = groups > 1 && groups == cin && groups == cout;
  const double cin_g = std::max(1.0, std::floor(cin / groups)), cout_g = std::max(1.0, std::floor(cout / groups));
  const double cout_folds = ceil_div(depthwise ? cout : cout_g, pc), cin_folds = ceil_div(cin_g, pi);
  // The array's work as the simulator of docs/hardware-npu.md counts it: tiles × pixels.
  const double tiles = depthwise ? cout_folds * taps : groups * cin_folds * cout_folds * taps;
  const double work = tiles * out_pixels * b;
  const double streams = cin * in_pixels * b * (depthwise ? 1 : cout_folds);
  const double padded = (ceil_div(cin, pa) * pa * in_pixels + ceil_div(cout, pa) * pa * out_pixels) * b * x[kElementBytes];
  const double bytes = streams * x[kElementBytes] + std::exp2(double(x[kLog2Weights])) * x[kElementBytes] + padded;
  out.insert(out.end(), {float(cout_folds), float(cin_folds), float(cout / (cout_folds * pc)),
                         float(cin_g / (cin_folds * pi)), float(std::log2(1 + work)), float(std::log2(1 + streams)),
                         float(std::log2(1 + padded)), float(std::log2((1 + work) / (1 + bytes))),
                         float(std::log2(tiles)), float(std::log2(1 + bytes))});
}

}  // namespace

void append_model_features(const hw::Kernel& kernel, const Lanes& lanes, std::vector<float>& out) {
  const std::size_t at = out.size();
  append_feature_vector(kernel, out);
  append_lane_features(at, lanes, out);
}

void append_model_features(std::span<const float> x, const Lanes& lanes, std::vector<float>& out) {
  const std::size_t at = out.size();
  out.insert(out.end(), x.begin(), x.end());
  append_lane_features(at, lanes, out);
}

nlohmann::ordered_json lanes_json(const Lanes& lanes) {
  return {{"cout", lanes.cout}, {"cin", lanes.cin}, {"channels", lanes.channels}};
}

nlohmann::json kernel_features(const hw::Kernel& kernel) {
  return {{"type", kernel_type(kernel)}, {"version", kFeatureVersion}, {"x", feature_vector(kernel)}};
}

}  // namespace hwnas::estimate

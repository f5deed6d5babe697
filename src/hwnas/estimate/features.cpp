#include "hwnas/estimate/features.h"

#include "hwnas/graph/analysis.h"

namespace hwnas::estimate {

std::string kernel_type(const hw::Kernel& kernel) {
  const hw::KernelOp& main = kernel.main();
  if (const auto* conv = std::get_if<graph::Conv2d>(&main.op)) {
    if (graph::is_depthwise(*conv, main.inputs[0].c)) return "dwconv";
    return conv->groups > 1 ? "group_conv" : "conv";
  }
  if (std::holds_alternative<graph::Linear>(main.op)) return "linear";
  if (std::holds_alternative<graph::Pool>(main.op)) return "pool";
  if (std::holds_alternative<graph::GlobalPool>(main.op)) return kernel.ops.size() > 1 ? "se" : "global_pool";
  if (std::holds_alternative<graph::Concat>(main.op)) return "concat";
  if (std::holds_alternative<graph::Upsample>(main.op)) return "upsample";
  return "elementwise";
}

nlohmann::json kernel_features(const hw::Kernel& kernel) {
  const hw::KernelOp& main = kernel.main();
  const graph::Shape in = main.inputs.empty() ? main.output : main.inputs[0];
  const graph::Shape out = kernel.ops.back().output;
  nlohmann::json f = {{"type", kernel_type(kernel)},
                      {"cin", in.c}, {"hin", in.h}, {"win", in.w},
                      {"cout", main.output.c}, {"hout", main.output.h}, {"wout", main.output.w},
                      {"kernel", 1}, {"stride", 1}, {"groups", 1},
                      {"fused_ops", kernel.ops.size() - 1},
                      {"fused_add", 0}, {"fused_pool", 0},
                      {"macs", hw::kernel_macs(kernel)},
                      {"input_elements", in.elements() * kernel.batch},
                      {"output_elements", out.elements() * kernel.batch},
                      {"weight_elements", 0},
                      {"batch", kernel.batch},
                      {"element_bytes", graph::element_bytes(kernel.precision)}};
  if (const auto* conv = std::get_if<graph::Conv2d>(&main.op)) {
    f["kernel"] = conv->kernel_h;
    f["stride"] = conv->stride_h;
    f["groups"] = conv->groups;
    f["weight_elements"] = std::int64_t{conv->out_channels} * (in.c / conv->groups) * conv->kernel_h * conv->kernel_w;
  } else if (const auto* linear = std::get_if<graph::Linear>(&main.op)) {
    f["weight_elements"] = std::int64_t{linear->out_features} * in.c;
  } else if (const auto* pool = std::get_if<graph::Pool>(&main.op)) {
    f["kernel"] = pool->kernel_h;
    f["stride"] = pool->stride_h;
  }
  for (std::size_t i = 1; i < kernel.ops.size(); ++i) {
    if (std::holds_alternative<graph::Add>(kernel.ops[i].op)) f["fused_add"] = 1;
    if (std::holds_alternative<graph::Pool>(kernel.ops[i].op)) f["fused_pool"] = 1;
  }
  return f;
}

}  // namespace hwnas::estimate

#include "hwnas/graph/op_json.h"

#include "hwnas/graph/overloaded.h"

namespace hwnas::graph {
namespace {

nlohmann::ordered_json pair_value(std::int32_t h, std::int32_t w) {
  if (h == w) return h;
  return {h, w};
}

}  // namespace

nlohmann::ordered_json op_params_json(const Op& op) {
  nlohmann::ordered_json f = nlohmann::ordered_json::object();
  std::visit(Overloaded{
                 [&](const Input& p) { f["shape"] = {p.channels, p.height, p.width}; },
                 [&](const Conv2d& p) {
                   f["out"] = p.out_channels;
                   f["kernel"] = pair_value(p.kernel_h, p.kernel_w);
                   f["stride"] = pair_value(p.stride_h, p.stride_w);
                   f["padding"] = pair_value(p.pad_h, p.pad_w);
                   f["dilation"] = pair_value(p.dilation_h, p.dilation_w);
                   f["groups"] = p.groups;
                   f["bias"] = p.bias;
                 },
                 [&](const BatchNorm& p) {
                   if (!p.affine) f["affine"] = false;
                   if (p.epsilon != kDefaultBatchNormEpsilon) f["epsilon"] = p.epsilon;
                 },
                 [&](const Pool& p) {
                   f["kernel"] = pair_value(p.kernel_h, p.kernel_w);
                   f["stride"] = pair_value(p.stride_h, p.stride_w);
                   f["padding"] = pair_value(p.pad_h, p.pad_w);
                   if (!p.count_include_pad) f["count_include_pad"] = false;
                   if (p.ceil_mode) f["ceil_mode"] = true;
                 },
                 [&](const Upsample& p) {
                   f["mode"] = upsample_name(p.mode);
                   if (p.scale > 0) f["scale"] = p.scale;
                   else f["size"] = {p.out_h, p.out_w};
                 },
                 [&](const Linear& p) {
                   f["out"] = p.out_features;
                   f["bias"] = p.bias;
                 },
                 [&](const ChannelShuffle& p) { f["groups"] = p.groups; },
                 [&](const Dropout& p) { f["rate"] = p.rate_percent / 100.0; },
                 [](const auto&) {},
             },
             op);
  return f;
}

}  // namespace hwnas::graph

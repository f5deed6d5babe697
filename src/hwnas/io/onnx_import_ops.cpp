// The importer's handlers of convolutions, normalisation, activations, elementwise ops,
// pooling windows, Dropout, Identity and Constant (onnx_importer.h; docs/onnx.md lists them).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "hwnas/io/onnx_importer.h"

namespace hwnas::io::detail {

using graph::NodeId;

namespace {

bool near(double a, double b) { return std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(b)); }

std::array<std::int64_t, 2> pair_or(const std::vector<std::int64_t>& v, std::int64_t fallback) {
  if (v.empty()) return {fallback, fallback};
  return {v[0], v.size() > 1 ? v[1] : v[0]};
}

}  // namespace

std::array<std::int32_t, 4> Importer::window_pads(const Attributes& a, const graph::Shape& in,
                                                  std::array<std::int64_t, 2> kernel,
                                                  std::array<std::int64_t, 2> stride,
                                                  std::array<std::int64_t, 2> dilation) const {
  for (int axis = 0; axis < 2; ++axis)
    if (kernel[axis] <= 0 || stride[axis] <= 0 || dilation[axis] <= 0 || kernel[axis] > (1 << 20) ||
        stride[axis] > (1 << 20) || dilation[axis] > (1 << 20))
      fail(fmt::format("kernel {}x{}, strides {}x{} and dilations {}x{} must be positive (and at most 2^20)",
                       kernel[0], kernel[1], stride[0], stride[1], dilation[0], dilation[1]));
  const std::string mode = a.text("auto_pad", "NOTSET");
  const std::vector<std::int64_t> pads = a.ints("pads");
  if (mode == "NOTSET") {
    if (pads.empty()) return {0, 0, 0, 0};
    if (pads.size() != 4) fail(fmt::format("pads has {} values; a 2-D window takes 4 [top, left, bottom, right]", pads.size()));
    return {to_int32(pads[0], "pad"), to_int32(pads[1], "pad"), to_int32(pads[2], "pad"), to_int32(pads[3], "pad")};
  }
  if (!pads.empty()) fail("pads and auto_pad are both given; give one");
  if (mode == "VALID") return {0, 0, 0, 0};
  if (mode != "SAME_UPPER" && mode != "SAME_LOWER")
    fail(fmt::format("auto_pad '{}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER", mode));
  // ONNX: output = ceil(in / stride); total pad = (out - 1)·stride + (k - 1)·d + 1 - in.
  std::array<std::int32_t, 4> out{};
  const std::int64_t size[] = {in.h, in.w};
  for (int axis = 0; axis < 2; ++axis) {
    const std::int64_t o = (size[axis] + stride[axis] - 1) / stride[axis];
    const std::int64_t total =
        std::max<std::int64_t>(0, (o - 1) * stride[axis] + (kernel[axis] - 1) * dilation[axis] + 1 - size[axis]);
    const std::int64_t small = total / 2, large = total - small;
    out[axis] = to_int32(mode == "SAME_UPPER" ? small : large, "pad");
    out[axis + 2] = to_int32(mode == "SAME_UPPER" ? large : small, "pad");
  }
  return out;
}

void Importer::conv(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  const Value& x = tensor_input(node, 0);
  const Constant& w = constant_input(node, 1);
  if (w.dims.size() != 4 || x.rank != 4)
    fail("only 2-D convolutions are supported (input [N,C,H,W], weight [O, C/group, kH, kW])");
  const std::vector<std::int64_t> kernel_shape = a.ints("kernel_shape");
  if (!kernel_shape.empty() && (kernel_shape.size() != 2 || kernel_shape[0] != w.dims[2] || kernel_shape[1] != w.dims[3]))
    fail("kernel_shape does not match the weight's [kH, kW]");
  const auto stride = pair_or(a.ints("strides"), 1), dilation = pair_or(a.ints("dilations"), 1);
  const std::int64_t groups = a.integer("group", 1);
  const graph::Shape& in = g_.shape(x.id);
  if (groups <= 0 || groups > in.c || w.dims[1] * groups != in.c)
    fail(fmt::format("weight [{}, {}, ...] with group {} does not fit {} input channels", w.dims[0], w.dims[1],
                     groups, in.c));
  const auto pads = window_pads(a, in, {w.dims[2], w.dims[3]}, stride, dilation);
  graph::Conv2d c;
  c.out_channels = to_int32(w.dims[0], "output channels");
  c.kernel_h = to_int32(w.dims[2], "kernel");
  c.kernel_w = to_int32(w.dims[3], "kernel");
  c.stride_h = to_int32(stride[0], "stride");
  c.stride_w = to_int32(stride[1], "stride");
  c.dilation_h = to_int32(dilation[0], "dilation");
  c.dilation_w = to_int32(dilation[1], "dilation");
  c.groups = to_int32(groups, "group");
  c.pad_h = pads[0], c.pad_w = pads[1], c.pad_bottom = pads[2], c.pad_right = pads[3];
  c.bias = has_input(node, 2);
  // A bias the exporter folded a BatchNormalization into: conv without bias, then BN.
  const bool unfold = c.bias && unfold_bn_ && !x.pooled;
  if (unfold) c.bias = false;
  const NodeId in_ids[] = {x.id};
  const NodeId id = emit(node, c, in_ids, 4, x.pooled);
  if (unfold) {
    Value v = values_[node.output(0)];
    const NodeId bn_in[] = {id};
    v.id = g_.add(node_name_for(std::string(g_.node_name(id)) + ".bn"), graph::BatchNorm{}, bn_in, g_.node(id).block);
    values_[node.output(0)] = v;
  }
}

void Importer::batch_norm(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({"epsilon", "momentum", "training_mode", "spatial"});
  if (a.integer("training_mode", 0) != 0) fail("training_mode 1 is not supported; export the model in eval mode");
  if (a.integer("spatial", 1) != 1) fail("spatial 0 is not supported");
  const Value& x = tensor_input(node, 0);
  for (int i = 1; i <= 4; ++i) constant_input(node, i);
  graph::BatchNorm bn;
  bn.epsilon = static_cast<float>(a.real("epsilon", 1e-5));
  // The attribute is a float: 1e-3 reads as 0.0010000000474974513; keep the decimal value.
  bn.epsilon = std::stod(fmt::format("{:.6g}", bn.epsilon));
  bn.affine = !has_doc_token(node, kNoAffineDoc.substr(7));
  const NodeId in[] = {x.id};
  emit(node, bn, in, x.rank);
}

void Importer::activation(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({});
  const Value& x = tensor_input(node, 0);
  const graph::ActKind kind = node.op_type() == "Relu"      ? graph::ActKind::relu
                              : node.op_type() == "Sigmoid" ? graph::ActKind::sigmoid
                                                            : graph::ActKind::hardswish;
  const NodeId in[] = {x.id};
  emit(node, graph::Activation{kind}, in, x.rank, x.pooled);
}

void Importer::clip(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({"min", "max"});
  const Value& x = tensor_input(node, 0);
  std::optional<double> lo, hi;
  if (a.has("min")) lo = a.real("min", 0);
  if (a.has("max")) hi = a.real("max", 0);
  const auto scalar = [&](int i) {
    const std::vector<double> v = constant_values(node, i);
    if (v.size() != 1) fail(fmt::format("input {} (the clip bound) must be a scalar", i));
    return v[0];
  };
  if (has_input(node, 1)) lo = scalar(1);
  if (has_input(node, 2)) hi = scalar(2);
  graph::ActKind kind;
  if (lo && near(*lo, 0) && hi && near(*hi, 6)) kind = graph::ActKind::relu6;
  else if (lo && near(*lo, 0) && !hi) kind = graph::ActKind::relu;
  else
    fail(fmt::format("Clip to [{}, {}] is not supported; only [0, 6] (ReLU6) and [0, inf) (ReLU)",
                     lo ? fmt::format("{}", *lo) : "-inf", hi ? fmt::format("{}", *hi) : "inf"));
  const NodeId in[] = {x.id};
  emit(node, graph::Activation{kind}, in, x.rank);
}

void Importer::hard_sigmoid(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({"alpha", "beta"});
  const double alpha = a.real("alpha", 0.2), beta = a.real("beta", 0.5);
  if (!near(alpha, 1.0 / 6) || !near(beta, 0.5))
    fail(fmt::format("HardSigmoid with alpha {} beta {} is not supported; only alpha 1/6, beta 0.5 (PyTorch's "
                     "hardsigmoid)", alpha, beta));
  const Value& x = tensor_input(node, 0);
  const NodeId in[] = {x.id};
  emit(node, graph::Activation{graph::ActKind::hardsigmoid}, in, x.rank, x.pooled);
}

void Importer::mul(const onnx::NodeProto& node) {
  attributes(node).check_known({});
  if (node.input_size() != 2) fail("Mul takes 2 inputs");
  const Value& a = value(node.input(0));
  const Value& b = value(node.input(1));
  if (a.kind == Value::Kind::constant || b.kind == Value::Kind::constant) {
    const int c = a.kind == Value::Kind::constant ? 0 : 1;
    const Value& x = tensor_input(node, 1 - c);
    const std::vector<double> v = constant_values(node, c);
    if (!std::all_of(v.begin(), v.end(), [](double d) { return d == 0; }))
      fail("a product with a constant other than zero is not supported (the IR has no scaling op)");
    const NodeId in[] = {x.id};
    emit(node, graph::Zero{}, in, x.rank);
    return;
  }
  const Value& x = tensor_input(node, 0);
  const Value& y = tensor_input(node, 1);
  // The IR broadcasts the second input ([C,1,1], squeeze-excite): put the smaller one there.
  const bool swap = g_.shape(x.id).elements() < g_.shape(y.id).elements();
  const NodeId in[] = {swap ? y.id : x.id, swap ? x.id : y.id};
  emit(node, graph::Mul{}, in, std::max(x.rank, y.rank));
}

void Importer::add(const onnx::NodeProto& node) {
  attributes(node).check_known({});
  std::vector<NodeId> in;
  int rank = 2;
  for (int i = 0; i < node.input_size(); ++i) {
    if (value(node.input(i)).kind == Value::Kind::constant)
      fail("adding a constant is not supported (the IR has no bias op); only a MatMul's bias");
    const Value& v = tensor_input(node, i);
    in.push_back(v.id);
    rank = std::max(rank, v.rank);
  }
  if (in.size() < 2) fail("an Add or Sum of fewer than 2 tensors");
  emit(node, graph::Add{}, in, rank);
}

void Importer::concat(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({"axis"});
  std::vector<NodeId> in;
  int rank = 0;
  for (int i = 0; i < node.input_size(); ++i) {
    const Value& v = tensor_input(node, i);
    in.push_back(v.id);
    rank = v.rank;
  }
  const std::int64_t axis = a.integer("axis", 1);
  if (axis != 1 && axis != 1 - rank) fail(fmt::format("Concat along axis {} is not supported; only channels (1)", axis));
  emit(node, graph::Concat{}, in, rank);
}

void Importer::pool(const onnx::NodeProto& node) {
  const bool max = node.op_type() == "MaxPool";
  const Attributes a = attributes(node);
  if (max) a.check_known({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  else a.check_known({"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
  if (node.output_size() > 1 && !node.output(1).empty()) fail("MaxPool's indices output is not supported");
  const Value& x = tensor_input(node, 0);
  const std::vector<std::int64_t> kernel = a.ints("kernel_shape");
  if (kernel.size() != 2 || x.rank != 4) fail("only 2-D pooling is supported (kernel_shape [kH, kW])");
  const auto dilation = pair_or(a.ints("dilations"), 1);
  if (dilation[0] != 1 || dilation[1] != 1) fail("dilated pooling is not supported");
  const auto stride = pair_or(a.ints("strides"), 1);
  const auto pads = window_pads(a, g_.shape(x.id), {kernel[0], kernel[1]}, stride, dilation);
  graph::Pool p;
  p.kind = max ? graph::PoolKind::max : graph::PoolKind::avg;
  p.kernel_h = to_int32(kernel[0], "kernel");
  p.kernel_w = to_int32(kernel[1], "kernel");
  p.stride_h = to_int32(stride[0], "stride");
  p.stride_w = to_int32(stride[1], "stride");
  p.pad_h = pads[0], p.pad_w = pads[1], p.pad_bottom = pads[2], p.pad_right = pads[3];
  p.ceil_mode = a.integer("ceil_mode", 0) != 0;
  p.count_include_pad = max || a.integer("count_include_pad", 0) != 0;
  const NodeId in[] = {x.id};
  emit(node, p, in, 4);
}

void Importer::dropout(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({"ratio", "seed", "is_test"});
  const Value& x = tensor_input(node, 0);
  double ratio = a.real("ratio", 0.5);
  if (has_input(node, 1)) {
    const std::vector<double> v = constant_values(node, 1);
    if (v.size() != 1) fail("the ratio input must be a scalar");
    ratio = v[0];
  }
  if (has_input(node, 2)) fail("the training_mode input is not supported; export the model in eval mode");
  if (!(ratio >= 0 && ratio < 1)) fail(fmt::format("ratio {} is not in [0, 1)", ratio));
  const NodeId in[] = {x.id};
  emit(node, graph::Dropout{static_cast<std::int32_t>(std::lround(ratio * 100))}, in, x.rank);
}

void Importer::identity(const onnx::NodeProto& node) {
  attributes(node).check_known({});
  const Value& x = value(node.input(0));
  if (x.kind == Value::Kind::constant) {
    set(node, x);
    return;
  }
  const Value& t = tensor_input(node, 0);
  const NodeId in[] = {t.id};
  emit(node, graph::Activation{graph::ActKind::identity}, in, t.rank);
}

void Importer::constant(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({"value", "value_float", "value_int", "value_ints"});
  Value v;
  v.kind = Value::Kind::constant;
  if (const onnx::TensorProto* t = a.tensor("value")) {
    v.constant = read_constant(*t, failer());
  } else if (a.has("value_float")) {
    v.constant.values = std::vector<double>{a.real("value_float", 0)};
  } else if (a.has("value_int")) {
    v.constant.values = std::vector<double>{static_cast<double>(a.integer("value_int", 0))};
  } else if (a.has("value_ints")) {
    const std::vector<std::int64_t> ints = a.ints("value_ints");
    v.constant.dims = {static_cast<std::int64_t>(ints.size())};
    v.constant.values = std::vector<double>(ints.begin(), ints.end());
  } else {
    fail("a Constant without value, value_float, value_int or value_ints is not supported");
  }
  set(node, std::move(v));
}

}  // namespace hwnas::io::detail

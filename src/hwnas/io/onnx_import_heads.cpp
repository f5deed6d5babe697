// The importer's handlers of the network's head and tensor views: global pooling,
// ReduceMean, Flatten, Reshape (and the channel shuffle's Reshape-Transpose-Reshape),
// Gemm and MatMul (onnx_importer.h; docs/onnx.md).
#include <fmt/format.h>

#include <algorithm>

#include "hwnas/io/onnx_importer.h"

namespace hwnas::io::detail {

using graph::NodeId;

void Importer::global_pool(const onnx::NodeProto& node) {
  attributes(node).check_known({});
  const Value& x = tensor_input(node, 0);
  const NodeId in[] = {x.id};
  emit(node, graph::GlobalPool{node.op_type() == "GlobalMaxPool" ? graph::PoolKind::max : graph::PoolKind::avg},
       in, 4, true);
}

void Importer::reduce_mean(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({"axes", "keepdims"});
  const Value& x = tensor_input(node, 0);
  std::vector<std::int64_t> axes = a.ints("axes");
  if (has_input(node, 1))
    for (const double d : constant_values(node, 1)) axes.push_back(static_cast<std::int64_t>(d));
  for (std::int64_t& axis : axes)
    if (axis < 0) axis += 4;
  std::sort(axes.begin(), axes.end());
  if (x.rank != 4 || axes != std::vector<std::int64_t>{2, 3})
    fail("ReduceMean over axes other than [2, 3] (height and width) is not supported");
  const NodeId in[] = {x.id};
  const NodeId pool = emit(node, graph::GlobalPool{graph::PoolKind::avg}, in, 4, true);
  if (a.integer("keepdims", 1) == 0) {  // [N, C]: a global pool and a flatten
    Value v = values_[node.output(0)];
    const NodeId flat_in[] = {pool};
    v.id = g_.add(node_name_for(std::string(g_.node_name(pool)) + ".flatten"), graph::Flatten{}, flat_in, g_.node(pool).block);
    v.rank = 2;
    values_[node.output(0)] = v;
  }
}

void Importer::flatten(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({"axis"});
  if (a.integer("axis", 1) != 1) fail("Flatten with an axis other than 1 is not supported");
  const Value& x = tensor_input(node, 0);
  const NodeId in[] = {x.id};
  emit(node, graph::Flatten{}, in, 2);
}

void Importer::reshape(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({"allowzero"});
  const Value& x = value(node.input(0));
  const std::vector<double> to = constant_values(node, 1);
  if (x.kind == Value::Kind::tensor && x.rank == 4 && to.size() == 5) {  // channel shuffle, step 1
    const graph::Shape& s = g_.shape(x.id);
    if (to[1] <= 0 || to[2] * to[1] != s.c || to[3] != s.h || to[4] != s.w)
      fail("a Reshape to rank 5 is supported only as a channel shuffle's [N, groups, C/groups, H, W]");
    Value v = x;
    v.kind = Value::Kind::shuffle_split;
    v.groups = static_cast<std::int32_t>(to[1]);
    set(node, v);
    return;
  }
  if (x.kind == Value::Kind::shuffle_swapped) {  // channel shuffle, step 3
    const graph::Shape& s = g_.shape(x.id);
    if (to.size() != 4 || !(to[1] == s.c || to[1] == -1) || to[2] != s.h || to[3] != s.w)
      fail("a channel shuffle must reshape back to [N, C, H, W]");
    const NodeId in[] = {x.id};
    emit(node, graph::ChannelShuffle{x.groups}, in, 4);
    return;
  }
  const Value& t = tensor_input(node, 0);
  const graph::Shape& s = g_.shape(t.id);
  if (to.size() != 2 || !(to[1] == -1 || to[1] == static_cast<double>(s.elements())) ||
      !(to[0] == 0 || to[0] == 1 || to[0] == -1))
    fail("Reshape is supported only to [N, -1] (a flatten before a Gemm) and as a channel shuffle");
  const NodeId in[] = {t.id};
  emit(node, graph::Flatten{}, in, 2);
}

void Importer::transpose(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({"perm"});
  const Value& x = value(node.input(0));
  if (x.kind != Value::Kind::shuffle_split || a.ints("perm") != std::vector<std::int64_t>{0, 2, 1, 3, 4})
    fail("Transpose is supported only as a channel shuffle's perm [0, 2, 1, 3, 4] after a Reshape to rank 5");
  Value v = x;
  v.kind = Value::Kind::shuffle_swapped;
  set(node, v);
}

void Importer::gemm(const onnx::NodeProto& node) {
  const Attributes a = attributes(node);
  a.check_known({"alpha", "beta", "transA", "transB"});
  if (a.integer("transA", 0) != 0) fail("transA 1 is not supported");
  const Value& x = tensor_input(node, 0);
  const Constant& w = constant_input(node, 1);
  const graph::Shape& s = g_.shape(x.id);
  if (w.dims.size() != 2) fail("the weight must have rank 2");
  const bool trans = a.integer("transB", 0) != 0;
  const std::int64_t in = trans ? w.dims[1] : w.dims[0], out = trans ? w.dims[0] : w.dims[1];
  if (x.rank != 2 || s.h != 1 || s.w != 1 || in != s.c)
    fail(fmt::format("weight of {} inputs does not fit input {} (a Gemm takes a flat [N, C] tensor)", in,
                     graph::to_string(s)));
  const NodeId ids[] = {x.id};
  emit(node, graph::Linear{to_int32(out, "out features"), has_input(node, 2)}, ids, 2);
}

void Importer::matmul(const onnx::NodeProto& node) {
  attributes(node).check_known({});
  const Value& x = tensor_input(node, 0);
  const Constant& w = constant_input(node, 1);
  const graph::Shape& s = g_.shape(x.id);
  if (w.dims.size() != 2 || x.rank != 2 || w.dims[0] != s.c)
    fail("only a MatMul of a flat [N, C] tensor by a [C, out] constant (a linear layer) is supported");
  const auto bias = matmul_bias_.find(current_index_);
  const NodeId ids[] = {x.id};
  emit(node, graph::Linear{to_int32(w.dims[1], "out features"), bias != matmul_bias_.end()}, ids, 2);
  if (bias != matmul_bias_.end()) {
    const onnx::NodeProto& add = model_.graph().node(bias->second);
    values_[add.output(0)] = values_[node.output(0)];
  }
}

}  // namespace hwnas::io::detail

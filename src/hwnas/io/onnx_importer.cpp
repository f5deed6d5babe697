#include "hwnas/io/onnx_importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "hwnas/base/error.h"

namespace hwnas::io::detail {

using graph::NodeId;

Importer::Importer(const onnx::ModelProto& model, std::string_view source, const OnnxImportOptions& options)
    : model_(model), source_(source), options_(options) {}

const std::vector<Importer::Op>& Importer::ops() {
  static const std::vector<Op> table = {
      {"Add", &Importer::add},
      {"AveragePool", &Importer::pool},
      {"BatchNormalization", &Importer::batch_norm},
      {"Clip", &Importer::clip},
      {"Concat", &Importer::concat},
      {"Constant", &Importer::constant},
      {"Conv", &Importer::conv},
      {"Dropout", &Importer::dropout},
      {"Flatten", &Importer::flatten},
      {"Gemm", &Importer::gemm},
      {"GlobalAveragePool", &Importer::global_pool},
      {"GlobalMaxPool", &Importer::global_pool},
      {"HardSigmoid", &Importer::hard_sigmoid},
      {"HardSwish", &Importer::activation},
      {"Identity", &Importer::identity},
      {"MatMul", &Importer::matmul},
      {"MaxPool", &Importer::pool},
      {"Mul", &Importer::mul},
      {"ReduceMean", &Importer::reduce_mean},
      {"Relu", &Importer::activation},
      {"Reshape", &Importer::reshape},
      {"Resize", &Importer::resize},
      {"Sigmoid", &Importer::activation},
      {"Sum", &Importer::add},
      {"Transpose", &Importer::transpose},
      {"Upsample", &Importer::resize},
  };
  return table;
}

std::span<const std::string_view> Importer::supported() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const Op& op : ops()) out.push_back(op.type);
    return out;
  }();
  return names;
}

void Importer::fail(const std::string& message) const {
  if (current_ == nullptr) throw UserError(fmt::format("{}: {}", source_, message));
  throw UserError(fmt::format("{}: node '{}' ({}): {}", source_, current_->name(), current_->op_type(), message));
}

// Mul(x, Sigmoid(x)) -> SiLU and Mul(x, HardSigmoid(x)) -> hardswish, when the sigmoid feeds
// only the Mul; MatMul followed by an Add of an initialiser or Constant -> Linear with bias.
void Importer::find_patterns() {
  const auto& nodes = model_.graph().node();
  std::map<std::string, int, std::less<>> producer;
  std::set<std::string, std::less<>> constants;
  for (const auto& t : model_.graph().initializer()) constants.insert(t.name());
  for (int i = 0; i < nodes.size(); ++i) {
    for (const std::string& in : nodes[i].input()) ++consumers_[in];
    for (const std::string& out : nodes[i].output()) producer[out] = i;
    if (nodes[i].op_type() == "Constant") constants.insert(nodes[i].output(0));
  }
  for (const auto& out : model_.graph().output()) ++consumers_[out.name()];
  for (int i = 0; i < nodes.size(); ++i) {
    const onnx::NodeProto& n = nodes[i];
    if (n.input_size() != 2) continue;
    if (n.op_type() == "Mul") {
      for (int side = 0; side < 2; ++side) {
        const auto p = producer.find(n.input(side));
        if (p == producer.end() || consumers_[n.input(side)] != 1) continue;
        const onnx::NodeProto& s = nodes[p->second];
        if (s.input_size() != 1 || s.input(0) != n.input(1 - side)) continue;
        if (s.op_type() == "Sigmoid") {
          fused_[i] = {graph::ActKind::silu, p->second};
        } else if (s.op_type() == "HardSigmoid") {
          const Attributes a(s, failer());
          if (std::abs(a.real("alpha", 0.2) - 1.0 / 6) > 1e-6 || std::abs(a.real("beta", 0.5) - 0.5) > 1e-6) continue;
          fused_[i] = {graph::ActKind::hardswish, p->second};
        } else {
          continue;
        }
        absorbed_.insert(p->second);
        break;
      }
    } else if (n.op_type() == "Add") {
      for (int side = 0; side < 2; ++side) {
        const auto p = producer.find(n.input(side));
        if (p == producer.end() || consumers_[n.input(side)] != 1 || nodes[p->second].op_type() != "MatMul") continue;
        if (!constants.contains(n.input(1 - side))) continue;
        matmul_bias_[p->second] = i;
        absorbed_.insert(i);
        break;
      }
    }
  }
}

void Importer::add_input() {
  std::set<std::string, std::less<>> initialisers;
  for (const auto& t : model_.graph().initializer()) initialisers.insert(t.name());
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& in : model_.graph().input())
    if (!initialisers.contains(in.name())) inputs.push_back(&in);
  if (inputs.size() != 1)
    fail(fmt::format("the graph has {} inputs other than initialisers; hwnas imports networks of one image input",
                     inputs.size()));
  const onnx::ValueInfoProto& in = *inputs[0];
  if (!in.type().has_tensor_type() || !in.type().tensor_type().has_shape() ||
      in.type().tensor_type().shape().dim_size() != 4)
    fail(fmt::format("input '{}' is not a tensor of rank 4 [N, C, H, W]; hwnas imports image networks", in.name()));
  graph::Shape shape;
  if (options_.input_shape) {
    shape = *options_.input_shape;
  } else {
    const auto& dims = in.type().tensor_type().shape().dim();
    std::int32_t* out[] = {&shape.c, &shape.h, &shape.w};
    for (int i = 1; i < 4; ++i) {
      if (!dims[i].has_dim_value() || dims[i].dim_value() <= 0)
        fail(fmt::format("input '{}' has a dynamic dimension {} ('{}'); give the shape (FILE.onnx:input_shape=C,H,W) "
                         "or export with a fixed input shape",
                         in.name(), i, dims[i].dim_param()));
      *out[i - 1] = to_int32(dims[i].dim_value(), "an input dimension");
    }
  }
  Value v;
  v.id = g_.add(node_name_for(in.name()), graph::Input{shape.c, shape.h, shape.w}, {});
  values_[in.name()] = v;
}

std::string Importer::node_name_for(std::string_view raw) {
  // PyTorch's scopes name each module relative to its parent's scope:
  // "/features/features.1/conv/conv.0/conv.0.0/Conv" -> "features.1.conv.0.0.Conv".
  std::vector<std::string_view> parts;
  for (std::size_t b = 0; b <= raw.size();) {
    const std::size_t e = std::min(raw.find('/', b), raw.size());
    if (e > b) parts.push_back(raw.substr(b, e - b));
    b = e + 1;
  }
  std::string name;
  std::string_view previous;
  for (const std::string_view part : parts) {
    const bool child = !previous.empty() && part.size() > previous.size() && part.starts_with(previous) &&
                       part[previous.size()] == '.';
    if (!name.empty()) name += '.';
    name += child ? part.substr(previous.size() + 1) : part;
    previous = part;
  }
  for (char& c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) c = '_';
  if (name.empty()) name = fmt::format("node{}", g_.size());
  std::string unique = name;
  for (int k = 2; names_.contains(unique); ++k) unique = fmt::format("{}_{}", name, k);
  names_.insert(unique);
  return unique;
}

std::string Importer::node_name(const onnx::NodeProto& node) {
  return node_name_for(node.name().empty() ? node.op_type() : node.name());
}

const Value& Importer::value(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) fail(fmt::format("input '{}' is no graph input, initialiser or earlier output", name));
  return it->second;
}

const Value& Importer::tensor_input(const onnx::NodeProto& node, int index) const {
  if (!has_input(node, index)) fail(fmt::format("input {} is missing", index));
  const Value& v = value(node.input(index));
  if (v.kind != Value::Kind::tensor)
    fail(fmt::format("input '{}' must be a tensor computed from the network input, not a constant",
                     node.input(index)));
  return v;
}

const Constant& Importer::constant_input(const onnx::NodeProto& node, int index) const {
  if (!has_input(node, index)) fail(fmt::format("input {} is missing", index));
  const Value& v = value(node.input(index));
  if (v.kind != Value::Kind::constant)
    fail(fmt::format("input '{}' must be a constant (an initialiser or a Constant node)", node.input(index)));
  return v.constant;
}

std::vector<double> Importer::constant_values(const onnx::NodeProto& node, int index) const {
  const Constant& c = constant_input(node, index);
  if (!c.values) fail(fmt::format("input '{}' must be a small numeric constant", node.input(index)));
  return *c.values;
}

void Importer::set(const onnx::NodeProto& node, Value v) {
  if (node.output_size() < 1 || node.output(0).empty()) fail("the node has no output");
  for (int i = 1; i < node.output_size(); ++i)
    if (!node.output(i).empty() && consumers_[node.output(i)] > 0)
      fail(fmt::format("output {} ('{}') is used; hwnas imports inference graphs, where only output 0 is", i,
                       node.output(i)));
  values_[node.output(0)] = std::move(v);
}

NodeId Importer::emit(const onnx::NodeProto& node, graph::Op op, std::span<const NodeId> inputs, int rank,
                      bool pooled) {
  Value v;
  v.pooled = pooled;
  try {
    const int block = block_token(node);
    if (block < -1 || block >= g_.num_blocks())
      fail(fmt::format("doc_string names block {}, but the model's {} lists {} blocks", block, kBlocksMetadata,
                       g_.num_blocks()));
    v.id = g_.add(node_name(node), std::move(op), inputs, block);
  } catch (const UserError& e) {
    fail(e.what());
  }
  v.rank = rank;
  set(node, v);
  return v.id;
}

std::int32_t Importer::to_int32(std::int64_t v, std::string_view what) const {
  if (v < 0 || v > std::numeric_limits<std::int32_t>::max())
    fail(fmt::format("{} {} is out of range (0 to 2147483647)", what, v));
  return static_cast<std::int32_t>(v);
}

void Importer::import_node(const onnx::NodeProto& node) {
  current_ = &node;
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    fail(fmt::format("operator domain '{}' is not supported (only the default ONNX domain)", node.domain()));
  if (has_doc_token(node, kViewDoc.substr(7))) {  // Flatten to rank 2 or Reshape to rank 4
    if (node.input_size() < 1 || (node.op_type() != "Flatten" && node.op_type() != "Reshape"))
      fail("only a Flatten or Reshape can be an hwnas view");
    Value v = value(node.input(0));
    v.rank = node.op_type() == "Flatten" ? 2 : 4;
    set(node, v);
    return;
  }
  const auto& table = ops();
  const auto it = std::find_if(table.begin(), table.end(), [&](const Op& op) { return op.type == node.op_type(); });
  if (it == table.end())
    fail(fmt::format("unsupported op; supported: {} (export the model without it, or ask for it)",
                     supported_onnx_ops()));
  (this->*(it->handler))(node);
  current_ = nullptr;
}

graph::Graph Importer::run() {
  g_.set_name(model_.graph().name().empty() ? "onnx" : model_.graph().name());
  for (const auto& t : model_.graph().initializer()) {
    Value v;
    v.kind = Value::Kind::constant;
    v.constant = read_constant(t, failer());
    values_[t.name()] = std::move(v);
  }
  find_patterns();
  unfold_bn_ = options_.unfold_batch_norm &&
               std::none_of(model_.graph().node().begin(), model_.graph().node().end(),
                            [](const onnx::NodeProto& n) { return n.op_type() == "BatchNormalization"; });
  add_blocks();
  add_input();
  const auto& nodes = model_.graph().node();
  for (int i = 0; i < nodes.size(); ++i) {
    add_outputs(false);
    if (absorbed_.contains(i)) continue;
    current_index_ = i;
    if (const auto f = fused_.find(i); f != fused_.end()) {
      current_ = &nodes[i];
      const Value& x = tensor_input(nodes[f->second.sigmoid], 0);
      const NodeId in[] = {x.id};
      emit(nodes[i], graph::Activation{f->second.kind}, in, x.rank, x.pooled);
      current_ = nullptr;
      continue;
    }
    import_node(nodes[i]);
  }
  add_outputs(true);
  return std::move(g_);
}

}  // namespace hwnas::io::detail

// Builds small ONNX models with the protobuf API for the io tests: one float input "x"
// [N, C, H, W], initialisers filled with zeros (or given values), nodes with attributes.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hwnas::testing {

class OnnxBuilder {
 public:
  explicit OnnxBuilder(std::vector<std::int64_t> input = {1, 3, 8, 8}, int opset = 13) {
    model.set_ir_version(7);
    model.set_producer_name("hwnas-test");
    auto* o = model.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    graph().set_name("test");
    auto* in = graph().add_input();
    in->set_name("x");
    auto* t = in->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    for (const std::int64_t d : input) {
      auto* dim = t->mutable_shape()->add_dim();
      if (d > 0) dim->set_dim_value(d);
      else dim->set_dim_param("dynamic");
    }
  }
  onnx::GraphProto& graph() { return *model.mutable_graph(); }

  /// A float initialiser (zeros unless `values`).
  OnnxBuilder& init(const std::string& name, std::vector<std::int64_t> dims, std::vector<float> values = {}) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    std::int64_t n = 1;
    for (const std::int64_t d : dims) t->add_dims(d), n *= d;
    if (values.empty()) values.assign(static_cast<std::size_t>(n), 0.0f);
    for (const float v : values) t->add_float_data(v);
    return *this;
  }
  OnnxBuilder& init_ints(const std::string& name, std::vector<std::int64_t> values) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<std::int64_t>(values.size()));
    for (const std::int64_t v : values) t->add_int64_data(v);
    return *this;
  }
  onnx::NodeProto& node(const std::string& op, std::vector<std::string> inputs, std::string output,
                        std::string name = "") {
    auto* n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? "/" + op + "_" + std::to_string(graph().node_size()) : name);
    for (const std::string& i : inputs) n->add_input(i);
    n->add_output(output);
    return *n;
  }
  OnnxBuilder& output(const std::string& name) {
    auto* o = graph().add_output();
    o->set_name(name);
    o->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    o->mutable_type()->mutable_tensor_type()->mutable_shape();  // the checker wants one; its dims are left out
    return *this;
  }

  static void attr(onnx::NodeProto& n, const std::string& name, std::int64_t value) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, float value) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(value);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, const std::string& value) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(value);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, std::vector<std::int64_t> values) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (const std::int64_t v : values) a->add_ints(v);
  }

  onnx::ModelProto model;
};

}  // namespace hwnas::testing

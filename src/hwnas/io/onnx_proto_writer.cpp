#include "hwnas/io/onnx_proto_writer.h"

#include <fmt/format.h>

namespace hwnas::io::detail {

std::string GraphProtoWriter::unique(std::string base) {
  if (base.empty()) base = "node";
  std::string name = base;
  for (int k = 2; used_.contains(name); ++k) name = fmt::format("{}_{}", base, k);
  used_.insert(name);
  return name;
}

std::string GraphProtoWriter::init(const std::string& base, const std::vector<std::int64_t>& dims, float fill) {
  auto* t = graph_.add_initializer();
  t->set_name(unique(base));
  t->set_data_type(onnx::TensorProto::FLOAT);
  std::int64_t n = 1;
  for (const std::int64_t d : dims) t->add_dims(d), n *= d;
  if (fill == 0) {
    t->mutable_raw_data()->assign(static_cast<std::size_t>(n) * sizeof(float), '\0');
  } else {
    for (std::int64_t i = 0; i < n; ++i) t->add_float_data(fill);
  }
  return t->name();
}

std::string GraphProtoWriter::init_values(const std::string& base, const std::vector<std::int64_t>& dims,
                                          const std::vector<float>& values) {
  auto* t = graph_.add_initializer();
  t->set_name(unique(base));
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (const std::int64_t d : dims) t->add_dims(d);
  // raw_data is little-endian (onnx.proto), as this machine's floats.
  t->mutable_raw_data()->assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return t->name();
}

std::string GraphProtoWriter::init_floats(const std::string& base, const std::vector<float>& values) {
  auto* t = graph_.add_initializer();
  t->set_name(unique(base));
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(static_cast<std::int64_t>(values.size()));
  for (const float v : values) t->add_float_data(v);
  return t->name();
}

std::string GraphProtoWriter::init_ints(const std::string& base, const std::vector<std::int64_t>& values) {
  auto* t = graph_.add_initializer();
  t->set_name(unique(base));
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<std::int64_t>(values.size()));
  for (const std::int64_t v : values) t->add_int64_data(v);
  return t->name();
}

onnx::NodeProto& GraphProtoWriter::add(std::string_view op, std::vector<std::string> inputs, const std::string& output,
                                       const std::string& doc) {
  auto* n = graph_.add_node();
  n->set_op_type(std::string(op));
  n->set_name(output);
  for (std::string& i : inputs) n->add_input(std::move(i));
  n->add_output(output);
  if (!doc.empty()) n->set_doc_string("hwnas: " + doc);
  return *n;
}

void GraphProtoWriter::attr(onnx::NodeProto& node, const char* name, const std::vector<std::int64_t>& values) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (const std::int64_t v : values) a->add_ints(v);
}

void GraphProtoWriter::attr(onnx::NodeProto& node, const char* name, std::int64_t value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void GraphProtoWriter::attr(onnx::NodeProto& node, const char* name, float value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void GraphProtoWriter::attr(onnx::NodeProto& node, const char* name, std::string_view value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(std::string(value));
}

}  // namespace hwnas::io::detail

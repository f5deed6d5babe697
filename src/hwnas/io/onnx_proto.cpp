#include "hwnas/io/onnx_proto.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>

namespace hwnas::io::detail {

std::int64_t Constant::elements() const {
  std::int64_t n = 1;
  for (const std::int64_t d : dims) n = d > 0 && n <= std::numeric_limits<std::int64_t>::max() / d ? n * d : 0;
  return n;
}

namespace {

template <class T>
std::vector<double> raw_values(const std::string& raw, std::int64_t n) {
  std::vector<double> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, raw.data() + i * static_cast<std::int64_t>(sizeof(T)), sizeof(T));
    out[static_cast<std::size_t>(i)] = static_cast<double>(v);
  }
  return out;
}

template <class Field>
std::vector<double> field_values(const Field& field) {
  return std::vector<double>(field.begin(), field.end());
}

}  // namespace

Constant read_constant(const onnx::TensorProto& tensor, const Fail& fail) {
  Constant c;
  for (const std::int64_t d : tensor.dims()) {
    if (d < 0) fail(fmt::format("tensor '{}' has a negative dimension {}", tensor.name(), d));
    c.dims.push_back(d);
  }
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) return c;  // shape is enough
  const std::int64_t n = c.elements();
  if (n > kSmallConstant) return c;
  const std::string& raw = tensor.raw_data();
  const bool has_raw = tensor.has_raw_data();
  const auto sized = [&](std::size_t bytes) {
    if (raw.size() != bytes * static_cast<std::size_t>(n))
      fail(fmt::format("tensor '{}': raw data of {} bytes for {} elements", tensor.name(), raw.size(), n));
  };
  switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (has_raw) { sized(4); c.values = raw_values<float>(raw, n); }
      else c.values = field_values(tensor.float_data());
      break;
    case onnx::TensorProto::DOUBLE:
      if (has_raw) { sized(8); c.values = raw_values<double>(raw, n); }
      else c.values = field_values(tensor.double_data());
      break;
    case onnx::TensorProto::INT64:
      if (has_raw) { sized(8); c.values = raw_values<std::int64_t>(raw, n); }
      else c.values = field_values(tensor.int64_data());
      break;
    case onnx::TensorProto::INT32:
      if (has_raw) { sized(4); c.values = raw_values<std::int32_t>(raw, n); }
      else c.values = field_values(tensor.int32_data());
      break;
    default:
      return c;
  }
  if (static_cast<std::int64_t>(c.values->size()) != n)
    fail(fmt::format("tensor '{}': {} values for {} elements", tensor.name(), c.values->size(), n));
  return c;
}

const onnx::AttributeProto* Attributes::find(std::string_view name) const {
  for (const onnx::AttributeProto& a : node_.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

void Attributes::check_known(std::initializer_list<std::string_view> known) const {
  for (const onnx::AttributeProto& a : node_.attribute()) {
    bool ok = false;
    for (const std::string_view k : known) ok = ok || a.name() == k;
    if (!ok) {
      std::string list;
      for (const std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      fail_(fmt::format("attribute '{}' is not supported (supported: {})", a.name(),
                        list.empty() ? "none" : list));
    }
  }
}

const onnx::AttributeProto& Attributes::typed(std::string_view name,
                                              onnx::AttributeProto::AttributeType type) const {
  const onnx::AttributeProto* a = find(name);
  if (a->type() != type)
    fail_(fmt::format("attribute '{}' has type {}, expected {}", name,
                      onnx::AttributeProto::AttributeType_Name(a->type()),
                      onnx::AttributeProto::AttributeType_Name(type)));
  return *a;
}

std::int64_t Attributes::integer(std::string_view name, std::int64_t fallback) const {
  return has(name) ? typed(name, onnx::AttributeProto::INT).i() : fallback;
}

double Attributes::real(std::string_view name, double fallback) const {
  return has(name) ? typed(name, onnx::AttributeProto::FLOAT).f() : fallback;
}

std::string Attributes::text(std::string_view name, std::string_view fallback) const {
  return has(name) ? typed(name, onnx::AttributeProto::STRING).s() : std::string(fallback);
}

std::vector<std::int64_t> Attributes::ints(std::string_view name) const {
  if (!has(name)) return {};
  const auto& field = typed(name, onnx::AttributeProto::INTS).ints();
  return std::vector<std::int64_t>(field.begin(), field.end());
}

const onnx::TensorProto* Attributes::tensor(std::string_view name) const {
  return has(name) ? &typed(name, onnx::AttributeProto::TENSOR).t() : nullptr;
}

}  // namespace hwnas::io::detail

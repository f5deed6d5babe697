// Reading ONNX protobuf pieces for the importer (internal to io): constant tensors
// (initialisers, Constant nodes) and node attributes, with one-line errors through `fail`.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hwnas::io::detail {

/// A constant tensor: its dims, and its values as doubles when it holds at most
/// kSmallConstant numbers of a numeric type (weights are never read).
struct Constant {
  std::vector<std::int64_t> dims;
  std::optional<std::vector<double>> values;
  std::int64_t elements() const;
};
inline constexpr std::int64_t kSmallConstant = 64;

using Fail = std::function<void(const std::string&)>;  // throws

Constant read_constant(const onnx::TensorProto& tensor, const Fail& fail);

/// Attributes of one node: typed reads with defaults; `check_known` refuses any
/// attribute not in `known`.
class Attributes {
 public:
  Attributes(const onnx::NodeProto& node, Fail fail) : node_(node), fail_(std::move(fail)) {}
  void check_known(std::initializer_list<std::string_view> known) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  std::int64_t integer(std::string_view name, std::int64_t fallback) const;
  double real(std::string_view name, double fallback) const;
  std::string text(std::string_view name, std::string_view fallback) const;
  std::vector<std::int64_t> ints(std::string_view name) const;  // empty when absent
  const onnx::TensorProto* tensor(std::string_view name) const;

 private:
  const onnx::AttributeProto* find(std::string_view name) const;
  const onnx::AttributeProto& typed(std::string_view name, onnx::AttributeProto::AttributeType type) const;
  const onnx::NodeProto& node_;
  Fail fail_;
};

}  // namespace hwnas::io::detail

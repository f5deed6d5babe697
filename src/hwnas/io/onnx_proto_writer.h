// Writing ONNX protobuf pieces for the exporter (internal to io; onnx_export.h): value names
// made unique, initialisers, nodes and their attributes.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hwnas::io::detail {

class GraphProtoWriter {
 public:
  explicit GraphProtoWriter(onnx::GraphProto& graph) : graph_(graph) {}

  /// `base` (or "node" when empty), else base_2, base_3, ...: a name no value has yet.
  std::string unique(std::string base);
  /// A float initialiser named after `base` with `dims`, every element `fill`; its name.
  std::string init(const std::string& base, const std::vector<std::int64_t>& dims, float fill = 0);
  /// A float initialiser named after `base` with `dims` and the row-major `values` (their
  /// count the product of dims); its name.
  std::string init_values(const std::string& base, const std::vector<std::int64_t>& dims,
                          const std::vector<float>& values);
  /// A float initialiser of `values` (one dimension); its name.
  std::string init_floats(const std::string& base, const std::vector<float>& values);
  /// An int64 initialiser of `values` (one dimension); its name.
  std::string init_ints(const std::string& base, const std::vector<std::int64_t>& values);
  /// A node `op` reading `inputs` and writing `output` (also its name); `doc`, when not
  /// empty, becomes its doc_string "hwnas: DOC".
  onnx::NodeProto& add(std::string_view op, std::vector<std::string> inputs, const std::string& output,
                       const std::string& doc = {});

  static void attr(onnx::NodeProto& node, const char* name, const std::vector<std::int64_t>& values);
  static void attr(onnx::NodeProto& node, const char* name, std::int64_t value);
  static void attr(onnx::NodeProto& node, const char* name, float value);
  static void attr(onnx::NodeProto& node, const char* name, std::string_view value);

 private:
  onnx::GraphProto& graph_;
  std::set<std::string, std::less<>> used_;
};

}  // namespace hwnas::io::detail

// The importer behind import_onnx (internal to io): the value table, the patterns found
// before the walk, and one handler per ONNX operator (onnx_import_ops.cpp).
#pragma once

#include <onnx/onnx_pb.h>

#include <array>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/io/onnx_import.h"
#include "hwnas/io/onnx_proto.h"

namespace hwnas::io::detail {

/// Doc string of the helper nodes onnx_export adds for the ONNX ranks (views of a tensor
/// the IR has no node for): the importer passes their input through.
inline constexpr std::string_view kViewDoc = "hwnas: view";
/// Doc string of a BatchNormalization exported from a BN without affine parameters.
inline constexpr std::string_view kNoAffineDoc = "hwnas: affine=false";
/// onnx_export writes a node's doc_string as "hwnas: " and "; "-separated tokens: view,
/// affine=false, block=N (N indexes the model's metadata kBlocksMetadata, a JSON list of
/// {name, kind, spec}).
inline constexpr std::string_view kBlocksMetadata = "hwnas.blocks";
/// Whether `node`'s hwnas doc_string holds `token`; block_token reads block=N (-1 if absent).
bool has_doc_token(const onnx::NodeProto& node, std::string_view token);
int block_token(const onnx::NodeProto& node);

/// An ONNX value: a tensor of the graph (an IR node; rank 4 [N,C,H,W] or 2 [N,C]), a
/// constant, or a step of a channel shuffle.
struct Value {
  enum class Kind { tensor, constant, shuffle_split, shuffle_swapped } kind = Kind::tensor;
  graph::NodeId id = -1;
  int rank = 4;
  /// Computed from a global pool through convolutions and activations only (a
  /// squeeze-excite branch, whose convolutions have a bias of their own and no BN).
  bool pooled = false;
  Constant constant;
  std::int32_t groups = 0;  // shuffle steps
};

class Importer {
 public:
  Importer(const onnx::ModelProto& model, std::string_view source, const OnnxImportOptions& options);
  graph::Graph run();
  static std::span<const std::string_view> supported();

 private:
  using Handler = void (Importer::*)(const onnx::NodeProto&);
  struct Op {
    std::string_view type;
    Handler handler;
  };
  static const std::vector<Op>& ops();

  void find_patterns();
  void add_input();
  void add_blocks();
  /// Adds the graph outputs whose recorded position is reached (or, with `all`, every one left).
  void add_outputs(bool all);
  void import_node(const onnx::NodeProto& node);
  [[noreturn]] void fail(const std::string& message) const;
  Fail failer() const {
    return [this](const std::string& m) { fail(m); };
  }
  Attributes attributes(const onnx::NodeProto& node) const { return Attributes(node, failer()); }

  // Values
  const Value& value(const std::string& name) const;
  const Value& tensor_input(const onnx::NodeProto& node, int index) const;
  const Constant& constant_input(const onnx::NodeProto& node, int index) const;
  /// A constant input's small values (fails when it is large or not numeric).
  std::vector<double> constant_values(const onnx::NodeProto& node, int index) const;
  bool has_input(const onnx::NodeProto& node, int index) const {
    return node.input_size() > index && !node.input(index).empty();
  }
  void set(const onnx::NodeProto& node, Value v);
  /// Adds an IR node for `node` and makes it the value of its first output.
  graph::NodeId emit(const onnx::NodeProto& node, graph::Op op, std::span<const graph::NodeId> inputs,
                     int rank, bool pooled = false);
  std::string node_name(const onnx::NodeProto& node);
  /// `raw` shortened and sanitised (onnx_import.h), unique in the graph.
  std::string node_name_for(std::string_view raw);

  // Handlers (onnx_import_ops.cpp)
  void conv(const onnx::NodeProto& node);
  void batch_norm(const onnx::NodeProto& node);
  void activation(const onnx::NodeProto& node);
  void clip(const onnx::NodeProto& node);
  void hard_sigmoid(const onnx::NodeProto& node);
  void mul(const onnx::NodeProto& node);
  void add(const onnx::NodeProto& node);
  void concat(const onnx::NodeProto& node);
  void pool(const onnx::NodeProto& node);
  void global_pool(const onnx::NodeProto& node);
  void reduce_mean(const onnx::NodeProto& node);
  void flatten(const onnx::NodeProto& node);
  void reshape(const onnx::NodeProto& node);
  void transpose(const onnx::NodeProto& node);
  void gemm(const onnx::NodeProto& node);
  void matmul(const onnx::NodeProto& node);
  void dropout(const onnx::NodeProto& node);
  void identity(const onnx::NodeProto& node);
  void constant(const onnx::NodeProto& node);
  void resize(const onnx::NodeProto& node);
  /// [top, left, bottom, right] of a Conv or pool window from pads or auto_pad.
  std::array<std::int32_t, 4> window_pads(const Attributes& a, const graph::Shape& in,
                                          std::array<std::int64_t, 2> kernel,
                                          std::array<std::int64_t, 2> stride,
                                          std::array<std::int64_t, 2> dilation) const;
  std::int32_t to_int32(std::int64_t v, std::string_view what) const;

  const onnx::ModelProto& model_;
  std::string source_;
  OnnxImportOptions options_;
  graph::Graph g_;
  std::map<std::string, Value, std::less<>> values_;
  std::map<std::string, int, std::less<>> consumers_;
  std::set<int> absorbed_;                 // nodes a pattern replaced (skipped in the walk)
  struct Fused {
    graph::ActKind kind;
    int sigmoid;  // the node whose input is x
  };
  std::map<int, Fused> fused_;             // Mul nodes that are SiLU or hardswish
  std::map<int, int> matmul_bias_;         // MatMul node -> the Add that is its bias
  std::set<std::string, std::less<>> names_;
  std::set<int> outputs_added_;
  bool unfold_bn_ = false;  // options_.unfold_batch_norm and the file has no BatchNormalization
  const onnx::NodeProto* current_ = nullptr;
  int current_index_ = -1;
};

}  // namespace hwnas::io::detail

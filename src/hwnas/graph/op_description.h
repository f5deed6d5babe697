// The per-op description behind op_schema.h (internal to graph): one `describe<T>()`
// specialisation per alternative of `Op`, in ops_conv.cpp, ops_tensor.cpp and
// ops_resize.cpp. Attribute keys and defaults are written once, in each description's
// AttrSpec table; AttrReader and AttrWriter read and write model-file values through them.
#pragma once

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>
#include <string_view>

#include "hwnas/base/error.h"
#include "hwnas/graph/model_reader.h"
#include "hwnas/graph/op_schema.h"

namespace hwnas::graph::detail {

/// Typed reads of one layer's attributes, each through its AttrSpec (key, default, range).
class AttrReader {
 public:
  /// `node`: the node's name, for errors that name it.
  AttrReader(LayerReader& reader, std::string_view node) : r_(reader), node_(node) {}
  std::string_view node() const { return node_; }
  bool has(const AttrSpec& a) { return r_.has(std::string(a.key)); }
  std::int32_t integer(const AttrSpec& a);
  std::pair<std::int32_t, std::int32_t> pair(const AttrSpec& a);
  /// [top, left, bottom, right] from p, [ph, pw] or [t, l, b, r]; `fallback` when absent.
  std::array<std::int32_t, 4> padding(const AttrSpec& a, std::array<std::int32_t, 4> fallback);
  bool boolean(const AttrSpec& a);
  double real(const AttrSpec& a);
  /// Index into a.choices; `fallback` (an index) when absent.
  std::size_t choice(const AttrSpec& a, std::size_t fallback);
  std::vector<std::int32_t> ints(const AttrSpec& a);
  [[noreturn]] void fail(const std::string& message) const { r_.fail(message); }

 private:
  LayerReader& r_;
  std::string_view node_;
};

/// Writes attributes into an op's JSON object: values equal to the default are omitted
/// unless the spec says `written_always`; pairs and paddings in their shortest form.
class AttrWriter {
 public:
  explicit AttrWriter(nlohmann::ordered_json& out) : out_(out) {}
  void integer(const AttrSpec& a, std::int32_t value);
  void pair(const AttrSpec& a, std::int32_t h, std::int32_t w);
  void padding(const AttrSpec& a, std::int32_t top, std::int32_t left, std::int32_t bottom,
               std::int32_t right);
  void boolean(const AttrSpec& a, bool value);
  void real(const AttrSpec& a, double value);
  /// Written unless it is choice `fallback` (and the spec is not written_always).
  void choice(const AttrSpec& a, std::size_t value, std::size_t fallback);
  void ints(const AttrSpec& a, std::span<const std::int32_t> values);

 private:
  nlohmann::ordered_json& out_;
};

/// What a shape function sees: its op's inputs, and errors naming the node and op.
class ShapeContext {
 public:
  ShapeContext(const Op& op, std::span<const Shape> inputs, std::string_view node)
      : op_(op), inputs_(inputs), node_(node) {}

  [[noreturn]] void fail_text(const std::string& message) const;
  template <class... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
    fail_text(fmt::format(format, std::forward<Args>(args)...));
  }
  void expect_positive(std::int32_t value, std::string_view what) const {
    if (value <= 0) fail("{} must be positive, got {}", what, value);
  }
  void expect_non_negative(std::int32_t value, std::string_view what) const {
    if (value < 0) fail("{} must not be negative, got {}", what, value);
  }
  const Shape& in(std::size_t i = 0) const { return inputs_[i]; }
  std::span<const Shape> all() const { return inputs_; }

  /// One axis of a convolution or pooling window (window_output_size); fails naming the
  /// axis when no window fits or the output exceeds int32. `ceil_mode` only for pooling.
  std::int32_t window(std::int32_t in, std::int32_t kernel, std::int32_t stride,
                      std::int32_t pad_begin, std::int32_t pad_end, std::int32_t dilation,
                      bool ceil_mode, std::string_view axis) const;
  /// A dimension computed in int64 (a sum of channels, a scaled height) as an int32.
  std::int32_t dimension(std::int64_t value, std::string_view what) const;

 private:
  const Op& op_;
  std::span<const Shape> inputs_;
  std::string_view node_;
};

/// Counts of one op for one sample from its shapes (nullptr in a description: 0).
template <class T>
using CountFn = std::int64_t (*)(const T&, std::span<const Shape> inputs, const Shape& output);

template <class T>
struct Description {
  OpSchema schema;
  /// The model-file name of this op (one of schema.names).
  std::string_view (*name)(const T&);
  /// Reads the op from a layer whose op name is `name` (one of schema.names).
  T (*read)(std::string_view name, AttrReader&);
  void (*write)(const T&, AttrWriter&);
  /// Output shape; the number of inputs was checked against the schema already.
  Shape (*shape)(const T&, const ShapeContext&);
  CountFn<T> macs = nullptr;
  CountFn<T> params = nullptr;
};

/// Defined once per alternative of `Op`: a missing one is a link error naming it.
template <class T>
const Description<T>& describe();

/// Reads the primitive op `name` (op_index_by_name(name) must be set) of node `node`.
Op read_op(std::string_view name, LayerReader& reader, std::string_view node);

}  // namespace hwnas::graph::detail

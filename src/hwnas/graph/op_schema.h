// One declarative description per op of the IR (ops.h): its model-file names, how many
// inputs it takes, its attributes (key, type, default, range, the ONNX attribute it maps
// to), its shape function and its MAC and parameter counts. The model reader and writer
// (model_layers.cpp, op_json.cpp), shape inference (infer_shape.cpp) and analysis
// (analysis.cpp) all read it, and docs/model-format.md lists what it says.
//
// Adding an op: add the struct to ops.h and `Op`, and its description (a
// `detail::describe<T>()` specialisation, op_description.h) to ops_conv.cpp,
// ops_tensor.cpp or ops_resize.cpp. Without the description the build fails: op_schema.cpp uses
// describe<T>() for every alternative of `Op`, and linking names the missing one. Every
// std::visit over `Op` in hwnas lists each alternative (no catch-all), so the compiler
// also names each place that must handle the new op; tests/graph/op_schema_test.cpp
// fails until the op is in its every-op model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"

namespace hwnas::graph {

enum class AttrType : std::uint8_t {
  integer,  // one integer in [min, max]
  pair,     // an integer or a [height, width] pair, each in [min, max]
  padding,  // an integer, [height, width] or [top, left, bottom, right], each >= 0
  boolean,  // true or false
  real,     // a number in [min, max]
  choice,   // one of `choices`
  ints,     // a list of `count` positive integers
};

/// One attribute as model files spell it.
struct AttrSpec {
  std::string_view key;
  AttrType type = AttrType::integer;
  /// Required: no default; the file must give it.
  bool required = false;
  /// Default of integer, pair, padding, boolean (0/1) and real attributes.
  double fallback = 0;
  /// Default of a choice; for a default computed from other attributes, its rule in words
  /// (e.g. "same: dilation·(kernel − 1) / 2"), which docs show instead of `fallback`.
  std::string_view fallback_words = {};
  double min = 0, max = std::numeric_limits<std::int32_t>::max();
  std::span<const std::string_view> choices = {};
  std::size_t count = 0;  // ints only
  /// Written by model_to_yaml / op_params_json even when equal to the default (kernel keys
  /// of measurement stores contain op_params_json: these were always written).
  bool written_always = false;
  /// The ONNX attribute or input it maps to.
  std::string_view onnx = {};
  std::string_view meaning = {};
};

inline constexpr std::size_t kAnyInputs = std::numeric_limits<std::size_t>::max();

/// What one alternative of `Op` is.
struct OpSchema {
  /// Model-file op names that read as this alternative; an op's `op_name` is one of them.
  std::span<const std::string_view> names;
  std::size_t min_inputs = 1, max_inputs = 1;  // max kAnyInputs: no upper bound
  std::span<const AttrSpec> attributes;
  std::string_view onnx;  // the ONNX operator(s) it corresponds to
  std::string_view summary;
};

/// The description of alternative `index` of `Op` (index < std::variant_size_v<Op>).
const OpSchema& op_schema(std::size_t index);
const OpSchema& op_schema(const Op& op);

/// The alternative of `Op` the model-file op name `name` reads as, or nullopt.
std::optional<std::size_t> op_index_by_name(std::string_view name);
/// Every model-file name of a primitive op, sorted.
std::vector<std::string_view> primitive_op_names();

/// The default of `attr` as docs and errors spell it ("1", "true", "nearest", "required").
std::string attr_default_words(const AttrSpec& attr);

/// MACs and parameters of `op` for one sample, given its input and output shapes (the
/// conventions of analysis.h). Exact for shapes infer_shape accepted.
std::int64_t op_macs(const Op& op, std::span<const Shape> inputs, const Shape& output);
std::int64_t op_params(const Op& op, std::span<const Shape> inputs, const Shape& output);

}  // namespace hwnas::graph

#include "hwnas/graph/block_spec_file.h"

#include <fmt/format.h>

#include "hwnas/base/error.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/graph/model_reader.h"
#include "hwnas/graph/op_json.h"
#include "hwnas/graph/op_schema.h"
#include "hwnas/graph/overloaded.h"
#include "hwnas/graph/rewrite.h"

namespace hwnas::graph {
namespace {

using detail::LayerReader;
using Json = nlohmann::ordered_json;

// Each spec's fields, in the order files write them; `f(key, field)` reads or writes one.
template <class F> void fields(ConvBnActSpec& s, F&& f) {
  f("out", s.out), f("kernel", s.kernel), f("stride", s.stride), f("groups", s.groups), f("dilation", s.dilation);
  f("act", s.act), f("bias", s.bias), f("bn", s.bn), f("padding", s.padding), f("bn_epsilon", s.bn_epsilon);
}
template <class F> void fields(SqueezeExciteSpec& s, F&& f) { f("squeeze", s.squeeze), f("act", s.act), f("gate", s.gate); }
template <class S, class F> void ibn_fields(S& s, F&& f) {
  f("out", s.out), f("expanded", s.expanded), f("kernel", s.kernel), f("stride", s.stride), f("dilation", s.dilation);
  f("act", s.act), f("se", s.se), f("residual", s.residual), f("bn_epsilon", s.bn_epsilon);
}
template <class F> void fields(IbnSpec& s, F&& f) { ibn_fields(s, f); }
template <class F> void fields(FusedIbnSpec& s, F&& f) { ibn_fields(s, f); }
template <class F> void fields(ResNetSpec& s, F&& f) { f("planes", s.planes), f("stride", s.stride); }
template <class F> void fields(Nb201CellSpec& s, F&& f) { f("edges", s.edges); }
template <class F> void fields(Nb201ReductionSpec& s, F&& f) { f("out", s.out); }
template <class F> void fields(FbnetSpec& s, F&& f) {
  f("kernel", s.kernel), f("expansion", s.expansion), f("groups", s.groups), f("out", s.out), f("stride", s.stride);
}
template <class F> void fields(ClassifierHeadSpec& s, F&& f) {
  f("classes", s.classes), f("hidden", s.hidden), f("hidden_act", s.hidden_act), f("dropout_percent", s.dropout_percent);
}
template <class F> void fields(LrasppHeadSpec& s, F&& f) {
  f("classes", s.classes), f("inter_channels", s.inter_channels), f("output_size", s.output_size);
}
template <class F> void fields(PredictionHeadSpec& s, F&& f) { f("out", s.out); }
template <class F> void fields(SsdLiteExtraSpec& s, F&& f) { f("out", s.out); }
template <class F> void fields(BnActSpec& s, F&& f) { f("act", s.act); }
template <class F> void fields(std::monostate&, F&&) {}

struct Writer {
  Json& out;
  void operator()(const char* key, std::int32_t v) {
    if (std::string_view(key) != "padding" || v >= 0) out[key] = v;  // padding -1: "same"
  }
  void operator()(const char* key, bool v) { out[key] = v; }
  void operator()(const char* key, double v) { out[key] = v; }
  void operator()(const char* key, ActKind v) { out[key] = std::string(act_name(v)); }
  void operator()(const char* key, const std::optional<ActKind>& v) {
    out[key] = v ? std::string(act_name(*v)) : std::string("none");
  }
  void operator()(const char* key, std::optional<SqueezeExciteSpec> v) {
    if (!v) return;
    Json se = Json::object();
    fields(*v, Writer{se});
    out[key] = std::move(se);
  }
  void operator()(const char* key, const std::array<std::uint8_t, 6>& v) {
    out[key] = Json::array();
    for (std::uint8_t e : v) out[key].push_back(e);
  }
};

// Zero is allowed where a spec means "none" by it; every other count is positive.
bool may_be_zero(std::string_view key) {
  return key == "hidden" || key == "dropout_percent" || key == "expansion" || key == "output_size";
}

struct Reader {
  LayerReader& r;
  const YAML::Node& node;  // r's mapping
  const std::string& source;
  bool fbnet = false;  // the skip block's kernel is 0
  void operator()(const char* key, std::int32_t& v) {
    if (std::string_view(key) == "padding") {
      if (r.has(key)) v = r.non_negative(key, 0);
    } else if (may_be_zero(key) || (fbnet && std::string_view(key) == "kernel")) {
      v = r.non_negative(key, v);
    } else {
      v = r.positive(key, v);
    }
  }
  void operator()(const char* key, bool& v) { v = r.boolean(key, v); }
  void operator()(const char* key, double& v) { v = r.number(key, v, 0.0, 1.0); }
  void operator()(const char* key, ActKind& v) {
    const auto act = r.activation(key, v);
    if (!act) r.fail(fmt::format("{} cannot be none", key));
    v = *act;
  }
  void operator()(const char* key, std::optional<ActKind>& v) { v = r.activation(key, v); }
  void operator()(const char* key, std::optional<SqueezeExciteSpec>& v) {
    if (!r.has(key)) return;
    const YAML::Node value = node[key];
    if (!value.IsMap()) r.fail_at(value, fmt::format("{} must be a mapping {{squeeze, act, gate}}", key));
    LayerReader inner(value, source, r.what() + " " + key);
    SqueezeExciteSpec se;
    fields(se, Reader{inner, value, source});
    inner.finish();
    v = se;
  }
  void operator()(const char* key, std::array<std::uint8_t, 6>& v) {
    if (!r.has(key)) return;
    const YAML::Node list = node[key];
    if (!list.IsSequence() || list.size() != v.size())
      r.fail_at(list, fmt::format("{} must be a list of 6 operation indices (0 to 4)", key));
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::int64_t e = 0;
      if (read_integer(list[i], 0, 4, e) != NumberProblem::none)
        r.fail_at(list[i], fmt::format("{} must be a list of 6 operation indices (0 to 4), got {}", key,
                                       value_words(list[i])));
      v[i] = static_cast<std::uint8_t>(e);
    }
  }
};

// One default-constructed spec of each alternative, to look types up by name.
template <std::size_t... I>
std::array<BlockSpec, sizeof...(I)> all_specs(std::index_sequence<I...>) {
  return {BlockSpec(std::in_place_index<I>)...};
}
const auto& specs() {
  static const auto all = all_specs(std::make_index_sequence<std::variant_size_v<BlockSpec>>());
  return all;
}

}  // namespace

Json block_spec_json(const BlockSpec& spec) {
  if (std::holds_alternative<std::monostate>(spec)) return nullptr;
  Json all = Json::object(), defaults = Json::object();
  BlockSpec copy = spec;
  std::visit(
      [&](auto& s) {
        fields(s, Writer{all});
        std::remove_reference_t<decltype(s)> fresh{};
        fields(fresh, Writer{defaults});
      },
      copy);
  // Fields at their defaults are left out, as the reader restores them.
  Json out = {{"type", std::string(block_spec_name(spec))}};
  for (const auto& [key, value] : all.items())
    if (!defaults.contains(key) || defaults[key] != value) out[key] = value;
  return out;
}

BlockSpec read_block_spec(const YAML::Node& node, const std::string& source, const std::string& block, BlockKind kind) {
  LayerReader r(node, source, fmt::format("block '{}' spec", block));
  if (!node.IsMap()) r.fail("must be a mapping with a 'type' and the type's fields (docs/model-format.md)");
  const std::string type = r.text("type");
  std::string fitting;
  BlockSpec spec;
  for (const BlockSpec& s : specs()) {
    if (std::holds_alternative<std::monostate>(s) || !spec_fits(kind, s)) continue;
    fitting += (fitting.empty() ? "" : ", ") + std::string(block_spec_name(s));
    if (block_spec_name(s) == type) spec = s;
  }
  if (std::holds_alternative<std::monostate>(spec))
    r.fail_at(node["type"], fmt::format("type '{}' does not describe a {} block; use {}", type, block_kind_name(kind),
                                        fitting));
  std::visit([&](auto& s) { fields(s, Reader{r, node, source, std::holds_alternative<FbnetSpec>(spec)}); }, spec);
  r.finish();
  return spec;
}

namespace {

/// How the file's `have` differs from the spec's `want` at one node: "its op is relu (the
/// spec builds relu6)" or "kernel is 5 (the spec builds 3), groups is 1 (the spec builds 8)".
std::string node_difference(const Op& want, const Op& have) {
  if (want.index() != have.index() || op_name(want) != op_name(have))
    return fmt::format("its op is {} (the spec builds {})", op_name(have), op_name(want));
  const Json a = op_params_json(have), b = op_params_json(want);
  std::string out;
  for (const AttrSpec& attr : op_schema(have).attributes) {
    const std::string key(attr.key);
    const std::string va = a.contains(key) ? a[key].dump() : attr_default_words(attr);
    const std::string vb = b.contains(key) ? b[key].dump() : attr_default_words(attr);
    if (va != vb) out += fmt::format("{}{} is {} (the spec builds {})", out.empty() ? "" : ", ", key, va, vb);
  }
  return out.empty() ? "its attributes differ" : out;
}

}  // namespace

namespace detail {

std::string spec_mismatch(const Graph& g, const ConsumerIndex& readers, BlockId block) {
  if (!why_not_rebuildable(g, block).empty()) return {};
  const BlockSite site = block_site(g, readers, block);
  if (!site.why_not.empty() || site.inputs.size() != 1) return {};
  Graph built;
  const Shape in = g.shape(site.inputs[0]);
  const NodeId x = built.add("in", Input{in.c, in.h, in.w}, {});
  NodeId out = -1;
  try {
    out = rebuild_block(built, g, block, std::vector<NodeId>{x});
  } catch (const UserError& e) {
    return fmt::format("it cannot be built on the block's input {}: {}", to_string(in), e.what());
  }
  // Node k of the rebuilt block stands for node site.begin + k - 1 of the graph.
  const auto to_graph = [&](NodeId id) { return id == x ? site.inputs[0] : site.begin + id - 1; };
  const NodeId count = site.end - site.begin;
  for (NodeId k = 1; k <= std::min<NodeId>(count, built.size() - 1); ++k) {
    const NodeId at = site.begin + k - 1;
    const auto want = built.inputs(k), have = g.inputs(at);
    bool same_inputs = want.size() == have.size();
    for (std::size_t i = 0; same_inputs && i < want.size(); ++i) same_inputs = to_graph(want[i]) == have[i];
    if (!(built.op(k) == g.op(at)))
      return fmt::format("node '{}' is not what the spec builds there: {}", g.node_name(at),
                         node_difference(built.op(k), g.op(at)));
    if (!same_inputs)
      return fmt::format("node '{}' is not what the spec builds there: its inputs differ", g.node_name(at));
  }
  const NodeId made = built.size() - 1;
  if (made < count)
    return fmt::format("the spec builds {} nodes, the block has {}: it ends before '{}' ({})", made, count,
                       g.node_name(site.begin + made), op_name(g.op(site.begin + made)));
  if (made > count)
    return fmt::format("the spec builds {} nodes, the block has {}: the block lacks the spec's '{}' ({})", made,
                       count, built.node_name(count + 1), op_name(built.op(count + 1)));
  if (to_graph(out) != site.outputs[0])
    return fmt::format("the spec's output is '{}', the block's is '{}'", g.node_name(to_graph(out)),
                       g.node_name(site.outputs[0]));
  return {};
}

}  // namespace detail
}  // namespace hwnas::graph

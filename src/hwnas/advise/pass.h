// Rewrite passes: pure functions Graph -> Graph applied at one site, each recording what it
// changed, as Arm's Vela records its graph rewrites (docs/rewrites.md). The advisor (issue
// 12 §2) tries every pass at every eligible site (`try_pass`) and ranks the results.
//
// A pass never edits its input: it returns a new graph (built with graph/rewrite.h), whose
// shapes Graph::add inferred again, or says in one line why the site is not eligible
// ("block 'features.3' (ibn): expanded 144 is already a multiple of 16").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"

namespace hwnas::advise {

/// No node: a Site that is a block or the whole graph.
inline constexpr graph::NodeId kNoNode = -1;

/// The kinds of site: a block; the whole graph (resolution and channel-multiplier
/// scaling); a layer, one node outside every block (models imported from ONNX where no
/// block was recognised, docs/rewrites.md#layer-sites).
enum class SiteKind : std::uint8_t { block, graph, layer };

/// Where a pass applies: block `block`; or layer `node` (a node whose block is kNoBlock;
/// block is then kNoBlock); or, with neither, the whole graph.
struct Site {
  graph::BlockId block = graph::kNoBlock;
  graph::NodeId node = kNoNode;
  bool operator==(const Site&) const = default;
};
SiteKind site_kind(const Site& site);
/// "features.2" (a block), "Relu_12" (a layer: the node's name), or "graph".
std::string site_name(const graph::Graph& graph, const Site& site);

/// A node in both graphs (same name) whose op, output shape or input shapes differ; e.g. a
/// 1x1 projection that reads more channels has the same op and output shape but more
/// weights (`inputs_changed`).
struct NodeChange {
  std::string node;
  graph::Shape before, after;  // its output shape
  bool op_changed = false;
  bool inputs_changed = false;  // the shapes of the values it reads differ (count or shape)
  std::vector<graph::Shape> inputs_before, inputs_after;  // filled when inputs_changed
};

/// What one application changed (docs/rewrites.md#records).
struct RewriteRecord {
  std::string rule;                  // the pass's name, e.g. "ibn_to_fused"
  std::string site;                  // site_name()
  std::string kind;                  // the site block's kind ("ibn"), "layer", or "" for the graph
  std::string what;                  // one line: "ibn 16->96->24 k3 s2 into fused_ibn (3x3 conv 16->96)"
  std::vector<std::string> removed;  // node names only in the graph before, in its order
  std::vector<std::string> added;    // node names only in the graph after, in its order
  std::vector<NodeChange> changed;   // nodes in both whose op or shape differ
  /// Whole-graph totals before and after (analysis.h conventions, per sample).
  std::int64_t macs_before = 0, macs_after = 0;
  std::int64_t params_before = 0, params_after = 0;
};

/// One application: the new graph and its record, or why the site is not eligible.
struct PassResult {
  std::optional<graph::Graph> graph;
  RewriteRecord record;
  std::string why_not;  // empty iff graph holds a value
};

/// A pass's parameters by key, as the user wrote them (--param k=v); `resolve_params`
/// fills in the defaults and refuses unknown keys.
using Params = std::map<std::string, std::string, std::less<>>;

struct ParamInfo {
  std::string_view key;
  std::string_view default_value;
  std::string_view help;
};

struct Pass {
  std::string_view name;         // "ibn_to_fused"
  std::string_view description;  // "rewrite IBN into fused IBN"
  SiteKind sites = SiteKind::block;  // block or graph
  std::vector<ParamInfo> params;
  /// Applies the pass at `site` with resolved params; never throws for an ineligible site
  /// (says why_not instead); UserError for a bad parameter value, naming the key.
  std::function<PassResult(const graph::Graph&, const Site&, const Params&)> apply;
  /// Layer sites: which loose nodes (outside every block) the pass takes besides blocks,
  /// by op (e.g. activations); empty: none. try_pass lists the loose nodes it accepts;
  /// find_site finds any loose node by name and the pass says why_not for another op.
  std::function<bool(const graph::Op&)> layers;
};

/// Every pass, in the order docs/rewrites.md describes them.
const std::vector<Pass>& passes();
/// The pass called `name`; UserError "--pass 'x': no such pass; choose one of ...".
const Pass& find_pass(std::string_view name);
/// `given` with every missing key at its default; UserError naming an unknown key and the
/// pass's keys.
Params resolve_params(const Pass& pass, const Params& given);
/// Parses "k=v" into `params`; UserError for a malformed or repeated key.
void add_param(Params& params, std::string_view key_value);

/// The site of block `name`, or, when no block has that name and the pass takes layers,
/// of the loose node `name` (a whole-graph pass: "graph"); UserError naming the site and
/// pointing to the listing of eligible sites (or to its block, for a node inside one).
Site find_site(const graph::Graph& graph, const Pass& pass, std::string_view name);

/// The pass applied at `site` with resolved `params`; the record names rule, site and kind
/// whether or not the site is eligible. InternalError for a site of a kind the pass does
/// not take (a block for a graph pass, a layer for a pass without `layers`, a node in a block).
PassResult apply_pass(const graph::Graph& graph, const Pass& pass, const Site& site, const Params& params);

/// The pass applied at every candidate site with resolved `params`: every block in block
/// order, then (for a pass with `layers`) every loose node it takes in graph order; or the
/// graph. Eligible sites have a graph, the others their why_not.
std::vector<PassResult> try_pass(const graph::Graph& graph, const Pass& pass, const Params& params);

}  // namespace hwnas::advise

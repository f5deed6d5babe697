#include "hwnas/advise/pass.h"

#include <fmt/format.h>

#include "hwnas/advise/passes/passes.h"
#include "hwnas/base/error.h"

namespace hwnas::advise {

SiteKind site_kind(const Site& site) {
  if (site.node != kNoNode) return SiteKind::layer;
  return site.block == graph::kNoBlock ? SiteKind::graph : SiteKind::block;
}

std::string site_name(const graph::Graph& g, const Site& site) {
  switch (site_kind(site)) {
    case SiteKind::block: return std::string(g.block_name(site.block));
    case SiteKind::layer: return std::string(g.node_name(site.node));
    case SiteKind::graph: break;
  }
  return "graph";
}

const std::vector<Pass>& passes() {
  static const std::vector<Pass> all = {ibn_to_fused_pass(),    depthwise_to_full_pass(), align_channels_pass(),
                                        even_channels_pass(),   change_kernel_pass(),     remove_se_pass(),
                                        move_se_pass(),         swap_activation_pass(),   scale_resolution_pass(),
                                        scale_channels_pass()};
  return all;
}

const Pass& find_pass(std::string_view name) {
  std::string names;
  for (const Pass& p : passes()) {
    if (p.name == name) return p;
    names += fmt::format("{}{}", names.empty() ? "" : ", ", p.name);
  }
  throw UserError(fmt::format("--pass '{}': no such pass; choose one of {}", name, names));
}

Params resolve_params(const Pass& pass, const Params& given) {
  Params out;
  for (const ParamInfo& info : pass.params) out.emplace(info.key, info.default_value);
  for (const auto& [key, value] : given) {
    if (!out.contains(key)) {
      std::string keys;
      for (const ParamInfo& info : pass.params) keys += fmt::format("{}{}", keys.empty() ? "" : ", ", info.key);
      throw UserError(fmt::format("--param {}: pass '{}' has no parameter '{}'; {}", key, pass.name, key,
                                  keys.empty() ? "it takes none" : "its parameters are " + keys));
    }
    out[key] = value;
  }
  return out;
}

void add_param(Params& params, std::string_view key_value) {
  const auto eq = key_value.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw UserError(fmt::format("--param '{}': write KEY=VALUE, e.g. --param p=16", key_value));
  const std::string key(key_value.substr(0, eq));
  const auto [at, added] = params.emplace(key, std::string(key_value.substr(eq + 1)));
  if (!added)
    throw UserError(fmt::format("--param {}: given twice (as {}={} and {}); give it once", key, key, at->second,
                                key_value));
}

Site find_site(const graph::Graph& g, const Pass& pass, std::string_view name) {
  if (pass.sites == SiteKind::graph) {
    if (name == "graph") return Site{};
    throw UserError(fmt::format("--site '{}': pass '{}' applies to the whole graph; leave out --site or write "
                                "--site graph",
                                name, pass.name));
  }
  for (graph::BlockId b = 0; b < g.num_blocks(); ++b)
    if (g.block_name(b) == name) return Site{b};
  const graph::NodeId node = g.find(name);
  if (node >= 0 && pass.layers) {
    if (const graph::BlockId b = g.node(node).block; b != graph::kNoBlock)
      throw UserError(fmt::format("--site '{}': that node is in block '{}'; give the block (--site {})", name,
                                  g.block_name(b), g.block_name(b)));
    return Site{graph::kNoBlock, node};
  }
  if (node >= 0)
    throw UserError(fmt::format("--site '{}': a node, but pass '{}' applies to blocks only; leave out --site to "
                                "list its eligible sites",
                                name, pass.name));
  throw UserError(fmt::format("--site '{}': model '{}' has no {} of that name; leave out --site to list the "
                              "eligible sites of '{}'",
                              name, g.name(), pass.layers ? "block or node" : "block", pass.name));
}

PassResult apply_pass(const graph::Graph& g, const Pass& pass, const Site& site, const Params& params) {
  const SiteKind kind = site_kind(site);
  HWNAS_CHECK(kind == SiteKind::layer ? pass.layers && site.block == graph::kNoBlock && site.node < g.size() &&
                                            g.node(site.node).block == graph::kNoBlock
                                      : kind == pass.sites && site.block < g.num_blocks());
  PassResult r = pass.apply(g, site, params);
  r.record.rule = pass.name;
  r.record.site = site_name(g, site);
  r.record.kind = kind == SiteKind::block   ? std::string(graph::block_kind_name(g.block(site.block).kind))
                  : kind == SiteKind::layer ? "layer"
                                            : "";
  return r;
}

std::vector<PassResult> try_pass(const graph::Graph& g, const Pass& pass, const Params& params) {
  std::vector<PassResult> out;
  if (pass.sites == SiteKind::graph) {
    out.push_back(apply_pass(g, pass, Site{}, params));
    return out;
  }
  for (graph::BlockId b = 0; b < g.num_blocks(); ++b) out.push_back(apply_pass(g, pass, Site{b}, params));
  if (pass.layers)
    for (graph::NodeId id = 0; id < g.size(); ++id)
      if (g.node(id).block == graph::kNoBlock && pass.layers(g.op(id)))
        out.push_back(apply_pass(g, pass, Site{graph::kNoBlock, id}, params));
  return out;
}

}  // namespace hwnas::advise

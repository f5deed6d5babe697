#include "hwnas/io/block_recognition.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/graph/blocks.h"

namespace hwnas::io {
namespace {

using namespace graph;  // NOLINT: this file speaks the IR

struct Candidate {
  BlockKind kind;
  BlockSpec spec;
  std::function<void(Graph&, NodeId)> build;  // builds the block on the scratch input
};

/// A block found: graph nodes [start, start + size), and each node's inputs in the builder's order.
struct Found {
  BlockKind kind = BlockKind::conv_bn_act;
  BlockSpec spec;
  NodeId start = 0;
  std::vector<std::vector<NodeId>> inputs;
};

const Conv2d* conv_at(const Graph& g, NodeId id) {
  return id < g.size() ? std::get_if<Conv2d>(&g.op(id)) : nullptr;
}

/// conv → BN → [act] at `id`: the act kind (nullopt: none) and the length, or 0 if not.
int unit(const Graph& g, NodeId id, std::optional<ActKind>& act, double& epsilon) {
  const Conv2d* c = conv_at(g, id);
  if (c == nullptr || c->bias || id + 1 >= g.size()) return 0;
  const auto* bn = std::get_if<BatchNorm>(&g.op(id + 1));
  if (bn == nullptr || g.inputs(id + 1)[0] != id) return 0;
  epsilon = bn->epsilon;
  act.reset();
  if (id + 2 < g.size())
    if (const auto* a = std::get_if<Activation>(&g.op(id + 2)); a != nullptr && g.inputs(id + 2)[0] == id + 1) {
      act = a->kind;
      return 3;
    }
  return 2;
}

/// Squeeze-excite at `id` (pool, fc1, act, fc2, gate, mul): its spec, or nullopt.
std::optional<SqueezeExciteSpec> se_at(const Graph& g, NodeId id) {
  if (id + 5 >= g.size() || !std::holds_alternative<GlobalPool>(g.op(id))) return std::nullopt;
  const Conv2d* fc1 = conv_at(g, id + 1);
  const auto* act = std::get_if<Activation>(&g.op(id + 2));
  const auto* gate = std::get_if<Activation>(&g.op(id + 4));
  if (fc1 == nullptr || act == nullptr || conv_at(g, id + 3) == nullptr || gate == nullptr ||
      !std::holds_alternative<Mul>(g.op(id + 5)))
    return std::nullopt;
  return SqueezeExciteSpec{fc1->out_channels, act->kind, gate->kind};
}

std::vector<Candidate> candidates(const Graph& g, NodeId s) {
  std::vector<Candidate> out;
  if (const auto* pool = std::get_if<GlobalPool>(&g.op(s)); pool != nullptr && pool->kind == PoolKind::avg) {
    for (NodeId id = s + 1; id < g.size(); ++id)
      if (const auto* l = std::get_if<Linear>(&g.op(id))) {
        ClassifierHeadSpec head{.classes = l->out_features};
        if (const auto* a = id + 1 < g.size() ? std::get_if<Activation>(&g.op(id + 1)) : nullptr)
          for (NodeId j = id + 2; j < g.size(); ++j)
            if (const auto* l2 = std::get_if<Linear>(&g.op(j))) {
              head = {.classes = l2->out_features, .hidden = l->out_features, .hidden_act = a->kind};
              break;
            }
        for (NodeId j = s + 1; j < g.size() && !std::holds_alternative<Output>(g.op(j)); ++j)
          if (const auto* d = std::get_if<Dropout>(&g.op(j))) {
            head.dropout_percent = d->rate_percent;
            break;
          }
        out.push_back({BlockKind::head, head, [head](Graph& b, NodeId x) { classifier(b, x, head, "b"); }});
        break;
      }
    return out;
  }
  const Conv2d* c = conv_at(g, s);
  if (c == nullptr) return out;
  const std::int32_t cin = g.shape(g.inputs(s)[0]).c;
  std::optional<ActKind> act;
  double eps = kDefaultBatchNormEpsilon;
  const int n = unit(g, s, act, eps);
  if (n == 0) return out;
  const auto tail = [&](NodeId at, IbnSpec spec, BlockKind kind) {  // [SE] → project, both residual forms
    if (auto se = se_at(g, at)) spec.se = se, at += 6;
    std::optional<ActKind> none;
    double e = 0;
    if (unit(g, at, none, e) != 2 || conv_at(g, at)->kernel_h != 1) return;
    spec.out = conv_at(g, at)->out_channels;
    for (const bool residual : {true, false}) {
      spec.residual = residual;
      if (kind == BlockKind::ibn) {
        out.push_back({kind, spec, [spec](Graph& b, NodeId x) { ibn(b, x, spec, "b"); }});
      } else {
        const FusedIbnSpec f{spec.out, spec.expanded, spec.kernel, spec.stride, spec.dilation,
                             spec.act,  spec.se,       spec.residual, spec.bn_epsilon};
        out.push_back({kind, f, [f](Graph& b, NodeId x) { fused_ibn(b, x, f, "b"); }});
      }
    }
  };
  if (act) {
    IbnSpec spec{.expanded = c->out_channels, .act = *act, .bn_epsilon = eps};
    const bool depthwise = c->groups == cin && c->groups == c->out_channels && cin > 1;
    if (depthwise) {  // IBN without expansion
      spec.kernel = c->kernel_h, spec.stride = c->stride_h, spec.dilation = c->dilation_h;
      tail(s + n, spec, BlockKind::ibn);
    } else if (c->kernel_h == 1 && c->groups == 1) {  // IBN: expand, then depthwise
      std::optional<ActKind> dw_act;
      double e = 0;
      if (const Conv2d* dw = conv_at(g, s + n); dw != nullptr && unit(g, s + n, dw_act, e) == 3 &&
                                                 dw->groups == c->out_channels && dw_act == act) {
        spec.kernel = dw->kernel_h, spec.stride = dw->stride_h, spec.dilation = dw->dilation_h;
        tail(s + n + 3, spec, BlockKind::ibn);
      }
    } else if (c->kernel_h > 1 && c->groups == 1) {  // fused IBN
      spec.kernel = c->kernel_h, spec.stride = c->stride_h, spec.dilation = c->dilation_h;
      tail(s + n, spec, BlockKind::fused_ibn);
    }
    out.push_back({BlockKind::resnet_basic, ResNetSpec{c->out_channels, c->stride_h},
                   [p = c->out_channels, st = c->stride_h](Graph& b, NodeId x) { resnet_basic(b, x, p, st, "b"); }});
    if (const Conv2d* mid = conv_at(g, s + n))
      out.push_back({BlockKind::resnet_bottleneck, ResNetSpec{c->out_channels, mid->stride_h},
                     [p = c->out_channels, st = mid->stride_h](Graph& b, NodeId x) { resnet_bottleneck(b, x, p, st, "b"); }});
  }
  const ConvBnActSpec cba{.out = c->out_channels, .kernel = c->kernel_h, .stride = c->stride_h, .groups = c->groups,
                          .dilation = c->dilation_h, .act = act,
                          .padding = c->kernel_h % 2 == 1 && c->pad_h == c->dilation_h * (c->kernel_h - 1) / 2 ? -1 : c->pad_h,
                          .bn_epsilon = eps};
  out.push_back({BlockKind::conv_bn_act, cba, [cba](Graph& b, NodeId x) { conv_bn_act(b, x, cba, "b"); }});
  return out;
}

/// Whether the builder's nodes match g's from `start` on; fills `found.inputs`.
bool matches(const Graph& g, NodeId start, NodeId x, const Candidate& c, Found& found) {
  Graph b;
  const Shape& s = g.shape(x);
  const NodeId in = b.add("x", Input{s.c, s.h, s.w}, {});
  try {
    c.build(b, in);
  } catch (const std::exception&) {
    return false;
  }
  const NodeId size = b.size() - 1;
  if (start + size > g.size()) return false;
  found = {c.kind, c.spec, start, {}};
  const auto map = [&](NodeId id) { return id == in ? x : start + id - 1; };
  for (NodeId k = 1; k <= size; ++k) {
    const NodeId id = start + k - 1;
    if (!(b.op(k) == g.op(id)) || !(b.shape(k) == g.shape(id))) return false;
    std::vector<NodeId> want;
    for (const NodeId i : b.inputs(k)) want.push_back(map(i));
    std::vector<NodeId> have(g.inputs(id).begin(), g.inputs(id).end());
    std::vector<NodeId> a = want, h = have;
    std::sort(a.begin(), a.end()), std::sort(h.begin(), h.end());
    if (a != h || (want != have && !std::holds_alternative<Add>(g.op(id)))) return false;
    found.inputs.push_back(std::move(want));
  }
  // Nothing outside the block may read its inner nodes.
  for (NodeId id = start + size; id < g.size(); ++id)
    for (const NodeId i : g.inputs(id))
      if (i >= start && i < start + size - 1) return false;
  return true;
}

/// The block's name: its nodes' longest common dotted prefix ("features.2" for
/// features.2.conv.0.0.Conv, ...), or its first node's name.
std::string block_name(const Graph& g, NodeId start, std::size_t size) {
  std::string prefix(g.node_name(start));
  for (NodeId id = start + 1; id < start + static_cast<NodeId>(size); ++id) {
    const std::string_view n = g.node_name(id);
    std::size_t k = 0;
    while (k < prefix.size() && k < n.size() && prefix[k] == n[k]) ++k;
    prefix.resize(k);
  }
  const std::size_t dot = prefix.rfind('.');
  if (prefix.size() < std::string_view(g.node_name(start)).size())
    prefix.resize(dot == std::string::npos ? 0 : dot);
  return prefix.empty() ? std::string(g.node_name(start)) : prefix;
}

}  // namespace

graph::Graph recognise_blocks(const graph::Graph& g) {
  if (g.num_blocks() > 0) return g;
  std::vector<Found> blocks;
  for (NodeId s = 0; s < g.size();) {
    Found found;
    bool ok = false;
    if (g.inputs(s).size() == 1)
      for (const Candidate& c : candidates(g, s))
        if ((ok = matches(g, s, g.inputs(s)[0], c, found))) break;
    if (ok) {
      s += static_cast<NodeId>(found.inputs.size());
      blocks.push_back(std::move(found));
    } else {
      ++s;
    }
  }
  Graph out(g.name());
  std::size_t next = 0;
  for (NodeId id = 0; id < g.size();) {
    if (next < blocks.size() && blocks[next].start == id) {
      const Found& f = blocks[next++];
      const BlockId b = out.add_block(f.kind, block_name(g, id, f.inputs.size()), f.spec);
      for (const auto& inputs : f.inputs) out.add(g.node_name(id), g.op(id), inputs, b), ++id;
      continue;
    }
    out.add(g.node_name(id), g.op(id), g.inputs(id));
    ++id;
  }
  return out;
}

}  // namespace hwnas::io

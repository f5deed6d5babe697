#include "hwnas/estimate/decompose.h"

namespace hwnas::estimate {
namespace {

using graph::NodeId;

template <class T>
bool is(const graph::Graph& g, NodeId id) {
  return std::holds_alternative<T>(g.op(id));
}

bool is_activation(const graph::Graph& g, NodeId id) {
  const auto* act = std::get_if<graph::Activation>(&g.op(id));
  return act != nullptr && act->kind != graph::ActKind::identity;
}

class Decomposer {
 public:
  Decomposer(const graph::Graph& g, const hw::FusionRules& rules)
      : g_(g), rules_(rules), fanout_(static_cast<std::size_t>(g.size()), 0),
        first_consumer_(static_cast<std::size_t>(g.size()), -1),
        assigned_(static_cast<std::size_t>(g.size()), false) {
    for (NodeId id = 0; id < g.size(); ++id)
      for (NodeId in : g.inputs(id)) {
        if (fanout_[in]++ == 0) first_consumer_[in] = id;
      }
  }

  KernelGroups run() {
    KernelGroups groups;
    groups.nodes.reserve(static_cast<std::size_t>(g_.size()));
    groups.begin.push_back(0);
    for (NodeId id = 0; id < g_.size(); ++id) {
      if (assigned_[id] || runs_no_kernel(g_.op(id))) continue;
      grow(id, groups.nodes);
      groups.begin.push_back(static_cast<std::int32_t>(groups.nodes.size()));
    }
    return groups;
  }

 private:
  // The sole consumer of `id` when it satisfies `pred`, else -1.
  template <class Pred>
  NodeId sole_consumer(NodeId id, Pred pred) const {
    if (fanout_[id] != 1) return -1;
    const NodeId c = first_consumer_[id];
    return !assigned_[c] && pred(c) ? c : -1;
  }

  // Appends the kernel that starts at `main` to `out`.
  void grow(NodeId main, std::vector<NodeId>& out) {
    const std::size_t first = out.size();
    std::vector<NodeId>& nodes = out;
    nodes.push_back(main);
    NodeId tail = main;
    auto absorb = [&](NodeId next) {
      if (next < 0) return false;
      nodes.push_back(next);
      tail = next;
      return true;
    };
    const bool array_op = is<graph::Conv2d>(g_, main) || is<graph::Linear>(g_, main);
    if (rules_.has(hw::FusionPattern::se_gate) && is<graph::GlobalPool>(g_, main)) grow_se(main, nodes, tail);
    if (rules_.has(hw::FusionPattern::conv_bn_act) && (array_op || is<graph::BatchNorm>(g_, main))) {
      if (array_op) absorb(sole_consumer(tail, [&](NodeId c) { return is<graph::BatchNorm>(g_, c); }));
      absorb(sole_consumer(tail, [&](NodeId c) { return is_activation(g_, c); }));
    }
    if (rules_.has(hw::FusionPattern::conv_add) && array_op) {
      const NodeId add = sole_consumer(tail, [&](NodeId c) {
        if (!is<graph::Add>(g_, c) || g_.inputs(c).size() != 2) return false;
        const auto ins = g_.inputs(c);
        const NodeId other = ins[0] == tail ? ins[1] : ins[0];
        return other < main;  // computed before this kernel runs
      });
      if (absorb(add) && rules_.has(hw::FusionPattern::conv_bn_act))
        absorb(sole_consumer(tail, [&](NodeId c) { return is_activation(g_, c); }));
    }
    if (rules_.has(hw::FusionPattern::act_pool) && is_activation(g_, tail))
      absorb(sole_consumer(tail, [&](NodeId c) { return is<graph::Pool>(g_, c); }));
    for (std::size_t i = first; i < nodes.size(); ++i) assigned_[nodes[i]] = true;
  }

  // global pool → conv → act → conv → gate → mul(x, gate), all sole consumers.
  void grow_se(NodeId pool, std::vector<NodeId>& nodes, NodeId& tail) {
    std::vector<NodeId> chain;
    NodeId at = pool;
    const auto step = [&](auto pred) {
      at = sole_consumer(at, pred);
      if (at >= 0) chain.push_back(at);
      return at >= 0;
    };
    const auto conv = [&](NodeId c) { return is<graph::Conv2d>(g_, c); };
    const auto act = [&](NodeId c) { return is_activation(g_, c); };
    const NodeId x = g_.inputs(pool)[0];
    const auto mul = [&](NodeId c) {
      return is<graph::Mul>(g_, c) && g_.inputs(c).size() == 2 && g_.inputs(c)[0] == x;
    };
    if (step(conv) && step(act) && step(conv) && step(act) && step(mul)) {
      nodes.insert(nodes.end(), chain.begin(), chain.end());
      tail = chain.back();
    }
  }

  const graph::Graph& g_;
  const hw::FusionRules& rules_;
  std::vector<std::int32_t> fanout_;
  std::vector<NodeId> first_consumer_;
  std::vector<bool> assigned_;
};

}  // namespace

bool runs_no_kernel(const graph::Op& op) {
  return graph::is_alias(op) || std::holds_alternative<graph::Input>(op);
}

KernelGroups group_kernels(const graph::Graph& graph, const hw::FusionRules& rules) {
  return Decomposer(graph, rules).run();
}

std::vector<KernelInstance> decompose(const graph::Graph& graph, const hw::FusionRules& rules,
                                      graph::Precision precision, std::int32_t batch) {
  const KernelGroups groups = group_kernels(graph, rules);
  std::vector<KernelInstance> out;
  out.reserve(groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::span<const NodeId> nodes = groups.group(g);
    KernelInstance k;
    k.kernel.precision = precision;
    k.kernel.batch = batch;
    for (NodeId id : nodes) {
      hw::KernelOp op{graph.op(id), {}, graph.shape(id)};
      for (NodeId in : graph.inputs(id)) op.inputs.push_back(graph.shape(in));
      k.kernel.ops.push_back(std::move(op));
    }
    k.nodes.assign(nodes.begin(), nodes.end());
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace hwnas::estimate

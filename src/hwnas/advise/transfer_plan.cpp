// make_transfer_plan and plan_transfer (transfer.h).
#include <fmt/format.h>

#include "hwnas/advise/transfer.h"
#include "hwnas/base/error.h"

namespace hwnas::advise {
namespace {

graph::BlockId block_named(const graph::Graph& graph, const std::string& name) {
  for (graph::BlockId b = 0; b < graph.num_blocks(); ++b)
    if (graph.block_name(b) == name) return b;
  throw InternalError("a rewrite pass lost block '" + name + "'");
}

struct Channels {
  std::int32_t kernel = 0, expanded = 0, out = 0;
};

// The block's kernel and channels from its spec; unset without an IBN or fused-IBN spec.
std::optional<Channels> channels(const graph::Graph& graph, graph::BlockId b) {
  const graph::BlockSpec& spec = graph.block(b).spec;
  if (const auto* ibn = std::get_if<graph::IbnSpec>(&spec)) return Channels{ibn->kernel, ibn->expanded, ibn->out};
  if (const auto* fused = std::get_if<graph::FusedIbnSpec>(&spec))
    return Channels{fused->kernel, fused->expanded, fused->out};
  return std::nullopt;
}

// "in 9 of 10 Pareto architectures at depth 0-25% (the space's baseline: ibn)".
std::string support(int n, const DepthPattern& d, const std::string& baseline) {
  return fmt::format("in {} of {} Pareto architectures at depth {}{}", n, d.architectures, depth_label(d.bucket),
                     baseline.empty() ? "" : " (the space's baseline: " + baseline + ")");
}

// The pattern's kernel and its support when more than half of the architectures share it.
std::optional<std::pair<std::int32_t, int>> majority_kernel(const DepthPattern& d) {
  for (const auto& [kernel, n] : d.kernels)
    if (2 * n > d.architectures) return std::pair{kernel, n};
  return std::nullopt;
}

class Planner {
 public:
  Planner(const graph::Graph& graph, const TransferPatterns& patterns) : patterns_(patterns) { plan_.rewritten = graph; }

  // Tries `step` on the graph as rewritten so far.
  void attempt(PlannedStep step) {
    const Pass& pass = find_pass(step.pass);
    const Site site = find_site(plan_.rewritten, pass, step.site);
    PassResult result = apply_pass(plan_.rewritten, pass, site, resolve_params(pass, step.params));
    if (!result.graph) {
      plan_.skipped.push_back({std::move(step), result.why_not});
      return;
    }
    plan_.rewritten = std::move(*result.graph);
    plan_.steps.push_back(std::move(step));
  }

  // The steps the pattern of block `name`'s quarter proposes.
  void block(const std::string& name, const DepthPattern& d) {
    if (d.architectures == 0) return;
    const auto base = [&](auto field) { return d.baseline ? field(*d.baseline) : std::string(); };
    if (plan_.rewritten.block(block_named(plan_.rewritten, name)).kind == graph::BlockKind::ibn && 2 * d.fused > d.architectures)
      attempt({"ibn_to_fused", name, {}, "fused " + support(d.fused, d, base([](const BucketTraits& t) {
                                                             return std::string(t.fused ? "fused" : "ibn");
                                                           }))});
    const std::optional<std::pair<std::int32_t, int>> kernel = majority_kernel(d);
    std::optional<Channels> c = channels(plan_.rewritten, block_named(plan_.rewritten, name));
    if (kernel && c && c->kernel != kernel->first)
      attempt({"change_kernel", name, {{"kernel", std::to_string(kernel->first)}},
               fmt::format("kernel {} ", kernel->first) + support(kernel->second, d, base([](const BucketTraits& t) {
                 return fmt::format("kernel {}", t.kernel);
               }))});
    const std::optional<std::int32_t> p = patterns_.parallelism_factor;
    c = channels(plan_.rewritten, block_named(plan_.rewritten, name));
    if (p && 2 * d.aligned > d.architectures && c && (c->expanded % *p != 0 || c->out % *p != 0))
      attempt({"align_channels", name, {{"p", std::to_string(*p)}, {"direction", "up"}},
               fmt::format("channels multiples of P = {} ", *p) + support(d.aligned, d, base([](const BucketTraits& t) {
                 return std::string(t.aligned ? "aligned" : "not aligned");
               }))});
  }

  TransferPlan take() { return std::move(plan_); }

 private:
  const TransferPatterns& patterns_;
  TransferPlan plan_;
};

}  // namespace

TransferPlan make_transfer_plan(const graph::Graph& graph, const TransferPatterns& patterns) {
  HWNAS_CHECK(patterns.depths.size() == kDepthBuckets);
  const std::vector<graph::BlockId> blocks = ibn_like_blocks(graph);
  if (blocks.empty())
    throw UserError(fmt::format("model '{}': no IBN or fused-IBN block to map the patterns of {} onto; transfer "
                                "rewrites MobileNet-like models (hwnas inspect lists a model's blocks)",
                                graph.name(), patterns.experiment_dir));
  Planner planner(graph, patterns);
  for (std::size_t i = 0; i < blocks.size(); ++i)
    planner.block(std::string(graph.block_name(blocks[i])),
                  patterns.depths[static_cast<std::size_t>(depth_bucket(i, blocks.size()))]);
  return planner.take();
}

std::vector<PlannedStep> plan_transfer(const graph::Graph& graph, const TransferPatterns& patterns) {
  return make_transfer_plan(graph, patterns).steps;
}

}  // namespace hwnas::advise

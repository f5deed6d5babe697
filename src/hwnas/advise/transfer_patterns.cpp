// read_patterns and the traits it counts (transfer.h).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "hwnas/advise/transfer.h"
#include "hwnas/base/error.h"
#include "hwnas/search/experiment_config.h"
#include "hwnas/search/experiment_store.h"
#include "hwnas/search/run_search.h"
#include "hwnas/space/space.h"

namespace hwnas::advise {
namespace {

namespace fs = std::filesystem;

struct BlockFacts {
  bool fused = false;
  std::int32_t kernel = 0, in = 0, expanded = 0, out = 0;
};

// The facts of an IBN-like block with a spec whose first node reads its input; unset
// otherwise.
std::optional<BlockFacts> block_facts(const graph::Graph& graph, graph::BlockId id, graph::NodeId first) {
  if (first < 0 || graph.inputs(first).empty()) return std::nullopt;
  const graph::BlockSpec& spec = graph.block(id).spec;
  BlockFacts f;
  f.in = graph.shape(graph.inputs(first).front()).c;
  if (const auto* ibn = std::get_if<graph::IbnSpec>(&spec)) {
    f.kernel = ibn->kernel, f.expanded = ibn->expanded, f.out = ibn->out;
  } else if (const auto* fused = std::get_if<graph::FusedIbnSpec>(&spec)) {
    f.fused = true, f.kernel = fused->kernel, f.expanded = fused->expanded, f.out = fused->out;
  } else {
    return std::nullopt;
  }
  return f;
}

// The stored config as the search read it (as hwnas report rebuilds it): relative paths
// start from the experiment file's directory, stored absolute.
search::ExperimentConfig stored_config(const search::ExperimentRecord& r) {
  const std::string file = (fs::path(r.info.base_dir) / fs::path(r.info.experiment_file).filename()).string();
  return search::parse_experiment_config(r.info.config_yaml, file, r.info.base_dir, {});
}

void count(DepthPattern& pattern, const BucketTraits& t) {
  pattern.expansion = (pattern.expansion * pattern.architectures + t.expansion) / (pattern.architectures + 1);
  ++pattern.architectures;
  pattern.fused += t.fused ? 1 : 0;
  pattern.aligned += t.aligned ? 1 : 0;
  ++pattern.kernels[t.kernel];
}

}  // namespace

std::vector<graph::BlockId> ibn_like_blocks(const graph::Graph& graph) {
  std::vector<graph::BlockId> blocks;
  for (graph::BlockId b = 0; b < graph.num_blocks(); ++b) {
    const graph::BlockKind kind = graph.block(b).kind;
    if (kind == graph::BlockKind::ibn || kind == graph::BlockKind::fused_ibn) blocks.push_back(b);
  }
  return blocks;
}

int depth_bucket(std::size_t i, std::size_t n) {
  HWNAS_CHECK(i < n);
  return static_cast<int>((2 * i + 1) * kDepthBuckets / (2 * n));  // ⌊4 (i + 0.5) / n⌋, exactly
}

std::string depth_label(int bucket) {
  return fmt::format("{}-{}%", 100 * bucket / kDepthBuckets, 100 * (bucket + 1) / kDepthBuckets);
}

std::vector<std::optional<BucketTraits>> depth_traits(const graph::Graph& graph,
                                                      std::optional<std::int32_t> parallelism_factor) {
  std::vector<graph::NodeId> first(static_cast<std::size_t>(graph.num_blocks()), -1);
  for (graph::NodeId n = 0; n < graph.size(); ++n) {
    const graph::BlockId b = graph.node(n).block;
    if (b != graph::kNoBlock && first[static_cast<std::size_t>(b)] < 0) first[static_cast<std::size_t>(b)] = n;
  }
  const std::vector<graph::BlockId> blocks = ibn_like_blocks(graph);
  std::vector<std::vector<BlockFacts>> in_bucket(kDepthBuckets);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::optional<BlockFacts> f = block_facts(graph, blocks[i], first[static_cast<std::size_t>(blocks[i])]);
    if (f) in_bucket[static_cast<std::size_t>(depth_bucket(i, blocks.size()))].push_back(*f);
  }
  std::vector<std::optional<BucketTraits>> traits(kDepthBuckets);
  for (std::size_t q = 0; q < in_bucket.size(); ++q) {
    const std::vector<BlockFacts>& facts = in_bucket[q];
    if (facts.empty()) continue;
    BucketTraits t;
    t.blocks = static_cast<int>(facts.size());
    std::map<std::int32_t, int> kernels;
    int fused = 0;
    bool aligned = parallelism_factor.has_value();
    for (const BlockFacts& f : facts) {
      fused += f.fused ? 1 : 0;
      ++kernels[f.kernel];
      t.expansion += static_cast<double>(f.expanded) / f.in / static_cast<double>(facts.size());
      if (parallelism_factor) aligned = aligned && f.expanded % *parallelism_factor == 0 && f.out % *parallelism_factor == 0;
    }
    t.fused = 2 * fused > t.blocks;
    t.aligned = aligned;
    int best = 0;
    for (const auto& [kernel, n] : kernels)  // ascending: the smaller of equally common kernels
      if (n > best) best = n, t.kernel = kernel;
    traits[q] = t;
  }
  return traits;
}

TransferPatterns read_patterns(const std::string& dir) {
  const search::ExperimentRecord r = search::read_experiment(dir);
  TransferPatterns p;
  p.experiment_dir = dir;
  p.space = r.info.space;
  p.objectives = r.info.objective_names;
  p.baseline_genome = r.info.baseline_genome;
  std::unique_ptr<space::Space> space;
  try {
    const search::ExperimentConfig config = stored_config(r);
    space = search::make_experiment_space(config);
    p.parallelism_factor = search::experiment_parallelism_factor(config);
  } catch (const UserError& e) {
    throw UserError(fmt::format("{}: the experiment's space cannot be rebuilt from its stored config: {}", dir, e.what()));
  }
  if (!r.info.space_fingerprint.empty() && r.info.space_fingerprint != space::fingerprint(*space))
    throw UserError(fmt::format("{}: space '{}' has changed since the search ran (its genes, or the networks they "
                                "decode to, differ), so its genomes would now be other networks; restore the space "
                                "file the search used",
                                dir, space->name()));
  for (const std::size_t t : search::pareto_trials(r)) p.pareto_trials.push_back(r.trials[t].index);
  if (p.pareto_trials.empty())
    throw UserError(fmt::format("{}: no trial of the experiment is ok and feasible at full fidelity ({} trials), so it "
                                "has no Pareto front to learn patterns from; continue the search with a larger budget "
                                "(hwnas search ... --resume) or relax its constraints",
                                dir, r.trials.size()));
  p.depths.resize(kDepthBuckets);
  for (int q = 0; q < kDepthBuckets; ++q) p.depths[static_cast<std::size_t>(q)].bucket = q;
  bool any_block = false;
  for (const std::int64_t t : p.pareto_trials) {
    const graph::Graph g = space->decode(r.trials[static_cast<std::size_t>(t)].genome);
    any_block = any_block || !ibn_like_blocks(g).empty();
    const std::vector<std::optional<BucketTraits>> traits = depth_traits(g, p.parallelism_factor);
    for (std::size_t q = 0; q < traits.size(); ++q)
      if (traits[q]) count(p.depths[q], *traits[q]);
  }
  if (!any_block)
    throw UserError(fmt::format("{}: space '{}' has no IBN or fused-IBN blocks, so its architectures say nothing about "
                                "fusion, kernels or channels of a MobileNet-like model; learn from a search of "
                                "mobilenet-cls, mobilenet-det, mobilenet-seg or a space file of ibn/fused_ibn stages",
                                dir, space->name()));
  if (p.baseline_genome) {
    const space::Genome baseline = space::parse_genome(*p.baseline_genome, dir);
    const std::vector<std::optional<BucketTraits>> traits = depth_traits(space->decode(baseline), p.parallelism_factor);
    for (std::size_t q = 0; q < traits.size(); ++q) p.depths[q].baseline = traits[q];
  }
  return p;
}

}  // namespace hwnas::advise

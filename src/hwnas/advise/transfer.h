// Transfer of search results (issue 12 §3; docs/transfer.md): which rewrites the Pareto
// architectures of a finished search embody, by relative depth, and a plan that applies
// them to another model — the article's "observations of the results of NAS on similar
// datasets", which an expert uses where a search from scratch is too slow.
//
// Relative depth. The searchable blocks of a network are its IBN and fused-IBN blocks in
// graph order (block kinds ibn, fused_ibn); block i of n sits at depth (i + 0.5) / n and
// falls in quarter ⌊4 · depth⌋ (0–25 %, 25–50 %, 50–75 %, 75–100 %). Networks of different
// depths (a search's members, mobilenet_v2, an imported model) meet at equal depths.
//
// What an architecture embodies in a quarter (its blocks there):
//   fused    — more than half of them are fused IBNs;
//   kernel   — their most common depthwise (IBN) or expand (fused IBN) kernel, the smaller
//              of equally common ones;
//   aligned  — every expanded and output channel count is a multiple of P (the target's
//              parallelism factor; experiments without one record no alignment);
//   expansion — expanded / input channels, averaged over the blocks.
// A quarter's pattern counts the Pareto architectures with each property (its support);
// the space's baseline (Space::baseline, e.g. MobileNetV2 in mobilenet-cls/det/seg) is
// described the same way beside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/advise/plan.h"
#include "hwnas/graph/graph.h"

namespace hwnas::advise {

inline constexpr int kDepthBuckets = 4;  // quarters of relative depth

/// One architecture's blocks in one quarter (see the file comment).
struct BucketTraits {
  int blocks = 0;
  bool fused = false;
  std::int32_t kernel = 0;
  bool aligned = false;  // false when P is unknown
  double expansion = 0;
};

/// A quarter's pattern over the Pareto architectures.
struct DepthPattern {
  int bucket = 0;                 // 0..kDepthBuckets-1: depth [bucket/4, (bucket+1)/4)
  int architectures = 0;          // Pareto architectures with a block in the quarter
  int fused = 0;                  // of them, fused there
  std::map<std::int32_t, int> kernels;  // kernel -> architectures whose kernel there it is
  int aligned = 0;                // of them, aligned to P there
  double expansion = 0;           // mean of the architectures' expansions there
  std::optional<BucketTraits> baseline;  // the baseline's traits there, if it has a block there
};

struct TransferPatterns {
  std::string experiment_dir;
  std::string space;                          // the space's name
  std::vector<std::string> objectives;        // e.g. {"accuracy", "-latency_ms"}
  std::optional<std::int32_t> parallelism_factor;  // P; unset: no alignment patterns
  std::vector<std::int64_t> pareto_trials;    // trial indices of the Pareto architectures
  std::optional<std::string> baseline_genome; // as text
  std::vector<DepthPattern> depths;           // kDepthBuckets entries, shallow to deep
};

/// The patterns of the experiment in `dir` (search/experiment_store.h): its space is
/// rebuilt from the stored config (with P from its latency source, as the search had it),
/// each Pareto trial's genome decoded and described by quarter. Throws a one-line
/// UserError naming `dir` for: a directory that is no experiment (read_experiment's
/// error), an experiment without feasible full-fidelity trials (empty Pareto front), a
/// space edited since the search ran, and a space whose networks have no IBN or fused-IBN
/// block (nb201, fbnet).
TransferPatterns read_patterns(const std::string& dir);

/// The searchable blocks: the IBN and fused-IBN blocks, in graph order.
std::vector<graph::BlockId> ibn_like_blocks(const graph::Graph& graph);
/// The quarter of block i of n searchable blocks: ⌊4 · (i + 0.5) / n⌋.
int depth_bucket(std::size_t i, std::size_t n);
/// "0-25%", ..., "75-100%".
std::string depth_label(int bucket);

/// One architecture's traits per quarter (unset where it has no block): what
/// read_patterns counts. `graph` needs its blocks' specs. P unset: aligned is false.
std::vector<std::optional<BucketTraits>> depth_traits(const graph::Graph& graph,
                                                      std::optional<std::int32_t> parallelism_factor);

/// A plan's steps, and the candidate steps that did not apply (why_not from the pass).
struct TransferPlan {
  std::vector<PlannedStep> steps;
  struct Skipped {
    PlannedStep step;
    std::string why_not;
  };
  std::vector<Skipped> skipped;
  graph::Graph rewritten;  // `graph` with every step applied in order
};

/// The patterns applied to `graph` (a zoo model, a model file, an ONNX import with its
/// blocks recognised). Each IBN-like block, in graph order, is mapped to its quarter; the
/// quarter's pattern proposes, when its support is more than half of the quarter's
/// architectures:
///   ibn_to_fused               where the pattern fuses and the block is an IBN;
///   change_kernel kernel=K     where the pattern's kernel K differs from the block's;
///   align_channels p=P up      where the pattern is aligned and the block is not.
/// Each step carries its pattern and support in `why`. The steps are tried in order on the
/// graph as rewritten so far; one the pass refuses there (a residual add tying a block's
/// channels, a block without spec) goes to `skipped`. Throws UserError naming the model
/// when it has no IBN or fused-IBN block.
TransferPlan make_transfer_plan(const graph::Graph& graph, const TransferPatterns& patterns);

/// make_transfer_plan's steps.
std::vector<PlannedStep> plan_transfer(const graph::Graph& graph, const TransferPatterns& patterns);

/// The patterns as a table, one line per quarter, e.g.
///   "0-25%   fused 9/10 (baseline ibn)  kernel 3: 7/10 (baseline 3)  aligned 0/10  expansion 4.2 (baseline 4.5)".
std::string patterns_text(const TransferPatterns& patterns);
nlohmann::ordered_json patterns_json(const TransferPatterns& patterns);
/// The plan, one line per step with its why, then the skipped steps and why.
std::string plan_text(const TransferPlan& plan);
nlohmann::ordered_json plan_json(const TransferPlan& plan);

}  // namespace hwnas::advise

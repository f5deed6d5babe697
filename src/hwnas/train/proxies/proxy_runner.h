// Scoring many models with several proxies in one process (`hwnas-train proxy`, the search's
// `accuracy: proxy:` through it): the proxies made once, Fashion-MNIST read once and only
// when a proxy needs data, one fixed batch for every model (and, for te_nas_linear_regions
// of a NAS-Bench-201 network, one fixed set of 3 × 3 crops for its thin copy).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/train/proxies/proxy.h"
#include "hwnas/train/proxies/proxy_data.h"

namespace hwnas::train::proxies {

struct ProxyRunOptions {
  std::vector<std::string> proxies;  // registry names, at least one, no repeats
  /// What the batch is and which loss the loss-based proxies take (ProxyDataOptions):
  /// classification, Fashion-MNIST and the cross-entropy; detection or segmentation, scenes
  /// and SSD's loss or the per-pixel cross-entropy.
  Task task = Task::classification;
  std::string data_dir;              // Fashion-MNIST, or the scene cache; empty: the default
  std::int32_t batch = 64;           // images of the batch (the reference's batch size)
  std::uint64_t seed = 0;            // of the weights (every proxy) and of the batch's draw
  std::int32_t scene_size = 96;      // scene tasks: the canvas
  SceneLabels scene_labels = SceneLabels::items;  // scene tasks
  ProgressCallback progress;         // scene tasks: told when scenes are generated into the cache
  /// te_nas_linear_regions of a NAS-Bench-201 network counts on its thin copy over
  /// kTeNasThinInputs 3 × 3 crops (te_nas_linear_regions.h), as TE-NAS does; false: on the
  /// network given, over the batch. Other proxies and other networks, and scene tasks, are
  /// not affected.
  bool thin_linear_regions = true;
};

/// What a proxy scored: the network given, with no data (data-free proxies) or over the
/// batch, or (te_nas_linear_regions of a NAS-Bench-201 network) its thin copy over
/// kTeNasThinInputs crops.
enum class ScoredOn : std::uint8_t { network, network_batch, thin_copy_crops };

/// One model's scores, in the order of ProxyRunOptions::proxies, what each scored, and the
/// seconds each took (the batch's preparation included for data-dependent proxies): wall
/// clock, and the process's CPU time (all its threads; on a shared machine the measure of the
/// work).
struct ModelScores {
  std::vector<ProxyScore> scores;
  std::vector<ScoredOn> scored_on;
  std::vector<double> seconds;
  std::vector<double> cpu_seconds;
};

class ProxyRunner {
 public:
  /// Makes the proxies (make_proxy's UserError for an unknown name; UserError for none or
  /// a repeated one; batch outside 1…60,000, or under kMinProxyBatch when a proxy reads the
  /// batch: proxy_batch_problem's reason). Reads no data: read_data() does.
  explicit ProxyRunner(const ProxyRunOptions& options);

  /// When a proxy needs data and it has not been read: reads Fashion-MNIST or the scenes
  /// (ProxyData's UserErrors: a missing dataset, a bad scene cache or knob, a batch above
  /// the reference scenes), and the thin copy's crops. score() calls it; a caller that
  /// checks models first calls it after check(), so that a refused model costs no scenes
  /// generated.
  void read_data();

  /// Throws UserError (naming the proxy and the model) when a proxy cannot score `graph`,
  /// read from the graph's inferred shapes alone, no network built: not a classifier of at
  /// least 10 classes, or not the task's head for the scenes, for a loss-based proxy
  /// (Proxy::check_graph), other than 1 or 3 input
  /// channels or a non-square input for one that reads the batch. A caller of many models
  /// checks them all before scoring any. Reads no data.
  void check(const graph::Graph& graph) const;

  /// Every proxy's score of `graph`. check()'s UserErrors first, before any forward pass;
  /// then read_data()'s; then UserError for a graph NetworkImpl refuses, and "model 'X' needs more memory than
  /// is available at batch B: give a smaller --batch or resolution" when torch's CPU
  /// allocator (or the batch's std::vector) cannot allocate.
  ModelScores score(const graph::Graph& graph);

  const ProxyRunOptions& options() const { return options_; }
  bool reads_data() const { return needs_data_; }

 private:
  ProxyRunOptions options_;
  std::vector<std::unique_ptr<Proxy>> proxies_;
  bool needs_data_ = false;
  std::optional<ProxyData> data_;  // read_data()
  std::optional<ProxyInput> thin_crops_;  // made once when thin_linear_regions applies
  /// The thin copy `proxy` scores instead of `graph` (te_nas_linear_regions of an nb201
  /// network with thin_linear_regions), else nullopt.
  std::optional<graph::Graph> thin_copy(const Proxy& proxy, const graph::Graph& graph) const;
};

}  // namespace hwnas::train::proxies

// Zero-shot proxies (issue 13 §1; docs/proxies.md): scores of an untrained network that
// predict how well it will train, computed in seconds instead of GPU-hours. Each proxy
// lives in its own file of this folder, with its formula and source in its header; this
// header is the interface they share and the registry that names them.
//
// A proxy scores one network (a NetworkImpl built from the graph with a given seed) on
// one batch: data-free proxies (synflow, Zen-score, params, MACs) ignore the batch's
// images; the others use them (and the targets, for the loss-based ones: a classifier's
// labels, or a detector's boxes and a segmenter's masks on a batch of scenes). Higher is better
// for every proxy as returned here (a proxy whose paper ranks "lower is better", as
// TE-NAS's NTK condition number, is negated, and the header says so), so a ranking never
// needs to know which proxy it holds.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/train/data/image_set.h"
#include "hwnas/train/proxies/proxy_score.h"

namespace hwnas::train::proxies {

/// What a proxy is given: `images` [N, C, H, W] float32 normalised as the trainer's batches
/// (C, H, W those of the graph's Input node) and the targets of `task`'s loss. Images and
/// targets are undefined or empty for a data-free proxy's call (needs_data() false).
struct ProxyInput {
  torch::Tensor images;
  torch::Tensor labels;  // classification: [N] int64 class indices in [0, classes)
  /// classification: the class count; detection and segmentation: the scenes' object
  /// classes, background not counted (task_heads.h object_classes: 10 items or 1 presence).
  std::int32_t classes = 0;
  Task task = Task::classification;
  std::vector<std::vector<Box>> boxes;  // detection: N lists of truth boxes, pixels of the input
  torch::Tensor masks;                  // segmentation: [N, H, W] int64, 0 background, c + 1 object class c
};

class Proxy {
 public:
  virtual ~Proxy() = default;
  /// The registry name ("synflow", "naswot", "te_nas_ntk", ...).
  virtual std::string_view name() const = 0;
  /// Whether score() reads input.images / input.labels.
  virtual bool needs_data() const = 0;
  /// The score of `graph`'s network initialised with `seed` (NetworkImpl's
  /// initialisation, unless the proxy's source prescribes its own, which its header then
  /// states). Deterministic for a seed, a batch and a thread count. Leaves the global
  /// torch RNG and grad mode as it found them. Throws UserError only for a network the
  /// proxy cannot accept at all (named, with the reason); numerical failures are
  /// undefined scores, never exceptions.
  virtual ProxyScore score(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed) const = 0;
  /// Throws UserError naming the proxy and the model when `graph` is a network this proxy
  /// cannot score, read from the graph's inferred shapes alone (no network built, no
  /// forward pass), so that a caller refuses a list of models before scoring any. The
  /// loss-based proxies (snip, grad_norm, fisher, grasp) need the head of `task`'s loss for
  /// `classes` (ProxyInput::classes; proxy_support.h, require_task_head): a classifier of at
  /// least `classes` classes, an SSD head or a segmenter for the scenes; the others accept
  /// any graph here. score() checks the same.
  virtual void check_graph(const graph::Graph& graph, Task task, std::int32_t classes) const {
    static_cast<void>(graph);
    static_cast<void>(task);
    static_cast<void>(classes);
  }
};

/// The proxy named `name` (registry.cpp). Throws UserError "unknown proxy 'NAME' (known:
/// a, b, ...); did you mean 'X'?" when there is none.
std::unique_ptr<Proxy> make_proxy(std::string_view name);
/// Every registered name, in the registry's order.
std::vector<std::string> proxy_names();

}  // namespace hwnas::train::proxies

// Weights files and training checkpoints: pickled dictionaries (torch::pickle_save, the
// format torch.save writes, so Python's torch.load reads them too), written atomically
// (base/file_io.h: a reader sees the old file or the new one, never half of one).
//
//   weights file:  format "hwnas-weights", version 1, model (the graph's name),
//                  graph_hash (hex of graph::Graph::hash at the training resolution), task,
//                  resolution, tensors {graph name → tensor} (NetworkImpl::named_state)
//   checkpoint:    format "hwnas-checkpoint", version 1, the same model fields, identity
//                  {option → value} (train_options.h, run_identity), epochs_done,
//                  images_seen, seconds, first_loss, tensors, optimizer (bytes)
//
// Randomness needs no saved state: every stream is derived from the seed, the epoch and
// the step (sampling.h), so a run resumed after epoch E continues exactly as if it had not
// stopped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "hwnas/train/data/image_set.h"
#include "hwnas/train/network.h"

namespace hwnas::train {

/// The model a weights file or checkpoint belongs to.
struct ModelStamp {
  std::string model;             // graph name
  std::string graph_hash;        // 16 hex digits
  std::string task;              // "classification", ...
  std::int32_t resolution = 0;   // input height and width it was trained at
  std::int32_t scene_size = 0;   // detection, segmentation: the scenes' side it was trained on (else 0)
  std::string scene_labels;      // detection, segmentation: "items" or "presence" (else empty)
  bool operator==(const ModelStamp&) const = default;
};

/// Graph hash as ModelStamp stores it.
std::string graph_hash_text(const graph::Graph& graph);

struct WeightsFile {
  ModelStamp stamp;
  NamedTensors tensors;
};

struct Checkpoint {
  ModelStamp stamp;
  std::map<std::string, std::string> identity;
  std::int32_t epochs_done = 0;
  std::int64_t images_seen = 0;
  double seconds = 0;      // training time before this checkpoint, summed over sessions (fit's: no checkpoint writes)
  double first_loss = 0;   // the loss of the run's first step (divergence check)
  NamedTensors tensors;
  std::string optimizer;   // optimizer.h, save_optimizer_state
};

/// Writes the file atomically; UserError "PATH: cannot write the WHAT: WHY" on failure.
void write_weights(const std::string& path, const WeightsFile& weights);
void write_checkpoint(const std::string& path, const Checkpoint& checkpoint);

/// Reads a file written by write_weights / write_checkpoint. UserError naming the path
/// when it cannot be read, is not such a file (or is the other kind), or is damaged.
WeightsFile read_weights(const std::string& path);
Checkpoint read_checkpoint(const std::string& path);
/// The model part of a weights file or a checkpoint (its stamp and tensors; a checkpoint's
/// optimizer state and identity are dropped): e.g. the weights a run starts from
/// (weight_transfer.h). `what` names the file in errors ("weights file or checkpoint
/// (--init-from)"); UserError as read_weights.
WeightsFile read_weights_or_checkpoint(const std::string& path, std::string_view what);

/// Throws UserError naming `path` when weights trained for another task are given for
/// `task` ("W: weights trained for detection, not classification; evaluate them with
/// --task detection").
void check_weights_task(const WeightsFile& weights, Task task, const std::string& path);
/// Throws UserError naming `path` and both graph hashes when `weights` were trained on
/// another architecture than `graph` (at the weights' resolution) with the same tensors.
void check_weights_graph(const WeightsFile& weights, const graph::Graph& graph, const std::string& path);

/// Throws UserError naming `path` when the checkpoint belongs to another model or another
/// setting: the first option of `identity` whose value differs ("was written with --epochs
/// 3, not 5; resume with the same options or drop --resume").
void check_resumable(const Checkpoint& checkpoint, const ModelStamp& stamp,
                     const std::map<std::string, std::string>& identity, const std::string& path);

}  // namespace hwnas::train

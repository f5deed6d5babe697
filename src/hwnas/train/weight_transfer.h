// Initialising a network from another model's weights: a rewritten model (docs/rewrites.md,
// hwnas advise) starts from its baseline's trained tensors and is fine-tuned (issue 12 §2).
// docs/training.md, "Initialising from another model's weights".
//
// Tensors are matched by graph name ("features.2.project.conv.weight"): a rewrite pass keeps
// the names of the nodes it keeps, so the unchanged layers find their tensors. Per network
// tensor (parameters and batch-norm buffers, NetworkImpl::named_state):
//   - same name, same shape: copied whole;
//   - same name, same rank, same trailing (kernel) dims, channel counts (dim 0, and dim 1
//     of a conv or linear weight) that differ: the leading channels both have are copied,
//     new[:m0, :m1] = file[:m0, :m1], the rest keeps its default initialisation; the
//     "first k channels" of elastic width in Once-for-All (Cai et al., ICLR 2020) and
//     BigNAS (Yu et al., ECCV 2020). Not when one weight reads 1 channel per group and
//     the other more (a depthwise conv against a full one: a leading slice would not be
//     the same filter);
//   - otherwise (absent from the file, another kernel size, another rank): left at the
//     default initialisation (network.h) and listed as skipped.
// Torch-free header (NetworkImpl is only declared), so run records can hold the report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hwnas::train {

class NetworkImpl;

/// A network tensor that kept its default initialisation, and why.
struct SkippedTensor {
  std::string name;    // graph name, "features.2.expand.conv.weight"
  std::string reason;  // "absent from the file" or "file 96x16x1x1, network 96x16x3x3"
};

/// What init_from_weights took from the file.
struct WeightTransfer {
  std::string path;                   // the file read
  std::string source_model;           // the model the file's tensors belong to (its stamp)
  std::int64_t copied_tensors = 0;    // copied whole
  std::int64_t sliced_tensors = 0;    // leading channels copied
  std::int64_t copied_params = 0;     // parameter values (weight and bias elements) from the file
  std::int64_t network_params = 0;    // all parameter values of the network
  std::vector<SkippedTensor> skipped; // network tensors left at their default initialisation, graph order
  std::vector<std::string> unused;    // file tensors no network tensor took, in the file's order
};

/// Copies into `network` what the weights file or checkpoint `path` (checkpoint.h) holds
/// under the network's tensor names, as described above; `path` may belong to any model
/// and task (a classifier's backbone for a detector). UserError naming `path`: unreadable
/// or not a weights file or checkpoint of hwnas (read_weights_or_checkpoint), or sharing no
/// parameter value with the network ("shares no parameter with model 'M'"); the network is
/// unchanged then.
WeightTransfer init_from_weights(NetworkImpl& network, const std::string& path);

}  // namespace hwnas::train

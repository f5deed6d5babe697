#include "hwnas/train/onnx_weights.h"

#include <torch/torch.h>

#include "hwnas/train/checkpoint.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/network.h"

namespace hwnas::train {

ExportedWeights exported_weights(const graph::Graph& model, const std::string& weights_path) {
  const WeightsFile w = read_weights_or_checkpoint(weights_path, "weights (--weights)");
  ExportedWeights out{w.stamp.resolution > 0 ? at_resolution(model, w.stamp.resolution) : model, {}};
  Network network(out.graph, 0);
  network->load_state(w.tensors, weights_path);
  check_weights_graph(w, out.graph, weights_path);
  out.weights.source = weights_path;
  for (const auto& [name, tensor] : network->named_state()) {
    if (name.ends_with(".num_batches_tracked")) continue;  // no ONNX initialiser: training state
    const torch::Tensor t = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    out.weights.values[name].assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  }
  return out;
}

}  // namespace hwnas::train

#include "hwnas/train/supernet/bn_recalibration.h"

#include "hwnas/base/error.h"

namespace hwnas::train::supernet {

void recalibrate_batch_norm(NetworkImpl& network, std::span<const torch::Tensor> batches) {
  HWNAS_CHECK(!batches.empty());
  const torch::NoGradGuard no_grad;
  for (auto& [name, tensor] : network.named_state()) {
    if (name.ends_with(".running_mean") || name.ends_with(".num_batches_tracked")) tensor.zero_();
    else if (name.ends_with(".running_var")) tensor.fill_(1);
  }
  network.set_batch_norm_momentum(std::nullopt);
  network.train();
  for (const torch::Tensor& images : batches) network.forward(images);
  network.set_batch_norm_momentum(0.1);
  network.eval();
}

}  // namespace hwnas::train::supernet

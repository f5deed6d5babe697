#include "hwnas/train/proxies/grad_norm.h"

#include "hwnas/train/proxies/loss_gradients.h"
#include "hwnas/train/proxies/proxy_support.h"

namespace hwnas::train::proxies {
namespace {

class GradNorm : public Proxy {
 public:
  std::string_view name() const override { return "grad_norm"; }
  bool needs_data() const override { return true; }
  void check_graph(const graph::Graph& graph, Task task, std::int32_t classes) const override {
    require_task_head(graph, task, classes, name());
  }

  ProxyScore score(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed) const override {
    const ProxyGuard guard(seed);
    double sum = 0;
    for (const torch::Tensor& w : loss_gradients(graph, input, seed, name()))
      if (w.grad().defined()) sum += w.grad().to(torch::kDouble).norm().item<double>();
    return checked_score(sum, name());
  }
};

}  // namespace

std::unique_ptr<Proxy> make_grad_norm() { return std::make_unique<GradNorm>(); }

}  // namespace hwnas::train::proxies

#include "hwnas/train/proxies/snip.h"

#include "hwnas/train/proxies/loss_gradients.h"
#include "hwnas/train/proxies/proxy_support.h"

namespace hwnas::train::proxies {
namespace {

class Snip : public Proxy {
 public:
  std::string_view name() const override { return "snip"; }
  bool needs_data() const override { return true; }
  void check_graph(const graph::Graph& graph, Task task, std::int32_t classes) const override {
    require_task_head(graph, task, classes, name());
  }

  ProxyScore score(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed) const override {
    const ProxyGuard guard(seed);
    std::vector<torch::Tensor> terms;
    for (const torch::Tensor& w : loss_gradients(graph, input, seed, name()))
      if (w.grad().defined()) terms.push_back(w.detach() * w.grad());
    return checked_score(sum_abs(terms), name());
  }
};

}  // namespace

std::unique_ptr<Proxy> make_snip() { return std::make_unique<Snip>(); }

}  // namespace hwnas::train::proxies

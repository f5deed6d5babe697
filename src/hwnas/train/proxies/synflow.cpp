#include "hwnas/train/proxies/synflow.h"

#include "hwnas/train/model_input.h"
#include "hwnas/train/network.h"
#include "hwnas/train/proxies/proxy_support.h"

namespace hwnas::train::proxies {
namespace {

class Synflow : public Proxy {
 public:
  std::string_view name() const override { return "synflow"; }
  bool needs_data() const override { return false; }

  ProxyScore score(const graph::Graph& graph, const ProxyInput&, std::uint64_t seed) const override {
    const ProxyGuard guard(seed);
    if (graph.input_nodes().size() != 1) static_cast<void>(input_shape(graph));  // its one-line refusal
    const graph::Shape& in = graph.shape(graph.input_nodes().front());  // any H x W: no data is read
    Network network(graph, seed);
    network->eval();
    network->to(torch::kDouble);
    {
      const torch::NoGradGuard no_grad;
      for (torch::Tensor& p : network->parameters()) p.abs_();
      for (torch::Tensor& b : network->buffers())
        if (b.is_floating_point()) b.abs_();
    }
    const torch::Tensor ones = torch::ones({1, in.c, in.h, in.w}, torch::kDouble);
    torch::Tensor r = torch::zeros({}, torch::kDouble);
    for (const torch::Tensor& out : network->forward(ones)) r = r + out.sum();
    if (!r.requires_grad()) return checked_score(0, name());
    r.backward();
    std::vector<torch::Tensor> terms;
    for (const auto& [node, w] : conv_linear_weights(*network))
      if (w.grad().defined()) terms.push_back(w * w.grad());
    return checked_score(sum_abs(terms), name());
  }
};

}  // namespace

std::unique_ptr<Proxy> make_synflow() { return std::make_unique<Synflow>(); }

}  // namespace hwnas::train::proxies

#include "hwnas/train/proxies/jacob_cov.h"

#include "hwnas/train/network.h"
#include "hwnas/train/proxies/proxy_support.h"

namespace hwnas::train::proxies {
namespace {

constexpr double kEigenvalueShift = 1e-5;  // the reference's k

class JacobCov : public Proxy {
 public:
  std::string_view name() const override { return "jacob_cov"; }
  bool needs_data() const override { return true; }

  ProxyScore score(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed) const override {
    const ProxyGuard guard(seed);
    require_batch(input, name());
    Network network(graph, seed);
    network->train();
    const torch::Tensor x = input.images.detach().clone().requires_grad_(true);
    const torch::Tensor y = joined_outputs(network->forward(x));
    if (!y.requires_grad()) return ProxyScore{0, false, "the output does not depend on the input"};
    const torch::Tensor jacobian =
        torch::autograd::grad({y.sum()}, {x}, {}, false, false, true).at(0);
    if (!jacobian.defined()) return ProxyScore{0, false, "the output does not depend on the input"};
    const torch::Tensor rows = jacobian.reshape({x.size(0), -1}).to(torch::kDouble);
    const torch::Tensor centred = rows - rows.mean(1, true);
    const torch::Tensor norms = centred.square().sum(1, true).sqrt();
    if (norms.min().item<double>() == 0)
      return ProxyScore{0, false, "an image's Jacobian is constant (its correlation is undefined)"};
    const torch::Tensor unit = centred / norms;
    const torch::Tensor eigenvalues = torch::linalg_eigvalsh(torch::mm(unit, unit.t())) + kEigenvalueShift;
    return checked_score(-(eigenvalues.log() + eigenvalues.reciprocal()).sum().item<double>(), name(), true);
  }
};

}  // namespace

std::unique_ptr<Proxy> make_jacob_cov() { return std::make_unique<JacobCov>(); }

}  // namespace hwnas::train::proxies

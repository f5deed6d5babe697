#include "hwnas/train/proxies/naswot.h"

#include "hwnas/train/proxies/proxy_support.h"
#include "hwnas/train/proxies/proxy_taps.h"

namespace hwnas::train::proxies {
namespace {

class Naswot : public Proxy {
 public:
  std::string_view name() const override { return "naswot"; }
  bool needs_data() const override { return true; }

  ProxyScore score(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed) const override {
    const ProxyGuard guard(seed);
    require_batch(input, name());
    const std::vector<torch::Tensor> codes = rectifier_codes(graph, input.images, seed);
    if (codes.empty()) return ProxyScore{0, false, "the network has no ReLU or ReLU6 to code"};
    const std::int64_t n = input.images.size(0);
    torch::Tensor k = torch::zeros({n, n}, torch::kDouble);
    for (const torch::Tensor& code : codes) {
      // c·c' + (1−c)·(1−c)' = A − |c| − |c'| + 2·c·c': one product per node.
      const torch::Tensor active = code.sum(1).to(torch::kDouble);
      k += 2 * torch::mm(code, code.t()).to(torch::kDouble) - active.unsqueeze(1) - active.unsqueeze(0) +
           static_cast<double>(code.size(1));
    }
    const auto [sign, logdet] = torch::linalg_slogdet(k);
    if (sign.item<double>() <= 0)
      return ProxyScore{0, false, "K_H is singular (two images of the batch share one activation code)"};
    return checked_score(logdet.item<double>(), name(), true);
  }
};

}  // namespace

std::unique_ptr<Proxy> make_naswot() { return std::make_unique<Naswot>(); }

}  // namespace hwnas::train::proxies

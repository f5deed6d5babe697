#include "hwnas/train/proxies/te_nas_linear_regions.h"

#include <set>
#include <string>

#include "hwnas/train/proxies/proxy_support.h"
#include "hwnas/train/proxies/proxy_taps.h"

namespace hwnas::train::proxies {
namespace {

class TeNasLinearRegions : public Proxy {
 public:
  std::string_view name() const override { return "te_nas_linear_regions"; }
  bool needs_data() const override { return true; }

  ProxyScore score(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed) const override {
    const ProxyGuard guard;
    require_batch(input, name());
    std::vector<torch::Tensor> codes = rectifier_codes(graph, input.images, seed);
    if (codes.empty()) return ProxyScore{0, false, "the network has no ReLU or ReLU6 to count regions of"};
    const std::int64_t n = input.images.size(0);
    for (torch::Tensor& code : codes) code = code.to(torch::kUInt8);
    const torch::Tensor all = torch::cat(codes, 1).contiguous();
    const auto* bytes = reinterpret_cast<const char*>(all.data_ptr<std::uint8_t>());
    const auto width = static_cast<std::size_t>(all.size(1));
    std::set<std::string> distinct;
    for (std::int64_t i = 0; i < n; ++i) distinct.emplace(bytes + static_cast<std::size_t>(i) * width, width);
    return checked_score(static_cast<double>(distinct.size()), name(), true);
  }
};

}  // namespace

std::unique_ptr<Proxy> make_te_nas_linear_regions() { return std::make_unique<TeNasLinearRegions>(); }

}  // namespace hwnas::train::proxies

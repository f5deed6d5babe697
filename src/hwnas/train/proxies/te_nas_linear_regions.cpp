#include "hwnas/train/proxies/te_nas_linear_regions.h"

#include <algorithm>
#include <set>
#include <string>
#include <variant>

#include "hwnas/space/nb201.h"
#include "hwnas/train/proxies/proxy_support.h"
#include "hwnas/train/proxies/proxy_taps.h"

namespace hwnas::train::proxies {
namespace {

class TeNasLinearRegions : public Proxy {
 public:
  std::string_view name() const override { return "te_nas_linear_regions"; }
  bool needs_data() const override { return true; }

  ProxyScore score(const graph::Graph& graph, const ProxyInput& input, std::uint64_t seed) const override {
    const ProxyGuard guard(seed);
    require_batch(input, name());
    const std::int64_t n = input.images.size(0);
    std::set<std::string> distinct;
    // Batches of the reference's size, each with its own batch-norm statistics; the same
    // weights for each (NetworkImpl's initialisation of `seed`).
    for (std::int64_t begin = 0; begin < n; begin += kTeNasForwardBatch) {
      const std::int64_t size = std::min<std::int64_t>(kTeNasForwardBatch, n - begin);
      std::vector<torch::Tensor> codes = rectifier_codes(graph, input.images.narrow(0, begin, size), seed);
      if (codes.empty()) return ProxyScore{0, false, "the network has no ReLU or ReLU6 to count regions of"};
      for (torch::Tensor& code : codes) code = code.to(torch::kUInt8);
      const torch::Tensor all = torch::cat(codes, 1).contiguous();
      const auto* bytes = reinterpret_cast<const char*>(all.data_ptr<std::uint8_t>());
      const auto width = static_cast<std::size_t>(all.size(1));
      for (std::int64_t i = 0; i < size; ++i) distinct.emplace(bytes + static_cast<std::size_t>(i) * width, width);
    }
    return checked_score(static_cast<double>(distinct.size()), name(), true);
  }
};

}  // namespace

std::unique_ptr<Proxy> make_te_nas_linear_regions() { return std::make_unique<TeNasLinearRegions>(); }

std::optional<graph::Graph> te_nas_thin_network(const graph::Graph& graph) {
  if (graph.name() != "nb201") return std::nullopt;
  std::optional<graph::Nb201CellSpec> cell;
  for (graph::BlockId b = 0; b < graph.num_blocks(); ++b) {
    if (graph.block(b).kind != graph::BlockKind::nb201_cell) continue;
    const auto* spec = std::get_if<graph::Nb201CellSpec>(&graph.block(b).spec);
    if (spec == nullptr || (cell && !(*cell == *spec))) return std::nullopt;
    cell = *spec;
  }
  if (!cell) return std::nullopt;
  space::Nb201Cell thin_cell;
  for (std::size_t e = 0; e < space::kNb201Edges; ++e) {
    if (cell->edges[e] >= space::kNb201OpNames.size()) return std::nullopt;
    thin_cell.edges[e] = static_cast<space::Nb201Op>(cell->edges[e]);
  }
  graph::ZooOptions options = space::nb201_default_options();
  options.width = 1.0 / 16;
  options.resolution = kTeNasThinCrop;
  options.in_channels = 1;
  return space::nb201_network(thin_cell, options, {.cells = 1, .stages = 1, .stem = false});
}

}  // namespace hwnas::train::proxies

#include "hwnas/train/proxies/counts.h"

#include "hwnas/graph/analysis.h"
#include "hwnas/train/proxies/proxy_support.h"

namespace hwnas::train::proxies {
namespace {

class Count : public Proxy {
 public:
  Count(std::string_view name, std::int64_t graph::NodeCost::*field) : name_(name), field_(field) {}
  std::string_view name() const override { return name_; }
  bool needs_data() const override { return false; }

  ProxyScore score(const graph::Graph& graph, const ProxyInput&, std::uint64_t) const override {
    const graph::Analysis a = graph::analyze(graph, graph::Precision::fp32, 1, graph::MinOrder::skip);
    return checked_score(static_cast<double>(a.total.*field_), name_, true);
  }

 private:
  std::string_view name_;
  std::int64_t graph::NodeCost::*field_;
};

}  // namespace

std::unique_ptr<Proxy> make_params() { return std::make_unique<Count>("params", &graph::NodeCost::params); }
std::unique_ptr<Proxy> make_macs() { return std::make_unique<Count>("macs", &graph::NodeCost::macs); }

}  // namespace hwnas::train::proxies

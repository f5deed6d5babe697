#include "hwnas/graph/op_json.h"

#include "hwnas/graph/op_description.h"

namespace hwnas::graph {

nlohmann::ordered_json op_params_json(const Op& op) {
  nlohmann::ordered_json f = nlohmann::ordered_json::object();
  detail::AttrWriter writer(f);
  std::visit([&](const auto& p) { detail::describe<std::decay_t<decltype(p)>>().write(p, writer); },
             op);
  return f;
}

}  // namespace hwnas::graph

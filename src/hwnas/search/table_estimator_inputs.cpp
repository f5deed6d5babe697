#include "hwnas/search/table_estimator_inputs.h"

#include "hwnas/hw/targets/targets.h"
#include "hwnas/space/registry.h"

namespace hwnas::search {

estimate::TableSimulators make_table_simulators() {
  estimate::TableSimulators simulators;
  for (std::string_view preset : estimate::kTableSimulatorPresets) simulators.push_back(hw::make_target(std::string(preset)));
  return simulators;
}

estimate::TableEstimator load_table_estimator(const nlohmann::json& doc, const std::string& path) {
  return estimate::TableEstimator::from_json(
      doc, path, space::make_space(estimate::TableEstimator::space_name(doc, path), {}), make_table_simulators());
}

}  // namespace hwnas::search

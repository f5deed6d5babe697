// Table estimators in tests, built as the CLI builds them (cli/table_estimator_inputs.h):
// the current simulator presets, the space the file names.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "hwnas/estimate/table_model.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/space/registry.h"

namespace hwnas::estimate {

inline TableSimulators preset_table_simulators() {
  TableSimulators simulators;
  for (std::string_view preset : kTableSimulatorPresets) simulators.push_back(hw::make_target(std::string(preset)));
  return simulators;
}

inline TableEstimator load_table_estimator(const nlohmann::json& doc, const std::string& path) {
  return TableEstimator::from_json(doc, path, space::make_space(TableEstimator::space_name(doc, path), {}),
                                   preset_table_simulators());
}

}  // namespace hwnas::estimate

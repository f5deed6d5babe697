// What table estimators need from outside the estimate module, built where every target
// and space is at hand: the simulator presets and the space the file names.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "hwnas/estimate/table_model.h"

namespace hwnas::cli {

/// hw::make_target of each of estimate::kTableSimulatorPresets, in that order.
estimate::TableSimulators make_table_simulators();

/// A table estimator file's JSON read with its space (space::make_space of the file's
/// "space") and the current simulator presets.
estimate::TableEstimator load_table_estimator(const nlohmann::json& doc, const std::string& path);

}  // namespace hwnas::cli

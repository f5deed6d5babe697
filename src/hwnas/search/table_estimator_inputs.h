// What table estimators need from outside the estimate module (which links no concrete
// target), built here where every target and space is at hand: the simulator presets whose
// latencies are a table estimator's features, and the space its file names. The CLI
// (fit, estimate), the cost model (estimator_latency.cpp) and the tests load them so.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "hwnas/estimate/table_model.h"

namespace hwnas::search {

/// hw::make_target of each of estimate::kTableSimulatorPresets, in that order.
estimate::TableSimulators make_table_simulators();

/// A table estimator file's JSON (`doc`, read from `path`) with its space (space::make_space
/// of the file's "space", curated, no P) and the current simulator presets. Throws
/// TableEstimator::from_json's UserErrors, naming `path`.
estimate::TableEstimator load_table_estimator(const nlohmann::json& doc, const std::string& path);

}  // namespace hwnas::search

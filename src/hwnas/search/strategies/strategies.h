// The strategies make_strategy (search/strategy.h) builds, one file each. Every maker
// reads its parameters (docs/strategies.md) and throws UserError for bad ones.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "hwnas/search/strategy.h"

namespace hwnas::search::strategies {

/// Uniform sampling without repeats (random.cpp). Any number of objectives.
std::unique_ptr<Strategy> make_random(const nlohmann::json& params, const StrategyContext& context);
/// Aging (regularized) evolution, Real et al. 2019 (evolution.cpp). One objective.
std::unique_ptr<Strategy> make_evolution(const nlohmann::json& params, const StrategyContext& context);
/// REINFORCE over an independent softmax policy per gene, MnasNet-style (reinforce.cpp). One objective.
std::unique_ptr<Strategy> make_reinforce(const nlohmann::json& params, const StrategyContext& context);
/// NSGA-II, Deb et al. 2002, with constraint domination (nsga2.cpp). Any number of objectives.
std::unique_ptr<Strategy> make_nsga2(const nlohmann::json& params, const StrategyContext& context);
/// Local search with restarts, White et al. 2021 (local.cpp). One objective.
std::unique_ptr<Strategy> make_local(const nlohmann::json& params, const StrategyContext& context);
/// Predictor-guided search with an ensemble surrogate, BANANAS-like (bananas.cpp). One objective.
std::unique_ptr<Strategy> make_bananas(const nlohmann::json& params, const StrategyContext& context);

}  // namespace hwnas::search::strategies

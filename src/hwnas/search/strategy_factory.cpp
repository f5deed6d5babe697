// make_strategy: the strategies by name (one file each under strategies/).
#include <fmt/format.h>

#include "hwnas/base/error.h"
#include "hwnas/base/suggest.h"
#include "hwnas/search/strategies/strategies.h"
#include "hwnas/search/strategy.h"

namespace hwnas::search {

const std::vector<std::string>& strategy_names() {
  static const std::vector<std::string> names = {"random", "evolution", "reinforce", "nsga2", "local", "bananas"};
  return names;
}

std::unique_ptr<Strategy> make_strategy(std::string_view name, const nlohmann::json& params,
                                        const StrategyContext& context) {
  HWNAS_CHECK(context.space != nullptr && context.objectives >= 1);
  if (name == "random") return strategies::make_random(params, context);
  if (name == "evolution") return strategies::make_evolution(params, context);
  if (name == "reinforce") return strategies::make_reinforce(params, context);
  if (name == "nsga2") return strategies::make_nsga2(params, context);
  if (name == "local") return strategies::make_local(params, context);
  if (name == "bananas") return strategies::make_bananas(params, context);
  const std::vector<std::string_view> known(strategy_names().begin(), strategy_names().end());
  const std::string close = closest_name(name, known);
  throw UserError(fmt::format("strategy.name: '{}' is not a strategy; {}: {}", name,
                              close.empty() ? "write one of" : "did you mean '" + close + "'? The strategies are",
                              fmt::join(strategy_names(), ", ")));
}

}  // namespace hwnas::search

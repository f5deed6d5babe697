// A rewrite plan: passes to apply in order, by pass name, site name and parameters. The
// transfer planner (issue 12 §3) writes one from a finished search; the advisor evaluates
// it on a model with apply_plan (advisor.h).
#pragma once

#include <string>

#include "hwnas/advise/pass.h"

namespace hwnas::advise {

struct PlannedStep {
  std::string pass;    // a name of passes(), e.g. "ibn_to_fused"
  std::string site;    // a block name, or "graph" for a whole-graph pass (site_name())
  Params params;       // as given; the pass's defaults fill in the rest
  std::string why;     // one line: where the step comes from ("fused in 7 of 9 Pareto members")
};

}  // namespace hwnas::advise

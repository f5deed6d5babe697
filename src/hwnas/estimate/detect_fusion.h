// Detecting a black-box target's fusion rules by measurement (nn-Meter's rule).
//
// For each pattern, small probe graphs are decomposed without and with the pattern; the
// parts and the fused kernel are measured. The pattern is fused when
//     Σ T_part − T_fused > α · min T_part        (α = 0.5 by default)
// i.e. running the ops as one kernel saves more than half of the cheapest part — what a
// fused kernel does and two back-to-back launches cannot. A pattern is kept when most of
// its probes (three shapes) say fused; a fused kernel the target cannot run says not fused.
#pragma once

#include <nlohmann/json.hpp>

#include "hwnas/hw/fusion.h"
#include "hwnas/hw/target.h"

namespace hwnas::estimate {

struct FusionDetection {
  hw::FusionRules rules;
  nlohmann::json evidence;  // per pattern and probe: parts_ms, fused_ms, fused
};

FusionDetection detect_fusion(hw::Target& target, double alpha = 0.5);

}  // namespace hwnas::estimate

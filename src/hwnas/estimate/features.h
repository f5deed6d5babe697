// Features of a kernel that latency depends on, as a flat JSON object of numbers.
#pragma once

#include <nlohmann/json.hpp>

#include "hwnas/hw/kernel.h"

namespace hwnas::estimate {

/// The kernel type ("conv", "dwconv", "linear", "pool", "elementwise", ...) and its
/// features: input and output shape, kernel size, stride, groups, fused ops, MACs, input,
/// output and weight elements, batch, element bytes.
std::string kernel_type(const hw::Kernel& kernel);
nlohmann::json kernel_features(const hw::Kernel& kernel);

}  // namespace hwnas::estimate

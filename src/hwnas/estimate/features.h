// Features of a kernel that latency depends on.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/hw/kernel.h"

namespace hwnas::estimate {

/// Bump when feature_vector changes meaning: stored feature vectors of another version
/// are not used for training.
inline constexpr int kFeatureVersion = 4;

/// The kernel's type; one regressor is learnt per type: conv, dwconv, group_conv,
/// linear, pool, global_pool, se, concat, upsample, elementwise.
std::string kernel_type(const hw::Kernel& kernel);

/// Names of feature_vector's entries.
const std::vector<std::string>& feature_names();
/// Shapes, kernel size, stride, groups, dilation, fused ops, log2 of MACs and of input,
/// output and weight elements, batch, element bytes, log2 of activation (input + output)
/// and weight bytes, and channel folds ⌈C / p⌉ for
/// p ∈ {4, 8, 16, 32, 64} (an accelerator's lanes are usually one of these).
std::vector<float> feature_vector(const hw::Kernel& kernel);

/// What the measurement store keeps: {"type", "version", "x": feature_vector}.
nlohmann::json kernel_features(const hw::Kernel& kernel);

}  // namespace hwnas::estimate

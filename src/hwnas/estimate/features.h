// Features of a kernel that latency depends on.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/hw/fusion.h"
#include "hwnas/hw/kernel.h"

namespace hwnas::estimate {

/// Bump when feature_vector changes meaning: stored feature vectors of another version
/// are not used for training.
inline constexpr int kFeatureVersion = 4;

/// The kernel's type; one regressor is learnt per type: conv, dwconv, group_conv,
/// linear, pool, global_pool, se, concat, upsample, elementwise.
std::string kernel_type(const hw::Kernel& kernel);
/// The types kernel_type() gives the kernels decompose() forms under `rules`: all of the
/// above, but `se` only with se_gate fusion (without it the pool is a global_pool kernel).
std::vector<std::string> kernel_types(const hw::FusionRules& rules);

/// Names of feature_vector's entries.
const std::vector<std::string>& feature_names();
/// Shapes, kernel size, stride, groups, dilation, fused ops, log2 of MACs and of input,
/// output and weight elements, batch, element bytes, log2 of activation (input + output)
/// and weight bytes, and channel folds ⌈C / p⌉ for
/// p ∈ {4, 8, 16, 32, 64} (an accelerator's lanes are usually one of these).
std::vector<float> feature_vector(const hw::Kernel& kernel);
/// The same, appended to `out`.
void append_feature_vector(const hw::Kernel& kernel, std::vector<float>& out);

/// What the measurement store keeps: {"type", "version", "x": feature_vector}.
nlohmann::json kernel_features(const hw::Kernel& kernel);

/// A target's lane counts found by measurement (detect_lanes.h); 0 where none was found.
struct Lanes {
  std::int32_t cout = 0;      // output channels computed at once: the parallelism factor
  std::int32_t cin = 0;       // input channels reduced at once
  std::int32_t channels = 0;  // channels a tensor is stored padded to
  bool operator==(const Lanes&) const = default;
};
/// {"cout", "cin", "channels"}: how estimator files and `fit --json` write lanes.
nlohmann::ordered_json lanes_json(const Lanes& lanes);

/// What a model sees: feature_vector followed by lane features computed from it — folds
/// ⌈C / lanes⌉, the array work and input re-reads they imply, lane utilisation, padded
/// activation bytes, and work per byte (which of compute or memory bounds the kernel).
/// Derived from the stored vector, so stored measurements serve any lanes.
const std::vector<std::string>& model_feature_names();
/// Appends the model features of one stored feature vector to `out`.
void append_model_features(std::span<const float> stored, const Lanes& lanes, std::vector<float>& out);
/// Appends the model features of a kernel to `out` (what predictions use: no temporary).
void append_model_features(const hw::Kernel& kernel, const Lanes& lanes, std::vector<float>& out);

}  // namespace hwnas::estimate

// Validating an estimator: random networks measured end to end on the target.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "hwnas/estimate/estimator.h"
#include "hwnas/hw/target.h"

namespace hwnas::estimate {

/// Samples `networks` networks (KernelSampler::random_validation_network: zoo models at
/// random widths and resolutions, LR-ASPP and SSDLite among them, random conv / IBN /
/// fused-IBN networks, random layer networks of concat, upsample, gates and pools, NB201
/// and FBNet architectures), network i at the estimator's (i mod n)-th fitted batch size,
/// measures each on `target` (sum of its kernels, the target's own fusion) and compares
/// with the estimate. Returns agreement() plus "networks", "skipped", "batches" (agreement
/// per batch size), "kernel_types" (kernels of each type the networks held) and "worst".
/// Throws UserError when the estimator was fitted for another target or has no model for
/// a kernel type the networks hold.
nlohmann::json validate(const Estimator& estimator, hw::Target& target, std::int64_t networks,
                        std::uint64_t seed, const std::function<void(std::int64_t, std::int64_t)>& progress = {});

}  // namespace hwnas::estimate

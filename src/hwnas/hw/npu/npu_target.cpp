#include "hwnas/hw/npu/npu_target.h"

#include <fmt/format.h>

#include "hwnas/base/hash.h"

#include "hwnas/hw/npu/simulate.h"

namespace hwnas::hw {

NpuTarget::NpuTarget(NpuDescription description) : description_(std::move(description)) {
  identity_ = fmt::format("{}#{:016x}", description_.name, stable_hash(description_.identity_yaml()));
}

Measurement NpuTarget::measure(const Kernel& kernel) { return simulate_npu(kernel, description_); }

std::unique_ptr<Target> make_npu_target(const YAML::Node& node, const std::string& source) {
  return std::make_unique<NpuTarget>(parse_npu_description(node, source));
}

}  // namespace hwnas::hw

// The simulated accelerator as a Target.
#pragma once

#include <memory>

#include "hwnas/hw/npu/description.h"
#include "hwnas/hw/target.h"

namespace hwnas::hw {

class NpuTarget : public Target {
 public:
  explicit NpuTarget(NpuDescription description);
  const std::string& name() const override { return description_.name; }
  const std::string& identity() const override { return identity_; }
  Measurement measure(const Kernel& kernel) override;
  std::optional<FusionRules> fusion_rules() const override { return description_.fuse; }
  graph::Precision precision() const override { return description_.precision; }
  std::optional<std::int32_t> parallelism_factor() const override { return description_.parallelism_factor; }
  const NpuDescription& description() const { return description_; }

 private:
  NpuDescription description_;
  std::string identity_;
};

std::unique_ptr<Target> make_npu_target(const YAML::Node& node, const std::string& source);

}  // namespace hwnas::hw

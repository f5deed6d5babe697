// Fusion detection on a black-box target whose fusion the test knows.
#include <gtest/gtest.h>

#include "hwnas/estimate/detect_fusion.h"
#include "hwnas/hw/kernel.h"

namespace hwnas::estimate {
namespace {

// Each op costs its output elements; a kernel pays a launch cost; the ops of a kernel
// that the device really fuses are free beyond the first (they ride its output stage);
// kernels it does not fuse cost as much as their parts launched one by one.
class FakeDevice : public hw::Target {
 public:
  explicit FakeDevice(hw::FusionRules fused) : fused_(std::move(fused)) {}
  const std::string& name() const override { return name_; }
  const std::string& identity() const override { return name_; }
  hw::Measurement measure(const hw::Kernel& k) override {
    const double launch = 1e-5;
    double cost = 0;
    for (const hw::KernelOp& op : k.ops) cost += 1e-9 * double(op.output.elements());
    const bool fused = k.ops.size() == 1 || std::any_of(fused_.patterns.begin(), fused_.patterns.end(), [&](auto p) {
                         return matches(p, k);
                       });
    hw::Measurement m;
    m.latency_s = fused ? launch + 1e-9 * double(k.main().output.elements()) : cost + launch * double(k.ops.size());
    return m;
  }

 private:
  static bool matches(hw::FusionPattern p, const hw::Kernel& k) {
    const auto has = [&](auto pred) { return std::any_of(k.ops.begin() + 1, k.ops.end(), pred); };
    switch (p) {
      case hw::FusionPattern::conv_bn_act:
        return std::holds_alternative<graph::Conv2d>(k.main().op) &&
               !has([](const hw::KernelOp& o) { return std::holds_alternative<graph::Add>(o.op); });
      case hw::FusionPattern::conv_add:
        return has([](const hw::KernelOp& o) { return std::holds_alternative<graph::Add>(o.op); });
      case hw::FusionPattern::act_pool:
        return has([](const hw::KernelOp& o) { return std::holds_alternative<graph::Pool>(o.op); });
      case hw::FusionPattern::se_gate:
        return std::holds_alternative<graph::GlobalPool>(k.main().op);
    }
    return false;
  }
  hw::FusionRules fused_;
  std::string name_ = "fake";
};

TEST(DetectFusion, RecoversWhatTheDeviceFuses) {
  for (const hw::FusionRules& truth :
       {hw::FusionRules{}, hw::FusionRules{{hw::FusionPattern::conv_bn_act}},
        hw::FusionRules{{hw::FusionPattern::conv_bn_act, hw::FusionPattern::conv_add, hw::FusionPattern::act_pool,
                         hw::FusionPattern::se_gate}},
        hw::FusionRules{{hw::FusionPattern::act_pool, hw::FusionPattern::se_gate}}}) {
    FakeDevice device(truth);
    const FusionDetection d = detect_fusion(device);
    std::vector<hw::FusionPattern> got = d.rules.patterns, want = truth.patterns;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want);
    EXPECT_EQ(d.evidence.size(), 4u);
  }
}

}  // namespace
}  // namespace hwnas::estimate

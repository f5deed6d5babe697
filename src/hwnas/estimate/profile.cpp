#include "hwnas/estimate/profile.h"

#include "hwnas/estimate/features.h"

namespace hwnas::estimate {

ProfileResult profile(hw::Target& target, hw::MeasurementStore& store, std::int64_t kernels,
                      std::uint64_t seed, const Progress& progress) {
  KernelSampler sampler(target.fusion_rules().value_or(hw::FusionRules{}), target.precision(), seed);
  ProfileResult result;
  for (std::int64_t i = 0; i < kernels; ++i) {
    const hw::Kernel kernel = sampler.next();
    if (store.find(target.identity(), hw::kernel_key(kernel))) {
      ++result.reused;
    } else {
      try {
        const hw::Measurement m = target.measure(kernel);
        store.put(target.name(), target.identity(), kernel, kernel_features(kernel), m);
        ++result.measured;
      } catch (const hw::UnsupportedKernel&) {
        ++result.unsupported;
      }
    }
    if (progress) progress(i + 1, kernels);
  }
  return result;
}

}  // namespace hwnas::estimate

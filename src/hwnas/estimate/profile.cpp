#include "hwnas/estimate/profile.h"

#include "hwnas/estimate/features.h"

namespace hwnas::estimate {

StoredMeasurementOf measure_once(hw::Target& target, hw::MeasurementStore& store, const hw::Kernel& kernel) {
  if (auto stored = store.find(target.identity(), hw::kernel_key(kernel))) return {*stored, true};
  const hw::Measurement m = target.measure(kernel);
  store.put(target.name(), target.identity(), kernel, kernel_features(kernel), m);
  return {m, false};
}

ProfileResult profile(hw::Target& target, hw::MeasurementStore& store, std::int64_t kernels,
                      std::uint64_t seed, const Progress& progress) {
  KernelSampler sampler(target.fusion_rules().value_or(hw::FusionRules{}), target.precision(), seed);
  ProfileResult result;
  for (std::int64_t i = 0; i < kernels; ++i) {
    try {
      ++(measure_once(target, store, sampler.next()).reused ? result.reused : result.measured);
    } catch (const hw::UnsupportedKernel& e) {
      if (result.unsupported++ == 0) result.first_unsupported = e.what();
    }
    if (progress) progress(i + 1, kernels);
  }
  return result;
}

}  // namespace hwnas::estimate

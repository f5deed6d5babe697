// The measured CPU target: kernels run on this machine through XNNPACK (fp32, NHWC).
//
// Each measure() call builds an XNNPACK runtime for the kernel (not timed), runs it
// `warmup` times, then times single invocations until `target_seconds` have elapsed,
// clamped to [min_repeats, max_repeats] runs. The kernel's precision is ignored: the
// target always runs fp32 (the kernel key still carries the precision). docs/hardware-cpu.md.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <string>

#include "hwnas/hw/target.h"

namespace hwnas::hw {

struct CpuOptions {
  std::string name;          // empty: "cpu-<threads>t"
  std::int32_t threads = 1;  // 1: the calling thread only; N in 2..256: a pthreadpool of N threads
  std::int32_t warmup = 2;   // untimed runs before timing (0 allowed)
  std::int32_t min_repeats = 5;
  std::int32_t max_repeats = 200;
  double target_seconds = 0.05;  // timed runs continue until this much time has elapsed
};

/// Every key a cpu description may have (make_target infers a missing `kind` from them).
std::span<const std::string_view> cpu_description_keys();

/// Options from a description mapping (keys: name, kind (must be cpu), threads, warmup,
/// min_repeats, max_repeats, target_seconds; all optional). Throws UserError naming
/// `source`, the key and the fix.
CpuOptions parse_cpu_options(const YAML::Node& description, const std::string& source);

std::unique_ptr<Target> make_cpu_target(const YAML::Node& description, const std::string& source);
/// Throws UserError when an option is out of range, or when XNNPACK cannot initialise.
std::unique_ptr<Target> make_cpu_target(const CpuOptions& options);

}  // namespace hwnas::hw

// Repeatability of the cpu target: profiling the same kernel twice should give medians within
// 5%. Measures a few typical kernels in two passes (other kernels run in between) and prints
// both medians, their ratio and the spreads. Usage: cpu_target_bench [threads]
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "hwnas/hw/cpu/cpu_target.h"

namespace {

using namespace hwnas;
using graph::Shape;

hw::Kernel kernel(graph::Op op, Shape in, Shape out) {
  return hw::Kernel{{hw::KernelOp{std::move(op), {in}, out}}, graph::Precision::fp32, 1};
}

}  // namespace

int main(int argc, char** argv) {
  hw::CpuOptions options;
  if (argc > 1) options.threads = std::atoi(argv[1]);
  const auto target = hw::make_cpu_target(options);

  const std::vector<std::pair<std::string, hw::Kernel>> kernels = {
      {"1x1 expand 24->144 @56",
       kernel(graph::Conv2d{.out_channels = 144}, {24, 56, 56}, {144, 56, 56})},
      {"3x3 depthwise 144 @56", kernel(graph::Conv2d{.out_channels = 144,
                                                     .kernel_h = 3,
                                                     .kernel_w = 3,
                                                     .pad_h = 1,
                                                     .pad_w = 1,
                                                     .groups = 144},
                                       {144, 56, 56}, {144, 56, 56})},
      {"3x3 conv 64->64 @28",
       kernel(
           graph::Conv2d{.out_channels = 64, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1},
           {64, 28, 28}, {64, 28, 28})},
      {"linear 1280->1000",
       kernel(graph::Linear{.out_features = 1000}, {1280, 1, 1}, {1000, 1, 1})},
  };

  std::vector<hw::Measurement> first, second;
  for (const auto& [name, k] : kernels) first.push_back(target->measure(k));
  for (const auto& [name, k] : kernels) second.push_back(target->measure(k));

  fmt::print("cpu target {} (threads {}, target_seconds {}, repeats {}..{})\n", target->identity(),
             options.threads, options.target_seconds, options.min_repeats, options.max_repeats);
  fmt::print("{:<24} {:>11} {:>11} {:>7} {:>8} {:>8} {:>6}  {}\n", "kernel", "median1 us",
             "median2 us", "ratio", "spread1", "spread2", "runs", "within 5%");
  int outside = 0;
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    const double ratio = second[i].latency_s / first[i].latency_s;
    const bool within = std::abs(ratio - 1.0) <= 0.05;
    outside += within ? 0 : 1;
    fmt::print("{:<24} {:>11.1f} {:>11.1f} {:>7.3f} {:>8.3f} {:>8.3f} {:>3}/{:<3} {}\n",
               kernels[i].first, first[i].latency_s * 1e6, second[i].latency_s * 1e6, ratio,
               first[i].spread, second[i].spread, first[i].samples_s.size(),
               second[i].samples_s.size(), within ? "yes" : "NO");
  }
  fmt::print("{} of {} kernels within 5%\n", kernels.size() - static_cast<std::size_t>(outside),
             kernels.size());
  return 0;
}

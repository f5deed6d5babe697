#include "hwnas/estimate/detect_lanes.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "hwnas/estimate/profile.h"

namespace hwnas::estimate {
namespace {

hw::Kernel conv3x3(std::int32_t in, std::int32_t out, graph::Precision precision) {
  graph::Conv2d conv{.out_channels = out, .kernel_h = 3, .kernel_w = 3, .pad_h = 1, .pad_w = 1};
  return {{{conv, {graph::Shape{in, 16, 16}}, graph::Shape{out, 16, 16}}}, precision, 1};
}

hw::Kernel relu(std::int32_t channels, graph::Precision precision) {
  const graph::Shape s{channels, 28, 28};
  return {{{graph::Activation{graph::ActKind::relu}, {s}, s}}, precision, 1};
}

}  // namespace

std::int32_t staircase_period(std::span<const double> latency, nlohmann::json* jumps_out) {
  const std::size_t n = latency.size();
  if (n < 5) return 0;
  std::vector<double> step(n - 1), size(n - 1);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    step[i] = latency[i + 1] - latency[i];
    size[i] = std::fabs(step[i]);
  }
  std::nth_element(size.begin(), size.begin() + size.size() / 2, size.end());
  const double typical = size[size.size() / 2];  // the slope between steps, or the noise
  // A jump after c channels: a rise well above the typical change and at least 0.5%.
  std::vector<std::int32_t> jumps;
  for (std::size_t i = 0; i + 1 < n; ++i)
    if (step[i] > 4 * typical && step[i] > 0.005 * latency[i]) jumps.push_back(static_cast<std::int32_t>(i + 1));
  if (jumps_out != nullptr) *jumps_out = jumps;
  if (jumps.size() < 2) return 0;
  // The period whose multiples best match the jumps: most jumps on multiples (precision)
  // and most multiples with a jump (recall); the larger period on a tie.
  std::int32_t best = 0;
  double best_score = 0;
  for (std::int32_t p = 2; p <= 64 && 2 * p < static_cast<std::int32_t>(n); ++p) {
    std::int32_t hits = 0, multiples = 0;
    for (std::int32_t m = p; m < static_cast<std::int32_t>(n); m += p) ++multiples;
    for (std::int32_t j : jumps) hits += j % p == 0;
    const double score = (double(hits) / double(jumps.size())) * (double(hits) / multiples);
    if (hits >= 2 && score >= best_score) {
      best = p;
      best_score = score;
    }
  }
  return best_score >= 0.6 ? best : 0;
}

LaneDetection detect_lanes(hw::Target& target, hw::MeasurementStore& store) {
  LaneDetection out;
  out.evidence = nlohmann::json::object();
  const graph::Precision precision = target.precision();
  const auto sweep = [&](const char* name, auto make) {
    std::vector<double> t;
    try {
      for (std::int32_t c = 1; c <= kLaneSweep; ++c) t.push_back(measure_once(target, store, make(c)).measurement.latency_s);
    } catch (const hw::UnsupportedKernel&) {
      out.evidence[name] = {{"period", 0}, {"unsupported", true}};
      return 0;
    }
    nlohmann::json jumps;
    const std::int32_t p = staircase_period(t, &jumps);
    out.evidence[name] = {{"period", p}, {"jumps_after", jumps}};
    return p;
  };
  out.lanes.cout = sweep("cout", [&](std::int32_t c) { return conv3x3(32, c, precision); });
  out.lanes.cin = sweep("cin", [&](std::int32_t c) { return conv3x3(c, 32, precision); });
  out.lanes.channels = sweep("channels", [&](std::int32_t c) { return relu(c, precision); });
  return out;
}

}  // namespace hwnas::estimate

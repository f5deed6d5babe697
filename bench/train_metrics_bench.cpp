// The cost of COCO mAP over a test set of 10,000 images (issue 11: "well under a second"):
// MeanAveragePrecision::add_image for every image, then result(), with 4 truth boxes and
// 100 or 300 detections per image over 10 classes (300 is SSDLite's detections_per_image).
// Baseline in the same run: a std::stable_sort of the same detections by score, which any
// COCOeval must do at least once; the summary prints seconds and that ratio.
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "hwnas/train/metrics/detection_map.h"
#include "rate_reporter.h"

namespace {

using hwnas::train::Box;
using hwnas::train::Detection;
using hwnas::train::MeanAveragePrecision;

constexpr int kImages = 10000, kClasses = 10;

struct TestSet {
  std::vector<std::vector<Box>> truth;
  std::vector<std::vector<Detection>> detections;
};

TestSet make_test_set(int detections_per_image) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  const auto box = [&] {
    const float x = unit(rng) * 80, y = unit(rng) * 80;
    return Box{x, y, x + 8 + unit(rng) * 16, y + 8 + unit(rng) * 16, static_cast<std::int32_t>(unit(rng) * kClasses)};
  };
  TestSet set;
  set.truth.resize(kImages);
  set.detections.resize(kImages);
  for (int i = 0; i < kImages; ++i) {
    for (int t = 0; t < 4; ++t) set.truth[i].push_back(box());
    for (int d = 0; d < detections_per_image; ++d) set.detections[i].push_back({box(), unit(rng)});
  }
  return set;
}

void BM_Map(benchmark::State& state) {
  const TestSet set = make_test_set(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    MeanAveragePrecision map(kClasses);
    for (int i = 0; i < kImages; ++i) map.add_image(set.truth[i], set.detections[i]);
    benchmark::DoNotOptimize(map.result().map_50_95);
  }
}

void BM_StableSortByScore(benchmark::State& state) {
  const TestSet set = make_test_set(static_cast<int>(state.range(0)));
  std::vector<float> scores;
  for (const auto& image : set.detections)
    for (const Detection& d : image) scores.push_back(d.score);
  for (auto _ : state) {
    std::vector<float> ranked = scores;
    std::stable_sort(ranked.begin(), ranked.end(), std::greater<>());
    benchmark::DoNotOptimize(ranked.data());
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (const int per_image : {100, 300}) {
    benchmark::RegisterBenchmark("Map", BM_Map)->Arg(per_image)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("StableSortByScore", BM_StableSortByScore)->Arg(per_image)->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  hwnas::bench::RateReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  fmt::print("\nsummary: COCO mAP over {} images, {} classes, 4 truth boxes each (CPU seconds, one core)\n",
             kImages, kClasses);
  for (const int per_image : {100, 300}) {
    const std::string map = "Map/" + std::to_string(per_image), sort = "StableSortByScore/" + std::to_string(per_image);
    if (!reporter.cpu_seconds.contains(map)) continue;
    fmt::print("  {} detections per image: {:.3f} s (goal: well under 1 s)", per_image, reporter.cpu_seconds.at(map));
    if (reporter.cpu_seconds.contains(sort))
      fmt::print(", {:.1f}x a stable sort of its detections by score", reporter.cpu_seconds.at(map) / reporter.cpu_seconds.at(sort));
    fmt::print("\n");
  }
}

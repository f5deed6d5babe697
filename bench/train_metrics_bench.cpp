// The cost of COCO mAP over a test set of 10,000 images (issue 11: "well under a second"):
// MeanAveragePrecision::add_image for every image, then result(), with 4 truth boxes and
// 100 or 300 detections per image over 10 classes (300 is SSDLite's detections_per_image).
// Baseline in the same run: a std::stable_sort of the same detections by score, which any
// COCOeval must do at least once; the summary prints seconds and that ratio.
// Also the decoding of an untrained SSDLite detector (near-equal class scores, so every
// anchor passes the 0.001 threshold and each class brings its 300 best to NMS): decode_ssd
// per image at inputs of 96 and 320, and NMS of those candidates run to the end (as decoding
// did before) against NMS stopped at the 300 detections kept (as it does now).
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "hwnas/train/metrics/anchors.h"
#include "hwnas/train/metrics/detection_map.h"
#include "hwnas/train/metrics/ssd_decode.h"
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

// An untrained SSDLite head's outputs for one image of res x res: SSDLite's six levels
// (strides 16 to 512), 6 anchors per location, 11 classes, logits and codes N(0, 0.1).
struct UntrainedHead {
  std::vector<hwnas::train::FeatureMapSize> sizes;
  std::vector<Box> anchors;
  std::vector<std::vector<float>> boxes, classes;
  std::vector<hwnas::train::SsdLevelOutput> levels() const {
    std::vector<hwnas::train::SsdLevelOutput> out;
    for (std::size_t l = 0; l < sizes.size(); ++l) out.push_back({boxes[l], classes[l], sizes[l]});
    return out;
  }
};

UntrainedHead untrained_head(int res) {
  std::mt19937 rng(2);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  UntrainedHead h;
  for (const int stride : {16, 32, 64, 128, 256, 512}) h.sizes.push_back({(res + stride - 1) / stride, (res + stride - 1) / stride});
  h.anchors = hwnas::train::default_boxes(h.sizes, res, res);
  for (const auto& size : h.sizes) {
    h.boxes.emplace_back(static_cast<std::size_t>(6 * 4 * size.height * size.width));
    h.classes.emplace_back(static_cast<std::size_t>(6 * (kClasses + 1) * size.height * size.width));
    for (float& v : h.boxes.back()) v = noise(rng);
    for (float& v : h.classes.back()) v = noise(rng);
  }
  return h;
}

void BM_DecodeUntrained(benchmark::State& state) {
  const int res = static_cast<int>(state.range(0));
  const UntrainedHead h = untrained_head(res);
  for (auto _ : state) benchmark::DoNotOptimize(hwnas::train::decode_ssd(h.levels(), h.anchors, kClasses + 1, res, res));
}

// NMS of an untrained head's candidates (decode_ssd's, before its NMS: every class's 300
// best), to the end or stopped at `state.range(1)` kept (0: to the end).
void BM_NmsUntrained(benchmark::State& state) {
  const int res = static_cast<int>(state.range(0));
  const UntrainedHead h = untrained_head(res);
  hwnas::train::SsdDecodeOptions all;
  all.nms_iou_threshold = 1.0;  // nothing suppressed, nothing cut: every candidate comes back
  all.detections_per_image = 1'000'000;
  const std::vector<Detection> candidates = hwnas::train::decode_ssd(h.levels(), h.anchors, kClasses + 1, res, res, all);
  const std::size_t max_kept = state.range(1) == 0 ? SIZE_MAX : static_cast<std::size_t>(state.range(1));
  for (auto _ : state) benchmark::DoNotOptimize(hwnas::train::batched_nms(candidates, 0.55, max_kept));
}

}  // namespace

int main(int argc, char** argv) {
  for (const int per_image : {100, 300}) {
    benchmark::RegisterBenchmark("Map", BM_Map)->Arg(per_image)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("StableSortByScore", BM_StableSortByScore)->Arg(per_image)->Unit(benchmark::kMillisecond);
  }
  for (const int res : {96, 320}) {
    benchmark::RegisterBenchmark("DecodeUntrained", BM_DecodeUntrained)->Arg(res)->Unit(benchmark::kMillisecond);
    for (const int kept : {0, 300})
      benchmark::RegisterBenchmark("NmsUntrained", BM_NmsUntrained)->Args({res, kept})->Unit(benchmark::kMillisecond);
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
  fmt::print("decoding an untrained SSDLite detector, 11 classes (CPU milliseconds per image, one core)\n");
  for (const int res : {96, 320}) {
    const std::string decode = fmt::format("DecodeUntrained/{}", res), all = fmt::format("NmsUntrained/{}/0", res),
                      first = fmt::format("NmsUntrained/{}/300", res);
    if (!reporter.cpu_seconds.contains(decode) || !reporter.cpu_seconds.contains(all) ||
        !reporter.cpu_seconds.contains(first))
      continue;
    fmt::print("  {}x{}: decode_ssd {:.2f} ms; NMS to the end {:.2f} ms, stopped at 300 kept {:.2f} ms ({:.1f}x)\n",
               res, res, 1e3 * reporter.cpu_seconds.at(decode), 1e3 * reporter.cpu_seconds.at(all),
               1e3 * reporter.cpu_seconds.at(first), reporter.cpu_seconds.at(all) / reporter.cpu_seconds.at(first));
  }
}

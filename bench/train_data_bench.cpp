// Throughput of the training data path (src/hwnas/train/data): batches as the trainer asks
// for them each step, against a plain copy of the same bytes, and the scene generator and
// its cache. One core; the summary prints the ratios measured in the same run.
//
//   build/bin/train_data_bench [--benchmark_filter=Batch]
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <filesystem>

#include "hwnas/train/data/batch.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/data/scene_cache.h"
#include "hwnas/train/data/scenes.h"
#include "rate_reporter.h"

namespace {

using namespace hwnas::train;

constexpr std::int64_t kBatch = 128;

const ImageSet& fashion_mnist() {
  static const ImageSet set = load_fashion_mnist(default_fashion_mnist_dir(), Split::test);
  return set;
}

const ImageSet& scenes() {
  static const ImageSet set = render_scenes({}, fashion_mnist(), Split::test, 512);
  return set;
}

/// Batch k's indices: a stride through the set, as a shuffled epoch would visit it.
std::vector<std::int64_t> indices(std::int64_t k, std::int64_t size) {
  std::vector<std::int64_t> out(kBatch);
  for (std::int64_t i = 0; i < kBatch; ++i) out[i] = ((k * kBatch + i) * 7919) % size;
  return out;
}

/// The baseline: a batch of the same shape already made, copied into a new vector (the
/// allocation and the memory traffic any batch costs, and nothing else).
void BM_PlainCopy(benchmark::State& state, std::size_t floats_per_image) {
  const std::vector<float> made(kBatch * floats_per_image, 0.5f);
  for (auto _ : state) {
    std::vector<float> copy(made);
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_Batch(benchmark::State& state, const ImageSet* set, BatchOptions options) {
  std::int64_t k = 0;
  for (auto _ : state) {
    options.seed = k;
    const std::vector<std::int64_t> batch = indices(k++, set->size());
    benchmark::DoNotOptimize(make_batch(*set, batch, options).pixels.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_SceneGeneration(benchmark::State& state) {
  std::uint64_t seed = 0;
  for (auto _ : state) {
    SceneOptions options;
    options.seed = seed++;
    benchmark::DoNotOptimize(render_scenes(options, fashion_mnist(), Split::test, 64).pixels.data());
  }
  state.SetItemsProcessed(state.iterations() * 64);
}

double cache_bytes_per_scene = 0;  // of the file BM_SceneCacheHit reads

void BM_SceneCacheHit(benchmark::State& state) {
  const std::filesystem::path cache = std::filesystem::temp_directory_path() / "hwnas_train_data_bench";
  const CachedScenes made = make_cached_scenes({}, Split::test, 1000, default_fashion_mnist_dir(), cache);
  cache_bytes_per_scene = static_cast<double>(std::filesystem::file_size(made.file)) / 1000;
  for (auto _ : state)
    benchmark::DoNotOptimize(make_cached_scenes({}, Split::test, 1000, default_fashion_mnist_dir(), cache).scenes.pixels.data());
  state.SetItemsProcessed(state.iterations() * 1000);
  std::filesystem::remove_all(cache);
}

/// Fashion-MNIST's mean and standard deviation of x / 255 over the training set.
BatchOptions options(std::int32_t resolution, std::int32_t channels, bool augment, std::int32_t pad) {
  BatchOptions o;
  o.resolution = resolution, o.channels = channels, o.augment = augment, o.pad = pad;
  o.mean = 0.286f, o.std = 0.353f;
  return o;
}

struct Case {
  std::string name;  // Batch/NAME and PlainCopy/NAME
  const ImageSet* set;
  BatchOptions options;
  std::size_t floats_per_image;
};

}  // namespace

int main(int argc, char** argv) {
  const std::vector<Case> cases = {
      {"28x28x1", &fashion_mnist(), options(0, 0, false, 0), 28 * 28},
      {"28x28x1/augment", &fashion_mnist(), options(0, 0, true, 2), 28 * 28},
      {"32x32x1/augment", &fashion_mnist(), options(32, 0, true, 4), 32 * 32},
      {"64x64x3/augment", &fashion_mnist(), options(64, 3, true, 4), 64 * 64 * 3},
      {"scenes96x96x1/augment", &scenes(), options(0, 0, true, 8), 96 * 96},
      {"scenes128x128x3/augment", &scenes(), options(128, 3, true, 8), 128 * 128 * 3},
  };
  for (const Case& c : cases) {
    benchmark::RegisterBenchmark(("PlainCopy/" + c.name).c_str(), BM_PlainCopy, c.floats_per_image);
    benchmark::RegisterBenchmark(("Batch/" + c.name).c_str(), BM_Batch, c.set, c.options);
  }
  benchmark::RegisterBenchmark("Scenes/generate", BM_SceneGeneration)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("Scenes/cache_hit", BM_SceneCacheHit)->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  hwnas::bench::RateReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto& rate = reporter.rate;
  fmt::print("\nsummary (one core, batches of {}): images/s, and the ratio to copying a made batch of the "
             "same shape\n",
             kBatch);
  for (const Case& c : cases) {
    if (!rate.contains("Batch/" + c.name)) continue;
    const double r = rate.at("Batch/" + c.name);
    fmt::print("  {:<26} {:>9.0f} images/s", c.name, r);
    if (rate.contains("PlainCopy/" + c.name)) fmt::print("  {:.2f}x the plain copy's rate", r / rate.at("PlainCopy/" + c.name));
    // A trainer step at 1,000 images/s spends this share of its time preparing the batch.
    fmt::print("  ({:.2f}% of a step at 1,000 images/s)\n", 100 * 1000 / r);
  }
  if (rate.contains("Scenes/generate")) fmt::print("  scenes generated: {:.0f}/s", rate.at("Scenes/generate"));
  if (rate.contains("Scenes/cache_hit"))
    fmt::print("; read from the cache: {:.0f}/s ({:.1f}x)", rate.at("Scenes/cache_hit"),
               rate.contains("Scenes/generate") ? rate.at("Scenes/cache_hit") / rate.at("Scenes/generate") : 0.0);
  fmt::print("\n");
  if (cache_bytes_per_scene > 0) fmt::print("  cache file: {:.0f} bytes a scene\n", cache_bytes_per_scene);
}

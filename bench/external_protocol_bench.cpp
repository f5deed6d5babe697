// Issue 14 §3: kernels per second of the example external device (examples/external/
// fake_npu.py) under the per-kernel protocol (a process per kernel) and the batch protocol
// (one process per target use), measured in the same run, and their ratio. Two workloads:
// `hwnas profile` (estimate::profile of N sampled kernels into a fresh measurement store)
// and `hwnas simulate mobilenet_v2` (estimate::measure_network), each with a fresh target,
// so the batch figures include starting its program once (and its exit). The per-kernel
// rate is mostly python3's start-up time: the first line names the python3 found on PATH.
// Usage: external_protocol_bench [kernels]   (default 100, profiled under each protocol)
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "hwnas/estimate/measure_network.h"
#include "hwnas/estimate/profile.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/hw/external/subprocess.h"
#include "hwnas/hw/store/measurement_store.h"
#include "hwnas/hw/targets/targets.h"

namespace {

using namespace hwnas;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kExamples = std::string(HWNAS_SOURCE_DIR) + "/examples/external/";

struct Rate {
  std::int64_t kernels = 0;
  double seconds = 0;
  double per_second() const { return static_cast<double>(kernels) / seconds; }
};

Rate profile_rate(const std::string& description, std::int64_t kernels, const fs::path& dir) {
  const std::string db = (dir / (fs::path(description).stem().string() + ".db")).string();
  const auto start = Clock::now();
  std::int64_t measured = 0;
  {  // the target's end (its program's exit) counts too
    auto store = hw::MeasurementStore::open(db);
    const auto target = hw::make_target(description);
    measured = estimate::profile(*target, store, kernels, /*seed=*/1).measured;
  }
  const std::chrono::duration<double> took = Clock::now() - start;
  return {measured, took.count()};
}

Rate simulate_rate(const std::string& description, const graph::Graph& model) {
  const auto start = Clock::now();
  std::size_t measured = 0;
  {
    const auto target = hw::make_target(description);
    measured = estimate::measure_network(model, *target).kernels.size();
  }
  const std::chrono::duration<double> took = Clock::now() - start;
  return {static_cast<std::int64_t>(measured), took.count()};
}

void print_row(const std::string& workload, const Rate& per_kernel, const Rate& batch) {
  fmt::print("{:<24} {:>8} {:>10.1f} {:>8} {:>10.1f} {:>8.1f}x\n", workload, per_kernel.kernels,
             per_kernel.per_second(), batch.kernels, batch.per_second(), batch.per_second() / per_kernel.per_second());
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t kernels = argc > 1 ? std::atoll(argv[1]) : 100;
  if (kernels < 1) {
    fmt::print(stderr, "usage: external_protocol_bench [kernels]   (kernels >= 1)\n");
    return 2;
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("hwnas-external-protocol-bench-{}", ::getpid());
  fs::create_directories(dir);
  const std::string per_kernel = kExamples + "fake_npu.yaml", batch = kExamples + "fake_npu_batch.yaml";
  const auto python = hw::find_program("python3", "");
  fmt::print("example device {} vs {}; python3 = {}\n", per_kernel, batch, python ? python->string() : "not found");
  fmt::print("{:<24} {:>8} {:>10} {:>8} {:>10} {:>9}\n", "workload", "kernels", "per-kernel", "kernels", "batch",
             "ratio");
  fmt::print("{:<24} {:>8} {:>10} {:>8} {:>10} {:>9}\n", "", "", "kernels/s", "", "kernels/s", "");
  print_row(fmt::format("profile --kernels {}", kernels), profile_rate(per_kernel, kernels, dir),
            profile_rate(batch, kernels, dir));
  const graph::Graph model = graph::build_zoo_model("mobilenet_v2");
  print_row("simulate mobilenet_v2", simulate_rate(per_kernel, model), simulate_rate(batch, model));
  fs::remove_all(dir);
  return 0;
}

#include "hwnas/hw/cpu/cpu_target.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <fstream>

#include "hwnas/base/hash.h"
#include "hwnas/hw/cpu/xnn_program.h"
#include "hwnas/hw/description_reader.h"

namespace hwnas::hw {
namespace {

constexpr std::array<std::string_view, 8> kKeys = {"name",           "kind",        "threads",
                                                   "warmup",         "min_repeats", "max_repeats",
                                                   "target_seconds", "description"};
constexpr std::int64_t kMaxCount = 1'000'000;
// Threads of the pthreadpool: more than any one CPU kernel can use (XNNPACK splits a kernel
// into tiles; few machines have more hardware threads), and creating them stays quick —
// 1,000,000 allowed before made the target start over a million threads.
constexpr std::int64_t kMaxThreads = 256;
constexpr double kMaxTargetSeconds = 3600;  // an hour per kernel

// The first "model name" of /proc/cpuinfo: measurements from another CPU model must not be
// reused, so it is part of the identity.
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("model name")) {
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown";
}

void validate(const CpuOptions& o) {
  const auto fail = [](const std::string& what) {
    throw UserError(fmt::format("cpu target options: {}", what));
  };
  if (o.threads < 1 || o.threads > kMaxThreads)
    fail(fmt::format("threads must be an integer from 1 to {}, got {}", kMaxThreads, o.threads));
  if (o.warmup < 0) fail(fmt::format("warmup must be a non-negative integer, got {}", o.warmup));
  if (o.min_repeats < 1)
    fail(fmt::format("min_repeats must be a positive integer, got {}", o.min_repeats));
  if (o.max_repeats < o.min_repeats)
    fail(fmt::format("max_repeats ({}) must be at least min_repeats ({})", o.max_repeats,
                     o.min_repeats));
  if (!std::isfinite(o.target_seconds) || o.target_seconds <= 0)
    fail(fmt::format("target_seconds must be a positive number, got {}", o.target_seconds));
}

// Linear interpolation between the closest ranks of sorted samples.
double percentile(const std::vector<double>& sorted, double q) {
  const double rank = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(rank));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (rank - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

struct ThreadpoolDeleter {
  void operator()(pthreadpool_t pool) const { pthreadpool_destroy(pool); }
};

class CpuTarget : public Target {
 public:
  explicit CpuTarget(CpuOptions options) : options_(std::move(options)) {
    validate(options_);
    if (options_.name.empty()) options_.name = fmt::format("cpu-{}t", options_.threads);
    if (const xnn_status status = xnn_initialize(nullptr); status != xnn_status_success)
      throw UserError(fmt::format("cpu target: XNNPACK cannot run on this machine (status {})",
                                  static_cast<int>(status)));
    if (options_.threads > 1) {
      threadpool_.reset(pthreadpool_create(static_cast<std::size_t>(options_.threads)));
      if (!threadpool_) throw UserError("cpu target: cannot create the thread pool");
    }
    YAML::Emitter out;
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << options_.name << YAML::Key
        << "kind" << YAML::Value << "cpu" << YAML::Key << "threads" << YAML::Value
        << options_.threads << YAML::Key << "warmup" << YAML::Value << options_.warmup << YAML::Key
        << "min_repeats" << YAML::Value << options_.min_repeats << YAML::Key << "max_repeats"
        << YAML::Value << options_.max_repeats << YAML::Key << "target_seconds" << YAML::Value
        << options_.target_seconds << YAML::Key << "cpu_model" << YAML::Value << cpu_model()
        << YAML::EndMap;
    identity_ = fmt::format("{}#{:016x}", options_.name, stable_hash(out.c_str()));
  }

  const std::string& name() const override { return options_.name; }
  const std::string& identity() const override { return identity_; }

  Measurement measure(const Kernel& kernel) override {
    XnnProgram program(kernel, threadpool_.get());
    for (std::int32_t i = 0; i < options_.warmup; ++i) program.run();
    using Clock = std::chrono::steady_clock;
    const auto min = static_cast<std::size_t>(options_.min_repeats);
    const auto max = static_cast<std::size_t>(options_.max_repeats);
    Measurement m;
    m.samples_s.reserve(std::min<std::size_t>(max, 1024));
    const Clock::time_point start = Clock::now();
    while (
        m.samples_s.size() < max &&
        (m.samples_s.size() < min ||
         std::chrono::duration<double>(Clock::now() - start).count() < options_.target_seconds)) {
      const Clock::time_point t0 = Clock::now();
      program.run();
      m.samples_s.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::vector<double> sorted = m.samples_s;
    std::sort(sorted.begin(), sorted.end());
    m.latency_s = percentile(sorted, 0.5);
    m.spread =
        m.latency_s > 0 ? (percentile(sorted, 0.9) - percentile(sorted, 0.1)) / m.latency_s : 0;
    m.bound = Bound::unknown;
    return m;
  }

 private:
  CpuOptions options_;
  std::string identity_;
  std::unique_ptr<pthreadpool, ThreadpoolDeleter> threadpool_;
};

}  // namespace

std::span<const std::string_view> cpu_description_keys() { return kKeys; }

CpuOptions parse_cpu_options(const YAML::Node& description, const std::string& source) {
  using Sign = DescriptionReader::Sign;
  const DescriptionReader r(description, source);
  r.check_mapping_and_keys(
      kKeys, "a cpu target description is a YAML mapping of keys",
      fmt::format("the cpu target's keys are: {} (docs/hardware-cpu.md)", fmt::join(kKeys, ", ")));
  r.text("kind", "cpu");  // a list or '' fails as not a non-empty string
  r.kind("cpu", "for the measured CPU target", /*quote_value=*/true);
  const std::string count = fmt::format("integer (at most {})", kMaxCount);
  CpuOptions o;
  o.name = r.text("name", "");
  o.threads = r.integer("threads", Sign::positive, kMaxThreads, o.threads,
                        fmt::format("integer (at most {})", kMaxThreads));
  o.warmup = r.integer("warmup", Sign::non_negative, kMaxCount, o.warmup, count);
  o.min_repeats = r.integer("min_repeats", Sign::positive, kMaxCount, o.min_repeats, count);
  o.max_repeats = r.integer("max_repeats", Sign::positive, kMaxCount, o.max_repeats, count);
  o.target_seconds =
      r.number("target_seconds", Sign::positive, 0, kMaxTargetSeconds, o.target_seconds, "number of seconds");
  if (o.max_repeats < o.min_repeats)
    r.fail("max_repeats",
           fmt::format("must be at least min_repeats ({}), got {}", o.min_repeats, o.max_repeats));
  return o;
}

std::unique_ptr<Target> make_cpu_target(const YAML::Node& description, const std::string& source) {
  return make_cpu_target(parse_cpu_options(description, source));
}

std::unique_ptr<Target> make_cpu_target(const CpuOptions& options) {
  return std::make_unique<CpuTarget>(options);
}

}  // namespace hwnas::hw

// A console reporter that also keeps each benchmark's rate and time, so a benchmark's
// main can print ratios against a baseline measured in the same run.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <string>

namespace hwnas::bench {

class RateReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration) continue;
      seconds[run.benchmark_name()] = run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
      const double cpu = run.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
      const auto [it, fresh] = cpu_seconds.emplace(run.benchmark_name(), cpu);
      if (!fresh) it->second = std::min(it->second, cpu);
      if (const auto it = run.counters.find("items_per_second"); it != run.counters.end())
        rate[run.benchmark_name()] = it->second;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> rate;     // items per second
  std::map<std::string, double> seconds;  // real time per iteration
  std::map<std::string, double> cpu_seconds;  // CPU time per iteration, fastest repetition
};

}  // namespace hwnas::bench

#include "hwnas/train/proxies/proxy_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <new>
#include <string_view>

#include "hwnas/base/error.h"
#include "hwnas/train/proxies/proxy_names.h"
#include "hwnas/train/proxies/te_nas_linear_regions.h"

namespace hwnas::train::proxies {

ProxyRunner::ProxyRunner(const ProxyRunOptions& options) : options_(options) {
  if (options_.proxies.empty()) throw UserError("give at least one proxy (--proxy NAME[,NAME...])");
  if (options_.batch < 1 || options_.batch > 60'000)
    throw UserError(fmt::format("batch {} is out of range [1, 60000]", options_.batch));
  if (const std::string problem = proxy_batch_problem(options_.proxies, options_.batch); !problem.empty())
    throw UserError(fmt::format("batch {}: {}; give a batch of at least {}", options_.batch, problem, kMinProxyBatch));
  for (std::size_t i = 0; i < options_.proxies.size(); ++i) {
    const std::string& name = options_.proxies[i];
    if (std::find(options_.proxies.begin(), options_.proxies.begin() + static_cast<std::ptrdiff_t>(i), name) !=
        options_.proxies.begin() + static_cast<std::ptrdiff_t>(i))
      throw UserError(fmt::format("proxy '{}' is named twice; name each once", name));
    proxies_.push_back(make_proxy(name));
    needs_data_ = needs_data_ || proxies_.back()->needs_data();
  }
}

void ProxyRunner::read_data() {
  if (!needs_data_ || data_) return;
  data_.emplace(ProxyDataOptions{options_.task, options_.data_dir, options_.batch, options_.seed, options_.scene_size,
                                 options_.scene_labels, options_.progress});
  const bool counts_regions = std::find(options_.proxies.begin(), options_.proxies.end(), "te_nas_linear_regions") !=
                              options_.proxies.end();
  if (options_.thin_linear_regions && counts_regions && options_.task == Task::classification)
    thin_crops_ = data_->crops(kTeNasThinInputs, kTeNasThinCrop);
}

namespace {

double process_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

[[noreturn]] void throw_out_of_memory(const graph::Graph& graph, std::int32_t batch) {
  throw UserError(fmt::format("model '{}' needs more memory than is available at batch {}: give a smaller "
                              "--batch or resolution",
                              graph.name(), batch));
}

}  // namespace

std::optional<graph::Graph> ProxyRunner::thin_copy(const Proxy& proxy, const graph::Graph& graph) const {
  // TE-NAS counts linear regions on a thin copy of a NAS-Bench-201 network.
  return options_.thin_linear_regions && options_.task == Task::classification &&
                 proxy.name() == "te_nas_linear_regions"
             ? te_nas_thin_network(graph)
             : std::nullopt;
}

void ProxyRunner::check(const graph::Graph& graph) const {
  for (const std::unique_ptr<Proxy>& proxy : proxies_) {
    if (!proxy->needs_data() || thin_copy(*proxy, graph)) continue;  // the thin copy reads its own crops
    check_proxy_input(graph, options_.task);
    proxy->check_graph(graph, options_.task, proxy_classes(options_.task, options_.scene_labels));
  }
}

ModelScores ProxyRunner::score(const graph::Graph& graph) {
  using Clock = std::chrono::steady_clock;
  check(graph);
  read_data();
  ModelScores out;
  for (const std::unique_ptr<Proxy>& proxy : proxies_) {
    const Clock::time_point start = Clock::now();
    const double cpu_start = process_cpu_seconds();
    try {
      if (const std::optional<graph::Graph> thin = thin_copy(*proxy, graph)) {
        out.scores.push_back(proxy->score(*thin, *thin_crops_, options_.seed));
        out.scored_on.push_back(ScoredOn::thin_copy_crops);
      } else {
        const ProxyInput input = proxy->needs_data() ? data_->input_for(graph) : ProxyInput{};
        out.scores.push_back(proxy->score(graph, input, options_.seed));
        out.scored_on.push_back(proxy->needs_data() ? ScoredOn::network_batch : ScoredOn::network);
      }
    } catch (const c10::Error& e) {
      // c10/core/impl/alloc_cpu.cpp: "DefaultCPUAllocator: can't allocate memory: ..."
      if (std::string_view(e.what()).find("can't allocate memory") == std::string_view::npos) throw;
      throw_out_of_memory(graph, options_.batch);
    } catch (const std::bad_alloc&) {  // the batch's pixels (a std::vector) at the model's resolution
      throw_out_of_memory(graph, options_.batch);
    }
    out.seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    out.cpu_seconds.push_back(process_cpu_seconds() - cpu_start);
  }
  return out;
}

}  // namespace hwnas::train::proxies

#include "search_nb201_landscape.h"

#include <algorithm>
#include <unordered_set>

#include "hwnas/base/error.h"
#include "hwnas/search/run_search.h"
#include "hwnas/search/strategy.h"

namespace hwnas::bench {

Landscape::Landscape(const space::Space& space, const YAML::Node& experiment)
    : space_(space), cost_model_(search::make_cost_model(experiment, "search_nb201 (built in)", space)) {
  const std::optional<std::uint64_t> size = space.exact_size();
  HWNAS_CHECK(size && *size <= 1000000);
  radix_ = space.cardinalities();
  trials_.reserve(*size);
  space::Genome genome;
  genome.genes.assign(radix_.size(), 0);
  for (std::uint64_t i = 0; i < *size; ++i) {
    HWNAS_CHECK(space.canonical(genome) == genome);  // every genome its own network, as NB201's
    trials_.push_back(cost_model_->evaluate(genome));
    budget_use_.push_back(cost_model_->budget_use(genome));
    for (std::size_t k = genome.genes.size(); k-- > 0;) {  // the next genome, last gene fastest
      if (++genome.genes[k] < radix_[k]) break;
      genome.genes[k] = 0;
    }
  }
}

std::size_t Landscape::index(const space::Genome& genome) const {
  std::size_t index = 0;
  for (std::size_t k = 0; k < radix_.size(); ++k) index = index * radix_[k] + genome.genes.at(k);
  return index;
}

const search::Trial& Landscape::trial(const space::Genome& genome) const { return trials_.at(index(genome)); }

std::optional<double> Landscape::budget_use(const space::Genome& genome) const {
  return budget_use_.at(index(space_.canonical(genome)));
}

std::vector<double> Landscape::sorted_latencies() const {
  std::vector<double> ms;
  for (const search::Trial& t : trials_)
    if (t.metrics.latency_ms) ms.push_back(*t.metrics.latency_ms);
  std::sort(ms.begin(), ms.end());
  return ms;
}

double Landscape::median_latency_ms() const {
  const std::vector<double> ms = sorted_latencies();
  HWNAS_CHECK(!ms.empty());
  const std::size_t n = ms.size();
  return n % 2 == 1 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
}

std::optional<double> Landscape::best_feasible_accuracy() const {
  std::optional<double> best;
  for (const search::Trial& t : trials_)
    if (t.status == search::TrialStatus::ok && t.feasible && t.metrics.accuracy && (!best || *t.metrics.accuracy > *best))
      best = *t.metrics.accuracy;
  return best;
}

std::size_t Landscape::feasible_count() const {
  return static_cast<std::size_t>(std::count_if(trials_.begin(), trials_.end(), [](const search::Trial& t) {
    return t.status == search::TrialStatus::ok && t.feasible;
  }));
}

Replay replay(const Landscape& landscape, const std::string& strategy, std::uint64_t seed,
              std::optional<double> target, std::int64_t max_evaluations, bool count_screened) {
  const space::Space& space = landscape.space();
  const search::CostModel& cost_model = landscape.cost_model();
  // "NAME" or "NAME:KEY=VALUE:...": the strategy's parameters (values are JSON, else strings).
  const std::size_t colon = strategy.find(':');
  nlohmann::json params = nlohmann::json::object();
  if (colon != std::string::npos) {
    std::string_view rest = std::string_view(strategy).substr(colon + 1);
    while (!rest.empty()) {
      const std::string_view item = rest.substr(0, rest.find(':'));
      rest.remove_prefix(std::min(rest.size(), item.size() + 1));
      const std::size_t eq = item.find('=');
      HWNAS_CHECK(eq != std::string_view::npos);
      const std::string value(item.substr(eq + 1));
      params[std::string(item.substr(0, eq))] = nlohmann::json::accept(value) ? nlohmann::json::parse(value) : nlohmann::json(value);
    }
  }
  const std::unique_ptr<search::Strategy> s = search::make_strategy(
      strategy.substr(0, colon), params,
      {.space = &space, .seed = seed, .objectives = cost_model.objectives(),
       .budget_use = [&landscape](const space::Genome& g) { return landscape.budget_use(g); }});
  std::unordered_set<space::Genome, space::GenomeHash> evaluated;
  Replay r;
  std::int64_t duplicate_run = 0;
  while (r.evaluations < max_evaluations && evaluated.size() < landscape.trials().size() &&
         duplicate_run < search::kMaxDuplicateRun) {
    const space::Genome genome = space.canonical(s->ask());
    space.check(genome);
    const search::Trial& trial = landscape.trial(genome);
    search::Feedback feedback = cost_model.feedback(trial);
    feedback.genome = genome;
    if (!evaluated.insert(genome).second) {
      ++duplicate_run;
    } else {
      duplicate_run = 0;
      r.evaluations += trial.accuracy_evaluated || count_screened ? 1 : 0;
      if (feedback.status == search::Feedback::Status::ok && trial.feasible) {
        r.fitness.push_back(feedback.fitness);
        if (target && trial.metrics.accuracy && *trial.metrics.accuracy >= *target) {
          r.evaluations_to_target = r.evaluations;
          return r;
        }
      }
    }
    s->tell(feedback);
  }
  return r;
}

}  // namespace hwnas::bench

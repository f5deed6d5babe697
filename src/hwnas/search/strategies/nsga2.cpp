// NSGA-II, Deb, Pratap, Agarwal, Meyarivan, IEEE TEC 6(2), 2002, asked one genome at a
// time: the first `population` genomes are random; then each genome is a child of two
// parents picked by binary tournament (lower front wins, then larger crowding distance),
// crossed over (space::crossover, uniform) with probability crossover_probability and
// mutated (space::mutate, one gene) with probability mutation_probability. When
// `population` children have been told, parents and children are sorted into fronts and
// the best `population` survive (whole fronts, the last one cut by crowding distance).
// Dominance is Deb's constraint domination (§IV-B): an ok genome dominates every
// infeasible or failed one; of two infeasible ones the smaller violation dominates (a
// failed one counts as an infinite violation); of two ok ones Pareto dominance on the
// fitness. Works with any number of objectives; with one it is a (μ+μ) genetic algorithm.
// A child proposed before is bred again (up to 100 tries, then a random genome).
#include <cmath>
#include <limits>
#include <numeric>

#include "hwnas/base/error.h"
#include "hwnas/search/pareto.h"
#include "hwnas/search/strategies/common.h"
#include "hwnas/search/strategies/strategies.h"

namespace hwnas::search::strategies {
namespace {

struct Individual {
  Feedback feedback;
  std::size_t front = 0;
  double crowding = 0;
};

double violation(const Feedback& f) {
  return f.status == Feedback::Status::failed ? std::numeric_limits<double>::infinity() : f.violation;
}

bool constraint_dominates(const Feedback& a, const Feedback& b) {
  const bool a_ok = a.status == Feedback::Status::ok, b_ok = b.status == Feedback::Status::ok;
  if (a_ok != b_ok) return a_ok;
  if (!a_ok) return violation(a) < violation(b);
  return dominates(a.fitness, b.fitness);
}

const char* status_name(Feedback::Status s) {
  return s == Feedback::Status::ok ? "ok" : s == Feedback::Status::infeasible ? "infeasible" : "failed";
}

Feedback::Status status_from(const std::string& s) {
  if (s == "ok") return Feedback::Status::ok;
  if (s == "infeasible") return Feedback::Status::infeasible;
  if (s == "failed") return Feedback::Status::failed;
  throw UserError("unknown status '" + s + "'");
}

class Nsga2 final : public Strategy {
 public:
  Nsga2(const StrategyContext& context, std::size_t population, double crossover, double mutation)
      : space_(*context.space), rng_(context.seed), objectives_(context.objectives), population_(population),
        crossover_(crossover), mutation_(mutation) {}

  space::Genome ask() override {
    const bool bred = asked_ >= population_ && !parents_.empty();
    const space::Genome child = propose_new(space_, rng_, proposed_, [&] {
      if (!bred) return space::sample(space_, rng_);
      const space::Genome& a = tournament();
      const space::Genome& b = tournament();
      space::Genome g = std::bernoulli_distribution(crossover_)(rng_) ? space::crossover(space_, a, b, rng_) : a;
      return std::bernoulli_distribution(mutation_)(rng_) ? space::mutate(space_, g, rng_) : g;
    });
    proposed_.insert(child);
    ++asked_;
    return child;
  }

  void tell(const Feedback& feedback) override {
    HWNAS_CHECK(feedback.status != Feedback::Status::ok || feedback.fitness.size() == objectives_);
    children_.push_back({feedback});
    if (children_.size() >= population_) select();
  }

  nlohmann::json state() const override {
    return {{"rng", rng_to_text(rng_)},     {"asked", asked_},   {"parents", to_json(parents_)},
            {"children", to_json(children_)}, {"proposed", proposed_.to_json()}};
  }

  void restore(const nlohmann::json& state) override {
    read_state("nsga2", [&] {
      rng_from_text(rng_, state.at("rng"));
      asked_ = state.at("asked").get<std::size_t>();
      parents_ = from_json(state.at("parents"));
      children_ = from_json(state.at("children"));
      proposed_ = GenomeSet::from_json(state.at("proposed"), space_);
    });
  }

 private:
  const space::Genome& tournament() {
    std::uniform_int_distribution<std::size_t> pick(0, parents_.size() - 1);
    const Individual& a = parents_[pick(rng_)];
    const Individual& b = parents_[pick(rng_)];
    if (a.front != b.front) return (a.front < b.front ? a : b).feedback.genome;
    return (b.crowding > a.crowding ? b : a).feedback.genome;
  }

  // Environmental selection of the best `population_` of parents and children.
  void select() {
    std::vector<Individual> all = std::move(parents_);
    all.insert(all.end(), children_.begin(), children_.end());
    children_.clear();
    parents_.clear();
    const auto fronts = non_dominated_sort(all.size(), [&](std::size_t a, std::size_t b) {
      return constraint_dominates(all[a].feedback, all[b].feedback);
    });
    std::vector<std::vector<double>> points;
    for (const Individual& i : all) points.push_back(i.feedback.fitness);
    for (std::size_t f = 0; f < fronts.size() && parents_.size() < population_; ++f) {
      const std::vector<std::size_t>& front = fronts[f];
      // Infeasible and failed fronts share one violation each: no spread to measure.
      const std::vector<double> crowding = all[front[0]].feedback.status == Feedback::Status::ok
                                               ? crowding_distance(points, front)
                                               : std::vector<double>(front.size(), 0.0);
      std::vector<std::size_t> order(front.size());
      std::iota(order.begin(), order.end(), 0);
      if (parents_.size() + front.size() > population_)
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return crowding[a] > crowding[b]; });
      for (const std::size_t k : order) {
        if (parents_.size() == population_) break;
        all[front[k]].front = f;
        all[front[k]].crowding = crowding[k];
        parents_.push_back(all[front[k]]);
      }
    }
  }

  nlohmann::json to_json(const std::vector<Individual>& v) const {
    nlohmann::json out = nlohmann::json::array();
    for (const Individual& i : v)
      out.push_back({{"genome", genome_to_json(i.feedback.genome)}, {"status", status_name(i.feedback.status)},
                     {"fitness", i.feedback.fitness}, {"violation", i.feedback.violation}, {"front", i.front},
                     {"crowding", std::isinf(i.crowding) ? -1.0 : i.crowding}});  // -1: infinite
    return out;
  }

  std::vector<Individual> from_json(const nlohmann::json& json) const {
    std::vector<Individual> out;
    for (const nlohmann::json& j : json.get_ref<const nlohmann::json::array_t&>()) {
      Individual i;
      i.feedback.genome = genome_from_json(j.at("genome"), space_);
      i.feedback.status = status_from(j.at("status").get<std::string>());
      i.feedback.fitness = j.at("fitness").get<std::vector<double>>();
      i.feedback.violation = j.at("violation").get<double>();
      if (i.feedback.status == Feedback::Status::ok && i.feedback.fitness.size() != objectives_)
        throw UserError("a genome has " + std::to_string(i.feedback.fitness.size()) + " objective values, not " +
                        std::to_string(objectives_));
      i.front = j.at("front").get<std::size_t>();
      const double c = j.at("crowding").get<double>();
      i.crowding = c < 0 ? std::numeric_limits<double>::infinity() : c;
      out.push_back(std::move(i));
    }
    return out;
  }

  const space::Space& space_;
  std::mt19937_64 rng_;
  std::size_t objectives_, population_;
  double crossover_, mutation_;
  std::size_t asked_ = 0;
  std::vector<Individual> parents_;   // the current generation, with front and crowding
  std::vector<Individual> children_;  // told since the last selection
  GenomeSet proposed_;
};

}  // namespace

std::unique_ptr<Strategy> make_nsga2(const nlohmann::json& params, const StrategyContext& context) {
  HWNAS_CHECK(context.space != nullptr && context.objectives >= 1);
  const Params p("nsga2", params, {"population", "crossover_probability", "mutation_probability"});
  const auto population = p.integer("population", 32, 2, 100000);
  return std::make_unique<Nsga2>(context, static_cast<std::size_t>(population),
                                 p.number("crossover_probability", 0.9, 0, 1),
                                 p.number("mutation_probability", 1.0, 0, 1));
}

}  // namespace hwnas::search::strategies

// A small search problem with a known answer, for strategy tests: 8 genes × 4 choices
// (gene 6 matters only when gene 7 is not 0, so canonical forms and live genes are
// exercised), an NK-like fitness (each gene's own term plus a term of it and its right
// neighbour, from fixed random tables) and a cost whose hard limit, the median cost,
// makes about half the space infeasible. Everything is enumerated once: the constrained
// optimum and the exhaustive Pareto front of (fitness, −cost) are exact.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "hwnas/search/strategy.h"
#include "hwnas/space/space.h"

namespace hwnas::search::testing {

class FakeSpace final : public space::Space {
 public:
  FakeSpace() {
    for (int i = 0; i < 8; ++i) genes_.push_back({"g" + std::to_string(i), {"a", "b", "c", "d"}});
  }
  const std::string& name() const override { return name_; }
  const std::vector<space::Gene>& genes() const override { return genes_; }
  space::Genome canonical(const space::Genome& genome) const override {
    space::Genome g = genome;
    if (g.genes.size() == 8 && g.genes[7] == 0) g.genes[6] = 0;
    return g;
  }
  graph::Graph decode(const space::Genome&) const override { return graph::Graph("fake"); }

 private:
  std::string name_ = "fake";
  std::vector<space::Gene> genes_;
};

struct FakeProblem {
  FakeSpace space;
  double own[8][4], pair[8][4][4], cost_table[8][4];
  double limit = 0;
  space::Genome optimum;  // the best feasible canonical genome
  double optimum_fitness = 0;

  FakeProblem() {
    std::mt19937_64 rng(20261130);
    std::uniform_real_distribution<double> u(0, 1);
    for (auto& g : own) for (double& v : g) v = u(rng);
    for (auto& g : pair) for (auto& a : g) for (double& v : a) v = u(rng);
    for (auto& g : cost_table) for (double& v : g) v = 1 + u(rng);
    std::vector<double> costs;
    for (const space::Genome& g : all()) costs.push_back(cost(g));
    std::nth_element(costs.begin(), costs.begin() + costs.size() / 2, costs.end());
    limit = costs[costs.size() / 2];
    bool found = false;
    for (const space::Genome& g : all())
      if (cost(g) <= limit && (!found || fitness(g) > optimum_fitness)) {
        optimum = g, optimum_fitness = fitness(g), found = true;
      }
  }

  /// Every distinct canonical genome.
  std::vector<space::Genome> all() const {
    std::vector<space::Genome> out;
    for (std::uint32_t code = 0; code < (1u << 16); ++code) {
      space::Genome g;
      for (int i = 0; i < 8; ++i) g.genes.push_back(static_cast<std::uint16_t>((code >> (2 * i)) & 3));
      if (space.canonical(g) == g) out.push_back(g);
    }
    return out;
  }

  double fitness(const space::Genome& g) const {
    double f = 0;
    for (int i = 0; i < 8; ++i) f += own[i][g.genes[i]] + pair[i][g.genes[i]][g.genes[(i + 1) % 8]];
    return f;
  }
  double cost(const space::Genome& g) const {
    double c = 0;
    for (int i = 0; i < 8; ++i) c += cost_table[i][g.genes[i]];
    return c;
  }

  /// Maximise fitness under cost <= limit (single objective).
  Feedback constrained(const space::Genome& g) const {
    Feedback f{g};
    if (cost(g) > limit) {
      f.status = Feedback::Status::infeasible;
      f.violation = (cost(g) - limit) / limit;
    } else {
      f.fitness = {fitness(g)};
    }
    return f;
  }
  /// (fitness, −cost), unconstrained (two objectives).
  Feedback pareto(const space::Genome& g) const { return Feedback{g, Feedback::Status::ok, {fitness(g), -cost(g)}}; }
};

/// Drives a strategy as the experiment loop does: a genome asked again is answered from the
/// records without counting. Returns the accuracy evaluations (distinct feasible genomes
/// evaluated) spent until `stop` holds, or `budget` + 1 when it never did within `budget`.
template <class Evaluate, class Stop>
std::size_t evaluations_until(Strategy& strategy, Evaluate evaluate, Stop stop, std::size_t budget) {
  std::unordered_map<space::Genome, Feedback, space::GenomeHash> records;
  std::size_t evaluations = 0;
  for (std::size_t asks = 0; asks < 50 * budget && evaluations <= budget; ++asks) {
    const space::Genome g = strategy.ask();
    auto it = records.find(g);
    if (it == records.end()) {
      it = records.emplace(g, evaluate(g)).first;
      if (it->second.status == Feedback::Status::ok) ++evaluations;
      if (stop(it->second)) return evaluations;
    }
    strategy.tell(it->second);
  }
  return budget + 1;
}

/// The problem every strategy test shares, built once per process (it enumerates the space).
inline const FakeProblem& problem() {
  static const FakeProblem p;
  return p;
}

}  // namespace hwnas::search::testing

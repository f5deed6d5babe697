// Multi-fidelity search (docs/experiments.md, "Multi-fidelity"): the experiment's
// `multi_fidelity:` section as a schedule of brackets. Each step of the search is one
// bracket: its candidates are evaluated at the bracket's first rung (a cheap, low-fidelity
// training), the best 1/eta of them are promoted to the next rung, and so on up to the
// last rung, the full fidelity (promotion ranks networks, not genomes: a copy of a
// promoted network follows it without a place). Works under any strategy: the strategy
// asks for a bracket's candidates and is told each one's accuracy at the highest rung it
// reached.
//
// Sources of the formulas:
// - Successive halving: Jamieson & Talwalkar, "Non-stochastic Best Arm Identification and
//   Hyperparameter Optimization", AISTATS 2016, in the form of Li et al. 2018 (below),
//   Algorithm 1's inner loop: of n_i candidates at rung i, the best floor(n_i / eta) go on
//   (here at least one while one succeeded, so every bracket reaches the last rung). One
//   bracket shape repeated: `candidates` (default eta^(rungs-1)) start at rung 0.
// - Hyperband: Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, "Hyperband: A Novel
//   Bandit-Based Approach to Hyperparameter Optimization", JMLR 18(185), 2018, Algorithm 1,
//   with s_max = rungs - 1 (rung i has resource R·eta^(i - s_max)): brackets s = s_max,
//   s_max - 1, ..., 0, cycled by step, bracket s starting n = ceil((s_max+1)/(s+1)·eta^s)
//   candidates at rung s_max - s. E.g. eta 3, 3 rungs: (9 at rung 0), (5 at rung 1),
//   (3 at rung 2), then again.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "hwnas/search/experiment_input.h"

namespace hwnas::search {

/// One step's candidates and the rung (0-based) where they start.
struct Bracket {
  std::int32_t candidates = 1;
  std::int32_t first_rung = 0;
};

enum class FidelityMethod : std::uint8_t { single, successive_halving, hyperband };

class FidelitySchedule {
 public:
  /// `rungs` >= 1 (single: exactly 1), `eta` >= 2, `candidates` >= 1 (single: the batch;
  /// successive halving: per bracket; hyperband: ignored). InternalError otherwise.
  FidelitySchedule(FidelityMethod method, std::int32_t rungs, std::int32_t eta, std::int32_t candidates);

  FidelityMethod method() const { return method_; }
  std::int32_t rungs() const { return rungs_; }  // >= 1; the last is the full fidelity
  std::int32_t eta() const { return eta_; }

  /// The bracket of step `step` (0-based, counting committed steps; >= 0): how many
  /// candidates it asks for and the rung they start at. Single fidelity: {batch, 0}.
  Bracket bracket(std::int64_t step) const;

  /// What promote() sends on to the next rung.
  struct Promotion {
    std::vector<std::size_t> positions;  // ascending: the slots' candidates and their followers
    std::size_t slots = 0;               // slots taken: the next rung's n
  };

  /// Successive halving within a bracket, over networks: of the candidates evaluated at
  /// `rung` (their accuracies in ask order; nullopt = failed, never promoted), which go on
  /// to rung + 1. `networks[i]` is what rung + 1 would evaluate for candidate i
  /// (CostModel::evaluation_key there; unset: its own network; an empty span: every
  /// candidate its own); `n` is how many slots reached `rung` (the bracket's candidates at
  /// its first rung, copies included; above it, the slots the rung below gave). The best
  /// floor(n / eta) distinct networks take the slots, at least 1 while one succeeded, at
  /// most the networks that succeeded; equal accuracies keep the earlier position. Every
  /// other successful candidate of a network that took a slot follows it without one (a
  /// copy at rung + 1: not trained twice), so a copy never pushes out the next distinct
  /// network. Empty at the last rung. InternalError for a rung outside [0, rungs), a
  /// non-finite accuracy, or `networks` of another size than `accuracies`.
  Promotion promote(std::int32_t rung, std::span<const std::optional<double>> accuracies,
                    std::span<const std::optional<std::uint64_t>> networks, std::size_t n) const;
  /// The same with every candidate its own network and n = accuracies.size(): the positions.
  std::vector<std::size_t> promote(std::int32_t rung, std::span<const std::optional<double>> accuracies) const {
    return promote(rung, accuracies, {}, accuracies.size()).positions;
  }

 private:
  FidelityMethod method_;
  std::int32_t rungs_, eta_, candidates_;
};

/// The schedule of the experiment's `multi_fidelity:` section (method: successive_halving
/// | hyperband, eta (default 3), rungs: a list of at least 2, candidates for successive
/// halving), or single fidelity with `batch` candidates per step when it is absent.
/// Throws UserError "FILE:LINE: multi_fidelity.KEY: ..." for unknown keys, bad values, a
/// bracket over 1,000,000 candidates, and an accuracy source with one fidelity (csv, or
/// none). Rung items are checked by make_accuracy_sources (accuracy_source.h). `set_keys`:
/// the keys --set gave (errors about them say "(from --set)", experiment_input.h).
FidelitySchedule make_fidelity_schedule(const YAML::Node& experiment, const std::string& file, std::int32_t batch,
                                        const std::set<std::string>& set_keys = {});

/// The `multi_fidelity.rungs` items as sections "multi_fidelity.rungs[I]" (0-based, low
/// to high fidelity), after make_fidelity_schedule's checks; empty without multi_fidelity.
std::vector<ExperimentSection> fidelity_rungs(const YAML::Node& experiment, const std::string& file,
                                              const std::set<std::string>& set_keys = {});

}  // namespace hwnas::search

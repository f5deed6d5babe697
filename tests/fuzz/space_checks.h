// What fuzz_space does with a space file's text, shared with the replay of its regressions
// (tests/space/fuzz_regression_test.cpp): read it as `hwnas space` does with P = 8 (an npu
// target's parallelism factor), build the space and run a few of its networks — every
// gene's first choice, every gene's last, the baseline, two samples and a mutant — through
// check, canonical, decode, analysis at int8 and the file's filters. The canonical genome
// must be idempotent, parse back from the arch string and decode to an equal network; the
// all-last network saved as a model file must reload identical (model_file.h). Then the
// uncurated twin (curated: false) with one sample. (The fingerprint, model_to_json of three
// of these networks, is left out: it took a quarter of the time and reads nothing new.)
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "fuzz/fuzz_contract.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/space/filters.h"
#include "hwnas/space/models.h"
#include "hwnas/space/registry.h"
#include "hwnas/space/yaml_space.h"

namespace hwnas::fuzz {

inline void check_space_network(const space::YamlSpace& s, const space::Genome& genome, bool reload) {
  s.check(genome);
  const graph::Graph g = s.decode(genome);
  space::filter_violation(s.definition().filters, graph::analyze(g, graph::Precision::int8));
  const space::Genome canonical = s.canonical(genome);
  if (s.canonical(canonical) != canonical) throw ContractViolation("canonical() is not idempotent");
  require_success("arch() and parse_arch()", [&] {
    if (s.parse_arch(s.arch(genome)) != canonical) throw ContractViolation("parse_arch(arch(g)) != canonical(g)");
  });
  require_success("decoding the canonical genome", [&] {
    if (!(s.decode(canonical) == g)) throw ContractViolation("the canonical genome decodes to another network");
  });
  if (!reload) return;
  require_success("reloading the saved model", [&] {
    const graph::Graph back =
        graph::parse_model(graph::model_to_yaml(g), "saved.yaml", space::model_extensions().layer_ops);
    if (!back.identical(g)) throw ContractViolation("the reloaded model differs from the decoded one");
  });
}

/// Throws UserError for a file the reader refuses (or a network the space cannot build),
/// ContractViolation for a broken guarantee; anything else is a bug too.
inline void exercise_space(const std::string& text, const std::string& source) {
  space::SpaceOptions options{.parallelism_factor = 8, .parallelism_source = "fuzz", .uncurated = false};
  const space::YamlSpace s(space::read_space_definition(text, source, options));
  std::vector<space::Genome> genomes(2);
  for (const std::uint32_t n : s.cardinalities()) {
    genomes[0].genes.push_back(0);
    genomes[1].genes.push_back(static_cast<std::uint16_t>(n - 1));
  }
  if (const auto baseline = s.baseline()) genomes.push_back(*baseline);
  std::mt19937_64 rng(text.size());
  genomes.push_back(space::sample(s, rng));
  genomes.push_back(space::sample(s, rng));
  genomes.push_back(space::mutate(s, genomes.back(), rng));
  for (std::size_t i = 0; i < genomes.size(); ++i) check_space_network(s, genomes[i], i == 1);

  options.uncurated = true;
  const space::YamlSpace twin(space::read_space_definition(text, source, options));
  check_space_network(twin, space::sample(twin, rng), false);
}

}  // namespace hwnas::fuzz

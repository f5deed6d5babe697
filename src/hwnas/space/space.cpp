#include "hwnas/space/space.h"

#include <cmath>
#include <cstdio>
#include <set>

#include <fmt/format.h>

#include "hwnas/base/error.h"
#include "hwnas/base/hash.h"
#include "hwnas/graph/model_file.h"

namespace hwnas::space {

Genome Space::parse_arch(std::string_view arch) const {
  const Genome genome = parse_genome(arch, "space '" + name() + "'");
  check(genome);
  return canonical(genome);
}

double Space::log10_size() const {
  double total = 0;
  for (const Gene& gene : genes()) total += std::log10(static_cast<double>(gene.choices.size()));
  return total;
}

std::optional<std::uint64_t> Space::exact_size() const {
  constexpr std::uint64_t kExactBelow = 1'000'000'000'000'000;
  std::uint64_t total = 1;
  for (const Gene& gene : genes()) {
    if (total > kExactBelow / gene.choices.size()) return std::nullopt;  // checked before it can overflow
    total *= gene.choices.size();
  }
  return total < kExactBelow ? std::optional<std::uint64_t>(total) : std::nullopt;
}

std::vector<std::uint32_t> Space::cardinalities() const {
  std::vector<std::uint32_t> sizes;
  for (const Gene& gene : genes()) sizes.push_back(static_cast<std::uint32_t>(gene.choices.size()));
  return sizes;
}

void Space::check(const Genome& genome) const {
  const std::vector<Gene>& g = genes();
  if (genome.genes.size() != g.size())
    throw UserError("space '" + name() + "': genome '" + to_text(genome) + "' has " +
                    std::to_string(genome.genes.size()) + " genes, but the space has " +
                    std::to_string(g.size()) + "; see " + show_command());
  for (std::size_t i = 0; i < g.size(); ++i)
    if (genome.genes[i] >= g[i].choices.size())
      throw UserError("space '" + name() + "': genome '" + to_text(genome) + "': gene " +
                      std::to_string(i) + " ('" + g[i].name + "') is " + std::to_string(genome.genes[i]) +
                      ", but it has " + std::to_string(g[i].choices.size()) + " choices (0 to " +
                      std::to_string(g[i].choices.size() - 1) + ")");
}

std::string fingerprint(const Space& space) {
  std::string text = space.name();
  Genome first, last;
  for (const Gene& gene : space.genes()) {
    text += '\n' + gene.name;
    for (const std::string& choice : gene.choices) text += '\t' + choice;
    first.genes.push_back(0);
    last.genes.push_back(static_cast<std::uint16_t>(gene.choices.size() - 1));
  }
  std::vector<Genome> probes = {space.canonical(first), space.canonical(last)};
  if (const std::optional<Genome> baseline = space.baseline()) probes.push_back(*baseline);
  for (const Genome& g : probes) text += '\n' + graph::model_to_json(space.decode(g));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hwnas::stable_hash(text)));
  return std::string("f1:") + hex;
}

Genome sample(const Space& space, std::mt19937_64& rng) {
  Genome genome;
  for (const Gene& gene : space.genes())
    genome.genes.push_back(static_cast<std::uint16_t>(
        std::uniform_int_distribution<std::size_t>(0, gene.choices.size() - 1)(rng)));
  return space.canonical(genome);
}

std::vector<Genome> sample_distinct(const Space& space, std::size_t count, std::uint64_t seed) {
  if (const std::optional<std::uint64_t> size = space.exact_size(); size && count > *size)
    throw UserError(fmt::format("space '{}' has {} architectures, fewer than the {} asked for", space.name(), *size,
                                count));
  std::mt19937_64 rng(seed);
  std::set<Genome> seen;
  std::vector<Genome> out;
  for (int stale = 0; out.size() < count;) {
    Genome g = sample(space, rng);
    if (!seen.insert(g).second) {
      if (++stale == 1000)
        throw UserError(fmt::format("space '{}': 1000 random draws in a row gave only architectures already drawn "
                                    "after {} of the {} asked for; ask for fewer",
                                    space.name(), out.size(), count));
      continue;
    }
    stale = 0;
    out.push_back(std::move(g));
  }
  return out;
}

Genome mutate(const Space& space, const Genome& genome, std::mt19937_64& rng) {
  const Genome base = space.canonical(genome);
  const std::vector<Gene>& genes = space.genes();
  // Genes that matter: changing them changes the canonical form.
  std::vector<std::size_t> live;
  for (std::size_t i = 0; i < genes.size(); ++i) {
    if (genes[i].choices.size() < 2) continue;
    Genome probe = base;
    probe.genes[i] = static_cast<std::uint16_t>(base.genes[i] == 0 ? 1 : 0);
    if (space.canonical(probe) != base) live.push_back(i);
  }
  if (live.empty()) return base;
  const std::size_t i = live[std::uniform_int_distribution<std::size_t>(0, live.size() - 1)(rng)];
  const std::size_t n = genes[i].choices.size();
  std::size_t pick = std::uniform_int_distribution<std::size_t>(0, n - 2)(rng);
  if (pick >= base.genes[i]) ++pick;  // any choice but the current one
  Genome out = base;
  out.genes[i] = static_cast<std::uint16_t>(pick);
  return space.canonical(out);
}

Genome crossover(const Space& space, const Genome& a, const Genome& b, std::mt19937_64& rng) {
  HWNAS_CHECK(a.genes.size() == b.genes.size());
  Genome out = a;
  std::bernoulli_distribution coin(0.5);
  for (std::size_t i = 0; i < out.genes.size(); ++i)
    if (coin(rng)) out.genes[i] = b.genes[i];
  return space.canonical(out);
}

}  // namespace hwnas::space

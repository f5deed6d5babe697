// A point of a search space: one choice index per gene, in the space's gene order.
//
// Genomes are what strategies propose and what the experiment store keys trials by, so
// their text form and hash are stable across runs, builds and platforms, and versioned:
// a stored hash of version kGenomeHashVersion never changes meaning. (graph::Graph::hash
// is not stable: it mixes variant indices and enum values, and is for in-memory use only.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hwnas::space {

struct Genome {
  std::vector<std::uint16_t> genes;  // genes[i] indexes Space::genes()[i].choices
  bool operator==(const Genome&) const = default;
  auto operator<=>(const Genome&) const = default;
};

/// The stable text form: the indices in decimal joined by '-', e.g. "3-0-1-4-2-2"; the
/// empty genome is "". parse_genome(to_text(g)) == g.
std::string to_text(const Genome& genome);

/// Inverse of to_text. Throws UserError "WHERE: genome 'TEXT' ...; write choice indices
/// joined by '-', e.g. 3-0-1" when the text is not decimal indices (each ≤ 65535) joined by
/// single '-'.
Genome parse_genome(std::string_view text, std::string_view where);

/// Version of stable_hash's definition; bump it (and keep the old one readable) when the
/// definition changes.
inline constexpr int kGenomeHashVersion = 1;

/// FNV-1a (64-bit) of "g1:" followed by to_text(genome): the same value on every machine
/// and build, for stored records.
std::uint64_t stable_hash(const Genome& genome);

/// For unordered containers.
struct GenomeHash {
  std::size_t operator()(const Genome& genome) const { return static_cast<std::size_t>(stable_hash(genome)); }
};

}  // namespace hwnas::space

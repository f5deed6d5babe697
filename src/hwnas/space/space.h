// A search space: named genes, each a list of choices, and the decoding of a genome into
// a network.
//
// Implementations: NAS-Bench-201 (space/nb201.h), FBNet (space/fbnet.h) and the
// YAML-defined spaces (space/yaml_space.h, docs/spaces.md); space/registry.h finds them
// by name or path. A space is immutable after construction and safe to share between
// threads.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/space/genome.h"

namespace hwnas::space {

/// One decision: `choices` are the labels `hwnas space show` prints (e.g. "ibn",
/// "fused_ibn"; "3"; "nor_conv_3x3").
struct Gene {
  std::string name;                  // e.g. "stage2.layer1.block", "edge 1<-0"
  std::vector<std::string> choices;  // at least one
};

class Space {
 public:
  virtual ~Space() = default;

  /// The space's name: a built-in's name, or the YAML file's `name`.
  virtual const std::string& name() const = 0;
  virtual const std::vector<Gene>& genes() const = 0;

  /// The same genome with every gene that does not affect the network (layers past a
  /// stage's chosen depth) set to 0. Genomes with equal canonical forms decode to equal
  /// networks; strategies and the experiment loop compare canonical genomes.
  virtual Genome canonical(const Genome& genome) const { return genome; }

  /// The network, with block tags (BlockKind) so that estimate::decompose works on it.
  /// Throws UserError when the genome does not fit the space (see check()).
  virtual graph::Graph decode(const Genome& genome) const = 0;

  /// The architecture string: NB201's cell string, FBNet's block list; for other spaces
  /// to_text(canonical(genome)). Keys accuracy/latency CSV columns.
  virtual std::string arch(const Genome& genome) const { return to_text(canonical(genome)); }

  /// Inverse of arch(): throws UserError naming `arch` when it is not one of this space's.
  virtual Genome parse_arch(std::string_view arch) const;

  /// Which choices take effect, as features for whole-network latency models
  /// (estimate/table_model.h "live"): NB201 gives, per op of kNb201OpNames, the number of
  /// edges with that op on a path from the cell's input to its output through edges that
  /// are not `none`, then 1 when the cell is connected at all, else 0 (nb201.h
  /// nb201_live_edges). Empty (the default) for spaces that have no such notion.
  virtual std::vector<double> live_choice_counts(const Genome&) const { return {}; }

  /// The command that prints this space's genes: "hwnas space show nb201" for a built-in;
  /// a space read from a file names the file (its name alone is no space `hwnas space show`
  /// knows) and the option that gave its P, e.g. "hwnas space show /a/b.yaml --target
  /// edgetpu-like". check()'s errors end with it.
  virtual std::string show_command() const { return "hwnas space show " + name(); }

  /// The space's reference network (e.g. MobileNetV2 in mobilenet-cls), if it has one.
  virtual std::optional<Genome> baseline() const { return std::nullopt; }

  /// log10 of the number of distinct networks (distinct canonical genomes). The default
  /// counts every genome; a space whose canonical() deactivates genes overrides it.
  virtual double log10_size() const;

  /// The number of distinct canonical genomes when below 1e15, else nullopt (then only
  /// log10_size() is meaningful). Default: the product of the genes' choice counts.
  virtual std::optional<std::uint64_t> exact_size() const;

  /// Number of choices of each gene, for strategies.
  std::vector<std::uint32_t> cardinalities() const;

  /// Throws UserError "space 'NAME': genome 'TEXT' ..." when the genome's length differs
  /// from genes().size() or an index is past its gene's choices (naming the gene).
  void check(const Genome& genome) const;
};

/// A stable fingerprint of what the space is: "f1:" and 16 hex digits of the FNV-1a hash of
/// its name, its genes and their choices, and the model files (graph::model_to_json) of
/// the networks its all-first-choice, all-last-choice and baseline genomes decode to. An
/// edited space file (other choices, strides, heads, rounding) changes it, so a stored
/// experiment can tell that its genomes would now decode to other networks.
std::string fingerprint(const Space& space);

/// Uniform random choice per gene, canonicalised.
Genome sample(const Space& space, std::mt19937_64& rng);

/// `count` distinct canonical genomes drawn by sample() from an mt19937_64 seeded with
/// `seed`, in draw order (a duplicate draw is drawn again): the same list on every machine.
/// Throws UserError naming the space when it has fewer than `count` architectures
/// (exact_size), or when 1,000 draws in a row give nothing new.
std::vector<Genome> sample_distinct(const Space& space, std::size_t count, std::uint64_t seed);

/// Changes one gene that affects the network to another of its choices (chosen
/// uniformly), canonicalised. A space whose every gene has one choice returns `genome`.
Genome mutate(const Space& space, const Genome& genome, std::mt19937_64& rng);

/// Uniform crossover (each gene from a or b with probability 1/2), canonicalised.
Genome crossover(const Space& space, const Genome& a, const Genome& b, std::mt19937_64& rng);

}  // namespace hwnas::space

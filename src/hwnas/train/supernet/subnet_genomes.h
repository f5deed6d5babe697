// Which subnets of a space the supernet trains and sizes its weights by (docs/supernet.md).
// Genes are told apart by their choices: numeric (every choice a number: resolution, depth,
// channels, kernel, expansion, features), boolean (choices "false" and "true": se) and
// categorical (anything else: block). The sandwich rule of BigNAS (Yu et al., "BigNAS:
// Scaling Up Neural Architecture Search with Big Single-Stage Models", ECCV 2020, §3.1)
// trains the largest and the smallest subnet each step: numeric genes at their largest
// (smallest) value, boolean genes true (false); categorical genes have no order, so one
// label is drawn for each of them (every block gene ibn, or every one fused_ibn): a
// teacher whose block types were drawn gene by gene would be another network every step,
// and distilling from it trained the supernet poorly (docs/supernet.md, "Measured"). Torch-free; draws by SplitMix (data/random.h), the same on
// every machine.
#pragma once

#include <cstdint>
#include <vector>

#include "hwnas/space/space.h"
#include "hwnas/train/data/random.h"

namespace hwnas::train::supernet {

enum class GeneOrder : std::uint8_t { numeric, boolean, categorical };

/// How each gene of `space` is ordered (see above), in gene order.
std::vector<GeneOrder> gene_orders(const space::Space& space);

/// The largest subnet: numeric genes at the choice of the largest value, boolean genes
/// true, every categorical gene at one label drawn from `rng` (the genes that do not offer
/// it drawn on their own); canonicalised.
space::Genome largest_genome(const space::Space& space, SplitMix& rng);
/// The smallest: numeric genes at their smallest value, boolean genes false, categorical
/// genes as largest_genome's; canonicalised.
space::Genome smallest_genome(const space::Space& space, SplitMix& rng);
/// Every gene uniformly at random; canonicalised.
space::Genome random_genome(const space::Space& space, SplitMix& rng);

/// OFA's progressive shrinking (Cai et al., "Once-for-All: Train One Network and Specialize
/// it for Efficient Deployment", ICLR 2020, §3.2): the full network is trained first, then
/// the dimensions become elastic one after another, kernel size, depth, expansion (OFA's
/// width), and here then channels (stage and stem channels, channel multiplier, head
/// features), then the rest (SE, block type, output stride, any other gene); resolution is
/// elastic with the kernel (OFA samples it throughout; here the full network's phase trains
/// the largest alone, at its resolution). The phase from which each gene is elastic, in gene
/// order: 1 to shrinking_phase_count, numbered over the groups the space has (a gene of one
/// choice is never elastic: 0). Genes are told by the last part of their name
/// (yaml_space.h: "resolution", "stage2.layer1.kernel", "stage2.depth", ...).
std::vector<std::int32_t> shrinking_phases(const space::Space& space);
/// The phases after the full network's: the largest of shrinking_phases (0 for a space of
/// one network).
std::int32_t shrinking_phase_count(const std::vector<std::int32_t>& phases);
/// A subnet of `phase` (1 to the phase count): the genes elastic by then (0 < phases[i] <=
/// phase) at their smallest (smallest_genome's choice; a categorical gene keeps `largest`'s
/// label) when `smallest`, else drawn uniformly; every other gene at `largest`'s choice;
/// canonicalised.
space::Genome phase_genome(const space::Space& space, const space::Genome& largest,
                           const std::vector<std::int32_t>& phases, std::int32_t phase, bool smallest, SplitMix& rng);

/// The genomes whose networks size the weight bank (weight_bank.h): per categorical
/// choice label (e.g. "ibn", "fused_ibn"), the largest genome with every categorical gene
/// that offers that label set to it (the others drawn); then `random` random genomes; all
/// drawn from SplitMix(seed).
std::vector<space::Genome> bank_genomes(const space::Space& space, std::uint64_t seed, std::int32_t random);

}  // namespace hwnas::train::supernet

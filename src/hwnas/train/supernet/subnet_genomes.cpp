#include "hwnas/train/supernet/subnet_genomes.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <string>

namespace hwnas::train::supernet {
namespace {

bool is_number(const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

double number(const std::string& text) {
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::uint16_t draw(const space::Gene& gene, SplitMix& rng) {
  return static_cast<std::uint16_t>(rng.integer(0, static_cast<std::int64_t>(gene.choices.size()) - 1));
}

// The choice of `gene` at the end `largest` names: the largest or smallest value (numeric),
// "true" or "false" (boolean); drawn for a categorical gene.
std::uint16_t extreme(const space::Gene& gene, GeneOrder order, bool largest, SplitMix& rng) {
  const auto& c = gene.choices;
  switch (order) {
    case GeneOrder::numeric: {
      const auto better = [&](const std::string& a, const std::string& b) { return number(a) < number(b); };
      const auto it = largest ? std::max_element(c.begin(), c.end(), better) : std::min_element(c.begin(), c.end(), better);
      return static_cast<std::uint16_t>(it - c.begin());
    }
    case GeneOrder::boolean:
      return static_cast<std::uint16_t>(std::find(c.begin(), c.end(), largest ? "true" : "false") - c.begin());
    case GeneOrder::categorical: return draw(gene, rng);
  }
  return 0;
}

// The categorical choice labels of `space` (e.g. "ibn", "fused_ibn"), sorted.
std::set<std::string> categorical_labels(const space::Space& space, const std::vector<GeneOrder>& orders) {
  std::set<std::string> labels;
  for (std::size_t i = 0; i < orders.size(); ++i)
    if (orders[i] == GeneOrder::categorical) labels.insert(space.genes()[i].choices.begin(), space.genes()[i].choices.end());
  return labels;
}

// Every categorical gene that offers `label` set to it in `g`.
void set_label(const space::Space& space, const std::vector<GeneOrder>& orders, const std::string& label,
               space::Genome& g) {
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const auto& c = space.genes()[i].choices;
    if (const auto it = std::find(c.begin(), c.end(), label); orders[i] == GeneOrder::categorical && it != c.end())
      g.genes[i] = static_cast<std::uint16_t>(it - c.begin());
  }
}

space::Genome extreme_genome(const space::Space& space, bool largest, SplitMix& rng) {
  const std::vector<GeneOrder> orders = gene_orders(space);
  space::Genome g;
  for (std::size_t i = 0; i < orders.size(); ++i) g.genes.push_back(extreme(space.genes()[i], orders[i], largest, rng));
  // One label for all the categorical genes that offer it (see the header).
  if (const std::set<std::string> labels = categorical_labels(space, orders); !labels.empty()) {
    auto it = labels.begin();
    std::advance(it, rng.integer(0, static_cast<std::int64_t>(labels.size()) - 1));
    set_label(space, orders, *it, g);
  }
  return space.canonical(g);
}

}  // namespace

std::vector<GeneOrder> gene_orders(const space::Space& space) {
  std::vector<GeneOrder> orders;
  for (const space::Gene& gene : space.genes()) {
    const auto& c = gene.choices;
    if (std::all_of(c.begin(), c.end(), is_number)) orders.push_back(GeneOrder::numeric);
    else if (std::all_of(c.begin(), c.end(), [](const std::string& s) { return s == "true" || s == "false"; }))
      orders.push_back(GeneOrder::boolean);
    else orders.push_back(GeneOrder::categorical);
  }
  return orders;
}

space::Genome largest_genome(const space::Space& space, SplitMix& rng) { return extreme_genome(space, true, rng); }
space::Genome smallest_genome(const space::Space& space, SplitMix& rng) { return extreme_genome(space, false, rng); }

space::Genome random_genome(const space::Space& space, SplitMix& rng) {
  space::Genome g;
  for (const space::Gene& gene : space.genes()) g.genes.push_back(draw(gene, rng));
  return space.canonical(g);
}

namespace {

// The group of shrinking_phases a gene joins, by the last part of its name.
std::int32_t shrinking_group(const std::string& name) {
  const std::string last = name.substr(name.rfind('.') == std::string::npos ? 0 : name.rfind('.') + 1);
  if (last == "resolution" || last == "kernel") return 1;
  if (last == "depth") return 2;
  if (last == "expansion") return 3;
  if (last == "channels" || last == "channel_multiplier" || last == "features") return 4;
  return 5;
}

}  // namespace

std::vector<std::int32_t> shrinking_phases(const space::Space& space) {
  std::vector<std::int32_t> groups;
  std::set<std::int32_t> present;
  for (const space::Gene& gene : space.genes()) {
    groups.push_back(gene.choices.size() > 1 ? shrinking_group(gene.name) : 0);
    if (groups.back() > 0) present.insert(groups.back());
  }
  // Numbered over the groups present: a space without kernel genes starts with depth.
  for (std::int32_t& g : groups)
    if (g > 0) g = static_cast<std::int32_t>(std::distance(present.begin(), present.find(g))) + 1;
  return groups;
}

std::int32_t shrinking_phase_count(const std::vector<std::int32_t>& phases) {
  return phases.empty() ? 0 : *std::max_element(phases.begin(), phases.end());
}

space::Genome phase_genome(const space::Space& space, const space::Genome& largest,
                           const std::vector<std::int32_t>& phases, std::int32_t phase, bool smallest, SplitMix& rng) {
  const std::vector<GeneOrder> orders = gene_orders(space);
  space::Genome g = largest;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    if (phases[i] == 0 || phases[i] > phase) continue;
    const space::Gene& gene = space.genes()[i];
    if (!smallest) g.genes[i] = draw(gene, rng);
    else if (orders[i] != GeneOrder::categorical) g.genes[i] = extreme(gene, orders[i], false, rng);
  }
  return space.canonical(g);
}

std::vector<space::Genome> bank_genomes(const space::Space& space, std::uint64_t seed, std::int32_t random) {
  SplitMix rng(seed);
  const std::vector<GeneOrder> orders = gene_orders(space);
  const std::set<std::string> labels = categorical_labels(space, orders);
  std::vector<space::Genome> genomes;
  if (labels.empty()) genomes.push_back(largest_genome(space, rng));
  for (const std::string& label : labels) {
    space::Genome g = largest_genome(space, rng);
    set_label(space, orders, label, g);
    genomes.push_back(space.canonical(g));
  }
  for (std::int32_t i = 0; i < random; ++i) genomes.push_back(random_genome(space, rng));
  return genomes;
}

}  // namespace hwnas::train::supernet

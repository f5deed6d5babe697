// What a cost model's sources are asked about: one genome of the space, its architecture
// string and its decoded network.
#pragma once

#include <string>

#include "hwnas/graph/graph.h"
#include "hwnas/space/genome.h"

namespace hwnas::search {

struct Candidate {
  const space::Genome& genome;  // canonical
  const std::string& arch;      // Space::arch(genome): the key of CSV columns
  const graph::Graph& network;  // Space::decode(genome)
};

}  // namespace hwnas::search

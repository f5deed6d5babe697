#include "hwnas/space/genome.h"

#include <charconv>

#include "hwnas/base/error.h"
#include "hwnas/base/hash.h"

namespace hwnas::space {

std::string to_text(const Genome& genome) {
  std::string text;
  for (std::size_t i = 0; i < genome.genes.size(); ++i) {
    if (i) text += '-';
    text += std::to_string(genome.genes[i]);
  }
  return text;
}

Genome parse_genome(std::string_view text, std::string_view where) {
  Genome genome;
  if (text.empty()) return genome;
  const auto fail = [&] {
    throw UserError(std::string(where) + ": genome '" + std::string(text) +
                    "' is not choice indices joined by '-'; write them like 3-0-1");
  };
  std::size_t start = 0;
  while (true) {
    const std::size_t dash = text.find('-', start);
    const std::string_view part = text.substr(start, dash == std::string_view::npos ? dash : dash - start);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value > 65535 ||
        (part.size() > 1 && part[0] == '0'))
      fail();
    genome.genes.push_back(static_cast<std::uint16_t>(value));
    if (dash == std::string_view::npos) return genome;
    start = dash + 1;
  }
}

std::uint64_t stable_hash(const Genome& genome) {
  return hwnas::stable_hash("g" + std::to_string(kGenomeHashVersion) + ":" + to_text(genome));
}

}  // namespace hwnas::space

#include "hwnas/space/nb201.h"

#include <fmt/format.h>

#include <algorithm>

#include "hwnas/base/error.h"

namespace hwnas::space {
namespace {

[[noreturn]] void bad_arch(std::string_view arch, std::string_view why) {
  throw UserError(fmt::format(
      "NAS-Bench-201 architecture '{}': {}; expected "
      "'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' with op one of none, skip_connect, "
      "nor_conv_1x1, nor_conv_3x3, avg_pool_3x3",
      arch, why));
}

Nb201Op parse_op(std::string_view arch, std::string_view op) {
  const auto it = std::find(kNb201OpNames.begin(), kNb201OpNames.end(), op);
  if (it == kNb201OpNames.end()) bad_arch(arch, fmt::format("unknown op '{}'", op));
  return static_cast<Nb201Op>(it - kNb201OpNames.begin());
}

}  // namespace

Nb201Cell parse_nb201_arch(std::string_view arch) {
  Nb201Cell cell;
  std::size_t edge = 0, node = 0, pos = 0;
  while (pos < arch.size()) {
    const std::size_t plus = arch.find('+', pos);
    std::string_view group = arch.substr(pos, plus == std::string_view::npos ? arch.size() - pos : plus - pos);
    if (node >= 3) bad_arch(arch, "more than 3 '+'-separated nodes");
    if (group.size() < 2 || group.front() != '|' || group.back() != '|')
      bad_arch(arch, fmt::format("node {} '{}' is not enclosed in '|'", node + 1, group));
    group = group.substr(1, group.size() - 2);
    std::size_t start = 0, sources = 0;
    while (start <= group.size()) {
      const std::size_t bar = std::min(group.find('|', start), group.size());
      const std::string_view text = group.substr(start, bar - start);
      const std::size_t tilde = text.find('~');
      if (tilde == std::string_view::npos) bad_arch(arch, fmt::format("edge '{}' lacks '~source'", text));
      const Nb201Op op = parse_op(arch, text.substr(0, tilde));
      const std::string_view src = text.substr(tilde + 1);
      if (src.size() != 1 || src[0] < '0' || src[0] > '9')
        bad_arch(arch, fmt::format("edge '{}' has a bad source", text));
      if (static_cast<std::size_t>(src[0] - '0') != sources || sources > node)
        bad_arch(arch, fmt::format("node {} must list sources 0..{} in order, found '{}'", node + 1, node, text));
      cell.edges[edge++] = op;
      ++sources;
      start = bar + 1;
    }
    if (sources != node + 1)
      bad_arch(arch, fmt::format("node {} needs {} edges, has {}", node + 1, node + 1, sources));
    ++node;
    pos = plus == std::string_view::npos ? arch.size() : plus + 1;
  }
  if (node != 3) bad_arch(arch, fmt::format("has {} nodes, needs 3", node));
  if (arch.back() == '+') bad_arch(arch, "ends with '+'");
  return cell;
}

std::string format_nb201_arch(const Nb201Cell& cell) {
  std::string arch;
  for (std::size_t e = 0; e < kNb201Edges; ++e) {
    const auto [from, to] = kNb201EdgeNodes[e];
    if (from == 0) arch += to == 1 ? "|" : "+|";
    arch += fmt::format("{}~{}|", kNb201OpNames[static_cast<std::size_t>(cell.edges[e])], from);
  }
  return arch;
}

Nb201LiveEdges nb201_live_edges(const Nb201Cell& cell) {
  std::array<bool, 4> from_input{true, false, false, false}, to_output{false, false, false, true};
  const auto carries = [&](std::size_t e) { return cell.edges[e] != Nb201Op::none; };
  // Edges are in topological order of their destination (and, reversed, of their source).
  for (std::size_t e = 0; e < kNb201Edges; ++e)
    if (carries(e) && from_input[kNb201EdgeNodes[e].first]) from_input[kNb201EdgeNodes[e].second] = true;
  for (std::size_t e = kNb201Edges; e-- > 0;)
    if (carries(e) && to_output[kNb201EdgeNodes[e].second]) to_output[kNb201EdgeNodes[e].first] = true;
  Nb201LiveEdges out;
  for (std::size_t e = 0; e < kNb201Edges; ++e)
    out.live[e] = carries(e) && from_input[kNb201EdgeNodes[e].first] && to_output[kNb201EdgeNodes[e].second];
  out.connected = from_input[3];
  return out;
}

graph::ZooOptions nb201_default_options() {
  graph::ZooOptions o;
  o.resolution = 32;
  o.classes = 10;
  return o;
}

Nb201Space::Nb201Space() {
  std::vector<std::string> ops(kNb201OpNames.begin(), kNb201OpNames.end());
  for (const auto& [from, to] : kNb201EdgeNodes) genes_.push_back({fmt::format("edge {}<-{}", to, from), ops});
}

Nb201Cell Nb201Space::cell(const Genome& genome) const {
  check(genome);
  Nb201Cell c;
  for (std::size_t e = 0; e < kNb201Edges; ++e) c.edges[e] = static_cast<Nb201Op>(genome.genes[e]);
  return c;
}

std::vector<double> Nb201Space::live_choice_counts(const Genome& genome) const {
  const Nb201Cell c = cell(genome);
  const Nb201LiveEdges edges = nb201_live_edges(c);
  std::vector<double> live(kNb201OpNames.size() + 1, 0);
  for (std::size_t e = 0; e < kNb201Edges; ++e)
    if (edges.live[e]) ++live[static_cast<std::size_t>(c.edges[e])];
  live.back() = edges.connected ? 1 : 0;
  return live;
}

Genome Nb201Space::genome(const Nb201Cell& cell) {
  Genome g;
  for (Nb201Op op : cell.edges) g.genes.push_back(static_cast<std::uint16_t>(op));
  return g;
}

graph::Graph Nb201Space::decode(const Genome& genome) const { return nb201_network(cell(genome), options_); }

std::string Nb201Space::arch(const Genome& genome) const { return format_nb201_arch(cell(genome)); }

Genome Nb201Space::parse_arch(std::string_view arch) const { return genome(parse_nb201_arch(arch)); }

std::unique_ptr<Space> make_nb201_space() { return std::make_unique<Nb201Space>(); }

}  // namespace hwnas::space

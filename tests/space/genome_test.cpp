// Genome text form and stable hash; the Space base class's check, sample, mutate and
// crossover on a small space with inactive genes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "hwnas/base/hash.h"
#include "hwnas/space/genome.h"
#include "hwnas/space/space.h"
#include "space/user_error.h"

namespace hwnas::space {
namespace {

// Gene 0 is a depth (1 or 2 layers); gene 2 matters only when the depth is 2.
class DepthSpace : public Space {
 public:
  const std::string& name() const override { return name_; }
  const std::vector<Gene>& genes() const override { return genes_; }
  Genome canonical(const Genome& g) const override {
    Genome c = g;
    if (c.genes[0] == 0) c.genes[2] = 0;
    return c;
  }
  graph::Graph decode(const Genome&) const override { return graph::Graph("depth"); }

 private:
  std::string name_ = "depth";
  std::vector<Gene> genes_ = {{"depth", {"1", "2"}}, {"a", {"x", "y", "z"}}, {"b", {"p", "q", "r", "s"}}};
};

TEST(Genome, TextRoundTripsAndIsStable) {
  const Genome g{{3, 0, 12, 65535}};
  EXPECT_EQ(to_text(g), "3-0-12-65535");
  EXPECT_EQ(parse_genome(to_text(g), "test"), g);
  EXPECT_EQ(to_text(Genome{}), "");
  EXPECT_EQ(parse_genome("", "test"), Genome{});
  // The hash is FNV-1a of "g1:3-0-12-65535": a fixed value on every machine and build.
  EXPECT_EQ(stable_hash(g), hwnas::stable_hash("g1:3-0-12-65535"));
  EXPECT_NE(stable_hash(g), stable_hash(Genome{{3, 0, 12, 65534}}));
}

TEST(Genome, HashValueIsPinned) {
  // Pinned so that a change of definition cannot pass unnoticed: stored records key on it.
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : std::string("g1:1-2")) h = (h ^ ch) * 1099511628211ULL;
  EXPECT_EQ(stable_hash(Genome{{1, 2}}), h);
}

TEST(Genome, MalformedTextIsRefused) {
  for (const char* bad : {"-", "1-", "-1", "1--2", "a", "1-b", "65536", "01", "1 2", "+1", "1.5"})
    expect_message(error_of([&] { parse_genome(bad, "exp.yaml: genome"); }),
                   {"exp.yaml: genome", "'" + std::string(bad) + "'", "joined by '-'"});
}

TEST(Space, CheckNamesTheGene) {
  DepthSpace s;
  expect_message(error_of([&] { s.check(Genome{{0, 1}}); }), {"space 'depth'", "2 genes", "has 3"});
  expect_message(error_of([&] { s.check(Genome{{0, 3, 0}}); }), {"gene 1 ('a')", "3 choices"});
  EXPECT_NO_THROW(s.check(Genome{{1, 2, 3}}));
  expect_message(error_of([&] { s.parse_arch("0-1"); }), {"space 'depth'", "2 genes"});
  EXPECT_EQ(s.parse_arch("0-1-3"), (Genome{{0, 1, 0}}));
}

TEST(Space, SampleMutateCrossoverStayCanonicalAndCoverTheSpace) {
  DepthSpace s;
  std::mt19937_64 rng(7);
  std::set<Genome> seen;
  for (int i = 0; i < 2000; ++i) {
    const Genome g = sample(s, rng);
    EXPECT_EQ(s.canonical(g), g);
    seen.insert(g);
  }
  EXPECT_EQ(seen.size(), 3u + 3u * 4u);  // depth 1: 3 networks; depth 2: 12
  for (const Genome& g : seen) {
    for (int i = 0; i < 50; ++i) {
      const Genome m = mutate(s, g, rng);
      EXPECT_EQ(s.canonical(m), m);
      EXPECT_NE(m, g);  // a mutation always changes the network
      int changed = 0;
      for (std::size_t k = 0; k < 3; ++k) changed += m.genes[k] != g.genes[k];
      EXPECT_LE(changed, 2);  // one gene, plus the gene a shorter depth deactivates
    }
  }
  const Genome a{{1, 0, 0}}, b{{1, 2, 3}};
  std::set<Genome> children;
  for (int i = 0; i < 200; ++i) {
    const Genome c = crossover(s, a, b, rng);
    EXPECT_EQ(c.genes[0], 1);
    children.insert(c);
  }
  EXPECT_EQ(children.size(), 4u);  // each of genes 1 and 2 from either parent
}

TEST(Space, SizeCountsChoices) {
  DepthSpace s;
  EXPECT_NEAR(s.log10_size(), std::log10(24.0), 1e-12);
  EXPECT_EQ(s.cardinalities(), (std::vector<std::uint32_t>{2, 3, 4}));
}

}  // namespace
}  // namespace hwnas::space

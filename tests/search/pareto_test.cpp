// Pareto dominance, non-dominated sorting, crowding distance and hypervolume on known
// cases: hand-computed ones and integer grids counted cell by cell.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "hwnas/base/error.h"
#include "hwnas/search/pareto.h"

namespace hwnas::search {
namespace {

using Points = std::vector<std::vector<double>>;

TEST(Pareto, Dominance) {
  EXPECT_TRUE(dominates({2, 2}, {1, 2}));
  EXPECT_FALSE(dominates({2, 2}, {2, 2}));
  EXPECT_FALSE(dominates({3, 1}, {1, 3}));
  EXPECT_FALSE(dominates({1, 3}, {3, 1}));
  EXPECT_TRUE(dominates({5}, {4}));
}

TEST(Pareto, FrontsOfAKnownSet) {
  // 0 (1,5) 1 (5,1) 2 (3,3) are the front; 3 (2,2) is dominated by 2 only; 4 (1,1) by all;
  // 5 equals 2.
  const Points p = {{1, 5}, {5, 1}, {3, 3}, {2, 2}, {1, 1}, {3, 3}};
  EXPECT_EQ(pareto_front(p), (std::vector<std::size_t>{0, 1, 2, 5}));
  const auto fronts = non_dominated_sort(p);
  ASSERT_EQ(fronts.size(), 3u);
  EXPECT_EQ(fronts[0], (std::vector<std::size_t>{0, 1, 2, 5}));
  EXPECT_EQ(fronts[1], (std::vector<std::size_t>{3}));
  EXPECT_EQ(fronts[2], (std::vector<std::size_t>{4}));
  EXPECT_TRUE(non_dominated_sort(Points{}).empty());
}

TEST(Pareto, CrowdingDistance) {
  // Sorted by the first objective: 0 (0,4), 2 (1,3), 3 (3,1), 1 (4,0); ranges 4 and 4.
  const Points p = {{0, 4}, {4, 0}, {1, 3}, {3, 1}};
  const auto d = crowding_distance(p, {0, 1, 2, 3});
  EXPECT_TRUE(std::isinf(d[0]));
  EXPECT_TRUE(std::isinf(d[1]));
  EXPECT_DOUBLE_EQ(d[2], (3.0 - 0.0) / 4 + (4.0 - 1.0) / 4);
  EXPECT_DOUBLE_EQ(d[3], (4.0 - 1.0) / 4 + (3.0 - 0.0) / 4);
}

TEST(Hypervolume, HandComputedCases) {
  EXPECT_DOUBLE_EQ(hypervolume({{1, 3}, {2, 2}, {3, 1}}, {0, 0}), 3 + 2 + 1);
  EXPECT_DOUBLE_EQ(hypervolume({{1, 3}, {2, 2}, {3, 1}, {1, 1}}, {0, 0}), 6);     // a dominated point adds nothing
  EXPECT_DOUBLE_EQ(hypervolume({{1, 3}, {2, 2}, {3, 1}}, {1, 0}), 2 * 1 + 1 * 1);  // (1,3) is on the reference
  EXPECT_DOUBLE_EQ(hypervolume({{-1, -5}}, {-3, -6}), 2 * 1);                     // negative coordinates
  EXPECT_DOUBLE_EQ(hypervolume({}, {0, 0}), 0);
  EXPECT_DOUBLE_EQ(hypervolume({{4}, {7}}, {1}), 6);
  EXPECT_DOUBLE_EQ(hypervolume({{1, 2, 3}}, {0, 0, 0}), 6);
  EXPECT_DOUBLE_EQ(hypervolume({{2, 1, 1}, {1, 2, 1}}, {0, 0, 0}), 2 + 2 - 1);
  EXPECT_DOUBLE_EQ(hypervolume({{2, 1, 1}, {1, 2, 1}, {1, 1, 2}}, {0, 0, 0}), 4);
}

// Unit cells of the grid whose upper corner some point reaches, counted one by one.
double counted(const Points& points, std::size_t m) {
  double cells = 0;
  for (int a = 1; a <= 6; ++a)
    for (int b = 1; b <= 6; ++b)
      for (int c = 1; c <= (m == 3 ? 6 : 1); ++c) {
        bool in = false;
        for (const auto& p : points) in = in || (p[0] >= a && p[1] >= b && (m == 2 || p[2] >= c));
        cells += in;
      }
  return cells;
}

TEST(Hypervolume, EqualsCountingCellsOnRandomIntegerSets) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> coordinate(0, 6), size(1, 12);
  for (const std::size_t m : {2u, 3u})
    for (int trial = 0; trial < 200; ++trial) {
      Points points(size(rng));
      for (auto& p : points)
        for (std::size_t k = 0; k < m; ++k) p.push_back(coordinate(rng));
      EXPECT_DOUBLE_EQ(hypervolume(points, std::vector<double>(m, 0.0)), counted(points, m)) << m << "-D trial " << trial;
    }
}

TEST(Hypervolume, MoreThanThreeObjectivesIsAUserError) {
  EXPECT_THROW(hypervolume({{1, 1, 1, 1}}, {0, 0, 0, 0}), UserError);
}

}  // namespace
}  // namespace hwnas::search

#include "hwnas/train/sampling.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "hwnas/base/error.h"
#include "hwnas/train/data/random.h"

namespace hwnas::train {
namespace {

// splitmix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014)
// seeded with its raw state (data/random.h's SplitMix mixes its key first).
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() { return mix64(state += 0x9e3779b97f4a7c15ULL); }
  // Uniform in [0, bound) up to a bias below bound / 2^64 (under 2^-40 for a data set).
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }
};

void shuffle(std::vector<std::int64_t>& items, SplitMix64& rng) {
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.below(i)]);
}

}  // namespace

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  SplitMix64 rng{seed};
  rng.state ^= SplitMix64{a ^ 0x5851f42d4c957f2dULL}.next();
  rng.state ^= SplitMix64{b ^ 0x14057b7ef767814fULL}.next() << 1;
  return rng.next();
}

std::vector<std::int64_t> training_subset(std::span<const std::int32_t> labels, double fraction, std::uint64_t seed) {
  HWNAS_CHECK(fraction > 0 && fraction <= 1);
  std::vector<std::int64_t> kept;
  if (fraction == 1) {
    kept.resize(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) kept[i] = static_cast<std::int64_t>(i);
    return kept;
  }
  std::map<std::int32_t, std::vector<std::int64_t>> by_class;
  for (std::size_t i = 0; i < labels.size(); ++i) by_class[labels[i]].push_back(static_cast<std::int64_t>(i));
  for (auto& [label, members] : by_class) {
    SplitMix64 rng{derive_seed(seed, 0x5b5e7ULL, static_cast<std::uint64_t>(label))};
    shuffle(members, rng);
    const auto take = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::llround(fraction * static_cast<double>(members.size()))));
    kept.insert(kept.end(), members.begin(), members.begin() + static_cast<std::ptrdiff_t>(take));
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

ValidationSplit validation_split(std::span<const std::int32_t> labels, std::int64_t count) {
  const auto n = static_cast<std::int64_t>(labels.size());
  HWNAS_CHECK(count >= 0 && count < n);
  std::map<std::int32_t, std::vector<std::int64_t>> by_class;
  for (std::int64_t i = 0; i < n; ++i) by_class[labels[static_cast<std::size_t>(i)]].push_back(i);
  // Each class's quota is its share of `count`, rounded down; the images left over go to the
  // classes with the largest remainders (ties: the lower label), so exactly `count` are held out.
  std::map<std::int32_t, std::int64_t> quota;
  std::vector<std::pair<std::int64_t, std::int32_t>> remainders;  // (count · size mod n, label)
  std::int64_t given = 0;
  for (const auto& [label, members] : by_class) {
    const std::int64_t scaled = count * static_cast<std::int64_t>(members.size());
    quota[label] = scaled / n;
    given += scaled / n;
    remainders.emplace_back(scaled % n, label);
  }
  std::stable_sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; given < count; ++k, ++given) ++quota[remainders.at(k).second];
  ValidationSplit split;
  for (auto& [label, members] : by_class) {
    SplitMix64 rng{derive_seed(0x7a1dULL, 0x5e7ULL, static_cast<std::uint64_t>(label))};  // fixed: not a run's seed
    shuffle(members, rng);
    const auto take = static_cast<std::size_t>(quota[label]);
    split.validation.insert(split.validation.end(), members.begin(), members.begin() + static_cast<std::ptrdiff_t>(take));
    split.training.insert(split.training.end(), members.begin() + static_cast<std::ptrdiff_t>(take), members.end());
  }
  std::sort(split.validation.begin(), split.validation.end());
  std::sort(split.training.begin(), split.training.end());
  return split;
}

std::vector<std::int64_t> epoch_order(std::int64_t n, std::uint64_t seed, std::int32_t epoch) {
  HWNAS_CHECK(n >= 0 && epoch >= 0);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  SplitMix64 rng{derive_seed(seed, 0xe90c4ULL, static_cast<std::uint64_t>(epoch))};
  shuffle(order, rng);
  return order;
}

}  // namespace hwnas::train

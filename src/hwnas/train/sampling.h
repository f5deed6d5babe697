// Which training images a run sees, and in which order: a fidelity's subset of the
// training set and each epoch's shuffle, both fixed by the run's seed (same seed, same
// images in the same order, on any machine: splitmix64 and Fisher–Yates, no std::
// distribution whose output the standard leaves to the library). Torch-free.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hwnas::train {

/// A seed derived from `seed` and two indices (e.g. epoch and step), for the streams of
/// one run that must not repeat one another: augmentation of each batch, dropout of each
/// epoch. splitmix64's finaliser over the three.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0);

/// The indices (ascending) of a class-stratified subset of a training set whose image i
/// has class labels[i]: of each class's images, round(fraction · count) — at least one
/// when the class has any — drawn by `seed`. fraction in (0, 1]; 1 keeps every image.
std::vector<std::int64_t> training_subset(std::span<const std::int32_t> labels, double fraction, std::uint64_t seed);

/// A training set split into images held out for validation and the rest to train on.
struct ValidationSplit {
  std::vector<std::int64_t> validation, training;  // indices, each ascending; together all of them
};

/// Holds out exactly `count` images of a training set whose image i has class labels[i],
/// class-stratified (of each class, ⌊count · its share of the set⌋, and one more for the
/// classes with the largest remainders until `count` are; drawn in a shuffle), the
/// same for every run: the draw does not depend on any run's seed, so that candidates
/// trained with other seeds, subsets or epochs are measured on the same images. 0 ≤ count <
/// labels.size().
ValidationSplit validation_split(std::span<const std::int32_t> labels, std::int64_t count);

/// A permutation of 0 … n−1, the order of epoch `epoch` (0-based) of a run seeded `seed`.
std::vector<std::int64_t> epoch_order(std::int64_t n, std::uint64_t seed, std::int32_t epoch);

}  // namespace hwnas::train

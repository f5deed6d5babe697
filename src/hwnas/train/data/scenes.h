// Scenes: a deterministic generator of detection and segmentation data from Fashion-MNIST.
// Each scene places 1–4 items at random scales and positions on a cluttered canvas
// (default 96×96) and records a box around each item's visible pixels and a per-pixel mask.
//
// A scene is drawn, in this order, from its own random stream keyed by (seed, split, scene
// index) — so the first k scenes of a larger set are the k scenes of a smaller one:
//  1. background: a level uniform in [0, background_max] plus a linear gradient of up to
//     ±gradient across the canvas;
//  2. clutter: `fragments` patches cut from random items of the same split (a square of
//     fragment_min…fragment_max source pixels, rescaled by 1–2×, placed anywhere, intensity
//     ×0.5–1), drawn like items but labelled nothing: edges and textures that look like
//     items' parts, so an item is found by its whole shape, not by contrast;
//  3. items: a count uniform in min_items…max_items; each a random item of the split,
//     mirrored with probability 1/2, scaled bilinearly to a side uniform in
//     item_min…item_max, intensity ×0.75–1, placed wholly inside the canvas over what is
//     there. Its silhouette is its pixels ≥ silhouette_threshold; later items occlude
//     earlier ones. A placement that would leave an earlier item less than min_visible of
//     its silhouette is redrawn (up to 20 times, then the item is left out, so a scene may
//     hold fewer items than drawn; the first always fits);
//  4. noise: every pixel + Gaussian noise of standard deviation `noise` (the sum of four
//     uniforms, scaled), rounded and clamped to 0–255.
// Training scenes use only training items (clutter included), test scenes only test items.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/data/image_set.h"

namespace hwnas::train {

/// What boxes and masks label.
///  - items: every item, box label = its Fashion-MNIST class (10 classes), mask = class + 1.
///  - presence: one class, "person-like presence": items of `presence_classes` (by default
///    the garments worn on a body — T-shirt/top, Trouser, Pullover, Dress, Coat, Shirt) are
///    the object, box label 0, mask 1; the other items (by default Sandal, Sneaker, Bag,
///    Ankle boot) are distractors, drawn like objects but with no box and mask 0. A scene
///    may then hold no object at all, as person detection's images may hold no person.
enum class SceneLabels : std::uint8_t { items, presence };

struct SceneOptions {
  std::int32_t height = 96, width = 96;               // canvas, pixels
  std::int32_t min_items = 1, max_items = 4;          // items drawn per scene
  std::int32_t item_min = 28, item_max = 56;          // side of a scaled 28×28 item, pixels
  double min_visible = 0.6;                           // fraction of an item's silhouette left visible
  std::int32_t silhouette_threshold = 40;             // item pixels ≥ this (0–255) are the item
  std::int32_t fragments = 12;                        // clutter patches per scene
  std::int32_t fragment_min = 6, fragment_max = 14;   // side of a patch, source pixels
  std::int32_t background_max = 90;                   // background level, 0–255
  double gradient = 40;                               // background gradient, ± levels across the canvas
  double noise = 12;                                  // Gaussian noise, standard deviation in levels
  SceneLabels labels = SceneLabels::items;
  std::vector<std::int32_t> presence_classes = {0, 1, 2, 3, 4, 6};
  std::uint64_t seed = 0;
};

/// Throws UserError naming the option and its allowed range for options that cannot
/// make scenes (sizes < 1 or min > max, items that do not fit the canvas, min_visible
/// outside [0, 1], noise or gradient negative or not finite, thresholds outside 1–255,
/// presence classes outside 0–9 or repeated).
void check_scene_options(const SceneOptions& options);

/// Scenes count (≥ 0) drawn from `items` (a split of Fashion-MNIST: 1×28×28 images with
/// labels 0–9; `split` keys the random streams): 1 × height × width pixels, boxes (around
/// each labelled item's visible pixels, pixel-edge coordinates as image_set.h says) and
/// masks (0 background, else label + 1), both filled; labels empty; classes 10 or 1.
ImageSet render_scenes(const SceneOptions& options, const ImageSet& items, Split split, std::int64_t count);

/// The scenes at `indices` (each ≥ 0) of a set, in that order: scene k of the result is
/// scene indices[k] of render_scenes(..., count) for any count above it, each drawn from its
/// own stream. A run that trains on a subset draws only the scenes it trains on.
ImageSet render_scenes(const SceneOptions& options, const ImageSet& items, Split split,
                       std::span<const std::int64_t> indices);

/// render_scenes over load_fashion_mnist(fashion_mnist_dir, split): reads only that split's files.
ImageSet make_scenes(const SceneOptions& options, Split split, std::int64_t count,
                     const std::filesystem::path& fashion_mnist_dir);
/// The same for the scenes at `indices`.
ImageSet make_scenes(const SceneOptions& options, Split split, std::span<const std::int64_t> indices,
                     const std::filesystem::path& fashion_mnist_dir);

}  // namespace hwnas::train

#include "hwnas/train/data/scenes.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "hwnas/base/error.h"
#include "hwnas/train/data/random.h"
#include "hwnas/train/data/resize.h"

namespace hwnas::train {
namespace {

constexpr int kPlacementTries = 20;
constexpr int kFragmentTries = 5;

/// An image to paste: values 0–255, h × w.
struct Sprite {
  std::vector<float> value;
  std::int32_t h = 0, w = 0;
};

/// One scene being drawn: the canvas, and which item owns each pixel (-1: none).
struct Canvas {
  std::int32_t h, w;
  std::vector<float> value;
  std::vector<std::int8_t> owner;
};

/// The h × w window at (x, y) of a source image, mirrored when asked, resized to side × side.
Sprite cut(const std::uint8_t* image, std::int32_t image_w, std::int32_t x, std::int32_t y, std::int32_t h,
           std::int32_t w, bool mirror, std::int32_t side) {
  std::vector<std::uint8_t> window(static_cast<std::size_t>(h) * w);
  for (std::int32_t r = 0; r < h; ++r)
    for (std::int32_t c = 0; c < w; ++c)
      window[std::size_t(r) * w + c] = image[std::size_t(y + r) * image_w + x + (mirror ? w - 1 - c : c)];
  return {resize_bilinear(window.data(), h, w, side, side), side, side};
}

/// Pastes the sprite's silhouette (values ≥ threshold) at (x, y) times `intensity`;
/// pixels it covers become `owner`'s.
void paste(Canvas& canvas, const Sprite& sprite, std::int32_t x, std::int32_t y, float threshold, float intensity,
           std::int8_t owner) {
  for (std::int32_t r = std::max(0, -y); r < sprite.h && y + r < canvas.h; ++r)
    for (std::int32_t c = std::max(0, -x); c < sprite.w && x + c < canvas.w; ++c) {
      const float v = sprite.value[std::size_t(r) * sprite.w + c];
      if (v < threshold) continue;
      const std::size_t at = std::size_t(y + r) * canvas.w + x + c;
      canvas.value[at] = v * intensity;
      canvas.owner[at] = owner;
    }
}

void draw_background(Canvas& canvas, const SceneOptions& options, SplitMix& random) {
  const double level = random.real(0, options.background_max);
  const double gx = random.real(-options.gradient, options.gradient), gy = random.real(-options.gradient, options.gradient);
  std::vector<float> column(canvas.w);
  for (std::int32_t x = 0; x < canvas.w; ++x) column[x] = static_cast<float>(level + gx * ((x + 0.5) / canvas.w - 0.5));
  for (std::int32_t y = 0; y < canvas.h; ++y) {
    const auto row = static_cast<float>(gy * ((y + 0.5) / canvas.h - 0.5));
    for (std::int32_t x = 0; x < canvas.w; ++x) canvas.value[std::size_t(y) * canvas.w + x] = column[x] + row;
  }
}

/// Blends the sprite's silhouette into the canvas at (x, y) through a soft elliptical
/// window (opaque inside half its radius, fading to nothing at its edge), so that a
/// fragment has an item's texture and edges but no straight cut.
void blend(Canvas& canvas, const Sprite& sprite, std::int32_t x, std::int32_t y, float threshold, float intensity) {
  for (std::int32_t r = std::max(0, -y); r < sprite.h && y + r < canvas.h; ++r)
    for (std::int32_t c = std::max(0, -x); c < sprite.w && x + c < canvas.w; ++c) {
      const float v = sprite.value[std::size_t(r) * sprite.w + c];
      const float dy = (r + 0.5f) / sprite.h - 0.5f, dx = (c + 0.5f) / sprite.w - 0.5f;
      const float alpha = std::clamp(2.0f - 8.0f * (dx * dx + dy * dy), 0.0f, 1.0f);
      if (v < threshold || alpha == 0) continue;
      float& at = canvas.value[std::size_t(y + r) * canvas.w + x + c];
      at += alpha * (v * intensity - at);
    }
}

void draw_fragments(Canvas& canvas, const SceneOptions& options, const ImageSet& items, SplitMix& random) {
  const std::size_t plane = std::size_t(items.height) * items.width;
  for (std::int32_t f = 0; f < options.fragments; ++f) {
    const std::uint8_t* image = items.pixels.data() + plane * random.integer(0, items.size() - 1);
    const auto size = static_cast<std::int32_t>(random.integer(options.fragment_min, options.fragment_max));
    std::int32_t x = 0, y = 0;
    for (int t = 0; t < kFragmentTries; ++t) {  // prefer a window on the item's edge: part item, part not
      x = static_cast<std::int32_t>(random.integer(0, items.width - size));
      y = static_cast<std::int32_t>(random.integer(0, items.height - size));
      int lit = 0;
      for (std::int32_t r = 0; r < size; ++r)
        for (std::int32_t c = 0; c < size; ++c) lit += image[std::size_t(y + r) * items.width + x + c] >= options.silhouette_threshold;
      if (10 * lit >= 3 * size * size && 10 * lit <= 8 * size * size) break;
    }
    const auto side = static_cast<std::int32_t>(std::lround(size * random.real(1, 2)));
    const Sprite sprite = cut(image, items.width, x, y, size, size, random.next() >> 63, side);
    const auto at_x = static_cast<std::int32_t>(random.integer(-side / 2, canvas.w - side / 2));
    const auto at_y = static_cast<std::int32_t>(random.integer(-side / 2, canvas.h - side / 2));
    blend(canvas, sprite, at_x, at_y, static_cast<float>(options.silhouette_threshold),
          static_cast<float>(random.real(0.5, 1)));
  }
}

/// Draws the items; returns each placed item's class.
std::vector<std::int32_t> draw_items(Canvas& canvas, const SceneOptions& options, const ImageSet& items,
                                     SplitMix& random) {
  const std::size_t plane = std::size_t(items.height) * items.width;
  const auto threshold = static_cast<float>(options.silhouette_threshold);
  std::vector<std::int32_t> classes;
  std::vector<std::int64_t> silhouette, visible;
  const auto drawn = random.integer(options.min_items, options.max_items);
  for (std::int64_t k = 0; k < drawn; ++k) {
    const std::int64_t item = random.integer(0, items.size() - 1);
    const auto side = static_cast<std::int32_t>(random.integer(options.item_min, options.item_max));
    const Sprite sprite = cut(items.pixels.data() + plane * item, items.width, 0, 0, items.height, items.width,
                              random.next() >> 63, side);
    const auto intensity = static_cast<float>(random.real(0.75, 1));
    for (int t = 0; t < kPlacementTries; ++t) {
      const auto x = static_cast<std::int32_t>(random.integer(0, canvas.w - side));
      const auto y = static_cast<std::int32_t>(random.integer(0, canvas.h - side));
      std::vector<std::int64_t> covered(classes.size(), 0);
      std::int64_t size = 0;
      for (std::int32_t r = 0; r < side; ++r)
        for (std::int32_t c = 0; c < side; ++c) {
          if (sprite.value[std::size_t(r) * side + c] < threshold) continue;
          ++size;
          if (const std::int8_t o = canvas.owner[std::size_t(y + r) * canvas.w + x + c]; o >= 0) ++covered[o];
        }
      bool fits = size > 0;
      for (std::size_t o = 0; o < classes.size() && fits; ++o)
        fits = static_cast<double>(visible[o] - covered[o]) >= options.min_visible * static_cast<double>(silhouette[o]);
      if (!fits) continue;
      for (std::size_t o = 0; o < classes.size(); ++o) visible[o] -= covered[o];
      paste(canvas, sprite, x, y, threshold, intensity, static_cast<std::int8_t>(classes.size()));
      classes.push_back(items.labels[item]);
      silhouette.push_back(size);
      visible.push_back(size);
      break;
    }
  }
  return classes;
}

void add_noise(Canvas& canvas, const SceneOptions& options, SplitMix& random, std::uint8_t* out) {
  // The sum of four uniforms on [0, 1) has variance 1/3: × √3 gives unit variance.
  const auto scale = static_cast<float>(options.noise * std::sqrt(3.0) / 65536.0);
  for (std::size_t i = 0; i < canvas.value.size(); ++i) {
    const std::uint64_t bits = random.next();
    const auto sum = static_cast<float>(std::int32_t(bits & 0xffff) + std::int32_t((bits >> 16) & 0xffff) +
                                        std::int32_t((bits >> 32) & 0xffff) + std::int32_t(bits >> 48) + 2 - 2 * 65536);
    const float v = std::clamp(canvas.value[i] + sum * scale, 0.0f, 255.0f);
    out[i] = static_cast<std::uint8_t>(v + 0.5f);
  }
}

std::string range_error(std::string_view what, double value, std::string_view allowed) {
  return fmt::format("scene option {} = {} is out of range: {}", what, value, allowed);
}

}  // namespace

void check_scene_options(const SceneOptions& o) {
  const auto require = [](bool ok, std::string_view what, double value, std::string_view allowed) {
    if (!ok) throw UserError(range_error(what, value, allowed));
  };
  require(o.height >= 1 && o.height <= 4096, "height", o.height, "1 to 4096 pixels");
  require(o.width >= 1 && o.width <= 4096, "width", o.width, "1 to 4096 pixels");
  require(o.min_items >= 1 && o.min_items <= 100, "min_items", o.min_items, "1 to 100");
  require(o.max_items >= o.min_items && o.max_items <= 100, "max_items", o.max_items, "min_items to 100");
  require(o.item_min >= 1, "item_min", o.item_min, "1 pixel or more");
  require(o.item_max >= o.item_min && o.item_max <= std::min(o.height, o.width), "item_max", o.item_max,
          "item_min to the canvas's smaller side");
  require(std::isfinite(o.min_visible) && o.min_visible >= 0 && o.min_visible <= 1, "min_visible", o.min_visible,
          "0 to 1");
  require(o.silhouette_threshold >= 1 && o.silhouette_threshold <= 255, "silhouette_threshold",
          o.silhouette_threshold, "1 to 255");
  require(o.fragments >= 0 && o.fragments <= 10000, "fragments", o.fragments, "0 to 10000");
  require(o.fragment_min >= 1, "fragment_min", o.fragment_min, "1 pixel or more");
  require(o.fragment_max >= o.fragment_min, "fragment_max", o.fragment_max, "fragment_min or more");
  require(o.background_max >= 0 && o.background_max <= 255, "background_max", o.background_max, "0 to 255");
  require(std::isfinite(o.gradient) && o.gradient >= 0 && o.gradient <= 1000, "gradient", o.gradient, "0 to 1000");
  require(std::isfinite(o.noise) && o.noise >= 0 && o.noise <= 1000, "noise", o.noise, "0 to 1000");
  if (o.labels == SceneLabels::presence && o.presence_classes.empty())
    throw UserError("scene option presence_classes is empty: name at least one class (0-9) as the object");
  std::set<std::int32_t> seen;
  for (const std::int32_t c : o.presence_classes) {
    require(c >= 0 && c <= 9, "presence_classes", c, "classes 0 to 9");
    if (!seen.insert(c).second)
      throw UserError(fmt::format("scene option presence_classes names class {} twice", c));
  }
}

ImageSet render_scenes(const SceneOptions& options, const ImageSet& items, Split split, std::int64_t count) {
  HWNAS_CHECK(count >= 0);
  std::vector<std::int64_t> all(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) all[static_cast<std::size_t>(i)] = i;
  return render_scenes(options, items, split, all);
}

ImageSet render_scenes(const SceneOptions& options, const ImageSet& items, Split split,
                       std::span<const std::int64_t> indices) {
  check_scene_options(options);
  const auto count = static_cast<std::int64_t>(indices.size());
  HWNAS_CHECK(items.channels == 1 && items.size() > 0 && items.labels.size() == std::size_t(items.size()));
  if (options.fragment_max > std::min(items.height, items.width))
    throw UserError(range_error("fragment_max", options.fragment_max,
                                fmt::format("fragment_min to the items' side, {}", std::min(items.height, items.width))));
  const bool presence = options.labels == SceneLabels::presence;
  const std::set<std::int32_t> objects(options.presence_classes.begin(), options.presence_classes.end());
  ImageSet scenes;
  scenes.channels = 1, scenes.height = options.height, scenes.width = options.width;
  scenes.classes = presence ? 1 : 10;
  const std::size_t plane = std::size_t(options.height) * options.width;
  scenes.pixels.resize(plane * count);
  scenes.masks.resize(plane * count);
  scenes.boxes.resize(count);
  for (std::int64_t i = 0; i < count; ++i) {
    const std::int64_t index = indices[static_cast<std::size_t>(i)];
    HWNAS_CHECK(index >= 0);
    SplitMix random(options.seed, split == Split::train ? 1 : 2, static_cast<std::uint64_t>(index));
    Canvas canvas{options.height, options.width, std::vector<float>(plane), std::vector<std::int8_t>(plane, -1)};
    draw_background(canvas, options, random);
    draw_fragments(canvas, options, items, random);
    const std::vector<std::int32_t> classes = draw_items(canvas, options, items, random);
    add_noise(canvas, options, random, scenes.pixels.data() + plane * i);
    // Labels by owner; boxes around each labelled item's visible pixels.
    std::vector<std::int32_t> label(classes.size(), -1);
    for (std::size_t k = 0; k < classes.size(); ++k)
      label[k] = !presence ? classes[k] : objects.contains(classes[k]) ? 0 : -1;
    std::vector<Box> boxes(classes.size(), Box{float(options.width), float(options.height), 0, 0, 0});
    std::uint8_t* mask = scenes.masks.data() + plane * i;
    for (std::int32_t y = 0; y < options.height; ++y)
      for (std::int32_t x = 0; x < options.width; ++x) {
        const std::int8_t o = canvas.owner[std::size_t(y) * options.width + x];
        if (o < 0 || label[o] < 0) continue;
        mask[std::size_t(y) * options.width + x] = static_cast<std::uint8_t>(label[o] + 1);
        Box& b = boxes[o];
        b = Box{std::min(b.x0, float(x)), std::min(b.y0, float(y)), std::max(b.x1, float(x + 1)),
                std::max(b.y1, float(y + 1)), label[o]};
      }
    for (std::size_t k = 0; k < classes.size(); ++k)
      if (label[k] >= 0 && boxes[k].x1 > boxes[k].x0) scenes.boxes[i].push_back(boxes[k]);
  }
  return scenes;
}

ImageSet make_scenes(const SceneOptions& options, Split split, std::int64_t count,
                     const std::filesystem::path& fashion_mnist_dir) {
  check_scene_options(options);
  return render_scenes(options, load_fashion_mnist(fashion_mnist_dir, split), split, count);
}

ImageSet make_scenes(const SceneOptions& options, Split split, std::span<const std::int64_t> indices,
                     const std::filesystem::path& fashion_mnist_dir) {
  check_scene_options(options);
  return render_scenes(options, load_fashion_mnist(fashion_mnist_dir, split), split, indices);
}

}  // namespace hwnas::train

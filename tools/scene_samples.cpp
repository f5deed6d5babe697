// Draws sample scenes (data/scenes.h) for docs/data.md: each scene with its boxes and class
// digits, beside its mask in the same colours. Writes OUT_DIR/scenes_items.png (ten-class
// labels) and OUT_DIR/scenes_presence.png (the one-class person-like presence variant).
// With --stats N, also prints the figures docs/data.md quotes: Fashion-MNIST's pixel mean
// and standard deviation, and over N default test scenes their boxes, masks and pixels.
//
//   build/bin/scene_samples docs/img [--count 4] [--seed 0] [--scale 2] [--stats 2000]
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/train/data/scenes.h"
#include "png_writer.h"

namespace {

using namespace hwnas;
using namespace hwnas::train;
using Rgb = std::array<std::uint8_t, 3>;

// Mask value v (0 background, else class + 1) and box label v − 1 share colour v: Tableau 10.
constexpr std::array<Rgb, 11> kPalette = {{{0, 0, 0},       {31, 119, 180}, {255, 127, 14}, {44, 160, 44},
                                           {214, 39, 40},   {148, 103, 189}, {140, 86, 75}, {227, 119, 194},
                                           {188, 189, 34},  {23, 190, 207},  {255, 255, 255}}};

// 3×5 digits, one row per 3-bit group, most significant bit left.
constexpr std::array<std::array<std::uint8_t, 5>, 10> kDigits = {{{7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7},
                                                                  {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1}, {7, 4, 7, 1, 7},
                                                                  {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7},
                                                                  {7, 5, 7, 1, 7}}};

class Picture {
 public:
  Picture(int w, int h) : w_(w), h_(h), rgb_(std::size_t(w) * h * 3, 255) {}
  void set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    for (int k = 0; k < 3; ++k) rgb_[(std::size_t(y) * w_ + x) * 3 + k] = c[k];
  }
  void rectangle(int x0, int y0, int x1, int y1, Rgb c) {  // outline, corners inclusive
    for (int x = x0; x <= x1; ++x) set(x, y0, c), set(x, y1, c);
    for (int y = y0; y <= y1; ++y) set(x0, y, c), set(x1, y, c);
  }
  void digit(int x, int y, int d, int size, Rgb c) {
    for (int yy = -1; yy <= 5 * size; ++yy)  // dark backing, one pixel wider
      for (int xx = -1; xx <= 3 * size; ++xx) set(x + xx, y + yy, {0, 0, 0});
    for (int r = 0; r < 5; ++r)
      for (int col = 0; col < 3; ++col)
        if (kDigits[d][r] >> (2 - col) & 1)
          for (int k = 0; k < size * size; ++k) set(x + col * size + k % size, y + r * size + k / size, c);
  }
  std::string png() const { return tools::encode_png(w_, h_, rgb_); }

 private:
  int w_, h_;
  std::vector<std::uint8_t> rgb_;
};

/// Scenes in a grid of two pairs a row: the scene with its boxes, then its mask.
std::string draw(const ImageSet& scenes, int scale) {
  const int side_w = scenes.width * scale, side_h = scenes.height * scale, gap = 8;
  const int pairs_per_row = 2, n = static_cast<int>(scenes.size());
  const int rows = (n + pairs_per_row - 1) / pairs_per_row;
  Picture picture(pairs_per_row * (2 * side_w + 3 * gap) - gap, rows * (side_h + gap) - gap);
  for (int i = 0; i < n; ++i) {
    const int left = (i % pairs_per_row) * (2 * side_w + 3 * gap), top = (i / pairs_per_row) * (side_h + gap);
    const std::size_t plane = std::size_t(scenes.height) * scenes.width;
    for (int y = 0; y < side_h; ++y)
      for (int x = 0; x < side_w; ++x) {
        const std::size_t at = plane * i + std::size_t(y / scale) * scenes.width + x / scale;
        const std::uint8_t v = scenes.pixels[at];
        picture.set(left + x, top + y, {v, v, v});
        picture.set(left + side_w + gap + x, top + y, kPalette.at(scenes.masks[at]));
      }
    for (const Box& b : scenes.boxes[i]) {
      const Rgb c = kPalette.at(b.label + 1);
      const int x0 = left + int(b.x0) * scale, y0 = top + int(b.y0) * scale;
      picture.rectangle(x0, y0, left + int(b.x1) * scale - 1, top + int(b.y1) * scale - 1, c);
      picture.digit(x0 + 2, y0 + 2, b.label, scale, c);
    }
  }
  return picture.png();
}

/// Mean and standard deviation of x / 255 over the pixels.
std::pair<double, double> moments(const std::vector<std::uint8_t>& pixels) {
  double sum = 0, squares = 0;
  for (const std::uint8_t v : pixels) sum += v / 255.0, squares += (v / 255.0) * (v / 255.0);
  const double n = static_cast<double>(pixels.size()), mean = sum / n;
  return {mean, std::sqrt(squares / n - mean * mean)};
}

/// The share of pixels the best brightness threshold misclassifies as item or background.
double threshold_error(const ImageSet& scenes) {
  std::array<std::int64_t, 256> item{}, background{};
  for (std::size_t p = 0; p < scenes.pixels.size(); ++p) ++(scenes.masks[p] != 0 ? item : background)[scenes.pixels[p]];
  std::int64_t item_below = 0, background_above = 0;
  for (const std::int64_t n : background) background_above += n;
  std::int64_t best = background_above;
  for (int t = 1; t <= 256; ++t) {
    item_below += item[t - 1], background_above -= background[t - 1];
    best = std::min(best, item_below + background_above);
  }
  return static_cast<double>(best) / static_cast<double>(scenes.pixels.size());
}

void print_stats(std::int64_t count) {
  const auto [mean, deviation] = moments(load_fashion_mnist(default_fashion_mnist_dir(), Split::train).pixels);
  fmt::print("Fashion-MNIST training images: x/255 mean {:.4f}, standard deviation {:.4f}\n", mean, deviation);
  for (const SceneLabels labels : {SceneLabels::items, SceneLabels::presence}) {
    SceneOptions options;
    options.labels = labels;
    const ImageSet scenes = make_scenes(options, Split::test, count, default_fashion_mnist_dir());
    std::array<std::int64_t, 5> per_count{};
    double area = 0;
    std::int64_t boxes = 0, marked = 0;
    for (const std::vector<Box>& scene : scenes.boxes) {
      ++per_count[std::min<std::size_t>(scene.size(), 4)];
      for (const Box& b : scene) area += (b.x1 - b.x0) * (b.y1 - b.y0), ++boxes;
    }
    for (const std::uint8_t m : scenes.masks) marked += m != 0;
    const auto [scene_mean, scene_deviation] = moments(scenes.pixels);
    fmt::print("{} default test scenes, labels {}: scenes with 0/1/2/3/4 boxes {}; mean box side {:.1f} px; "
               "labelled pixels {:.3f}; best brightness threshold misclassifies {:.3f} of the pixels; x/255 mean "
               "{:.4f}, standard deviation {:.4f}\n",
               count, labels == SceneLabels::items ? "items" : "presence", fmt::join(per_count, "/"),
               std::sqrt(area / static_cast<double>(boxes)), static_cast<double>(marked) / static_cast<double>(scenes.masks.size()),
               threshold_error(scenes), scene_mean, scene_deviation);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Draws sample scenes with their boxes and masks into PNG files");
  std::string out_dir;
  std::int64_t count = 4;
  std::uint64_t seed = 0;
  int scale = 2;
  app.add_option("out_dir", out_dir, "directory for scenes_items.png and scenes_presence.png")->required();
  app.add_option("--count", count, "scenes per picture")->check(CLI::Range(1, 64));
  app.add_option("--seed", seed, "the scenes' seed");
  app.add_option("--scale", scale, "pixels per scene pixel")->check(CLI::Range(1, 8));
  std::int64_t stats = 0;
  app.add_option("--stats", stats, "also print statistics of this many test scenes")->check(CLI::Range(1, 100000));
  CLI11_PARSE(app, argc, argv);
  try {
    for (const auto& [labels, name] : {std::pair{SceneLabels::items, "scenes_items.png"},
                                       std::pair{SceneLabels::presence, "scenes_presence.png"}}) {
      SceneOptions options;
      options.labels = labels;
      options.seed = seed;
      const ImageSet scenes = make_scenes(options, Split::train, count, default_fashion_mnist_dir());
      const std::string path = out_dir + "/" + name;
      write_file_atomically(path, draw(scenes, scale), "PNG file");
      std::printf("%s\n", path.c_str());
    }
    if (stats > 0) print_stats(stats);
  } catch (const UserError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}

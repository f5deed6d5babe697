#include "hwnas/train/data/batch.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "hwnas/base/error.h"
#include "hwnas/train/data/random.h"
#include "hwnas/train/data/resize.h"

namespace hwnas::train {
namespace {

void check_options(const ImageSet& set, const BatchOptions& options) {
  if (options.resolution < 0)
    throw UserError(fmt::format("batch resolution {} is negative; give a positive resolution, or 0 to keep the "
                                "images' {}x{}",
                                options.resolution, set.height, set.width));
  if (options.pad < 0) throw UserError(fmt::format("crop padding {} is negative; give 0 or more pixels", options.pad));
  if (!(options.std > 0) || !std::isfinite(options.std) || !std::isfinite(options.mean))
    throw UserError(fmt::format("normalisation mean {} / std {}: std must be positive and both finite",
                                options.mean, options.std));
  if (options.channels != 0 && options.channels != set.channels && !(options.channels == 3 && set.channels == 1))
    throw UserError(fmt::format("cannot make {}-channel inputs from {}-channel images; the model's input must "
                                "have {} channels (or 3, replicated from 1)",
                                options.channels, set.channels, set.channels));
  const std::size_t n = static_cast<std::size_t>(set.size());
  HWNAS_CHECK(set.pixels.size() == n * set.channels * set.height * set.width);
  HWNAS_CHECK(set.labels.empty() || set.labels.size() == n);
  HWNAS_CHECK(set.boxes.empty() || set.boxes.size() == n);
  HWNAS_CHECK(set.masks.empty() || set.masks.size() == n * set.height * set.width);
}

/// The resized image's coordinate under output coordinate o, or -1 in the padding.
std::int32_t crop_source(std::int32_t o, std::int32_t size, std::int32_t offset, std::int32_t pad, bool flip) {
  const std::int32_t at = (flip ? size - 1 - o : o) + offset - pad;
  return at >= 0 && at < size ? at : -1;
}

std::vector<Box> move_boxes(const std::vector<Box>& boxes, float scale_x, float scale_y, float shift_x,
                            float shift_y, bool flip, float width, float height) {
  std::vector<Box> moved;
  for (const Box& box : boxes) {
    Box b{std::clamp(box.x0 * scale_x + shift_x, 0.0f, width), std::clamp(box.y0 * scale_y + shift_y, 0.0f, height),
          std::clamp(box.x1 * scale_x + shift_x, 0.0f, width), std::clamp(box.y1 * scale_y + shift_y, 0.0f, height),
          box.label};
    if (b.x1 - b.x0 < 1 || b.y1 - b.y0 < 1) continue;
    if (flip) b = Box{width - b.x1, b.y0, width - b.x0, b.y1, b.label};
    moved.push_back(b);
  }
  return moved;
}

}  // namespace

Augmentation draw_augmentation(const BatchOptions& options, std::int64_t index) {
  if (!options.augment) return {options.pad, options.pad, false};
  SplitMix random(options.seed, static_cast<std::uint64_t>(index));
  Augmentation drawn;
  drawn.offset_x = static_cast<std::int32_t>(random.integer(0, 2 * std::int64_t{options.pad}));
  drawn.offset_y = static_cast<std::int32_t>(random.integer(0, 2 * std::int64_t{options.pad}));
  drawn.flip = options.flip && (random.next() >> 63) != 0;
  return drawn;
}

std::pair<float, float> pixel_moments(std::span<const std::uint8_t> pixels) {
  if (pixels.empty()) return {0.0f, 1.0f};
  double sum = 0, sum_sq = 0;
  for (const std::uint8_t p : pixels) {
    sum += p;
    sum_sq += static_cast<double>(p) * p;
  }
  const double n = static_cast<double>(pixels.size()), mean = sum / n;
  return {static_cast<float>(mean / 255), static_cast<float>(std::sqrt(std::max(0.0, sum_sq / n - mean * mean)) / 255)};
}

BatchOptions network_batches(std::int32_t resolution, std::int32_t channels, std::span<const std::uint8_t> reference) {
  const auto [mean, std] = pixel_moments(reference);
  BatchOptions o;
  o.resolution = resolution;
  o.channels = channels;
  o.mean = mean;
  o.std = std;
  return o;
}

Batch make_batch(const ImageSet& set, std::span<const std::int64_t> indices, const BatchOptions& options) {
  check_options(set, options);
  Batch batch;
  batch.n = static_cast<std::int32_t>(indices.size());
  batch.channels = options.channels == 0 ? set.channels : options.channels;
  batch.height = options.resolution == 0 ? set.height : options.resolution;
  batch.width = options.resolution == 0 ? set.width : options.resolution;
  const std::int32_t h = batch.height, w = batch.width, c_in = set.channels;
  const std::size_t plane = static_cast<std::size_t>(h) * w, source_plane = std::size_t(set.height) * set.width;
  batch.pixels.resize(indices.size() * batch.channels * plane);
  if (!set.labels.empty()) batch.labels.reserve(indices.size());
  if (!set.boxes.empty()) batch.boxes.reserve(indices.size());
  if (!set.masks.empty()) batch.masks.resize(indices.size() * plane);

  const AxisMap rows = axis_map(set.height, h), columns = axis_map(set.width, w);
  const float gain = 1.0f / (255.0f * options.std), bias = -options.mean / options.std;
  std::vector<std::int32_t> at_row(h), at_column(w), left(w), right(w), mask_column(w);
  std::vector<float> weight(w);
  // Separable: each source row is resampled horizontally once (columns cropped and flipped
  // as drawn, padding 0), then each output row is a blend of two such rows, contiguous.
  std::vector<float> across(std::size_t(set.height) * w);

  for (std::size_t i = 0; i < indices.size(); ++i) {
    const std::int64_t index = indices[i];
    HWNAS_CHECK(index >= 0 && index < set.size());
    HWNAS_CHECK(options.draw_index.empty() || options.draw_index.size() == std::size_t(set.size()));
    const Augmentation aug =
        draw_augmentation(options, options.draw_index.empty() ? index : options.draw_index[std::size_t(index)]);
    for (std::int32_t y = 0; y < h; ++y) at_row[y] = crop_source(y, h, aug.offset_y, options.pad, false);
    for (std::int32_t x = 0; x < w; ++x) {
      const std::int32_t s = at_column[x] = crop_source(x, w, aug.offset_x, options.pad, aug.flip);
      left[x] = s < 0 ? 0 : columns.lo[s];
      right[x] = s < 0 ? 0 : columns.hi[s];
      weight[x] = s < 0 ? 0 : columns.weight[s];
    }
    for (std::int32_t c = 0; c < batch.channels; ++c) {
      float* out = batch.pixels.data() + (i * batch.channels + c) * plane;
      if (c >= c_in) {  // replicated from channel 0
        std::memcpy(out, out - c * plane, plane * sizeof(float));
        continue;
      }
      const std::uint8_t* in = set.pixels.data() + (static_cast<std::size_t>(index) * c_in + c) * source_plane;
      for (std::int32_t r = 0; r < set.height; ++r) {
        const std::uint8_t* row = in + std::size_t(r) * set.width;
        float* to = across.data() + std::size_t(r) * w;
        if (w == set.width) {  // no resize across: a shifted, maybe mirrored, contiguous copy
          const std::int32_t shift = aug.offset_x - options.pad;
          const std::int32_t begin = std::max(0, -shift), end = std::min(w, w - shift);
          std::fill(to, to + w, 0.0f);
          if (aug.flip)
            for (std::int32_t x = begin; x < end; ++x) to[w - 1 - x] = row[x + shift];
          else
            for (std::int32_t x = begin; x < end; ++x) to[x] = row[x + shift];
          continue;
        }
        for (std::int32_t x = 0; x < w; ++x) {
          const float a = row[left[x]], b = row[right[x]];
          to[x] = at_column[x] < 0 ? 0.0f : a + weight[x] * (b - a);
        }
      }
      for (std::int32_t y = 0; y < h; ++y, out += w) {
        const std::int32_t r = at_row[y];
        if (r < 0) {
          std::fill(out, out + w, bias);
          continue;
        }
        const float* top = across.data() + std::size_t(rows.lo[r]) * w;
        const float* bottom = across.data() + std::size_t(rows.hi[r]) * w;
        const float wy = rows.weight[r];
        for (std::int32_t x = 0; x < w; ++x) out[x] = (top[x] + wy * (bottom[x] - top[x])) * gain + bias;
      }
    }
    if (!set.labels.empty()) batch.labels.push_back(set.labels[index]);
    if (!set.boxes.empty())
      batch.boxes.push_back(move_boxes(set.boxes[index], float(w) / set.width, float(h) / set.height,
                                       float(options.pad - aug.offset_x), float(options.pad - aug.offset_y), aug.flip,
                                       float(w), float(h)));
    if (!set.masks.empty()) {
      const std::uint8_t* in = set.masks.data() + static_cast<std::size_t>(index) * source_plane;
      std::uint8_t* out = batch.masks.data() + i * plane;
      for (std::int32_t x = 0; x < w; ++x) mask_column[x] = at_column[x] < 0 ? -1 : columns.nearest[at_column[x]];
      for (std::int32_t y = 0; y < h; ++y, out += w) {
        if (at_row[y] < 0) continue;  // padding: background, as resize() left it
        const std::uint8_t* row = in + std::size_t(rows.nearest[at_row[y]]) * set.width;
        for (std::int32_t x = 0; x < w; ++x) out[x] = mask_column[x] < 0 ? 0 : row[mask_column[x]];
      }
    }
  }
  return batch;
}

}  // namespace hwnas::train

// Reads the 8-bit RGB/RGBA, non-interlaced PNG files Chromium writes for screenshots
// (PNG specification, ISO/IEC 15948: chunks, zlib stream, per-row filters 0-4), for the
// report tests' check that a screenshot is not blank.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace hwnas::testing {

struct PngImage {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3, row by row
};

/// Throws std::runtime_error for anything else than 8-bit RGB or RGBA without interlace.
inline PngImage decode_png(const std::string& bytes) {
  const auto u32 = [&](std::size_t at) {
    if (at + 4 > bytes.size()) throw std::runtime_error("png: truncated");
    return std::uint32_t(std::uint8_t(bytes[at])) << 24 | std::uint32_t(std::uint8_t(bytes[at + 1])) << 16 |
           std::uint32_t(std::uint8_t(bytes[at + 2])) << 8 | std::uint32_t(std::uint8_t(bytes[at + 3]));
  };
  if (bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) throw std::runtime_error("png: no signature");
  PngImage image;
  int channels = 0;
  std::string idat;
  for (std::size_t at = 8; at + 8 <= bytes.size();) {
    const std::uint32_t length = u32(at);
    const std::string type = bytes.substr(at + 4, 4);
    if (at + 12 + length > bytes.size()) throw std::runtime_error("png: chunk past the end");
    const std::string data = bytes.substr(at + 8, length);
    if (type == "IHDR") {
      image.width = u32(at + 8), image.height = u32(at + 12);
      const int depth = std::uint8_t(data[8]), color = std::uint8_t(data[9]), interlace = std::uint8_t(data[12]);
      if (depth != 8 || (color != 2 && color != 6) || interlace != 0)
        throw std::runtime_error("png: only 8-bit RGB/RGBA without interlace is read");
      channels = color == 2 ? 3 : 4;
    } else if (type == "IDAT") {
      idat += data;
    } else if (type == "IEND") {
      break;
    }
    at += 12 + length;
  }
  if (channels == 0) throw std::runtime_error("png: no IHDR");
  const std::size_t stride = std::size_t(image.width) * channels;
  std::vector<std::uint8_t> raw((stride + 1) * image.height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_size != raw.size())
    throw std::runtime_error("png: bad image data");
  std::vector<std::uint8_t> previous(stride, 0), row(stride);
  image.rgb.reserve(std::size_t(image.width) * image.height * 3);
  for (std::uint32_t y = 0; y < image.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* in = &raw[y * (stride + 1) + 1];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= std::size_t(channels) ? row[i - channels] : 0, b = previous[i],
                c = i >= std::size_t(channels) ? previous[i - channels] : 0;
      int predictor = 0;
      switch (filter) {
        case 0: predictor = 0; break;
        case 1: predictor = a; break;
        case 2: predictor = b; break;
        case 3: predictor = (a + b) / 2; break;
        case 4: {
          const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw std::runtime_error("png: unknown row filter");
      }
      row[i] = std::uint8_t(in[i] + predictor);
    }
    for (std::uint32_t x = 0; x < image.width; ++x)
      for (int k = 0; k < 3; ++k) image.rgb.push_back(row[std::size_t(x) * channels + k]);
    previous = row;
  }
  return image;
}

}  // namespace hwnas::testing

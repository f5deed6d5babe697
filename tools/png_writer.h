// Writes 8-bit RGB PNG files (PNG specification, ISO/IEC 15948: signature, IHDR, one zlib
// IDAT of rows with filter 0, IEND, each chunk with its CRC-32), for the figures the tools
// draw into docs/img.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace hwnas::tools {

/// width × height pixels, row by row, 3 bytes (R, G, B) each.
inline std::string encode_png(std::uint32_t width, std::uint32_t height, const std::vector<std::uint8_t>& rgb) {
  if (rgb.size() != std::size_t(width) * height * 3) throw std::logic_error("encode_png: wrong pixel count");
  const auto u32 = [](std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
  };
  std::string png = "\x89PNG\r\n\x1a\n";
  const auto chunk = [&](const char* type, const std::string& data) {
    u32(png, static_cast<std::uint32_t>(data.size()));
    const std::string body = type + data;
    png += body;
    u32(png, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
  };
  std::string header;
  u32(header, width);
  u32(header, height);
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, filter method 0, no interlace
  chunk("IHDR", header);
  std::string raw;
  for (std::uint32_t y = 0; y < height; ++y) {
    raw += '\0';  // filter type 0 (none)
    raw.append(rgb.begin() + std::ptrdiff_t(y) * width * 3, rgb.begin() + std::ptrdiff_t(y + 1) * width * 3);
  }
  std::string compressed(compressBound(raw.size()), '\0');
  uLongf size = compressed.size();
  if (compress2(reinterpret_cast<Bytef*>(compressed.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
                raw.size(), 9) != Z_OK)
    throw std::runtime_error("encode_png: zlib failed");
  compressed.resize(size);
  chunk("IDAT", compressed);
  chunk("IEND", "");
  return png;
}

}  // namespace hwnas::tools

// tools/png_writer.h, which draws docs/data.md's sample scenes: what it writes decodes, with
// the report tests' independent PNG reader, to the same pixels.
#include <gtest/gtest.h>

#include "report/png_image.h"
#include "tools/png_writer.h"

namespace hwnas {
namespace {

TEST(PngWriter, WhatItWritesDecodesToTheSamePixels) {
  const std::uint32_t w = 37, h = 11;  // odd sizes: rows are not a multiple of anything
  std::vector<std::uint8_t> rgb(w * h * 3);
  for (std::size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint8_t>(i * 7 + i / 3);
  const testing::PngImage image = testing::decode_png(tools::encode_png(w, h, rgb));
  EXPECT_EQ(image.width, w);
  EXPECT_EQ(image.height, h);
  EXPECT_EQ(image.rgb, rgb);
  EXPECT_THROW(tools::encode_png(w, h, std::vector<std::uint8_t>(5)), std::logic_error);
}

}  // namespace
}  // namespace hwnas

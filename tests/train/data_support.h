// The data tests' shared pieces: where Fashion-MNIST is (a missing dataset skips, or fails
// under HWNAS_REQUIRE_ALL_TESTS), each split loaded once per test process, and writing
// small gzip'd IDX files for the error paths.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "hwnas/base/file_io.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/data/gzip.h"
#include "support/resources.h"

namespace hwnas::testing {

/// Empty when Fashion-MNIST's four files are in default_fashion_mnist_dir(); else why not.
inline std::string missing_fashion_mnist() {
  const std::filesystem::path dir = train::default_fashion_mnist_dir();
  for (const char* name : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                           "t10k-labels-idx1-ubyte.gz"})
    if (!std::filesystem::exists(dir / name))
      return (dir / name).string() +
             " is absent (Fashion-MNIST): apt-get install dataset-fashion-mnist (scripts/setup.sh), or set "
             "HWNAS_FASHION_MNIST_DIR";
  return "";
}

/// The split, loaded on first use and kept for the rest of the test process.
inline const train::ImageSet& fashion_mnist(train::Split split) {
  if (split == train::Split::train) {
    static const train::ImageSet set = train::load_fashion_mnist(train::default_fashion_mnist_dir(), split);
    return set;
  }
  static const train::ImageSet set = train::load_fashion_mnist(train::default_fashion_mnist_dir(), split);
  return set;
}

/// IDX bytes: magic 00 00 08 RANK, big-endian dimensions, then `data`.
inline std::string idx_bytes(const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data) {
  std::string bytes = {'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (const std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes += static_cast<char>((d >> shift) & 0xff);
  bytes.append(data.begin(), data.end());
  return bytes;
}

inline void write_gzip(const std::filesystem::path& path, const std::string& bytes) {
  write_file_atomically(path.string(), train::gzip(bytes, 1), "test file");
}

}  // namespace hwnas::testing

/// Skips or fails (HWNAS_REQUIRE_ALL_TESTS) the current test when Fashion-MNIST is absent.
#define HWNAS_REQUIRE_FASHION_MNIST()                                                           \
  do {                                                                                          \
    if (const std::string why = ::hwnas::testing::missing_fashion_mnist(); !why.empty())        \
      HWNAS_MISSING_RESOURCE(why);                                                              \
  } while (false)

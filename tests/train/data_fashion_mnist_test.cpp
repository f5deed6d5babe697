// Fashion-MNIST from Debian's IDX files: the real dataset (counts, balanced classes, known
// first labels) and every error path on small or damaged copies.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>
#include <filesystem>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/data/gzip.h"
#include "hwnas/train/data/idx.h"
#include "support/scratch_dir.h"
#include "train/data_support.h"

namespace hwnas::train {
namespace {

namespace fs = std::filesystem;
using testing::idx_bytes;
using testing::write_gzip;

std::string error_of(const fs::path& dir, Split split) {
  try {
    load_fashion_mnist(dir, split);
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

/// A directory holding a copy of the real test split, to damage.
fs::path copy_of_test_split(const testing::ScratchDir& scratch, const std::string& name) {
  const fs::path dir = scratch.path() / name;
  fs::create_directories(dir);
  for (const char* file : {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    fs::copy_file(default_fashion_mnist_dir() / file, dir / file, fs::copy_options::overwrite_existing);
  return dir;
}

std::string read(const fs::path& path) { return read_text_file(path.string(), "test file"); }

TEST(FashionMnist, BothSplitsHaveTheirCountsAndBalancedClasses) {
  HWNAS_REQUIRE_FASHION_MNIST();
  for (const auto& [split, count] : {std::pair{Split::train, 60000}, std::pair{Split::test, 10000}}) {
    const ImageSet& set = testing::fashion_mnist(split);
    EXPECT_EQ(set.size(), count);
    EXPECT_EQ(set.channels, 1);
    EXPECT_EQ(set.height, 28);
    EXPECT_EQ(set.width, 28);
    EXPECT_EQ(set.classes, 10);
    ASSERT_EQ(set.labels.size(), std::size_t(count));
    EXPECT_TRUE(set.boxes.empty());
    EXPECT_TRUE(set.masks.empty());
    std::array<int, 10> histogram{};
    for (const std::int32_t label : set.labels) ++histogram.at(label);
    for (int c = 0; c < 10; ++c) EXPECT_EQ(histogram[c], count / 10) << split_name(split) << " class " << c;
    // The first image of either split is an ankle boot (class 9), as the dataset's README shows.
    EXPECT_EQ(set.labels[0], 9);
  }
}

TEST(FashionMnist, ImagesAreDarkBackgroundsWithBrightItems) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const ImageSet& set = testing::fashion_mnist(Split::test);
  double corner = 0, centre = 0;
  for (std::int64_t i = 0; i < set.size(); ++i) {
    corner += set.pixels[i * 784];
    centre += set.pixels[i * 784 + 14 * 28 + 14];
  }
  EXPECT_LT(corner / set.size(), 5.0);
  EXPECT_GT(centre / set.size(), 60.0);
}

TEST(FashionMnist, DefaultDirectoryIsDebiansUnlessTheEnvironmentSaysOtherwise) {
  const char* before = std::getenv("HWNAS_FASHION_MNIST_DIR");
  const std::string saved = before != nullptr ? before : "";
  ::unsetenv("HWNAS_FASHION_MNIST_DIR");
  EXPECT_EQ(default_fashion_mnist_dir(), fs::path("/usr/share/datasets/fashion-mnist"));
  ::setenv("HWNAS_FASHION_MNIST_DIR", "/elsewhere", 1);
  EXPECT_EQ(default_fashion_mnist_dir(), fs::path("/elsewhere"));
  if (before != nullptr) ::setenv("HWNAS_FASHION_MNIST_DIR", saved.c_str(), 1);
  else ::unsetenv("HWNAS_FASHION_MNIST_DIR");
}

TEST(FashionMnistErrors, MissingDirectoryOrFileSaysHowToInstall) {
  const testing::ScratchDir scratch("hwnas_fmnist_missing");
  std::string message = error_of(scratch.path() / "absent", Split::train);
  EXPECT_NE(message.find("absent"), std::string::npos) << message;
  EXPECT_NE(message.find("apt-get install dataset-fashion-mnist"), std::string::npos) << message;
  message = error_of(scratch.path(), Split::test);
  EXPECT_NE(message.find(": has no t10k-images-idx3-ubyte.gz; install Fashion-MNIST with"), std::string::npos)
      << message;
  EXPECT_NE(message.find("apt-get install dataset-fashion-mnist"), std::string::npos) << message;
  // --data naming one of the files: it exists, so "not found" would mislead (fresh-user finding).
  const std::filesystem::path file = scratch.path() / "train-images-idx3-ubyte.gz";
  write_file_atomically(file.string(), "x", "test file");
  message = error_of(file, Split::train);
  EXPECT_EQ(message, "Fashion-MNIST directory " + file.string() + ": is a file, not a directory; give the directory "
                     "that holds the four IDX files (e.g. " + scratch.path().string() + ")");
  // A relative name without a directory: the example is '.', not empty (fresh-user finding 12 of issue 12).
  EXPECT_NE(error_of("no_such_file_here.gz", Split::train).find("no such directory; install Fashion-MNIST with"),
            std::string::npos);
}

// A directory $HWNAS_FASHION_MNIST_DIR gave is named with the variable, and the fix is to it
// (s29 fresh-user finding 15).
TEST(FashionMnistErrors, ADirectoryFromTheEnvironmentIsNamedWithIt) {
  const testing::ScratchDir scratch("hwnas_fmnist_env");
  const std::filesystem::path absent = scratch.path() / "absent";
  const char* before = std::getenv("HWNAS_FASHION_MNIST_DIR");
  const std::string saved = before != nullptr ? before : "";
  ::setenv("HWNAS_FASHION_MNIST_DIR", absent.c_str(), 1);
  const std::string message = error_of(default_fashion_mnist_dir(), Split::train);
  const std::string other = error_of(scratch.path() / "elsewhere", Split::train);
  if (before != nullptr) ::setenv("HWNAS_FASHION_MNIST_DIR", saved.c_str(), 1);
  else ::unsetenv("HWNAS_FASHION_MNIST_DIR");
  EXPECT_EQ(message, "Fashion-MNIST directory " + absent.string() + " ($HWNAS_FASHION_MNIST_DIR): no such directory; "
                     "set $HWNAS_FASHION_MNIST_DIR to a directory that holds the four IDX files, or unset it for "
                     "Debian's (`apt-get install dataset-fashion-mnist`, or scripts/setup.sh)");
  EXPECT_EQ(other.find("HWNAS_FASHION_MNIST_DIR"), std::string::npos) << other;  // not from the variable
}

TEST(FashionMnist, HoldsFashionMnistSeesAnyOfItsFourFiles) {
  const testing::ScratchDir scratch("hwnas_fmnist_holds");
  EXPECT_FALSE(holds_fashion_mnist(scratch.path()));
  EXPECT_FALSE(holds_fashion_mnist(scratch.path() / "absent"));
  write_file_atomically((scratch.path() / "t10k-labels-idx1-ubyte").string(), "x", "test file");
  EXPECT_TRUE(holds_fashion_mnist(scratch.path()));
}

TEST(FashionMnistErrors, TruncatedGzipNamesTheFile) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const testing::ScratchDir scratch("hwnas_fmnist_truncated");
  const fs::path dir = copy_of_test_split(scratch, "t");
  const fs::path images = dir / "t10k-images-idx3-ubyte.gz";
  const std::string bytes = read(images);
  write_file_atomically(images.string(), bytes.substr(0, bytes.size() / 2), "test file");
  const std::string message = error_of(dir, Split::test);
  EXPECT_NE(message.find(images.string() + ": truncated gzip file"), std::string::npos) << message;
}

TEST(FashionMnistErrors, CorruptGzipNamesTheFileAndZlibsReason) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const testing::ScratchDir scratch("hwnas_fmnist_corrupt");
  const fs::path dir = copy_of_test_split(scratch, "t");
  const fs::path labels = dir / "t10k-labels-idx1-ubyte.gz";
  std::string bytes = read(labels);
  bytes[bytes.size() - 6] ^= 0x55;  // inside the trailer's CRC-32: the data no longer matches it
  write_file_atomically(labels.string(), bytes, "test file");
  const std::string message = error_of(dir, Split::test);
  EXPECT_NE(message.find(labels.string() + ": not a valid gzip file (incorrect data check)"), std::string::npos)
      << message;
}

TEST(FashionMnistErrors, BytesAfterTheGzipDataAreAnError) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const testing::ScratchDir scratch("hwnas_fmnist_trailing");
  const fs::path dir = copy_of_test_split(scratch, "t");
  const fs::path labels = dir / "t10k-labels-idx1-ubyte.gz";
  write_file_atomically(labels.string(), read(labels) + "junk", "test file");
  EXPECT_NE(error_of(dir, Split::test).find("4 bytes after the end of the gzip data"), std::string::npos);
}

TEST(FashionMnistErrors, WrongCountsShapesAndLabelsAreNamed) {
  const testing::ScratchDir scratch("hwnas_fmnist_shapes");
  const fs::path dir = scratch.path();
  const std::vector<std::uint8_t> images(10000 * 784, 0);
  std::vector<std::uint8_t> labels(10000, 3);
  write_gzip(dir / "t10k-images-idx3-ubyte.gz", idx_bytes({10000, 28, 28}, images));
  write_gzip(dir / "t10k-labels-idx1-ubyte.gz", idx_bytes({10000}, labels));
  EXPECT_EQ(load_fashion_mnist(dir, Split::test).labels[5], 3);  // the well-formed files load

  write_gzip(dir / "t10k-labels-idx1-ubyte.gz", idx_bytes({9999}, {labels.begin(), labels.end() - 1}));
  EXPECT_NE(error_of(dir, Split::test).find("holds 9999 labels in 1 dimensions, expected 10000"), std::string::npos);
  labels[7777] = 10;
  write_gzip(dir / "t10k-labels-idx1-ubyte.gz", idx_bytes({10000}, labels));
  EXPECT_NE(error_of(dir, Split::test).find("label 10 of image 7777 is outside 0-9"), std::string::npos);

  write_gzip(dir / "t10k-images-idx3-ubyte.gz", idx_bytes({20000, 28, 14}, images));
  EXPECT_NE(error_of(dir, Split::test).find("holds 20000 images of 28x14, expected 10000 of 28x28"),
            std::string::npos);
  // The test split's files in place of the training split's: the count is wrong.
  write_gzip(dir / "train-images-idx3-ubyte.gz", idx_bytes({10000, 28, 28}, images));
  write_gzip(dir / "train-labels-idx1-ubyte.gz", idx_bytes({10000}, labels));
  EXPECT_NE(error_of(dir, Split::train).find("holds 10000 images of 28x28, expected 60000"), std::string::npos);
}

TEST(FashionMnistErrors, UncompressedFilesAreReadWhenTheGzipFilesAreAbsent) {
  const testing::ScratchDir scratch("hwnas_fmnist_plain");
  const std::vector<std::uint8_t> images(10000 * 784, 7), labels(10000, 1);
  write_file_atomically((scratch.path() / "t10k-images-idx3-ubyte").string(), idx_bytes({10000, 28, 28}, images),
                        "test file");
  write_file_atomically((scratch.path() / "t10k-labels-idx1-ubyte").string(), idx_bytes({10000}, labels),
                        "test file");
  const ImageSet set = load_fashion_mnist(scratch.path(), Split::test);
  EXPECT_EQ(set.size(), 10000);
  EXPECT_EQ(set.pixels[123456], 7);
}

std::string idx_error(const std::string& bytes) {
  try {
    parse_idx(bytes, "F");
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Idx, ParsesDimensionsAndData) {
  const IdxArray array = parse_idx(idx_bytes({2, 3}, {1, 2, 3, 4, 5, 6}), "F");
  EXPECT_EQ(array.dims, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(array.data, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(parse_idx(idx_bytes({70000}, std::vector<std::uint8_t>(70000)), "F").dims[0], 70000);
}

TEST(Idx, CorruptOrTruncatedFilesSayWhatIsWrong) {
  EXPECT_EQ(idx_error(std::string("\0\0", 2)), "F: truncated IDX file: 2 bytes, shorter than the 4-byte magic number");
  EXPECT_NE(idx_error(std::string("\0\0\x0d\x01\0\0\0\0", 8)).find("not an IDX file of unsigned bytes (magic number 00 00 0d 01"),
            std::string::npos);
  EXPECT_NE(idx_error("PK\x03\x04").find("not an IDX file"), std::string::npos);
  EXPECT_EQ(idx_error(std::string("\0\0\x08\x03\0\0\0\x02", 8)), "F: truncated IDX file: 8 bytes, shorter than its 16-byte header");
  EXPECT_EQ(idx_error(idx_bytes({2, 3}, {1, 2, 3, 4})),
            "F: truncated IDX file: the header says 2x3 (6 bytes of data) but the file holds 4; reinstall or "
            "re-download it");
  EXPECT_NE(idx_error(idx_bytes({2, 2}, {1, 2, 3, 4, 5})).find("F: corrupt IDX file: the header says 2x2"),
            std::string::npos);
  EXPECT_NE(idx_error(idx_bytes({0xffffffff, 0xffffffff}, {})).find("more than 2^40 elements"), std::string::npos);
}

TEST(Idx, DamagedBytesGiveUserErrorsOnly) {
  // Every truncation, and single-byte changes at every position, of a small gzip'd IDX
  // file, read as read_idx_file reads it (gunzip when gzip'd, then parse): each is parsed
  // or refused with a UserError, never anything else.
  const std::string good = gzip(idx_bytes({3, 4, 5}, std::vector<std::uint8_t>(60, 7)), 6);
  int parsed = 0, refused = 0;
  const auto attempt = [&](const std::string& bytes) {
    try {
      parse_idx(is_gzip(bytes) ? gunzip(bytes, "F") : bytes, "F");
      ++parsed;
    } catch (const UserError&) {
      ++refused;
    }
  };
  for (std::size_t n = 0; n < good.size(); ++n) attempt(good.substr(0, n));
  for (std::size_t at = 0; at < good.size(); ++at)
    for (const unsigned char x : {0x01, 0x80, 0xff}) {
      std::string bytes = good;
      bytes[at] = static_cast<char>(bytes[at] ^ x);
      attempt(bytes);
    }
  EXPECT_EQ(parsed + refused, int(good.size() * 4));
  EXPECT_GT(refused, int(good.size()));  // every truncation at least
}

TEST(Task, NamesAreTheCliWords) {
  EXPECT_EQ(task_name(Task::classification), "classification");
  EXPECT_EQ(task_name(Task::detection), "detection");
  EXPECT_EQ(task_name(Task::segmentation), "segmentation");
}

}  // namespace
}  // namespace hwnas::train

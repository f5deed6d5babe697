// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 70,000 grayscale 28×28 images of ten
// clothing classes, 60,000 for training and 10,000 for testing, read from the gzip'd IDX
// files Debian's dataset-fashion-mnist package installs.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "hwnas/train/data/image_set.h"

namespace hwnas::train {

enum class Split : std::uint8_t { train, test };

std::string_view split_name(Split split);  // "train", "test"

/// The ten classes in label order (the dataset's own names).
inline constexpr std::array<std::string_view, 10> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

/// /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist), or
/// $HWNAS_FASHION_MNIST_DIR when set and not empty.
std::filesystem::path default_fashion_mnist_dir();

/// `dir`, followed by " ($HWNAS_FASHION_MNIST_DIR)" when that variable gave it, for errors.
std::string fashion_mnist_dir_text(const std::filesystem::path& dir);

/// Whether `dir` holds any of Fashion-MNIST's four IDX files (gzip'd or not): a directory
/// a scene cache must not be written into.
bool holds_fashion_mnist(const std::filesystem::path& dir);

/// The split's image and label files in `dir` (gzip'd, or else as gunzip leaves them),
/// with load_fashion_mnist's error when the directory or a file is missing.
struct FashionMnistFiles {
  std::filesystem::path images, labels;
};
FashionMnistFiles fashion_mnist_files(const std::filesystem::path& dir, Split split);

/// The 60,000 training or 10,000 test images, 1×28×28, labels 0–9, classes 10, from
/// DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz (the same names without .gz, as
/// gunzip leaves them, are read when the .gz files are absent).
/// Errors (UserError, one line): a missing directory or file names it and the install
/// command (`apt-get install dataset-fashion-mnist`, or scripts/setup.sh, or
/// $HWNAS_FASHION_MNIST_DIR); a corrupt or truncated file names the file and what is wrong
/// (idx.h, gzip.h); images that are not N×28×28, labels that are not N, a count other than
/// the split's, or a label outside 0–9 likewise.
ImageSet load_fashion_mnist(const std::filesystem::path& dir, Split split);

}  // namespace hwnas::train

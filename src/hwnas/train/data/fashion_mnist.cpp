#include "hwnas/train/data/fashion_mnist.h"

#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "hwnas/base/error.h"
#include "hwnas/train/data/idx.h"

namespace hwnas::train {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kSide = 28;
// Neutral about how the directory was given (--data, accuracy.train.data or the default):
// the callers that know name it.
constexpr std::string_view kInstall =
    "install Fashion-MNIST with `apt-get install dataset-fashion-mnist` (or scripts/setup.sh) into "
    "/usr/share/datasets/fashion-mnist, or give a directory that holds the four IDX files";

// When $HWNAS_FASHION_MNIST_DIR gave the directory, the error names it and the fix is to it
// (s29 fresh-user finding 15).
constexpr std::string_view kFixVariable =
    "set $HWNAS_FASHION_MNIST_DIR to a directory that holds the four IDX files, or unset it for Debian's "
    "(`apt-get install dataset-fashion-mnist`, or scripts/setup.sh)";

constexpr std::string_view kFileNames[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

bool from_variable(const fs::path& dir) {
  const char* env = std::getenv("HWNAS_FASHION_MNIST_DIR");
  return env != nullptr && *env != '\0' && fs::path(env) == dir;
}

/// DIR/NAME.gz, else DIR/NAME; a one-line error when neither exists, starting
/// "Fashion-MNIST directory DIR: " (DIR followed by "($HWNAS_FASHION_MNIST_DIR)" when that gave it).
fs::path find_file(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  const std::string where = fashion_mnist_dir_text(dir);
  const std::string_view fix = from_variable(dir) ? kFixVariable : kInstall;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw UserError(fmt::format("Fashion-MNIST directory {}: is a file, not a directory; give the directory that "
                                "holds the four IDX files (e.g. {})",
                                where, dir.has_parent_path() ? dir.parent_path().string() : "."));
  if (!fs::is_directory(dir, ec))
    throw UserError(fmt::format("Fashion-MNIST directory {}: no such directory; {}", where, fix));
  for (const fs::path& file : {dir / (name + ".gz"), dir / name})
    if (fs::exists(file, ec)) return file;
  throw UserError(fmt::format("Fashion-MNIST directory {}: has no {}.gz; {}", where, name, fix));
}

}  // namespace

std::string_view split_name(Split split) { return split == Split::train ? "train" : "test"; }

fs::path default_fashion_mnist_dir() {
  if (const char* env = std::getenv("HWNAS_FASHION_MNIST_DIR"); env != nullptr && *env != '\0') return env;
  return "/usr/share/datasets/fashion-mnist";
}

std::string fashion_mnist_dir_text(const fs::path& dir) {
  return dir.string() + (from_variable(dir) ? " ($HWNAS_FASHION_MNIST_DIR)" : "");
}

bool holds_fashion_mnist(const fs::path& dir) {
  std::error_code ec;
  for (const std::string_view name : kFileNames)
    for (const std::string_view suffix : {".gz", ""})
      if (fs::exists(dir / (std::string(name) + std::string(suffix)), ec)) return true;
  return false;
}

FashionMnistFiles fashion_mnist_files(const fs::path& dir, Split split) {
  const std::string prefix = split == Split::train ? "train" : "t10k";
  return {find_file(dir, prefix + "-images-idx3-ubyte"), find_file(dir, prefix + "-labels-idx1-ubyte")};
}

ImageSet load_fashion_mnist(const fs::path& dir, Split split) {
  const std::int64_t expected = split == Split::train ? 60000 : 10000;
  const auto [images_path, labels_path] = fashion_mnist_files(dir, split);
  IdxArray images = read_idx_file(images_path);
  IdxArray labels = read_idx_file(labels_path);
  if (images.dims.size() != 3 || images.dims[1] != kSide || images.dims[2] != kSide || images.dims[0] != expected)
    throw UserError(fmt::format("{}: holds {} images of {}, expected {} of 28x28 for Fashion-MNIST's {} split; "
                                "reinstall dataset-fashion-mnist",
                                images_path.string(), images.dims.empty() ? 0 : images.dims[0],
                                images.dims.size() == 3 ? fmt::format("{}x{}", images.dims[1], images.dims[2])
                                                        : fmt::format("{} dimensions", images.dims.size()),
                                expected, split_name(split)));
  if (labels.dims.size() != 1 || labels.dims[0] != expected)
    throw UserError(fmt::format("{}: holds {} labels in {} dimensions, expected {} in one for Fashion-MNIST's {} "
                                "split; reinstall dataset-fashion-mnist",
                                labels_path.string(), labels.dims.empty() ? 0 : labels.dims[0], labels.dims.size(),
                                expected, split_name(split)));
  ImageSet set;
  set.channels = 1;
  set.height = set.width = kSide;
  set.classes = static_cast<std::int32_t>(kFashionMnistClasses.size());
  set.pixels = std::move(images.data);
  set.labels.reserve(labels.data.size());
  for (std::size_t i = 0; i < labels.data.size(); ++i) {
    if (labels.data[i] >= set.classes)
      throw UserError(fmt::format("{}: label {} of image {} is outside 0-9; reinstall dataset-fashion-mnist",
                                  labels_path.string(), labels.data[i], i));
    set.labels.push_back(labels.data[i]);
  }
  return set;
}

}  // namespace hwnas::train

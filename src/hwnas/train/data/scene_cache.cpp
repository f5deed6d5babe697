#include "hwnas/train/data/scene_cache.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/file_lock.h"
#include "hwnas/base/hash.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/data/gzip.h"

namespace hwnas::train {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "hwnas scenes\n";

/// Little-endian integers and floats, appended to or read from a byte string.
void put(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  std::uint64_t get(int bytes) {
    if (bytes_.size() - at_ < std::size_t(bytes)) throw UserError("the file ends early");
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) value |= std::uint64_t(static_cast<std::uint8_t>(bytes_[at_ + i])) << (8 * i);
    at_ += bytes;
    return value;
  }
  float get_float() { return std::bit_cast<float>(static_cast<std::uint32_t>(get(4))); }
  std::string_view take(std::size_t n) {
    if (bytes_.size() - at_ < n) throw UserError("the file ends early");
    at_ += n;
    return bytes_.substr(at_ - n, n);
  }
  std::string_view line() {
    const std::size_t end = bytes_.find('\n', at_);
    if (end == std::string_view::npos) throw UserError("no description line");
    return take(end + 1 - at_);
  }
  std::size_t left() const { return bytes_.size() - at_; }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
};

std::string serialise(const ImageSet& scenes, const std::string& description) {
  std::string out(kMagic);
  out += description + "\n";
  const auto n = static_cast<std::uint64_t>(scenes.size());
  put(out, n, 8);
  for (const std::int32_t v : {scenes.channels, scenes.height, scenes.width, scenes.classes}) put(out, std::uint32_t(v), 4);
  out.append(scenes.pixels.begin(), scenes.pixels.end());
  out.append(scenes.masks.begin(), scenes.masks.end());
  for (const std::vector<Box>& boxes : scenes.boxes) {
    put(out, boxes.size(), 4);
    for (const Box& b : boxes) {
      for (const float f : {b.x0, b.y0, b.x1, b.y1}) put(out, std::bit_cast<std::uint32_t>(f), 4);
      put(out, std::uint32_t(b.label), 4);
    }
  }
  return out;
}

/// The scenes in `bytes`; throws UserError saying what is wrong with them.
ImageSet deserialise(std::string_view bytes, const std::string& description, const SceneOptions& options,
                     std::int64_t count) {
  Reader in(bytes);
  if (in.take(std::min(kMagic.size(), in.left())) != kMagic) throw UserError("not a scene cache file");
  if (in.line() != description + "\n") throw UserError("it holds scenes of another description");
  ImageSet scenes;
  const std::uint64_t n = in.get(8);
  scenes.channels = std::int32_t(in.get(4)), scenes.height = std::int32_t(in.get(4));
  scenes.width = std::int32_t(in.get(4)), scenes.classes = std::int32_t(in.get(4));
  if (n != std::uint64_t(count) || scenes.channels != 1 || scenes.height != options.height ||
      scenes.width != options.width || scenes.classes != (options.labels == SceneLabels::presence ? 1 : 10))
    throw UserError("its sizes disagree with its description");
  const std::size_t plane = std::size_t(scenes.height) * scenes.width;
  const std::string_view pixels = in.take(plane * n), masks = in.take(plane * n);
  scenes.pixels.assign(pixels.begin(), pixels.end());
  scenes.masks.assign(masks.begin(), masks.end());
  scenes.boxes.resize(n);
  for (std::vector<Box>& boxes : scenes.boxes) {
    const std::uint64_t k = in.get(4);
    if (k > 100) throw UserError("a scene holds more than 100 boxes");
    for (std::uint64_t j = 0; j < k; ++j) {
      Box b{in.get_float(), in.get_float(), in.get_float(), in.get_float(), std::int32_t(in.get(4))};
      if (!(b.x0 >= 0 && b.x0 < b.x1 && b.x1 <= scenes.width && b.y0 >= 0 && b.y0 < b.y1 && b.y1 <= scenes.height) ||
          b.label < 0 || b.label >= scenes.classes)
        throw UserError("a box lies outside its scene or has an unknown label");
      boxes.push_back(b);
    }
  }
  for (const std::uint8_t m : scenes.masks)
    if (m > scenes.classes) throw UserError("a mask holds an unknown class");
  if (in.left() != 0) throw UserError(fmt::format("{} bytes follow the scenes", in.left()));
  return scenes;
}

std::string file_identity(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw UserError(fmt::format("{}: cannot read the Fashion-MNIST file ({})", path.string(), std::strerror(errno)));
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(path, ec);
  return fmt::format("{}:{}:{}.{:09}", (ec ? path : canonical).string(), st.st_size, st.st_mtim.tv_sec,
                     st.st_mtim.tv_nsec);
}

/// Takes FILE.lock, waiting while another process holds it.
FileLock lock_for(const fs::path& file) {
  const std::string lock_path = file.string() + ".lock";
  const int fd = ::open(lock_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0)
    throw UserError(fmt::format("{}: cannot create the scene cache's lock file ({}); make the cache directory "
                                "writable or choose another one",
                                lock_path, std::strerror(errno)));
  ::close(fd);
  for (;;) {
    if (std::optional<FileLock> lock = FileLock::try_lock(lock_path)) return std::move(*lock);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

fs::path default_scene_cache_dir() {
  const auto env = [](const char* name) -> std::optional<fs::path> {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return fs::path(value);
  };
  if (const auto dir = env("HWNAS_SCENE_CACHE_DIR")) return *dir;
  if (const auto dir = env("XDG_CACHE_HOME")) return *dir / "hwnas" / "scenes";
  if (const auto dir = env("HOME")) return *dir / ".cache" / "hwnas" / "scenes";
  return "/tmp/hwnas-scenes";
}

std::string scene_cache_description(const SceneOptions& o, Split split, std::int64_t count,
                                    const fs::path& fashion_mnist_dir) {
  const FashionMnistFiles files = fashion_mnist_files(fashion_mnist_dir, split);
  return fmt::format(
      "generator {} split {} count {} canvas {}x{} items {}-{} side {}-{} min_visible {} threshold {} "
      "fragments {} side {}-{} background_max {} gradient {} noise {} labels {} presence_classes {} seed {} "
      "images {} labels {}",
      kSceneGeneratorVersion, split_name(split), count, o.height, o.width, o.min_items, o.max_items, o.item_min,
      o.item_max, o.min_visible, o.silhouette_threshold, o.fragments, o.fragment_min, o.fragment_max,
      o.background_max, o.gradient, o.noise, o.labels == SceneLabels::presence ? "presence" : "items",
      fmt::join(o.presence_classes, ","), o.seed, file_identity(files.images), file_identity(files.labels));
}

fs::path scene_cache_file(const SceneOptions& options, Split split, std::int64_t count,
                          const fs::path& fashion_mnist_dir, const fs::path& cache_dir) {
  const std::string description = scene_cache_description(options, split, count, fashion_mnist_dir);
  return cache_dir / fmt::format("scenes-{}-{}-{:016x}.gz", split_name(split), count, stable_hash(description));
}

std::string scene_cache_dir_text(const fs::path& dir) {
  const char* env = std::getenv("HWNAS_SCENE_CACHE_DIR");
  const bool from_env = env != nullptr && *env != '\0' && fs::path(env) == dir;
  return dir.string() + (from_env ? " ($HWNAS_SCENE_CACHE_DIR)" : "");
}

void refuse_fashion_mnist_as_scene_cache(const fs::path& dir) {
  if (holds_fashion_mnist(dir))  // e.g. $HWNAS_SCENE_CACHE_DIR set to the dataset's directory
    throw UserError(fmt::format("{}: the scene cache directory holds Fashion-MNIST's files, and the scenes would be "
                                "written beside them; point $HWNAS_SCENE_CACHE_DIR (or --data) at another directory",
                                scene_cache_dir_text(dir)));
}

void check_scene_cache_dir(const fs::path& dir) {
  refuse_fashion_mnist_as_scene_cache(dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw UserError(fmt::format("{}: cannot create the scene cache directory ({}); choose another one",
                                scene_cache_dir_text(dir), ec.message()));
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw UserError(fmt::format("{}: the scene cache directory is not writable ({}); choose another one",
                                scene_cache_dir_text(dir), std::strerror(errno)));
}

namespace {

/// The scenes of `description` in `file` (`count` of them), read when there and intact,
/// else made by `generate` and written there.
CachedScenes cached_or_generated(const SceneOptions& options, const std::string& description, const fs::path& file,
                                 std::int64_t count, const fs::path& cache_dir,
                                 const std::function<ImageSet()>& generate,
                                 const std::function<void(std::int64_t)>& generating) {
  CachedScenes result;
  result.file = file;
  check_scene_cache_dir(cache_dir);
  std::error_code ec;
  const FileLock lock = lock_for(result.file);
  result.outcome = CacheOutcome::generated;
  if (fs::exists(result.file, ec)) {
    const std::string name = result.file.string();
    try {
      const std::string bytes = read_text_file(name, "scene cache file");
      result.scenes = deserialise(gunzip(bytes, name), description, options, count);
      result.outcome = CacheOutcome::hit;
      return result;
    } catch (const UserError& e) {
      const std::string why = e.what();
      result.note = why.starts_with(name) ? why : fmt::format("{}: corrupt scene cache ({})", name, why);
      result.note += "; generated again";
      result.outcome = CacheOutcome::replaced;
    }
  }
  if (generating) generating(count);
  result.scenes = generate();
  write_file_atomically(result.file.string(), gzip(serialise(result.scenes, description), 1), "scene cache file");
  return result;
}

}  // namespace

CachedScenes make_cached_scenes(const SceneOptions& options, Split split, std::int64_t count,
                                const fs::path& fashion_mnist_dir, const fs::path& cache_dir,
                                const std::function<void(std::int64_t)>& generating) {
  check_scene_options(options);
  HWNAS_CHECK(count >= 0);
  const std::string description = scene_cache_description(options, split, count, fashion_mnist_dir);
  const fs::path file =
      cache_dir / fmt::format("scenes-{}-{}-{:016x}.gz", split_name(split), count, stable_hash(description));
  return cached_or_generated(
      options, description, file, count, cache_dir,
      [&] { return make_scenes(options, split, count, fashion_mnist_dir); }, generating);
}

CachedScenes make_cached_scenes(const SceneOptions& options, Split split, std::int64_t count,
                                std::span<const std::int64_t> indices, const fs::path& fashion_mnist_dir,
                                const fs::path& cache_dir, const std::function<void(std::int64_t)>& generating) {
  check_scene_options(options);
  HWNAS_CHECK(std::is_sorted(indices.begin(), indices.end()) && (indices.empty() || indices.front() >= 0) &&
              (indices.empty() || indices.back() < count));
  std::string picked;
  for (const std::int64_t i : indices) picked += fmt::format("{},", i);
  const std::string description = fmt::format("{} picked {} of them, hash {:016x}",
                                              scene_cache_description(options, split, count, fashion_mnist_dir),
                                              indices.size(), stable_hash(picked));
  const auto n = static_cast<std::int64_t>(indices.size());
  const fs::path file = cache_dir / fmt::format("scenes-{}-{}-p{}-{:016x}.gz", split_name(split), count, n,
                                                stable_hash(description));
  return cached_or_generated(
      options, description, file, n, cache_dir,
      [&] { return make_scenes(options, split, indices, fashion_mnist_dir); }, generating);
}

}  // namespace hwnas::train

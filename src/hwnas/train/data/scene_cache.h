// Scenes cached on disk, so that a search's trials and a benchmark's runs do not draw the
// same scenes again. One gzip'd file per (options, split, count, dataset), named
// scenes-SPLIT-COUNT-KEY.gz in the cache directory; KEY is a hash of the file's description
// (the generator's version, every SceneOptions field, split, count, and the dataset files'
// path, size and modification time), and the whole description is stored in the file and
// compared on reading, so a hash collision cannot pass off other scenes. Files are written
// through a temporary file and a rename (a reader never sees half of one); a process that
// would generate a file another process is generating waits for it (an flock(2) on
// FILE.lock, released when that process ends, kill -9 included) and then reads it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>

#include "hwnas/train/data/scenes.h"

namespace hwnas::train {

/// Bumped whenever the generator draws different scenes for the same options.
inline constexpr int kSceneGeneratorVersion = 1;

/// $HWNAS_SCENE_CACHE_DIR, else $XDG_CACHE_HOME/hwnas/scenes, else $HOME/.cache/hwnas/scenes
/// (environment variables set and not empty), else /tmp/hwnas-scenes.
std::filesystem::path default_scene_cache_dir();

/// The text that identifies a cached file's content (one line). Throws as
/// fashion_mnist_files() does when the split's files are missing.
std::string scene_cache_description(const SceneOptions& options, Split split, std::int64_t count,
                                    const std::filesystem::path& fashion_mnist_dir);

/// Where make_cached_scenes keeps those scenes: cache_dir/scenes-SPLIT-COUNT-KEY.gz.
std::filesystem::path scene_cache_file(const SceneOptions& options, Split split, std::int64_t count,
                                       const std::filesystem::path& fashion_mnist_dir,
                                       const std::filesystem::path& cache_dir);

enum class CacheOutcome : std::uint8_t {
  hit,         // read from the cache
  generated,   // not in the cache: generated and written
  replaced,    // the cached file was corrupt: generated again and written over it (see `note`)
};

struct CachedScenes {
  ImageSet scenes;
  CacheOutcome outcome = CacheOutcome::hit;
  std::filesystem::path file;
  std::string note;  // replaced: "FILE: corrupt scene cache (WHY); generated again", for the user to see
};

/// make_scenes(options, split, count, fashion_mnist_dir), read from cache_dir when there
/// and intact, else generated and written there (the directory is created). A corrupt
/// file (bad gzip data or CRC, a truncated or overlong file, another description, sizes
/// or boxes that do not fit) is never used: it is generated again and replaced, and the
/// result says so. Throws UserError when the cache directory cannot be created or
/// written, and make_scenes's errors.
/// `generating`, when set, is called just before scenes are generated (not when they are
/// read), with how many: for a progress line, since a large set takes minutes.
CachedScenes make_cached_scenes(const SceneOptions& options, Split split, std::int64_t count,
                                const std::filesystem::path& fashion_mnist_dir,
                                const std::filesystem::path& cache_dir,
                                const std::function<void(std::int64_t)>& generating = {});

/// The scenes at `indices` (ascending, each below `count`) of those `count` scenes, in that
/// order, generated and cached alone: what a run that trains on a subset holds, so that 200
/// of 10,000 scenes cost 200 scenes' time and memory (make_scenes with indices). The file is
/// cache_dir/scenes-SPLIT-COUNT-pN-KEY.gz (N: how many), its description that of the
/// `count` scenes plus the number and a hash of the indices; otherwise as above.
CachedScenes make_cached_scenes(const SceneOptions& options, Split split, std::int64_t count,
                                std::span<const std::int64_t> indices,
                                const std::filesystem::path& fashion_mnist_dir,
                                const std::filesystem::path& cache_dir,
                                const std::function<void(std::int64_t)>& generating = {});

/// `dir`, followed by " ($HWNAS_SCENE_CACHE_DIR)" when that variable gave it, for errors.
std::string scene_cache_dir_text(const std::filesystem::path& dir);

/// Throws UserError "DIR ($HWNAS_SCENE_CACHE_DIR): the scene cache directory holds
/// Fashion-MNIST's files, and the scenes would be written beside them; point
/// $HWNAS_SCENE_CACHE_DIR (or --data) at another directory" when `dir` holds them.
void refuse_fashion_mnist_as_scene_cache(const std::filesystem::path& dir);

/// refuse_fashion_mnist_as_scene_cache, then creates `dir` when missing and checks that a
/// file can be made in it, before any work: throws UserError "DIR ($HWNAS_SCENE_CACHE_DIR):
/// cannot create the scene cache directory (WHY); choose another one", or "...: the scene
/// cache directory is not writable (WHY); ...".
void check_scene_cache_dir(const std::filesystem::path& dir);

}  // namespace hwnas::train

// The scene cache: miss then hit with the same scenes, a key per option and dataset
// version, corrupt files never used, two processes generating once, errors.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/train/data/gzip.h"
#include "hwnas/train/data/scene_cache.h"
#include "support/scratch_dir.h"
#include "train/data_support.h"

namespace hwnas::train {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kCount = 20;

SceneOptions small_options() {
  SceneOptions options;
  options.height = options.width = 64;
  options.item_max = 40;
  options.seed = 11;
  return options;
}

CachedScenes cached(const fs::path& cache, const SceneOptions& options = small_options()) {
  return make_cached_scenes(options, Split::test, kCount, default_fashion_mnist_dir(), cache);
}

void expect_same(const ImageSet& a, const ImageSet& b) {
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_EQ(a.masks, b.masks);
  EXPECT_EQ(a.boxes, b.boxes);
  EXPECT_EQ(a.classes, b.classes);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.width, b.width);
}

TEST(SceneCache, MissThenHitGiveTheGeneratorsScenes) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const testing::ScratchDir scratch("hwnas_cache_hit");
  const fs::path cache = scratch.path() / "a" / "b";  // created when missing
  const CachedScenes first = cached(cache);
  EXPECT_EQ(first.outcome, CacheOutcome::generated);
  EXPECT_TRUE(first.note.empty());
  EXPECT_EQ(first.file, scene_cache_file(small_options(), Split::test, kCount, default_fashion_mnist_dir(), cache));
  EXPECT_EQ(first.file.filename().string().substr(0, 15), "scenes-test-20-");
  ASSERT_TRUE(fs::exists(first.file));
  const CachedScenes second = cached(cache);
  EXPECT_EQ(second.outcome, CacheOutcome::hit);
  expect_same(second.scenes, first.scenes);
  expect_same(first.scenes, render_scenes(small_options(), testing::fashion_mnist(Split::test), Split::test, kCount));
}

TEST(SceneCache, EveryOptionSplitCountAndDatasetVersionHasItsOwnFile) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const testing::ScratchDir scratch("hwnas_cache_keys");
  const fs::path dir = default_fashion_mnist_dir(), cache = scratch.path();
  std::set<fs::path> files = {scene_cache_file(small_options(), Split::test, kCount, dir, cache),
                              scene_cache_file(small_options(), Split::train, kCount, dir, cache),
                              scene_cache_file(small_options(), Split::test, kCount + 1, dir, cache)};
  for (const auto& change : std::vector<void (*)(SceneOptions&)>{
           [](SceneOptions& o) { o.seed = 12; }, [](SceneOptions& o) { o.height = 65; },
           [](SceneOptions& o) { o.noise = 12.5; }, [](SceneOptions& o) { o.min_visible = 0.61; },
           [](SceneOptions& o) { o.labels = SceneLabels::presence; },
           [](SceneOptions& o) { o.presence_classes = {0, 1}; }, [](SceneOptions& o) { o.fragments = 3; }}) {
    SceneOptions options = small_options();
    change(options);
    files.insert(scene_cache_file(options, Split::test, kCount, dir, cache));
  }
  EXPECT_EQ(files.size(), 10u);
  // A dataset file modified since: another key.
  fs::create_directories(cache / "data");
  for (const char* file : {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    fs::copy_file(dir / file, cache / "data" / file);
  const fs::path before = scene_cache_file(small_options(), Split::test, kCount, cache / "data", cache);
  fs::last_write_time(cache / "data" / "t10k-labels-idx1-ubyte.gz", fs::file_time_type::clock::now() - std::chrono::hours(1));
  EXPECT_NE(scene_cache_file(small_options(), Split::test, kCount, cache / "data", cache), before);
}

TEST(SceneCache, ACorruptFileIsNeverUsedButGeneratedAgain) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const testing::ScratchDir scratch("hwnas_cache_corrupt");
  const CachedScenes good = cached(scratch.path());
  const std::string bytes = read_text_file(good.file.string(), "test");
  const std::string payload = gunzip(bytes, "test");
  const std::vector<std::pair<std::string, std::string>> damages = {
      {bytes.substr(0, bytes.size() - 100), "truncated gzip file"},
      {std::string(bytes).replace(bytes.size() / 2, 4, "abcd"), "not a valid gzip file"},
      {"garbage", "not a valid gzip file"},
      {gzip(payload.substr(0, payload.size() - 1), 1), "the file ends early"},
      {gzip(payload + "x", 1), "1 bytes follow the scenes"},
      {gzip("hwnas scenes\nother\n", 1), "it holds scenes of another description"},
      {gzip(std::string(payload).replace(payload.find("seed 11"), 7, "seed 12"), 1),
       "it holds scenes of another description"},
  };
  for (const auto& [damaged, why] : damages) {
    write_file_atomically(good.file.string(), damaged, "test");
    const CachedScenes again = cached(scratch.path());
    EXPECT_EQ(again.outcome, CacheOutcome::replaced) << why;
    EXPECT_NE(again.note.find(good.file.string()), std::string::npos) << again.note;
    EXPECT_NE(again.note.find(why), std::string::npos) << again.note;
    EXPECT_NE(again.note.find("generated again"), std::string::npos) << again.note;
    expect_same(again.scenes, good.scenes);
    EXPECT_EQ(cached(scratch.path()).outcome, CacheOutcome::hit);  // the replacement is intact
  }
}

TEST(SceneCache, TwoProcessesGenerateOnceAndBothGetTheScenes) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const testing::ScratchDir scratch("hwnas_cache_race");
  SceneOptions options = small_options();
  options.fragments = 40;  // a little slower, so that the second process arrives while the first works
  std::vector<pid_t> children;
  for (int k = 0; k < 2; ++k) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int code = 99;
      try {
        code = 10 + static_cast<int>(make_cached_scenes(options, Split::test, 400, default_fashion_mnist_dir(),
                                                        scratch.path())
                                         .outcome);
      } catch (...) {
      }
      ::_exit(code);
    }
    children.push_back(pid);
  }
  std::multiset<int> outcomes;
  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    outcomes.insert(WEXITSTATUS(status) - 10);
  }
  EXPECT_EQ(outcomes, (std::multiset<int>{int(CacheOutcome::hit), int(CacheOutcome::generated)}));
  EXPECT_EQ(make_cached_scenes(options, Split::test, 400, default_fashion_mnist_dir(), scratch.path()).outcome,
            CacheOutcome::hit);
}

TEST(SceneCache, ACacheDirectoryThatCannotBeMadeIsAUserError) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const testing::ScratchDir scratch("hwnas_cache_error");
  write_file_atomically((scratch.path() / "file").string(), "x", "test");
  try {
    cached(scratch.path() / "file" / "cache");
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create the scene cache directory"), std::string::npos) << e.what();
  }
}

// A subset's scenes are generated and cached alone (s29 fresh-user finding 1): the file
// holds only them, says how many in its name, is read back, and is another subset's file.
TEST(SceneCache, APickedSubsetIsGeneratedAndCachedAlone) {
  HWNAS_REQUIRE_FASHION_MNIST();
  const testing::ScratchDir scratch("hwnas_cache_picked");
  const std::vector<std::int64_t> picked = {2, 7, 19};
  std::vector<std::int64_t> generating;
  const auto note = [&](std::int64_t n) { generating.push_back(n); };
  const CachedScenes first = make_cached_scenes(small_options(), Split::train, kCount, picked,
                                                default_fashion_mnist_dir(), scratch.path(), note);
  EXPECT_EQ(first.outcome, CacheOutcome::generated);
  EXPECT_TRUE(first.file.filename().string().starts_with("scenes-train-20-p3-")) << first.file;
  expect_same(first.scenes, render_scenes(small_options(), testing::fashion_mnist(Split::train), Split::train, picked));
  const CachedScenes again = make_cached_scenes(small_options(), Split::train, kCount, picked,
                                                default_fashion_mnist_dir(), scratch.path(), note);
  EXPECT_EQ(again.outcome, CacheOutcome::hit);
  expect_same(again.scenes, first.scenes);
  EXPECT_EQ(generating, std::vector<std::int64_t>{3});  // told once, before generating, not when read
  const std::vector<std::int64_t> other = {2, 7, 18};
  EXPECT_NE(make_cached_scenes(small_options(), Split::train, kCount, other, default_fashion_mnist_dir(),
                               scratch.path()).file,
            first.file);
  EXPECT_EQ(std::distance(fs::directory_iterator(scratch.path()), fs::directory_iterator()), 4);  // 2 files, 2 locks
}

// A cache directory from $HWNAS_SCENE_CACHE_DIR that cannot be made is named with the
// variable, before any work (s29 fresh-user finding 4).
TEST(SceneCache, ACacheDirectoryFromTheEnvironmentIsNamedWithIt) {
  const testing::ScratchDir scratch("hwnas_cache_env");
  write_file_atomically((scratch.path() / "file").string(), "x", "test");
  const fs::path bad = scratch.path() / "file" / "cache";
  const char* before = std::getenv("HWNAS_SCENE_CACHE_DIR");
  const std::string saved = before != nullptr ? before : "";
  ::setenv("HWNAS_SCENE_CACHE_DIR", bad.c_str(), 1);
  std::string error;
  try {
    check_scene_cache_dir(default_scene_cache_dir());
  } catch (const UserError& e) {
    error = e.what();
  }
  if (before != nullptr) ::setenv("HWNAS_SCENE_CACHE_DIR", saved.c_str(), 1);
  else ::unsetenv("HWNAS_SCENE_CACHE_DIR");
  EXPECT_TRUE(error.starts_with(bad.string() + " ($HWNAS_SCENE_CACHE_DIR): cannot create the scene cache directory ("))
      << error;
  EXPECT_TRUE(error.ends_with("; choose another one")) << error;
  EXPECT_NO_THROW(check_scene_cache_dir(scratch.path() / "made"));
  EXPECT_TRUE(fs::is_directory(scratch.path() / "made"));
}

TEST(SceneCache, DefaultDirectoryFollowsTheEnvironment) {
  const auto saved = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v != nullptr ? std::optional<std::string>(v) : std::nullopt;
  };
  const auto scene = saved("HWNAS_SCENE_CACHE_DIR"), xdg = saved("XDG_CACHE_HOME"), home = saved("HOME");
  ::setenv("HWNAS_SCENE_CACHE_DIR", "/s", 1);
  ::setenv("XDG_CACHE_HOME", "/x", 1);
  ::setenv("HOME", "/h", 1);
  EXPECT_EQ(default_scene_cache_dir(), fs::path("/s"));
  ::setenv("HWNAS_SCENE_CACHE_DIR", "", 1);
  EXPECT_EQ(default_scene_cache_dir(), fs::path("/x/hwnas/scenes"));
  ::unsetenv("XDG_CACHE_HOME");
  EXPECT_EQ(default_scene_cache_dir(), fs::path("/h/.cache/hwnas/scenes"));
  ::unsetenv("HOME");
  EXPECT_EQ(default_scene_cache_dir(), fs::path("/tmp/hwnas-scenes"));
  const auto restore = [](const char* name, const std::optional<std::string>& v) {
    if (v) ::setenv(name, v->c_str(), 1);
    else ::unsetenv(name);
  };
  restore("HWNAS_SCENE_CACHE_DIR", scene), restore("XDG_CACHE_HOME", xdg), restore("HOME", home);
}

}  // namespace
}  // namespace hwnas::train

// Reading inputs and writing outputs (file_io.h): special files, symlinks, hard links and
// a command's own inputs are never overwritten; a failed write leaves nothing behind.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "support/scratch_dir.h"

namespace hwnas {
namespace {

namespace fs = std::filesystem;

std::string io_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class FileIo : public ::testing::Test {
 protected:
  fs::path file(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() / name, std::ios::binary) << text;
    return dir_.path() / name;
  }
  fs::path path(const std::string& name) const { return dir_.path() / name; }
  /// Every entry of the scratch directory, so a test can see that no temporary is left.
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_.path())) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  /// Forks a child writing 64 MiB to `out` and sends it `signal` once an entry starting
  /// with prefix(child's PID) appears, again with twice as much while the child finished
  /// first (up to 1 GiB). Returns that entry ("" when the child always finished first);
  /// `status` is the child's last wait status.
  std::string signal_writer_mid_write(const std::string& out, int signal,
                                      const std::function<std::string(pid_t)>& prefix, int& status) {
    for (std::size_t megabytes = 64; megabytes <= 1024; megabytes *= 2) {
      const std::string text(megabytes << 20, 'x');
      const pid_t child = ::fork();
      if (child < 0) return "";
      if (child == 0) {
        write_file_atomically(out, text, "model file");
        ::_exit(0);
      }
      const auto temp = [&] {
        for (const std::string& e : entries())
          if (e.starts_with(prefix(child))) return e;
        return std::string();
      };
      std::string seen;
      while ((seen = temp()).empty() && ::waitpid(child, &status, WNOHANG) == 0) {
      }
      ::kill(child, signal);
      ::waitpid(child, &status, 0);
      const bool mid_write = WIFSIGNALED(status) && !fs::exists(out);
      std::error_code ec;
      fs::remove(out, ec);
      if (mid_write) return seen;
    }
    return "";
  }

  testing::ScratchDir dir_{"hwnas_file_io_test"};
};

TEST_F(FileIo, ReadsRegularFilesOnly) {
  EXPECT_EQ(read_text_file(file("a.yaml", "x: 1\n").string(), "model file"), "x: 1\n");
  const std::string missing = path("missing.yaml").string();
  EXPECT_EQ(io_error_of([&] { read_text_file(missing, "model file"); }),
            missing + ": cannot read the model file (No such file or directory); check the path");
  EXPECT_EQ(io_error_of([&] { read_text_file(dir_.path().string(), "target description"); }),
            dir_.path().string() + ": is a directory, not a target description; check the path");
  const std::string fifo = path("fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Must not block waiting for a writer.
  EXPECT_EQ(io_error_of([&] { read_text_file(fifo, "estimator file"); }),
            fifo + ": is a FIFO, not an estimator file; check the path");
  EXPECT_NE(io_error_of([&] { read_text_file("/dev/null", "latency table"); }).find("is a character device"),
            std::string::npos);
}

TEST_F(FileIo, TheDigestFollowsTheContentNotTheName) {
  // Sizes around the 8-byte word and the 1 MiB read: every byte counts, wherever it lies.
  for (const std::size_t size : {std::size_t{0}, std::size_t{7}, std::size_t{8}, std::size_t{13},
                                 std::size_t{(1 << 20) + 5}}) {
    std::string text(size, 'a');
    for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + i % 23);
    const std::string a = file_digest(file("a", text).string(), "supernet file");
    SCOPED_TRACE(size);
    EXPECT_EQ(file_digest(file("copy", text).string(), "supernet file"), a);
    EXPECT_EQ(a.substr(0, a.find(',')), fmt::format("{} bytes", size));
    for (const std::size_t at : {std::size_t{0}, size / 2, size - 1}) {
      if (size == 0) break;
      std::string changed = text;
      changed[at] = static_cast<char>(changed[at] ^ 1);
      EXPECT_NE(file_digest(file("b", changed).string(), "supernet file"), a) << "byte " << at;
    }
    EXPECT_NE(file_digest(file("c", text + '\0').string(), "supernet file"), a) << "a trailing zero byte";
  }
  EXPECT_EQ(io_error_of([&] { file_digest(dir_.path().string(), "supernet file"); }),
            dir_.path().string() + ": is a directory, not a supernet file; check the path");
}

TEST_F(FileIo, WritesThroughATemporaryAndLeavesNoneBehind) {
  const fs::path out = path("est.json");
  write_file_atomically(out.string(), "one", "estimator file");
  write_file_atomically(out.string(), "two", "estimator file");
  EXPECT_EQ(slurp(out), "two");
  EXPECT_EQ(entries(), std::vector<std::string>{"est.json"});
  // A missing directory: an error, and nothing created.
  const std::string nowhere = path("missing/est.json").string();
  EXPECT_NE(io_error_of([&] { write_file_atomically(nowhere, "x", "estimator file"); }).find(nowhere + ": cannot write"),
            std::string::npos);
  EXPECT_EQ(entries(), std::vector<std::string>{"est.json"});
}

// A write that fails half-way (here: a file-size limit) leaves the old file and no
// temporary behind.
TEST_F(FileIo, AFailedWriteLeavesTheOldFile) {
  const fs::path out = file("est.json", "old");
  struct rlimit before {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &before), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = before;
  small.rlim_cur = 16;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string e = io_error_of([&] { write_file_atomically(out.string(), std::string(1000, 'x'), "estimator file"); });
  ::setrlimit(RLIMIT_FSIZE, &before);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(e, out.string() + ": cannot write the estimator file: File too large");
  EXPECT_EQ(slurp(out), "old");
  EXPECT_EQ(entries(), std::vector<std::string>{"est.json"});
}

TEST_F(FileIo, NeverReplacesASpecialFile) {
  const fs::path fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(io_error_of([&] { write_file_atomically(fifo.string(), "x", "estimator file"); }),
            fifo.string() + ": cannot write the estimator file: it is a FIFO; give the path of a regular file");
  EXPECT_TRUE(fs::is_fifo(fifo));
  // A symlink to a character device is followed to the device, which stays.
  const fs::path link = path("null_link");
  fs::create_symlink("/dev/null", link);
  EXPECT_NE(io_error_of([&] { write_file_atomically(link.string(), "x", "plot"); }).find("it is a character device"),
            std::string::npos);
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  EXPECT_EQ(entries(), (std::vector<std::string>{"fifo", "null_link"}));
}

TEST_F(FileIo, FollowsSymlinksAndKeepsPermissions) {
  const fs::path target = file("real.json", "old");
  ASSERT_EQ(::chmod(target.c_str(), 0640), 0);
  const fs::path link = path("link.json");
  fs::create_symlink("real.json", link);  // relative, as users make them
  write_file_atomically(link.string(), "new", "estimator file");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(slurp(target), "new");
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  // A dangling link: its target is created, the link kept.
  const fs::path dangling = path("dangling.json");
  fs::create_symlink("created.json", dangling);
  write_file_atomically(dangling.string(), "fresh", "estimator file");
  EXPECT_TRUE(fs::is_symlink(dangling));
  EXPECT_EQ(slurp(path("created.json")), "fresh");
  // A new file gets 0666 minus the umask.
  const mode_t mask = ::umask(022);
  write_file_atomically(path("new.json").string(), "x", "estimator file");
  ::umask(mask);
  ASSERT_EQ(::stat(path("new.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST_F(FileIo, OutputCheckRefusesSpecialFilesAndMissingDirectories) {
  const fs::path fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(io_error_of([&] { check_output_path(fifo.string(), "estimator file (--out)"); }),
            fifo.string() + ": cannot write the estimator file (--out) there: it is a FIFO; give the path of a "
                            "regular file");
  EXPECT_NE(io_error_of([&] { check_output_path(dir_.path().string(), "estimator file (--out)"); }).find("it is a directory"),
            std::string::npos);
  EXPECT_NE(io_error_of([&] { check_output_path(path("sub/").string(), "estimator file (--out)"); }).find("names a directory"),
            std::string::npos);
  const std::string nowhere = path("missing/est").string();
  EXPECT_EQ(io_error_of([&] { check_output_path(nowhere, "estimator file (--out)"); }),
            nowhere + ": cannot write the estimator file (--out) there: directory '" + path("missing").string() +
                "' does not exist; create it first");
  // Where even root can create nothing (access() says yes to root): refused before any work.
  EXPECT_NE(io_error_of([&] { check_output_path("/proc/hwnas-out.json", "estimator file (--out)"); })
                .find("/proc/hwnas-out.json: cannot write the estimator file (--out) there: "),
            std::string::npos);
  EXPECT_NE(io_error_of([&] { check_output_path("", "estimator file (--out)"); }).find("the path is empty"),
            std::string::npos);
  EXPECT_NO_THROW(check_output_path(path("fresh.est").string(), "estimator file (--out)"));
  EXPECT_NO_THROW(check_output_path(file("old.est", "x").string(), "estimator file (--out)"));
  EXPECT_EQ(entries(), (std::vector<std::string>{"fifo", "old.est"}));  // checking writes nothing
}

TEST_F(FileIo, OutputCheckRefusesTheCommandsInputsHoweverSpelled) {
  const fs::path store = file("same.db", "SQLite format 3");
  const std::string role = "the measurement store (--db)";
  const auto refused = [&](const std::string& out, const std::string& input) {
    const std::string e = io_error_of([&] { check_output_path(out, "estimator file (--out)", {{input, role}}); });
    EXPECT_NE(e.find("it is the measurement store (--db)"), std::string::npos) << out << " vs " << input << ": " << e;
  };
  refused(store.string(), store.string());
  refused((dir_.path() / "." / "same.db").string(), store.string());
  refused((dir_.path() / ".." / dir_.path().filename() / "same.db").string(), store.string());
  fs::create_hard_link(store, path("hard.db"));
  refused(path("hard.db").string(), store.string());
  fs::create_symlink(store, path("sym.db"));
  refused(path("sym.db").string(), store.string());
  refused(store.string(), path("sym.db").string());
  // Relative against absolute, from the scratch directory.
  const fs::path cwd = fs::current_path();
  fs::current_path(dir_.path());
  refused("same.db", store.string());
  refused("./new.db", (dir_.path() / "new.db").string());  // neither exists yet: compared by path
  fs::current_path(cwd);
  EXPECT_NO_THROW(check_output_path(path("other.est").string(), "estimator file (--out)", {{store.string(), role}, {"", "none"}}));
  // A role without its article (an output's WHAT, as the commands pass it) reads with one.
  const std::string article = io_error_of([&] {
    check_output_path(store.string(), "model file (--out)", {{store.string(), "checkpoint (--checkpoint)"}});
  });
  EXPECT_NE(article.find("there: it is the checkpoint (--checkpoint) ('" + store.string() + "'); write it to another file"),
            std::string::npos)
      << article;
  const std::string own = io_error_of([&] {
    check_output_path(store.string(), "model file (--out)", {{store.string(), "a file the target's command uses"}});
  });
  EXPECT_NE(own.find("there: it is a file the target's command uses ('"), std::string::npos) << own;
  EXPECT_EQ(slurp(store), "SQLite format 3");
}

// hwnas export resnet50 --out r50.onnx, killed while writing, left '.r50.onnx.RpL02g' (12 MB)
// behind (fresh-user finding 4): SIGTERM during the write removes the temporary file, and
// the process still ends by the signal.
TEST_F(FileIo, ASignalDuringTheWriteLeavesNoTemporaryFile) {
  int status = 0;
  const std::string temp = signal_writer_mid_write(path("big.onnx").string(), SIGTERM,
                                                   [](pid_t) { return std::string(".big.onnx."); }, status);
  ASSERT_FALSE(temp.empty()) << "the child always finished writing first";
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_EQ(entries(), std::vector<std::string>{});
}

// A writer killed with SIGKILL cannot remove its temporary (a checkpoint's was 222 MB):
// its name carries the writer's PID, and the next write to the same file removes those of
// dead writers (s26 second pass, finding 7); a live process's, and one without a PID, stay.
TEST_F(FileIo, TheNextWriteRemovesTheTemporaryOfAKilledWriter) {
  const std::string out = path("c.ckpt").string();
  const std::string live = fmt::format(".c.ckpt.{}.Abc123", ::getppid()), old_style = ".c.ckpt.Xyz789";
  file(live, "a live writer's");
  file(old_style, "no PID");
  int status = 0;
  const std::string killed = signal_writer_mid_write(
      out, SIGKILL, [](pid_t child) { return fmt::format(".c.ckpt.{}.", child); }, status);
  ASSERT_FALSE(killed.empty()) << "the child always finished writing first";
  EXPECT_TRUE(fs::exists(path(killed)));
  write_file_atomically(out, "next", "checkpoint");
  EXPECT_EQ(slurp(out), "next");
  std::vector<std::string> expected = {live, old_style, "c.ckpt"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(entries(), expected);
}

TEST_F(FileIo, TheWriteRestoresTheSignalHandlers) {
  const auto previous = std::signal(SIGTERM, SIG_IGN);
  write_file_atomically(path("a.yaml").string(), "x: 1\n", "model file");
  EXPECT_EQ(std::signal(SIGTERM, previous), SIG_IGN);
  EXPECT_EQ(slurp(path("a.yaml")), "x: 1\n");
}

}  // namespace
}  // namespace hwnas

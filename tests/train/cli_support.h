// What the train module's CLI tests share: whether Fashion-MNIST is installed (skip or fail
// as support/resources.h says), and running hwnas as support/cli_runner.h does but killing
// it (SIGKILL, or SIGINT) as soon as a file appears (a training after its first checkpoint).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/resources.h"

namespace hwnas::testing {

/// Empty when Fashion-MNIST is in $HWNAS_FASHION_MNIST_DIR or Debian's directory; else
/// what is missing and how to install it.
inline std::string fashion_mnist_missing() {
  const char* env = std::getenv("HWNAS_FASHION_MNIST_DIR");
  const std::filesystem::path dir = env != nullptr && *env != '\0' ? env : "/usr/share/datasets/fashion-mnist";
  if (std::filesystem::exists(dir / "t10k-labels-idx1-ubyte.gz")) return "";
  return dir.string() + " lacks Fashion-MNIST: apt-get install dataset-fashion-mnist (scripts/setup.sh)";
}

#define REQUIRE_FASHION_MNIST()                                                                  \
  if (const std::string why = ::hwnas::testing::fashion_mnist_missing(); !why.empty()) \
  HWNAS_MISSING_RESOURCE(why)

/// Starts HWNAS_BINARY with `args` (stdout to /dev/null, stderr to `err_path`), waits until
/// `file` exists, sends `signal` (SIGKILL; SIGINT for Ctrl-C) and returns whether the
/// process ended by it (false: it exited on its own first, the run was too short to
/// interrupt).
inline bool kill_when_file_appears(const std::vector<std::string>& args, const std::string& file,
                                   int signal = SIGKILL, const std::string& err_path = "/dev/null") {
  std::vector<std::string> argv_storage = {HWNAS_BINARY};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen(err_path.c_str(), "w", stderr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (!std::filesystem::exists(file)) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;  // ended without the file
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, signal);
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == signal;
}

}  // namespace hwnas::testing

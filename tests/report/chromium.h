// Runs Debian's headless Chromium on a page for the report tests: the DOM after loading
// (--dump-dom), a screenshot, and the console messages Chromium logs on stderr.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/cli_runner.h"

namespace hwnas::testing {

/// The chromium executable found on PATH; empty when there is none.
inline std::string chromium_binary() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path candidate = std::filesystem::path(dir) / "chromium";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

struct BrowserRun {
  int status = -1;  // exit status; -1 when killed at the timeout or by a signal
  bool timed_out = false;
  std::string out, err;
};

/// Runs `chromium --headless --no-sandbox ARGS file://PAGE` in its own process group with
/// a fresh profile under `work`, and kills the whole group after `timeout_s` (an alert()
/// dialog would keep --dump-dom waiting for ever).
inline BrowserRun run_chromium(const std::string& page, const std::vector<std::string>& args,
                               const std::filesystem::path& work, int timeout_s = 90) {
  static int runs = 0;
  const std::filesystem::path profile = work / ("chromium-profile-" + std::to_string(++runs));
  const std::string out_path = (work / "chromium.out").string(), err_path = (work / "chromium.err").string();
  std::vector<std::string> storage = {chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu",
                                      "--user-data-dir=" + profile.string(), "--enable-logging=stderr", "--v=0"};
  storage.insert(storage.end(), args.begin(), args.end());
  storage.push_back("file://" + std::filesystem::absolute(page).string());
  std::vector<char*> argv;
  for (std::string& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int null = ::open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || null < 0) ::_exit(126);
    ::dup2(null, 0), ::dup2(out, 1), ::dup2(err, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  BrowserRun run;
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return run;
  }
  ::setpgid(pid, pid);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      run.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);  // helper processes left in the group, if any
  run.status = !run.timed_out && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = read_file(out_path);
  run.err = read_file(err_path);
  std::error_code ec;
  std::filesystem::remove_all(profile, ec);
  return run;
}

/// The lines of Chromium's log that report a console message of the page (a script's
/// console output, an uncaught exception, a Content-Security-Policy violation).
inline std::vector<std::string> console_lines(const std::string& log) {
  std::vector<std::string> lines;
  std::stringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.find(":CONSOLE") != std::string::npos) lines.push_back(line);
  return lines;
}

}  // namespace hwnas::testing

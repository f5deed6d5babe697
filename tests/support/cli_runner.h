// Runs the hwnas executable as a user does (no shell), keeping exit status, stdout and
// stderr apart, for the CLI tests of every module. Needs HWNAS_BINARY defined.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/scratch_dir.h"

namespace hwnas::testing {

struct Result {
  int status = -1;  // exit status, or -1 when the process did not exit normally
  std::string out, err;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::filesystem::path scratch_dir() {
  static const ScratchDir scratch("hwnas_cli_test");
  return scratch.path();
}

// Runs `argv` (argv[0] a path; no shell), stdout and stderr to separate files.
inline Result run_program(std::vector<std::string> argv_storage) {
  const std::filesystem::path dir = scratch_dir();
  const std::string out_path = (dir / "stdout").string(), err_path = (dir / "stderr").string();
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int null = ::open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || null < 0) ::_exit(126);
    ::dup2(null, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  Result run;
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return run;
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) ADD_FAILURE() << "waitpid failed";
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = read_file(out_path);
  run.err = read_file(err_path);
  EXPECT_NE(run.status, 127) << "could not execute " << argv_storage[0];
  return run;
}

// Runs HWNAS_BINARY with `args` (no shell), stdout and stderr to separate files.
inline Result hwnas(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {HWNAS_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(std::move(argv));
}

inline std::string describe(const std::vector<std::string>& args, const Result& r) {
  std::string text = "hwnas";
  for (const std::string& a : args) text += " '" + a + "'";
  return text + "\nstatus " + std::to_string(r.status) + "\nstdout: " + r.out.substr(0, 400) +
         "\nstderr: " + r.err;
}

// Bad input: status 2, nothing on stdout, exactly one line on stderr that says `hint`.
inline void expect_bad_input(const std::vector<std::string>& args, const std::string& hint) {
  const Result r = hwnas(args);
  SCOPED_TRACE(describe(args, r));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.back(), '\n');
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line";
  EXPECT_EQ(r.err.rfind("hwnas: ", 0), 0u);
  EXPECT_NE(r.err.find(hint), std::string::npos) << "'" << hint << "' not in stderr";
}

inline std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = (scratch_dir() / name).string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace hwnas::testing

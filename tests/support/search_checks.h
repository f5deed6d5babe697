// What the search's CLI tests share: scratch paths, hwnas run for its JSON or in the
// background, what a store holds, and whether a program hwnas ran outlived it. Needs
// HWNAS_BINARY defined (cli_runner.h).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/cli_runner.h"

namespace hwnas::testing {

/// A path in the scratch directory with nothing at it: an earlier run's file or directory
/// there is removed.
inline std::string fresh_path(const std::string& name) {
  const std::string path = (scratch_dir() / name).string();
  std::filesystem::remove_all(path);
  return path;
}

/// Runs hwnas with `args` and --json, expecting status 0: the JSON it printed ({} and a test
/// failure when it printed none).
inline nlohmann::json search_json(std::vector<std::string> args) {
  args.push_back("--json");
  const Result r = hwnas(args);
  EXPECT_EQ(r.status, 0) << r.err;
  try {
    return nlohmann::json::parse(r.out);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << e.what() << "\n" << r.out.substr(0, 400);
    return {};
  }
}

/// Starts hwnas (or `program`) with `args` in the background (stdin and stdout /dev/null,
/// stderr to `err_path`) and returns its pid.
inline pid_t start_hwnas(const std::vector<std::string>& args, const std::string& err_path = "/dev/null",
                         const std::string& program = HWNAS_BINARY) {
  std::vector<std::string> storage = {program};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_RDWR);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(null, 0);
    dup2(null, 1);
    dup2(err, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

/// The rows of the `evaluations` table of the experiment in `dir` (-1 when unreadable).
inline int stored_evaluations(const std::string& dir) {
  sqlite3* db = nullptr;
  int n = -1;
  if (sqlite3_open_v2((dir + "/experiment.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 1000);
    sqlite3_stmt* q = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM evaluations", -1, &q, nullptr) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
      n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
  }
  sqlite3_close(db);
  return n;
}

/// The text a process writes into `path` (e.g. its pid), waited for up to 30 s; "" when
/// none appears by then.
inline std::string text_written_to(const std::string& path) {
  std::string text;
  for (int i = 0; i < 15000 && text.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    text = std::filesystem::exists(path) ? read_file(path) : "";
  }
  return text;
}

/// Whether process `pid` ends within 2 s: gone, or a zombie waiting for a reaper (its
/// parent, hwnas, is dead). A survivor is killed, so that a failing test leaves none.
inline bool process_ends(pid_t pid) {
  for (int i = 0; i < 1000; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line) || line.find(") Z") != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGKILL);
  return false;
}

}  // namespace hwnas::testing

// Checks the search's CLI tests share: what a store holds, and whether a program hwnas ran
// outlived it.
#pragma once

#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace hwnas::testing {

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

// Starts long-lived programs (BatchSession) from a thread of its own that lives as long as
// this object does. A child gets SIGKILL when the THREAD that forked it ends
// (PR_SET_PDEATHSIG, child_process.h: a `kill -9` of hwnas leaves no program running), so a
// program started by a short-lived thread (an accuracy-pool worker, which lives for one
// search step; any caller's std::thread) would be killed when that thread ends, and the
// next request would fail. batch_target.cpp (the batch protocol's program) and
// search/served_program.h (the search's hwnas-train --serve) keep one.
#pragma once

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "hwnas/hw/external/batch_session.h"

namespace hwnas::hw {

class SessionStarter {
 public:
  SessionStarter();
  SessionStarter(const SessionStarter&) = delete;
  SessionStarter& operator=(const SessionStarter&) = delete;

  /// A new BatchSession(argv, work_dir, environment), made on this object's thread; throws
  /// what making it threw. Callable from any thread; calls take turns. A session must not
  /// outlive its starter (the thread's end would kill its program).
  std::unique_ptr<BatchSession> start(const std::vector<std::string>& argv, const std::string& work_dir,
                                      const std::vector<std::string>& environment = {});

 private:
  void run(std::stop_token stop);

  std::mutex call_mutex_;  // one start() at a time
  // The hand-over between start() and thread_, under mutex_.
  std::mutex mutex_;
  std::condition_variable_any changed_;
  const std::vector<std::string>* argv_ = nullptr;
  const std::string* work_dir_ = nullptr;
  const std::vector<std::string>* environment_ = nullptr;
  bool wanted_ = false, done_ = false;
  std::unique_ptr<BatchSession> started_;
  std::exception_ptr error_;
  std::jthread thread_;  // last: it starts once everything it uses exists, and stops first
};

}  // namespace hwnas::hw

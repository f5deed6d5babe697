#include "hwnas/hw/external/session_starter.h"

#include <utility>

namespace hwnas::hw {

SessionStarter::SessionStarter() : thread_([this](std::stop_token stop) { run(stop); }) {}

void SessionStarter::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (changed_.wait(lock, stop, [&] { return wanted_; })) {
    wanted_ = false;
    try {
      started_ = std::make_unique<BatchSession>(*argv_, *work_dir_, *environment_);
    } catch (...) {
      error_ = std::current_exception();
    }
    done_ = true;
    changed_.notify_all();
  }
}

std::unique_ptr<BatchSession> SessionStarter::start(const std::vector<std::string>& argv, const std::string& work_dir,
                                                    const std::vector<std::string>& environment) {
  const std::lock_guard call(call_mutex_);
  std::unique_lock lock(mutex_);
  argv_ = &argv, work_dir_ = &work_dir, environment_ = &environment;
  wanted_ = true;
  done_ = false;
  changed_.notify_all();
  changed_.wait(lock, [&] { return done_; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  return std::move(started_);
}

}  // namespace hwnas::hw

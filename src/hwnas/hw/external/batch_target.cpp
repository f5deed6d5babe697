#include "hwnas/hw/external/batch_target.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <mutex>

#include <nlohmann/json.hpp>

#include "hwnas/hw/external/answer.h"
#include "hwnas/hw/external/batch_session.h"
#include "hwnas/hw/external/session_starter.h"

namespace hwnas::hw {
namespace {

using Clock = BatchSession::Clock;

Clock::time_point after(Clock::time_point start, double seconds) {
  return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

class BatchTarget : public DescribedTarget {
 public:
  using DescribedTarget::DescribedTarget;

  Measurement measure(const Kernel& kernel) override {
    const std::lock_guard lock(mutex_);
    const Clock::time_point now = Clock::now();
    if (!session_) {
      session_ = starter_.start(d_.command, d_.work_dir);
      if (!session_->started())
        fail(kernel, fmt::format("cannot run '{}' ({}); fix key 'command'", d_.command.front(), session_->exec_error()));
      batch_deadline_ = after(now, d_.batch_timeout_s);
      next_id_ = 0;
    }
    const std::int64_t id = next_id_++;
    const Clock::time_point kernel_deadline = after(now, d_.timeout_s);
    const std::string line = nlohmann::json{{"id", id}, {"kernel", kernel_to_json(kernel)}}.dump();
    std::string answer;
    const BatchSession::Outcome outcome = session_->ask(line, std::min(kernel_deadline, batch_deadline_), answer);
    const std::string answered = fmt::format("kernel id {}; the program had answered {} kernel{}", id, id,
                                             id == 1 ? "" : "s");
    switch (outcome) {
      case BatchSession::Outcome::answered:
        try {
          return parse_answer(answer, id);
        } catch (const BadAnswer& e) {
          fail(kernel, fmt::format("{} ({}); the program was killed", e.what(), answered));
        }
      case BatchSession::Outcome::timed_out:
        if (batch_deadline_ <= kernel_deadline)
          fail(kernel, fmt::format("the program ran past batch_timeout_s = {} s ({}) and was killed; raise "
                                   "'batch_timeout_s'",
                                   d_.batch_timeout_s, answered));
        fail(kernel, fmt::format("no answer within timeout_s = {} s ({}), the program was killed; raise "
                                 "'timeout_s' or make the program faster",
                                 d_.timeout_s, answered));
      case BatchSession::Outcome::line_too_long:
        fail(kernel, fmt::format("an answer line is longer than {} bytes ({}); answer each kernel with one short "
                                 "line",
                                 kMaxAnswerLineBytes, answered));
      case BatchSession::Outcome::ended:
        break;
    }
    const std::string stderr_note = session_->stderr_note();
    const std::string how = session_->end_note();
    // An answer without its newline is not taken: the line might not be over.
    if (const std::string unfinished = excerpt(session_->unfinished_line()); !unfinished.empty())
      fail(kernel, fmt::format("{} after printing '{}' with no newline after it ({}); end each answer line with a "
                               "newline{}",
                               how, unfinished, answered, stderr_note));
    fail(kernel, fmt::format("{} before answering ({}){}", how, answered, stderr_note));
  }

 private:
  [[noreturn]] void fail(const Kernel& kernel, const std::string& what) {
    if (session_) session_->abort();  // kills what is left of the program
    session_.reset();                 // the next kernel starts a fresh one
    throw_kernel_error(d_, source_, kernel, what);
  }

  std::mutex mutex_;
  SessionStarter starter_;  // the program outlives the thread that measured first
  std::unique_ptr<BatchSession> session_;  // after starter_: the program ends before its thread
  Clock::time_point batch_deadline_;
  std::int64_t next_id_ = 0;
};

}  // namespace

std::unique_ptr<Target> make_batch_target(ExternalDescription d, std::string source) {
  return std::make_unique<BatchTarget>(std::move(d), std::move(source));
}

}  // namespace hwnas::hw

#include "hwnas/search/served_program.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "hwnas/base/error.h"
#include "hwnas/train/train_program_env.h"

namespace hwnas::search {

ServedProgram::ServedProgram(std::vector<std::string> argv, std::string what, std::string help, double timeout_s)
    : argv_(std::move(argv)), what_(std::move(what)), help_(std::move(help)), timeout_s_(timeout_s) {}

nlohmann::json ServedProgram::ask(const std::string& path) {
  // A blank line is no request (servers skip it) and a newline would make two.
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  if (std::all_of(path.begin(), path.end(), space) || path.find_first_of("\r\n") != std::string::npos)
    throw UserError(
        fmt::format("{}: the model file's path is blank or spans lines; give a TMPDIR without newlines", what_));
  if (!session_) {
    // OMP_WAIT_POLICY set here, hwnas-train does not run itself again to set it.
    session_ = starter_.start(argv_, dir_.path().string(), train::train_program_environment());
    if (!session_->started()) {
      const std::string why = session_->exec_error();
      session_.reset();
      throw UserError(fmt::format("{} could not be started: {}", what_, why));
    }
  }
  std::string line;
  const auto deadline = hw::BatchSession::Clock::now() +
                        std::chrono::duration_cast<hw::BatchSession::Clock::duration>(
                            std::chrono::duration<double>(timeout_s_));
  const hw::BatchSession::Outcome outcome = session_->ask(path, deadline, line);
  if (outcome != hw::BatchSession::Outcome::answered) {
    std::string why;
    if (outcome == hw::BatchSession::Outcome::timed_out) {
      session_->abort();
      why = fmt::format("gave no answer within timeout_s {:g} s{}", timeout_s_, session_->stderr_note());
    } else if (outcome == hw::BatchSession::Outcome::ended) {
      why = session_->end_note() + session_->stderr_note();
      if (killed_from_outside(session_->end_signal())) {
        const int signal = session_->end_signal();
        session_.reset();
        throw ProgramKilled(fmt::format("{}: {}", what_, why), signal);
      }
    } else {
      session_->abort();
      why = "answered a line over 1 MiB";
    }
    session_.reset();
    throw UserError(fmt::format("{}: {}", what_, why));
  }
  nlohmann::json answer;
  try {
    answer = answer_object(line, help_);
  } catch (const UserError&) {
    session_.reset();  // out of step with us: a fresh process for the next request
    throw;
  }
  if (const auto error = answer.find("error"); error != answer.end() && error->is_string())
    throw UserError(fmt::format("{} refused it: {}", what_, error->get<std::string>()));
  return answer;
}

ServedPrograms::ServedPrograms(std::vector<std::string> argv, std::string what, std::string help, double timeout_s)
    : argv_(std::move(argv)), what_(std::move(what)), help_(std::move(help)), timeout_s_(timeout_s) {}

nlohmann::json ServedPrograms::ask(const std::string& path) {
  std::unique_ptr<ServedProgram> program;
  {
    const std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      program = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!program) program = std::make_unique<ServedProgram>(argv_, what_, help_, timeout_s_);
  struct PutBack {
    ServedPrograms& pool;
    std::unique_ptr<ServedProgram>& program;
    ~PutBack() {
      const std::lock_guard lock(pool.mutex_);
      pool.idle_.push_back(std::move(program));
    }
  } put_back{*this, program};
  return program->ask(path);
}

}  // namespace hwnas::search

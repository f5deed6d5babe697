#include "hwnas/search/trial_program.h"

#include <fmt/format.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "hwnas/base/error.h"
#include "hwnas/base/json_input.h"

namespace hwnas::search {

namespace fs = std::filesystem;

std::string trial_dir_prefix() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "host");
  std::string name = host;
  for (char& c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.') c = '_';
  return fmt::format("hwnas-trial-{}-", name);
}

std::size_t sweep_stale_trial_dirs(const fs::path& dir) {
  const std::string prefix = trial_dir_prefix();
  std::size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix)) continue;
    // PID-XXXXXX after the prefix.
    const std::string rest = name.substr(prefix.size());
    const std::size_t dash = rest.find('-');
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (dash == 0 || dash == std::string::npos || dash > 9 ||
        !std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(dash), digit))
      continue;
    const auto pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
    if (pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // running, or not ours to judge
    std::error_code remove_ec;
    if (it->is_directory(remove_ec) && fs::remove_all(it->path(), remove_ec) > 0 && !remove_ec) ++removed;
  }
  return removed;
}

TrialDir::TrialDir() {
  static std::once_flag swept;
  std::call_once(swept, [] { sweep_stale_trial_dirs(); });
  std::string pattern = (fs::temp_directory_path() / fmt::format("{}{}-XXXXXX", trial_dir_prefix(), ::getpid())).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw UserError(fmt::format("cannot make a temporary directory {} ({})", pattern, std::strerror(errno)));
  path_ = pattern;
}

TrialDir::~TrialDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string one_line(std::string_view text) { return hw::one_line(text, 160); }

std::string stderr_note(const std::string& err) {
  std::string_view tail = err;
  while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.back())) != 0) tail.remove_suffix(1);
  if (tail.empty()) return "; it printed nothing on stderr";
  const bool cut = tail.size() > 160;
  if (cut) tail = tail.substr(tail.size() - 160);
  return fmt::format("; stderr ends: '{}{}'", cut ? "..." : "", one_line(tail));
}

hw::ProcessResult run_trial_program(const std::vector<std::string>& argv, const std::string& work_dir,
                                    double timeout_s, const std::string& program,
                                    const std::vector<std::string>& environment) {
  hw::ProcessResult r = hw::run_process(argv, work_dir, "", timeout_s, environment);
  if (!r.started) throw UserError(fmt::format("cannot run '{}' ({})", program, r.exec_error));
  if (r.timed_out)
    throw UserError(fmt::format("'{}' gave no answer within timeout_s = {:g} s and was killed", program, timeout_s));
  if (r.signal != 0) {
    const std::string why = fmt::format("'{}' was killed by signal {} ({}){}", program, r.signal,
                                        ::strsignal(r.signal), stderr_note(r.err));
    if (killed_from_outside(r.signal)) throw ProgramKilled(why, r.signal);
    throw UserError(why);
  }
  return r;
}

bool killed_from_outside(int signal) {
  return signal == SIGKILL || signal == SIGTERM || signal == SIGINT || signal == SIGHUP;
}

std::string kill_cause(int signal) {
  switch (signal) {
    case SIGKILL: return "kill -9, or the kernel's out-of-memory killer: dmesg says which";
    case SIGTERM: return "killed from outside: kill, or another program's SIGTERM";
    case SIGINT: return "killed from outside: Ctrl-C in its terminal, or kill -INT";
    case SIGHUP: return "killed from outside: its terminal closed, or kill -HUP";
    default: return fmt::format("killed from outside by signal {}", signal);
  }
}

nlohmann::json answer_object(std::string_view text, std::string_view help) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
  if (text.empty()) throw UserError(fmt::format("it printed nothing on stdout; {}", help));
  nlohmann::json answer;
  try {
    answer = parse_json_strict(text, fmt::format("its answer '{}'", one_line(text)));
  } catch (const UserError& e) {
    throw UserError(fmt::format("{}; {}", e.what(), help));
  }
  if (!answer.is_object())
    throw UserError(fmt::format("its answer '{}' is not a JSON object; {}", one_line(text), help));
  return answer;
}

}  // namespace hwnas::search

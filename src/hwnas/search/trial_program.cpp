#include "hwnas/search/trial_program.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "hwnas/base/error.h"
#include "hwnas/base/json_input.h"

namespace hwnas::search {

namespace fs = std::filesystem;

TrialDir::TrialDir() {
  std::string pattern = (fs::temp_directory_path() / "hwnas-trial-XXXXXX").string();
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
                                    double timeout_s, const std::string& program) {
  hw::ProcessResult r = hw::run_process(argv, work_dir, "", timeout_s);
  if (!r.started) throw UserError(fmt::format("cannot run '{}' ({})", program, r.exec_error));
  if (r.timed_out)
    throw UserError(fmt::format("'{}' gave no answer within timeout_s = {:g} s and was killed", program, timeout_s));
  if (r.signal != 0)
    throw UserError(fmt::format("'{}' was killed by signal {} ({}){}", program, r.signal, ::strsignal(r.signal),
                                stderr_note(r.err)));
  return r;
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

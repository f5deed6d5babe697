// The user-error channel: bad model files, impossible shapes, unknown names.
//
// A UserError's message is one line that names the file/key/node and says what to change;
// the CLI prints it and exits with status 2. Internal invariants use HWNAS_CHECK instead.
#pragma once

#include <stdexcept>
#include <string>

namespace hwnas {

class UserError : public std::runtime_error {
 public:
  /// Line breaks quoted from the input (a name or value with "\n" in it) are written as
  /// the two characters \n, so the message stays one line.
  explicit UserError(const std::string& message) : std::runtime_error(one_line(message)) {}

 private:
  static std::string one_line(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
      if (ch == '\n') out += "\\n";
      else if (ch == '\r') out += "\\r";
      else out += ch;
    }
    return out;
  }
};

/// Thrown when an internal invariant fails (a bug in hwnas, exit status 1).
class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string& message) : std::logic_error(message) {}
};

}  // namespace hwnas

/// An assertion that stays on in release builds.
#define HWNAS_CHECK(cond)                                                              \
  do {                                                                                 \
    if (!(cond))                                                                       \
      throw ::hwnas::InternalError(std::string(__FILE__) + ":" + std::to_string(__LINE__) + \
                                   ": check failed: " #cond);                          \
  } while (false)

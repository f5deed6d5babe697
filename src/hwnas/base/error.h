// The user-error channel: bad model files, impossible shapes, unknown names.
//
// A UserError's message is one line that names the file/key/node and says what to change;
// the CLI prints it and exits with status 2. Internal invariants use HWNAS_CHECK instead.
#pragma once

#include <stdexcept>
#include <string>

#include "hwnas/base/printable.h"

namespace hwnas {

class UserError : public std::runtime_error {
 public:
  /// Text quoted from the input (a name or value with a line break, a NUL, a terminal
  /// control or bytes that are not UTF-8) is escaped as printable() does (\n, \0, \xNN),
  /// so the message stays one whole line: what() would otherwise end at a NUL.
  explicit UserError(const std::string& message) : std::runtime_error(printable(message)) {}
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

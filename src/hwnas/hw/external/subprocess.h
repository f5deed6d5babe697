// Runs a program with fork/execvp (never a shell, child_process.h), feeds it stdin and
// collects its output.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/hw/external/child_process.h"

namespace hwnas::hw {

struct ProcessResult {
  bool started = false;       // false: execvp failed, see exec_error
  std::string exec_error;     // strerror of the failed execvp
  bool timed_out = false;     // the deadline passed; the process group was killed
  int exit_status = -1;       // when it exited normally
  int signal = 0;             // when a signal ended it (other than our timeout kill)
  std::string out;            // stdout: its last kMaxOutputBytes (a long log is cut at the front)
  std::string err;            // stderr: its last kMaxOutputBytes
};

inline constexpr std::size_t kMaxOutputBytes = 1 << 20;

/// Runs argv[0] (looked up in PATH when it has no '/') with `argv` in `work_dir` (empty:
/// this process's directory), in a process group of its own. Writes `input` to its stdin
/// and closes it; reads stdout and stderr until both close or the process exits (then what
/// is already in the pipes; a background child holding them open does not delay the end).
/// Once the process has exited, or after `timeout_s` seconds, the whole group is killed
/// with SIGKILL and the process reaped. The process gets SIGKILL if the calling thread
/// dies first (PR_SET_PDEATHSIG: a `kill -9` of hwnas leaves no program running; its own
/// children, if it starts any, are its business). Throws UserError only when the pipes or the fork
/// cannot be made. `environment`: "NAME=VALUE" entries on top of this process's environment
/// (ChildProcess).
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& work_dir,
                          const std::string& input, double timeout_s,
                          const std::vector<std::string>& environment = {});

/// The file execvp would run for `program` in `work_dir` (empty: this process's directory):
/// `program` itself, from `work_dir` when relative, when it has a '/'; else the first
/// executable regular file of that name in a PATH directory (relative PATH entries from
/// `work_dir`). nullopt when there is none, so callers can refuse a misspelt program
/// before running anything.
std::optional<std::filesystem::path> find_program(const std::string& program, const std::string& work_dir);

/// The first `max_chars` characters of a program's output `text` on one line (blank runs
/// become one space, leading and trailing ones go), with "..." when cut: for one-line errors.
std::string one_line(std::string_view text, std::size_t max_chars);

/// The same, but a text over `max_chars` keeps its start and its end around " ... " (half
/// each): a program's error line ends with its fix, which a relayed message must keep.
std::string one_line_ends(std::string_view text, std::size_t max_chars);

/// `name` in the directory of the running executable (read from /proc/self/exe), e.g.
/// hwnas-train beside hwnas or beside a test binary; whether it exists is the caller's
/// question. Throws UserError when /proc/self/exe cannot be read (no /proc mounted).
std::filesystem::path program_beside_this_one(std::string_view name);

}  // namespace hwnas::hw

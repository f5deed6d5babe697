#include "hwnas/cli/resume_note.h"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <vector>

#include "hwnas/base/printable.h"

namespace hwnas::cli {
namespace {

std::vector<std::string> g_words;
// Formatted before the handler is set: the handler only calls async-signal-safe functions.
std::string g_checkpoint, g_resume_line, g_no_checkpoint_line;

extern "C" void say_and_end(int signal_number) {
  const std::string& line = ::access(g_checkpoint.c_str(), F_OK) == 0 ? g_resume_line : g_no_checkpoint_line;
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, line.data(), line.size());
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);  // blocked in the handler: delivered when it returns
}

}  // namespace

std::string shell_quoted(const std::string& text) {
  const bool safe = !text.empty() && text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                           "0123456789_-./=:,+@%") == std::string::npos;
  if (safe) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void record_command_line(int argc, char** argv) { g_words.assign(argv + std::min(argc, 1), argv + argc); }

std::string training_resume_command() {
  std::string command = "hwnas";
  bool resume = false;
  for (const std::string& word : g_words) {
    command += ' ';  // not " " + ...: GCC 12 warns of a false overlap (-Wrestrict)
    command += shell_quoted(word);
    resume = resume || word == "--resume";
  }
  return resume ? command : command + " --resume";
}

void say_how_to_resume_on_interrupt(const std::string& checkpoint) {
  g_checkpoint = checkpoint;
  g_resume_line = fmt::format("\nhwnas: interrupted; {} holds the finished epochs: continue with {}\n",
                              printable(checkpoint), printable(training_resume_command()));
  // Also said while the first checkpoint is being written: it is not complete then, and
  // base/file_io.h removes its temporary file (s26 second pass, finding 6).
  g_no_checkpoint_line = fmt::format("\nhwnas: interrupted before the first checkpoint was complete ({}; it is "
                                     "written when an epoch ends): nothing to resume; run the command again "
                                     "without --resume\n",
                                     printable(checkpoint));
  std::signal(SIGINT, say_and_end);
  std::signal(SIGTERM, say_and_end);
}

}  // namespace hwnas::cli

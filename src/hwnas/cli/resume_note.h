// What a training verb of hwnas-train (`train`, `supernet train`) with --checkpoint says when
// Ctrl-C (or SIGTERM) ends it: how to continue, as hwnas search does (s26 finding 13).
#pragma once

#include <string>

namespace hwnas::cli {

/// `text` as one POSIX shell word: unchanged when it holds only safe characters, else in
/// single quotes with each ' written '\'' (so a printed command can be pasted).
std::string shell_quoted(const std::string& text);

/// Keeps the command line (run_app calls it before parsing) for training_resume_command.
void record_command_line(int argc, char** argv);

/// "hwnas WORD..." of the recorded command line (each word shell_quoted), with --resume
/// added when it is not there.
std::string training_resume_command();

/// From now on, SIGINT and SIGTERM end the process as before (the default: by the signal),
/// after one line on stderr: `checkpoint` exists (an epoch finished, or the run resumed
/// one) → "hwnas: interrupted; CHECKPOINT holds the finished epochs: continue with COMMAND";
/// else (also while the first checkpoint is being written) "hwnas: interrupted before the
/// first checkpoint was complete (CHECKPOINT; it is written when an epoch ends): nothing to
/// resume; run the command again without --resume". Call once, before training. A Ctrl-C
/// in the second hwnas-train takes to load, before main, ends it with no line: nothing has
/// started then.
void say_how_to_resume_on_interrupt(const std::string& checkpoint);

}  // namespace hwnas::cli

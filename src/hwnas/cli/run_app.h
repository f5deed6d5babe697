// The error handling every hwnas executable's main shares: parses argv with `app` (whose
// subcommands run in their callbacks) and maps what escapes to the exit status: 0 success,
// kBadInput (one line "hwnas: ..." on stderr), kInternalError. Under mpirun, a
// rank other than 0 prints nothing for what parsing finds (help, a bad option) and ends
// with 0: every rank parses the same command line, and rank 0 reports.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace hwnas::cli {

/// The exit statuses of hwnas and hwnas-train besides 0 (success), as docs/cli.md lists them.
/// An internal error: a bug (an exception that is not a UserError).
inline constexpr int kInternalError = 1;
/// Bad input: a UserError or a command line CLI11 refuses; one line on stderr.
inline constexpr int kBadInput = 2;
/// A training that diverged (hwnas train, hwnas-train supernet train, hwnas advise
/// --finetune): the run ends with its reason on stderr and no metric (docs/training.md).
inline constexpr int kTrainingFailed = 3;
/// Stopped by SIGINT or SIGTERM (hwnas search; 128 + SIGINT, as a shell reports it), with
/// what was done stored.
inline constexpr int kInterrupted = 130;

/// What the answer to an unknown option draws on besides the chosen command's options,
/// its siblings' and the closest of them.
struct OptionHints {
  /// The keys a command's --set overrides in a file of its, e.g. "the experiment file".
  struct SetKeys {
    std::string file;
    std::vector<std::string> keys;  // dotted: "seed", "budget.trials", "latency.target"
  };
  /// Per command ("hwnas search"): an unknown option that names one of its --set keys is
  /// answered with the --set that gives it ("--seed 3": "give --set seed=3"; "--target":
  /// the key whose last part it is, latency.target; "--budget": the keys under it).
  std::map<std::string, SetKeys> set_keys;
};

/// `hints` as above; whatever the command, another tool's spelling of one of its options
/// ("--output", "--resolution", "--resume-from", "--subnets") is answered with ours.
int run_app(CLI::App& app, int argc, char** argv, const OptionHints& hints = {});

}  // namespace hwnas::cli

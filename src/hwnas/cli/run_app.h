// The error handling every hwnas executable's main shares: parses argv with `app` (whose
// subcommands run in their callbacks) and maps what escapes to the exit status: 0 success,
// 2 bad input (one line "hwnas: ..." on stderr), 1 internal failure. Under mpirun, a
// rank other than 0 prints nothing for what parsing finds (help, a bad option) and ends
// with 0: every rank parses the same command line, and rank 0 reports.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace hwnas::cli {

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

// The error handling every hwnas executable's main shares: parses argv with `app` (whose
// subcommands run in their callbacks) and maps what escapes to the exit status: 0 success,
// 2 bad input (one line "hwnas: ..." on stderr), 1 internal failure. Under mpirun, a
// rank other than 0 prints nothing for what parsing finds (help, a bad option) and ends
// with 0: every rank parses the same command line, and rank 0 reports.
#pragma once

#include <CLI/CLI.hpp>

namespace hwnas::cli {

int run_app(CLI::App& app, int argc, char** argv);

}  // namespace hwnas::cli

// The error handling every hwnas executable's main shares: parses argv with `app` (whose
// subcommands run in their callbacks) and maps what escapes to the exit status: 0 success,
// 2 bad input (one line "hwnas: ..." on stderr), 1 internal failure.
#pragma once

#include <CLI/CLI.hpp>

namespace hwnas::cli {

int run_app(CLI::App& app, int argc, char** argv);

}  // namespace hwnas::cli

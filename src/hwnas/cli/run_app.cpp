#include "hwnas/cli/run_app.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"

namespace hwnas::cli {
namespace {

/// Whether mpirun started this process as a rank other than 0 (OpenMPI's environment).
bool quiet_mpi_rank() {
  const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
  return rank != nullptr && *rank != '\0' && std::string(rank) != "0";
}

}  // namespace

int run_app(CLI::App& app, int argc, char** argv) {
  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      // Under mpirun every rank parses the same command line: only rank 0 prints what
      // parsing finds (help, or the error), so the user reads it once, and the others end
      // with 0, so that mpirun, which kills the job when a rank ends non-zero, does not
      // kill rank 0 before it has printed (docs/parallel.md).
      if (!quiet_mpi_rank()) throw;
      return 0;
    }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // "hwnas frob": CLI11 only says a subcommand is required; name the word it did not know.
    if (argc > 1 && argv[1][0] != '-' && app.get_subcommands().empty()) {
      std::string commands;
      for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        commands += (commands.empty() ? "" : ", ") + sub->get_name();
      fmt::print(stderr, "hwnas: unknown command '{}'; use one of: {}; run 'hwnas --help'\n",
                 printable(argv[1]), commands);
      return 2;
    }
    fmt::print(stderr, "hwnas: {}; run 'hwnas --help'\n", printable(e.what()));  // quotes argv
    return 2;
  } catch (const UserError& e) {
    fmt::print(stderr, "hwnas: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "hwnas: internal error: {}\n", printable(e.what()));
    return 1;
  }
  return 0;
}

}  // namespace hwnas::cli

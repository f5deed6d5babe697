// hwnas: accelerator-aware neural architecture search.
//
// Exit status: 0 success, 2 bad input (one line on stderr naming the file/key/node),
// 1 internal failure.
#include <fmt/format.h>
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "hwnas/cli/commands.h"
#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"

int main(int argc, char** argv) {
  // glibc returns freed blocks above 128 KiB to the kernel at once, so every training step
  // maps and unmaps its activation buffers again: 5x fewer images/s (bench/train_throughput
  // measures it). Keep freed memory in the process instead.
  if (std::getenv("HWNAS_DEFAULT_MALLOC") == nullptr) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
  CLI::App app{"hwnas: accelerator-aware neural architecture search"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hwnas 0.1.0");
  hwnas::cli::add_zoo_command(app);
  hwnas::cli::add_inspect_command(app);
  hwnas::cli::add_targets_command(app);
  hwnas::cli::add_simulate_command(app);
  hwnas::cli::add_profile_command(app);
  hwnas::cli::add_fit_command(app);
  hwnas::cli::add_estimate_command(app);
  hwnas::cli::add_validate_command(app);
  hwnas::cli::add_search_command(app);
  hwnas::cli::add_space_command(app);
  hwnas::cli::add_report_command(app);
  hwnas::cli::add_train_command(app);
  try {
    app.parse(argc, argv);
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
                 hwnas::printable(argv[1]), commands);
      return 2;
    }
    fmt::print(stderr, "hwnas: {}; run 'hwnas --help'\n", hwnas::printable(e.what()));  // quotes argv
    return 2;
  } catch (const hwnas::UserError& e) {
    fmt::print(stderr, "hwnas: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "hwnas: internal error: {}\n", hwnas::printable(e.what()));
    return 1;
  }
  return 0;
}

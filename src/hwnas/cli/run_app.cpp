#include "hwnas/cli/run_app.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <string>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"

namespace hwnas::cli {

int run_app(CLI::App& app, int argc, char** argv) {
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

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/cli/commands.h"
#include "hwnas/hw/external/subprocess.h"
#include "hwnas/train/train_program_env.h"

namespace hwnas::cli {

void add_forwarded_command(CLI::App& app, const std::string& name, const std::string& description) {
  CLI::App* cmd = app.add_subcommand(name, description);
  cmd->prefix_command();      // every argument after the verb, --help included, goes through
  cmd->set_help_flag();
  cmd->allow_extras();
  cmd->callback([cmd, name] { exec_train_program(name, cmd->remaining()); });
}

void exec_train_program(const std::string& verb, const std::vector<std::string>& args) {
  const std::filesystem::path program = hw::program_beside_this_one("hwnas-train");
  std::vector<std::string> words = {program.string(), verb};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  // Set here, hwnas-train does not run itself again to set it (train_program_env.h).
  for (const std::string& entry : train::train_program_environment()) {
    const std::size_t eq = entry.find('=');
    ::setenv(entry.substr(0, eq).c_str(), entry.substr(eq + 1).c_str(), 1);
  }
  ::execv(program.c_str(), argv.data());
  throw UserError("hwnas " + verb + " runs " + program.string() + ", which could not be started (" +
                  std::strerror(errno) + "); build it with scripts/build.sh, which builds hwnas-train beside hwnas");
}

}  // namespace hwnas::cli

// Subcommands of the hwnas executable: each registers itself on the app and runs later.
#pragma once

#include <CLI/CLI.hpp>

namespace hwnas::cli {

void add_zoo_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_targets_command(CLI::App& app);
void add_simulate_command(CLI::App& app);
void add_profile_command(CLI::App& app);
void add_fit_command(CLI::App& app);
void add_estimate_command(CLI::App& app);
void add_validate_command(CLI::App& app);
void add_search_command(CLI::App& app);
void add_space_command(CLI::App& app);
void add_report_command(CLI::App& app);
/// train and evaluate (train_command.cpp).
void add_train_command(CLI::App& app);

}  // namespace hwnas::cli

// Subcommands of the hwnas executable: each registers itself on the app and runs later.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

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
/// export MODEL --format onnx|json|yaml --out FILE (export_command.cpp).
void add_export_command(CLI::App& app);
/// rewrite MODEL --pass NAME [--site BLOCK] (rewrite_command.cpp; docs/rewrites.md).
void add_rewrite_command(CLI::App& app);
/// advise MODEL --estimator EST [--target T] [--limit ...] (advise_command.cpp; docs/advisor.md).
void add_advise_command(CLI::App& app);
/// train and evaluate (train_command.cpp), in the hwnas-train executable.
void add_train_command(CLI::App& app);
/// proxy MODEL... --proxy NAME[,NAME] (proxy_command.cpp; docs/proxies.md), in hwnas-train.
void add_proxy_command(CLI::App& app);
/// supernet train|eval|extract (supernet_command.cpp; docs/supernet.md), in hwnas-train.
void add_supernet_command(CLI::App& app);
/// A verb of hwnas that runs hwnas-train (beside the hwnas executable) with the same
/// arguments, replacing this process (forward_command.cpp).
void add_forwarded_command(CLI::App& app, const std::string& name, const std::string& description);
/// Replaces this process with hwnas-train VERB ARGS... (the environment train_program_env.h
/// sets); throws UserError naming the program when it cannot be started.
[[noreturn]] void exec_train_program(const std::string& verb, const std::vector<std::string>& args);
/// export MODEL --weights W --out M.onnx (export_weights_command.cpp), in hwnas-train: hwnas
/// export runs it when given --weights.
void add_export_weights_command(CLI::App& app);

}  // namespace hwnas::cli

// hwnas: accelerator-aware neural architecture search.
//
// Exit status: 0 success, 2 bad input (one line on stderr naming the file/key/node),
// 1 internal failure (3: a training that diverged, see hwnas train).
//
// `train` and `evaluate` run in the hwnas-train executable beside this one (forward_command.h):
// only it links libtorch, whose start-up (about half a second of static initialisation) every
// other verb would otherwise pay.
#include <CLI/CLI.hpp>

#include "hwnas/cli/commands.h"
#include "hwnas/cli/run_app.h"
#include "hwnas/search/experiment_config.h"

int main(int argc, char** argv) {
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
  hwnas::cli::add_export_command(app);
  hwnas::cli::add_rewrite_command(app);
  hwnas::cli::add_advise_command(app);
  hwnas::cli::add_forwarded_command(app, "train", "Train a classifier (Fashion-MNIST), detector or segmenter (scenes) and measure it (hwnas-train)");
  hwnas::cli::add_forwarded_command(app, "evaluate", "Evaluate trained weights on their task's test set (hwnas-train)");
  hwnas::cli::add_forwarded_command(app, "proxy", "Score untrained models with zero-shot proxies (hwnas-train)");
  hwnas::cli::add_forwarded_command(app, "supernet", "Train a weight-sharing supernet, measure and extract its subnets (hwnas-train)");
  // `hwnas search --seed 3`: --set seed=3.
  const hwnas::cli::OptionHints hints{{{"hwnas search", {"the experiment file", hwnas::search::experiment_value_keys()}}}};
  return hwnas::cli::run_app(app, argc, argv, hints);
}

// hwnas-train: the verbs that need libtorch, `train`, `evaluate`, `proxy` and `supernet`; `hwnas train
// ...` runs this executable with the same arguments (forward_command.cpp). Exit status as
// hwnas's, plus 3 for a training that diverged.
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "hwnas/cli/commands.h"
#include "hwnas/cli/run_app.h"
#include "hwnas/train/train_program_env.h"

int main(int argc, char** argv) {
  // OpenMP's threads spin between parallel regions by default (libgomp reads
  // OMP_WAIT_POLICY when it loads, before main): on a machine whose cores are busy with
  // other work — other trials, a build — a 2-thread training then ran 50 to 140 times
  // slower than with the threads sleeping (fresh-user measurement: 21.9 s against 0.42 s).
  // So unless the user chose a policy, run again with PASSIVE set. hwnas and the search
  // set it when they start this program (train_program_env.h), so only a direct start pays.
  using hwnas::train::kWaitPolicy;
  using hwnas::train::kWaitPolicyVariable;
  if (std::getenv(kWaitPolicyVariable) == nullptr && ::setenv(kWaitPolicyVariable, kWaitPolicy, 1) == 0)
    ::execv("/proc/self/exe", argv);  // returns only on failure: then go on as we are
  // glibc returns freed blocks above 128 KiB to the kernel at once, so every training step
  // maps and unmaps its activation buffers again: 5x fewer images/s (bench/train_throughput
  // measures it). Keep freed memory in the process instead.
  if (std::getenv("HWNAS_DEFAULT_MALLOC") == nullptr) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
  CLI::App app{"hwnas: accelerator-aware neural architecture search (training verbs)", "hwnas"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hwnas 0.1.0");
  hwnas::cli::add_train_command(app);
  hwnas::cli::add_proxy_command(app);
  hwnas::cli::add_supernet_command(app);
  hwnas::cli::add_export_weights_command(app);
  return hwnas::cli::run_app(app, argc, argv);
}

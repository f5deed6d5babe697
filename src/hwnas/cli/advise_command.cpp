// hwnas advise MODEL --estimator EST [--target T] [--limit K=V,...] [--passes a,b] [--lossy]
// [--steps N] | [--from EXPERIMENT_DIR [--whole-plan]] [--out MODEL2] [--summary FILE.md|.html] [--all] [--json]
// [--finetune W [--finetune-epochs N] [--finetune-lr X] ... [--finetune-save W2] [--data DIR]]: ranks every rewrite
// of MODEL by estimated gain, explains each, and combines them (docs/advisor.md); with
// --from EXPERIMENT_DIR it applies the rewrites a finished search's Pareto architectures
// embody instead (docs/transfer.md); with --finetune W it trains the combined model from
// the baseline's weights W and reports the metric before and after (advise/finetune.h).
// The logic is the advise library's; this file parses, checks paths and prints.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "hwnas/advise/advisor.h"
#include "hwnas/advise/advisor_menu.h"
#include "hwnas/advise/advisor_report.h"
#include "hwnas/advise/finetune.h"
#include "hwnas/train/train_options.h"
#include "hwnas/advise/transfer.h"
#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/model_arg.h"
#include "hwnas/cli/number_options.h"
#include "hwnas/cli/run_app.h"
#include "hwnas/cli/text_output.h"
#include "hwnas/estimate/estimator.h"
#include "hwnas/estimate/table_model.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/io/model_io.h"

namespace hwnas::cli {
namespace {

struct AdviseArgs {
  std::string model, estimator, target, limits, passes, out, summary, from;
  bool lossy = false, all = false, json = false, whole_plan = false;
  std::int32_t steps = 50;
  advise::FinetuneOptions finetune;  // --finetune W: finetune.weights not empty
  std::vector<std::string> finetune_given;  // the --finetune-* options and --data given
};

// --finetune's rules (docs/advisor.md, "Fine-tuning the result"), checked before any work:
// the --finetune-* options and --data need it; it needs --out, a model file hwnas-train
// reads (the fine-tuned weights are that file's); --finetune-save defaults to --out with .pt.
void check_finetune_args(AdviseArgs& args, const std::vector<FileRole>& inputs) {
  advise::FinetuneOptions& ft = args.finetune;
  if (ft.weights.empty()) {
    if (!args.finetune_given.empty())
      throw UserError(fmt::format("{} is for fine-tuning the combined model; give --finetune BASE_WEIGHTS (the "
                                  "baseline's weights from 'hwnas train --save'), or drop {}",
                                  args.finetune_given.front(), args.finetune_given.front()));
    return;
  }
  if (args.out.empty())
    throw UserError(fmt::format("--finetune {}: the fine-tuned weights belong to the combined model; give --out "
                                "MODEL2.yaml (or .yml, .json, .onnx) to write it",
                                printable(ft.weights, 80)));
  if (args.out.ends_with(".py"))
    throw UserError(fmt::format("--out {}: with --finetune the combined model must be a file hwnas evaluate reads "
                                "with its weights; give .yaml, .yml, .json or .onnx (export the .py later with "
                                "'hwnas export')",
                                printable(args.out, 80)));
  advise::check_finetune_options(ft);
  if (ft.save.empty()) ft.save = std::filesystem::path(args.out).replace_extension(".pt").string();
  std::vector<FileRole> others = inputs;
  others.insert(others.end(), {{ft.weights, "the baseline's weights (--finetune)"},
                               {args.out, "the model file (--out)"},
                               {args.summary, "the summary (--summary)"}});
  check_output_path(ft.save, "fine-tuned weights (--finetune-save)", others);
  // The task is known once the weights are read: refuse every dataset directory a fine-tune may read.
  train::check_not_in_dataset_dir(ft.save, "fine-tuned weights (--finetune-save)", train::Task::segmentation,
                                  ft.data_dir);
}

// The ranked list's length without --all.
constexpr std::size_t kTop = 20;

void run(AdviseArgs& args, bool limits_given, bool passes_given, bool steps_given) {
  if (!args.from.empty() && args.all)
    throw UserError(fmt::format("--from {}: --all lists every ranked candidate, and a plan from an experiment is "
                                "applied, not ranked; drop --all (the plan lists every step)",
                                printable(args.from, 80)));
  if (!args.from.empty() && (passes_given || steps_given))
    throw UserError(fmt::format("--from {}: the plan comes from the experiment's patterns, so --{} does not apply; "
                                "drop it, or drop --from to let the advisor combine the passes",
                                printable(args.from, 80), passes_given ? "passes" : "steps"));
  if (args.from.empty() && args.whole_plan)
    throw UserError("--whole-plan applies every step of a plan from --from EXPERIMENT_DIR; give --from, or drop "
                    "--whole-plan");
  advise::AdviseOptions options;
  if (passes_given) options.passes = advise::select_passes(args.passes);
  if (limits_given) options.limits = advise::parse_limits(args.limits);
  options.lossy = args.lossy;
  options.steps = args.steps;
  // Outputs are checked before the long work: nothing is written when one is wrong.
  std::vector<FileRole> inputs = {{io::model_file_path(args.model), "the model (MODEL)"},
                                  {args.estimator, "the estimator (--estimator)"}};
  if (!args.target.empty())
    inputs.push_back({hw::target_description_path(args.target).string(), "the target description (--target)"});
  check_finetune_args(args, inputs);
  const advise::FinetuneOptions& ft = args.finetune;
  if (!ft.weights.empty()) inputs.push_back({ft.weights, "the baseline's weights (--finetune)"});
  std::optional<io::ModelFormat> out_format;
  if (!args.out.empty()) {
    out_format = io::model_format_of_path(args.out, "--out");
    std::vector<FileRole> others = inputs;
    others.push_back({args.summary, "the summary (--summary)"});
    check_output_path(args.out, "model file (--out)", others);
  }
  const bool html = args.summary.ends_with(".html") || args.summary.ends_with(".htm");
  if (!args.summary.empty()) {
    if (!html && !args.summary.ends_with(".md"))
      throw UserError(fmt::format("--summary {}: the summary is markdown (.md) or HTML (.html, .htm); name the file "
                                  "so",
                                  printable(args.summary, 80)));
    check_output_path(args.summary, "summary (--summary)", inputs);
  }
  const nlohmann::json doc = estimate::read_estimator_json(args.estimator);
  if (estimate::TableEstimator::is_table_estimator(doc))
    throw UserError(fmt::format("--estimator {}: a table estimator predicts whole networks of its table, not the "
                                "kernels a rewrite changes; fit a kernel estimator with 'hwnas fit --target T'",
                                printable(args.estimator, 80)));
  const estimate::Estimator estimator = estimate::Estimator::from_json(doc, args.estimator);
  std::unique_ptr<hw::Target> target;
  if (!args.target.empty()) {
    target = hw::make_target(args.target);
    std::vector<FileRole> used;  // an external target's program and the files its command names
    for (std::string& f : target->input_files()) used.push_back({std::move(f), "a file the target's command uses"});
    if (!args.out.empty()) check_output_path(args.out, "model file (--out)", used);
    if (!args.summary.empty()) check_output_path(args.summary, "summary (--summary)", used);
    if (!ft.save.empty()) check_output_path(ft.save, "fine-tuned weights (--finetune-save)", used);
  }
  const advise::Evaluator evaluator(estimator, target.get(), args.estimator, args.target);
  const graph::Graph g = load_model_arg(args.model);
  options.progress = [](const std::string& line) { fmt::print(stderr, "{}\n", printable(line)); };
  args.finetune.progress = options.progress;
  // The baseline's weights are measured first: a wrong file is refused before the advice.
  std::optional<advise::Baseline> baseline;
  const std::filesystem::path program = ft.weights.empty() ? "" : advise::finetune_program();
  if (!ft.weights.empty()) baseline = advise::evaluate_baseline(args.model, g, ft, program);

  std::optional<advise::TransferPatterns> patterns;
  std::optional<advise::TransferPlan> plan;
  if (!args.from.empty()) {
    patterns = advise::read_patterns(args.from);
    plan = advise::make_transfer_plan(g, *patterns);
  }
  const advise::Advice advice =
      plan ? advise::apply_plan(g, plan->steps, evaluator, {options.limits, args.lossy, args.whole_plan})
           : advise::advise(g, evaluator, options);
  std::optional<advise::FinetuneResult> tuned;
  if (baseline) {
    tuned = advise::finetune(advice.final_graph, *baseline, ft, program, args.out);
    if (!tuned->failure.empty()) {
      fmt::print(stderr, "hwnas: {}; nothing written\n", printable(tuned->failure));
      std::exit(kTrainingFailed);
    }
  }
  advise::AdviceSource source{args.estimator,
                              estimator.target_name(),
                              target ? target->name() : "",
                              args.out,
                              args.summary,
                              args.from,
                              patterns ? advise::patterns_text(*patterns) : "",
                              args.whole_plan};
  if (tuned) source.sections.push_back(advise::finetune_section(*tuned, ft));
  if (out_format) io::export_model(advice.final_graph, *out_format, args.out, args.model);
  if (tuned) write_file_atomically(ft.save, tuned->weights_bytes, "fine-tuned weights");
  if (!args.summary.empty()) write_file_atomically(args.summary, advise::advice_summary(advice, source, html), "summary");
  if (args.json) {
    nlohmann::ordered_json j = advise::advice_json(advice, source);
    if (plan) j["transfer"] = {{"patterns", advise::patterns_json(*patterns)}, {"plan", advise::plan_json(*plan)}};
    if (tuned) j["finetune"] = advise::finetune_json(*tuned, ft);
    emit_json(j);
    return;
  }
  if (plan) fmt::print("{}\n{}\n", printable_lines(advise::patterns_text(*patterns)), printable_lines(advise::plan_text(*plan)));
  fmt::print("{}", advise::advice_text(advice, source, args.all ? 0 : kTop));
  if (tuned) fmt::print("{}", advise::finetune_text(*tuned, ft));
  if (!args.out.empty()) fmt::print("wrote {}\n", printable(args.out));
  if (tuned) fmt::print("wrote {}\n", printable(ft.save));
  if (!args.summary.empty()) fmt::print("wrote {}\n", printable(args.summary));
}

}  // namespace

void add_advise_command(CLI::App& app) {
  auto args = std::make_shared<AdviseArgs>();
  auto* cmd = app.add_subcommand("advise", "Rank, explain and combine rewrites of a model for a target (docs/advisor.md)");
  cmd->add_option("MODEL", args->model, "Zoo spec, model file or ONNX file")->required();
  cmd->add_option("--estimator", args->estimator, "Kernel estimator file from 'hwnas fit'")->required();
  cmd->add_option("--target", args->target, "Also measure on this target (the estimator's): preset or description YAML");
  cmd->add_option("--limit", args->limits,
                  "Limits to meet: latency_ms=X,peak_activation_bytes=Y,weight_bytes=Z (a value may be N% of the "
                  "baseline's)");
  cmd->add_option("--passes", args->passes, "Try only these passes: a,b,... (default: every pass)");
  cmd->add_flag("--lossy", args->lossy, "Use lossy rewrites in every step, not only while a limit is violated");
  add_integer_option(cmd, "--steps", args->steps, 0, 1000, "At most this many combination steps (default 50)");
  cmd->add_option("--out", args->out, "Write the combined model here (.yaml, .yml, .json, .onnx, or .py: a PyTorch module)");
  cmd->add_option("--summary", args->summary, "Write a summary page here (.md, or .html)");
  cmd->add_option("--from", args->from,
                  "Apply the rewrites a finished search's Pareto architectures embody (its experiment directory; "
                  "docs/transfer.md) instead of combining the passes");
  cmd->add_flag("--whole-plan", args->whole_plan,
                "With --from: apply every planned step, also one estimated to make the model slower, or lossy "
                "while the limits are met (default: such steps are skipped)");
  cmd->add_flag("--all", args->all, "List every candidate (default: the first 20 and the worst that hurt)");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  advise::FinetuneOptions& ft = args->finetune;
  cmd->add_option("--finetune", ft.weights,
                  "Train the combined model (--out) from the baseline's weights (from 'hwnas train --save') and "
                  "report the metric before and after");
  add_integer_option(cmd, "--finetune-epochs", ft.epochs, 1, 10'000, "Epochs of fine-tuning");
  add_real_option(cmd, "--finetune-lr", ft.lr, 0, true, 1e9, "Peak learning rate of the fine-tuning (SGD)");
  add_real_option(cmd, "--finetune-weight-decay", ft.weight_decay, 0, false, 1,
                  "Weight decay of the fine-tuning (default: hwnas train's, 4e-5)");
  add_real_option(cmd, "--finetune-subset", ft.subset, 0, true, 1, "Share of the training set to fine-tune on")
      ->default_str("1");
  add_integer_option(cmd, "--finetune-threads", ft.threads, 1, 1024, "torch threads (default: the cores)")->default_str("");
  add_integer_option(cmd, "--finetune-seed", ft.seed, 0, UINT64_MAX, "Seed of the fine-tuning (as hwnas train --seed)");
  cmd->add_option("--finetune-save", ft.save, "Write the fine-tuned weights here (default: --out with .pt)");
  cmd->add_option("--data", ft.data_dir, "Dataset directory of the fine-tuning (as hwnas train --data)");
  cmd->callback([args, cmd] {
    for (const char* name : {"--finetune-epochs", "--finetune-lr", "--finetune-weight-decay", "--finetune-subset",
                             "--finetune-threads", "--finetune-seed", "--finetune-save", "--data"})
      if (cmd->count(name) > 0) args->finetune_given.emplace_back(name);
    run(*args, cmd->count("--limit") > 0, cmd->count("--passes") > 0, cmd->count("--steps") > 0);
  });
}

}  // namespace hwnas::cli

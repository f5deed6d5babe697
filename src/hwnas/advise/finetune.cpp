// Running the two steps of a fine-tuning (finetune.h) with hwnas-train.
#include "hwnas/advise/finetune.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/hw/external/subprocess.h"
#include "hwnas/search/trial_program.h"
#include "hwnas/train/model_input.h"
#include "hwnas/train/train_options.h"
#include "hwnas/train/train_program_env.h"

namespace hwnas::advise {
namespace {

namespace fs = std::filesystem;

constexpr double kEvaluateTimeoutS = 86400;     // a day for one evaluation
constexpr double kTrainTimeoutS = 30 * 86400.0; // a month of fine-tuning: in effect none
constexpr int kUserErrorExit = 2;               // hwnas-train: bad input (one line on stderr)
constexpr int kDivergedExit = 3;                // hwnas-train: the training diverged (docs/cli.md)
constexpr const char* kAnswerHelp = "hwnas-train --json prints one JSON object";

/// The lines of a program's stderr (ended by '\n' or '\r': a progress bar's), blank ones dropped.
std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find_first_of("\r\n"), text.size());
    if (const std::string line = hw::one_line(text.substr(0, end), 2000); !line.empty()) lines.push_back(line);
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return lines;
}

/// hwnas-train's own one-line error: its last stderr line without "hwnas: ".
std::string refusal(const std::string& err) {
  const std::vector<std::string> lines = lines_of(err);
  std::string line = lines.empty() ? "(it printed nothing on stderr)" : lines.back();
  if (line.starts_with("hwnas: ")) line.erase(0, 7);
  return line;
}

/// `text` with every `from` (a temporary file's path) written as `to`.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) text.replace(at, from.size(), to);
  return text;
}

/// The answer's accuracy and metrics; its status must be "ok".
TaskMetrics metrics_of(const nlohmann::json& answer) {
  const auto accuracy = answer.find("accuracy");
  const auto metrics = answer.find("metrics");
  if (answer.value("status", "") != "ok" || accuracy == answer.end() || !accuracy->is_number() ||
      metrics == answer.end() || !metrics->is_object())
    throw InternalError(fmt::format("hwnas-train's answer lacks status \"ok\", accuracy or metrics: {}",
                                    search::one_line(answer.dump())));
  return {accuracy->get<double>(), *metrics};
}

/// run_trial_program; with `tick`, the program runs from a thread of its own (which it dies
/// with, hw::run_process) while this one calls `tick` every kTick until it ends.
constexpr std::chrono::milliseconds kTick{250};
hw::ProcessResult run_watched(const std::vector<std::string>& argv, double timeout_s, const std::function<void()>& tick) {
  const std::vector<std::string> env = train::train_program_environment();  // hwnas-train starts once
  if (!tick) return search::run_trial_program(argv, "", timeout_s, "hwnas-train", env);
  hw::ProcessResult r;
  std::exception_ptr error;
  std::mutex mutex;
  std::condition_variable ended;
  bool done = false;
  std::thread runner([&] {
    try {
      r = search::run_trial_program(argv, "", timeout_s, "hwnas-train", env);
    } catch (...) {
      error = std::current_exception();
    }
    const std::lock_guard lock(mutex);
    done = true;
    ended.notify_one();
  });
  std::unique_lock lock(mutex);
  while (!ended.wait_for(lock, kTick, [&] { return done; })) {
    lock.unlock();
    try {
      tick();
    } catch (...) {  // progress is best effort: the runner must be joined whatever happens here
    }
    lock.lock();
  }
  lock.unlock();
  runner.join();
  if (error) std::rethrow_exception(error);
  return r;
}

/// Runs one step; a refusal (exit 2) becomes UserError(`refused(hwnas-train's line)`), a
/// killed or timed-out hwnas-train one naming `step`. Returns the answer of exit 0 or 3.
nlohmann::json run_step(const std::vector<std::string>& argv, double timeout_s, const std::string& step,
                        const std::function<std::string(const std::string&)>& refused, hw::ProcessResult& r,
                        const std::function<void()>& tick = {}) {
  try {
    r = run_watched(argv, timeout_s, tick);
  } catch (const UserError& e) {
    throw UserError(fmt::format("{}: {}", step, e.what()));
  }
  if (r.exit_status == kUserErrorExit) throw UserError(refused(refusal(r.err)));
  if (r.exit_status != 0 && r.exit_status != kDivergedExit)
    throw InternalError(fmt::format("{}: hwnas-train exited with status {}{}", step, r.exit_status,
                                    search::stderr_note(r.err)));
  try {
    return search::answer_object(r.out, kAnswerHelp);
  } catch (const UserError& e) {
    throw InternalError(fmt::format("{}: {}", step, e.what()));
  }
}

/// The accuracy hwnas-train answers (percent) as its task names it: "top-1 92.87%", "mAP@0.5 0.4120".
std::string accuracy_text(const std::string& task, double accuracy) {
  if (task == "detection") return fmt::format("mAP@0.5 {:.4f}", accuracy / 100);
  if (task == "segmentation") return fmt::format("mIoU {:.4f}", accuracy / 100);
  return fmt::format("top-1 {:.2f}%", accuracy);
}

std::string epochs_text(std::int32_t n) { return fmt::format("{} epoch{}", n, n == 1 ? "" : "s"); }

/// "42 s", "3 min 07 s", "1 h 05 min"
std::string duration_text(double s) {
  const auto whole = static_cast<std::int64_t>(std::lround(s));
  if (whole < 60) return fmt::format("{} s", whole);
  if (whole < 3600) return fmt::format("{} min {:02} s", whole / 60, whole % 60);
  return fmt::format("{} h {:02} min", whole / 3600, whole % 3600 / 60);
}

}  // namespace

fs::path finetune_program() {
  const fs::path program = hw::program_beside_this_one("hwnas-train");
  std::error_code ec;
  if (!fs::is_regular_file(program, ec) || ::access(program.c_str(), X_OK) != 0)
    throw UserError(fmt::format("--finetune trains with {}, which is missing; build it with scripts/build.sh (it is "
                                "built beside hwnas)",
                                program.string()));
  return program;
}

void check_finetune_options(const FinetuneOptions& o) {
  train::TrainOptions probe;
  probe.epochs = o.epochs;
  probe.subset = o.subset;
  probe.threads = o.threads;
  probe.optimizer.lr = o.lr;
  probe.optimizer.weight_decay = o.weight_decay.value_or(probe.optimizer.weight_decay);
  try {
    train::check_train_options(probe);
  } catch (const UserError& e) {
    std::string what = e.what();  // "--epochs 0 is out of range ...": the trainer's option name
    if (what.starts_with("--")) what.insert(2, "finetune-");
    throw UserError(what);
  }
  read_text_file(o.weights, "weights file (--finetune)");  // missing, unreadable, a directory
}

Baseline evaluate_baseline(const std::string& model_arg, const graph::Graph& model, const FinetuneOptions& o,
                           const fs::path& program) {
  std::vector<std::string> argv = {program.string(), "evaluate", model_arg, "--weights", o.weights, "--json"};
  if (o.threads > 0) argv.insert(argv.end(), {"--threads", std::to_string(o.threads)});
  if (!o.data_dir.empty()) argv.insert(argv.end(), {"--data", o.data_dir});
  const auto refused = [&](const std::string& line) {
    const std::string prefix = o.weights + ": ";
    // A line about the weights names them first or quoted; another names its own option
    // (--data) or directory.
    if (!line.starts_with(prefix) && line.find("'" + o.weights + "'") == std::string::npos) return line;
    std::string why = line.starts_with(prefix) ? line.substr(prefix.size()) : line;
    if (why.starts_with("is a hwnas-checkpoint file"))
      why = "a training checkpoint, not a weights file; give the weights 'hwnas train --save W' writes (a finished "
            "run's checkpoint: run its 'hwnas train ... --checkpoint C --resume' again with --save W)";
    return fmt::format("--finetune {}: {}", o.weights, why);
  };
  const auto start = std::chrono::steady_clock::now();
  hw::ProcessResult r;
  const nlohmann::json answer = run_step(argv, kEvaluateTimeoutS, "fine-tuning, step 1 (hwnas-train evaluate)", refused, r);
  Baseline b;
  b.before = metrics_of(answer);
  b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  b.task = answer.value("task", "");
  b.resolution = answer.value("resolution", 0);
  if (const auto scenes = answer.find("scenes"); scenes != answer.end() && scenes->is_object()) {
    b.scene_size = scenes->value("size", 0);
    b.scene_labels = scenes->value("labels", "");
  }
  const std::int32_t side = train::input_shape(model).resolution;
  if (b.resolution != side)
    throw UserError(fmt::format("--finetune {}: the weights were trained at {}x{}, MODEL '{}' is {}x{}: the advice "
                                "would value another input than the weights see; give MODEL at {} (a zoo spec: "
                                "res={})",
                                o.weights, b.resolution, b.resolution, model_arg, side, side, b.resolution,
                                b.resolution));
  if (o.progress)
    o.progress(fmt::format("fine-tune 1/2: {} on the model: {} ({} at {}x{}; hwnas-train evaluate, {:.1f} s)",
                           o.weights, accuracy_text(b.task, b.before.accuracy), b.task, b.resolution, b.resolution,
                           b.seconds));
  return b;
}

FinetuneResult finetune(const graph::Graph& combined, const Baseline& b, const FinetuneOptions& o,
                        const fs::path& program, const std::string& name) {
  FinetuneResult res;
  res.baseline = b;
  res.resolution = train::input_shape(combined).resolution;
  res.epochs = o.epochs;
  res.lr = o.lr;
  res.weight_decay = o.weight_decay.value_or(train::default_optimizer(train::OptimizerKind::sgd).weight_decay);
  const search::TrialDir dir;
  const std::string model = (dir.path() / "model.json").string(), weights = (dir.path() / "finetuned.pt").string();
  // hwnas-train writes its checkpoint after every epoch: each new file is an epoch done.
  const std::string checkpoint = (dir.path() / "finetune.ckpt").string();
  graph::save_model_file(combined, model);
  std::vector<std::string> argv = {program.string(), "train", model, "--task", b.task, "--init-from", o.weights,
                                   "--res", std::to_string(res.resolution), "--epochs", std::to_string(o.epochs),
                                   "--lr", fmt::format("{}", o.lr), "--weight-decay", fmt::format("{}", res.weight_decay),
                                   "--subset", fmt::format("{}", o.subset), "--seed", std::to_string(o.seed),
                                   "--save", weights, "--checkpoint", checkpoint, "--json"};
  if (o.threads > 0) argv.insert(argv.end(), {"--threads", std::to_string(o.threads)});
  if (!o.data_dir.empty()) argv.insert(argv.end(), {"--data", o.data_dir});
  if (b.scene_size > 0)
    argv.insert(argv.end(), {"--scene-size", std::to_string(b.scene_size), "--scene-labels", b.scene_labels});
  if (o.progress)
    o.progress(fmt::format("fine-tune 2/2: training {} {} from {} at {}x{}, lr {:g} (hwnas-train train --init-from)",
                           name, epochs_text(o.epochs), o.weights, res.resolution, res.resolution, o.lr));
  const auto start = std::chrono::steady_clock::now();
  std::optional<fs::file_time_type> written;
  std::int32_t epochs_done = 0;
  const auto tick = [&] {
    std::error_code ec;
    const fs::file_time_type t = fs::last_write_time(checkpoint, ec);
    if (ec || written == t || epochs_done == o.epochs) return;
    written = t;
    ++epochs_done;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    o.progress(fmt::format("fine-tune 2/2: epoch {}/{} done after {}{}", epochs_done, o.epochs, duration_text(s),
                           epochs_done < o.epochs
                               ? fmt::format(", about {} to go", duration_text(s / epochs_done * (o.epochs - epochs_done)))
                               : ", measuring"));
  };
  const std::string step = fmt::format("fine-tuning, step 2 (training {})", name);
  const auto refused = [&](const std::string& line) {
    return fmt::format("{}: {}", step, replace_all(line, model, name));
  };
  hw::ProcessResult r;
  const nlohmann::json answer = run_step(argv, kTrainTimeoutS, step, refused, r, o.progress ? tick : std::function<void()>());
  if (r.exit_status == kDivergedExit) {
    // The trainer's advice names its own option ("lower --lr"): here it is --finetune-lr.
    res.failure = fmt::format("{}: {}", step,
                              replace_all(answer.value("failure", "the training failed without a reason"), "--lr",
                                          "--finetune-lr"));
    return res;
  }
  res.after = metrics_of(answer);
  if (const auto init = answer.find("init_from"); init != answer.end()) res.init_from = *init;
  res.train_images = answer.value("train_images", std::int64_t{0});
  res.threads = answer.value("threads", 0);
  res.train_seconds = answer.value("train_seconds", 0.0);
  res.images_per_s = answer.value("images_per_s", 0.0);
  res.weights_bytes = read_text_file(weights, "fine-tuned weights (hwnas-train --save)");
  if (o.progress)
    o.progress(fmt::format("fine-tune 2/2: {} fine-tuned: {} (the baseline's {}), {:.0f} s of training", name,
                           accuracy_text(b.task, res.after.accuracy), accuracy_text(b.task, b.before.accuracy),
                           res.train_seconds));
  return res;
}

}  // namespace hwnas::advise

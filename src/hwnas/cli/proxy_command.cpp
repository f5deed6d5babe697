// hwnas proxy MODEL... --proxy NAME[,NAME...] (run by hwnas-train; docs/proxies.md): scores
// untrained networks with zero-shot proxies. Parses and prints; the work is
// train/proxies/proxy_runner.h's.
#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <utility>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/model_arg.h"
#include "hwnas/cli/number_options.h"
#include "hwnas/cli/progress.h"
#include "hwnas/cli/serve_loop.h"
#include "hwnas/train/proxies/proxy_names.h"
#include "hwnas/train/proxies/proxy_runner.h"
#include "hwnas/train/proxies/proxy_support.h"
#include "hwnas/train/data/fashion_mnist.h"
#include "hwnas/train/data/scene_cache.h"
#include "hwnas/train/proxies/te_nas_linear_regions.h"
#include "hwnas/train/train_options.h"

namespace hwnas::cli {
namespace {

namespace proxies = train::proxies;

/// The names of a comma-separated --proxy list, each checked by make_proxy.
std::vector<std::string> proxy_list(const std::vector<std::string>& given) {
  std::vector<std::string> names;
  for (const std::string& item : given)
    for (std::size_t start = 0;;) {  // every piece, a trailing empty one too ("synflow,")
      const std::size_t comma = item.find(',', start);
      std::string name = item.substr(start, comma - start);
      if (name.empty()) throw UserError(fmt::format("--proxy '{}' has an empty name; write NAME[,NAME...]", item));
      names.push_back(std::move(name));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  return names;
}

/// MODEL lines of `file`: one per line, leading and trailing whitespace removed (as
/// --serve's requests); blank lines and lines starting with '#' skipped.
std::vector<std::string> model_lines(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw UserError(fmt::format("--models {}: is a directory; give a file with one model per line", file));
  std::ifstream in(file);
  if (!in) throw UserError(fmt::format("--models {}: cannot be read; give a file of one MODEL per line", file));
  std::vector<std::string> models;
  for (std::string line; std::getline(in, line);)
    if (std::string model = trim_blank(line); !model.empty() && model.front() != '#') models.push_back(std::move(model));
  return models;
}

/// What a score was computed on, for --json and the text output ("input").
std::string scored_on_text(proxies::ScoredOn on, const proxies::ProxyRunOptions& options) {
  switch (on) {
    case proxies::ScoredOn::network: return "none (data-free)";
    case proxies::ScoredOn::network_batch:
      return options.task == train::Task::classification ? fmt::format("batch of {}", options.batch)
                                                         : fmt::format("batch of {} scenes", options.batch);
    case proxies::ScoredOn::thin_copy_crops:
      return fmt::format("thin copy over {} crops of {}x{}", proxies::kTeNasThinInputs, proxies::kTeNasThinCrop,
                         proxies::kTeNasThinCrop);
  }
  return {};
}

nlohmann::ordered_json score_json(const proxies::ProxyScore& s, proxies::ScoredOn on, double seconds,
                                  const proxies::ProxyRunOptions& options) {
  nlohmann::ordered_json j;
  j["defined"] = s.defined;
  j["value"] = s.defined ? nlohmann::ordered_json(s.value) : nlohmann::ordered_json();
  if (!s.defined) j["reason"] = s.reason;
  j["input"] = scored_on_text(on, options);
  j["seconds"] = seconds;
  return j;
}

nlohmann::ordered_json model_json(const std::string& spec, const graph::Graph& graph,
                                  const proxies::ModelScores& result, const proxies::ProxyRunOptions& options) {
  nlohmann::ordered_json m;
  m["model"] = spec;
  m["name"] = graph.name();
  for (std::size_t p = 0; p < options.proxies.size(); ++p)
    m["scores"][options.proxies[p]] =
        score_json(result.scores[p], result.scored_on[p], result.seconds[p], options);
  return m;
}

/// --serve (serve_loop.h): one MODEL per line on stdin, one JSON line per model on stdout
/// (its scores, or {"model", "error"} for a model it refuses or a blank line), until stdin ends.
void serve(proxies::ProxyRunner& runner) {
  serve_lines(
      std::cin, stdout,
      [&](const std::string& request) {
        const graph::Graph g = load_model_arg(request);
        return model_json(request, g, runner.score(g), runner.options());
      },
      [](const std::string& request, const std::string& error) -> nlohmann::ordered_json {
        return {{"model", request}, {"error", error}};
      });
}

/// Whether `g` looks like a detector or segmenter (several outputs, or one map): a model the
/// classification batch refuses, whose task the user may have left out.
bool scene_head(const graph::Graph& g) {
  const std::vector<graph::NodeId> outputs = g.output_nodes();
  if (outputs.size() != 1) return true;
  const graph::Shape& s = g.shape(outputs.front());
  return s.h * s.w > 1;
}

/// When `g`, refused under options' task and labels, would pass under others: which to give.
std::string task_hint(const graph::Graph& g, const proxies::ProxyRunOptions& options) {
  const auto passes = [&](train::Task task, train::SceneLabels labels) {
    try {
      proxies::require_task_head(g, task, proxies::proxy_classes(task, labels), "");
      return true;
    } catch (const UserError&) {
      return false;
    }
  };
  const train::SceneLabels other = options.scene_labels == train::SceneLabels::items ? train::SceneLabels::presence
                                                                                     : train::SceneLabels::items;
  if (options.task == train::Task::classification)
    return scene_head(g) ? "to score a detector or segmenter on a batch of scenes with its own loss, give --task "
                           "detection or --task segmentation"
                         : "";
  if (passes(options.task, other))
    return fmt::format("its classes fit the scenes' {} labels: give --scene-labels {}", train::scene_labels_name(other),
                       train::scene_labels_name(other));
  for (const train::Task task : {train::Task::detection, train::Task::segmentation})
    for (const train::SceneLabels labels : {options.scene_labels, other})
      if (task != options.task && passes(task, labels))
        return fmt::format("it is a {}: give --task {}{}", task == train::Task::detection ? "detector" : "segmenter",
                           train::task_name(task),
                           labels == options.scene_labels
                               ? ""
                               : fmt::format(" --scene-labels {}", train::scene_labels_name(labels)));
  return "";
}

}  // namespace

void add_proxy_command(CLI::App& app) {
  struct Args {
    std::vector<std::string> models, proxies;
    std::string models_file;
    proxies::ProxyRunOptions options;
    std::int32_t threads = 1;
    std::string linear_regions = "thin", task = "classification", scene_labels = "items";
    bool json = false, serve = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("proxy", "Score untrained models with zero-shot proxies (synflow, snip, ...)");
  cmd->add_option("MODEL", args->models, "Zoo specs or model files (e.g. nb201:arch=|...|)");
  cmd->add_option("--models", args->models_file, "A file of more MODELs, one per line (a line starting with '#' is skipped)");
  cmd->add_option("--proxy", args->proxies, "Proxies, comma-separated: " + [] {
    std::string known;
    for (const std::string& n : proxies::proxy_names()) known += (known.empty() ? "" : ", ") + n;
    return known;
  }())->required();
  cmd->add_option("--task", args->task,
                  "classification (a Fashion-MNIST batch, cross-entropy), detection or segmentation (a batch of "
                  "scenes; SSD's loss or the per-pixel cross-entropy): the batch and loss of proxies that read data")
      ->default_str("classification");
  cmd->add_option("--data", args->options.data_dir,
                  "For proxies that read data. classification: Fashion-MNIST directory (default: Debian's, or "
                  "$HWNAS_FASHION_MNIST_DIR); detection, segmentation: scene cache directory (default: "
                  "$HWNAS_SCENE_CACHE_DIR or ~/.cache/hwnas/scenes)");
  add_integer_option(cmd, "--scene-size", args->options.scene_size, 32, 1024,
                     "detection, segmentation: scene canvas side, pixels");
  cmd->add_option("--scene-labels", args->scene_labels, "detection, segmentation: items (10 classes) or presence (1)")
      ->default_str("items");
  add_integer_option(cmd, "--batch", args->options.batch, 1, 60'000,
                     "Images in the proxies' batch (scenes: at most the 1,000 reference scenes at 96 pixels)");
  add_integer_option(cmd, "--seed", args->options.seed, 0, UINT64_MAX, "Seed of the weights and of the batch");
  add_threads_option(cmd, args->threads, "torch threads (scores depend on it)");
  cmd->add_option("--linear-regions", args->linear_regions,
                  "thin (default): te_nas_linear_regions of an nb201 network on its thin copy over 3,000 3x3 "
                  "crops, as TE-NAS; full: on the network given, over the batch");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->add_flag("--serve", args->serve,
                "Read one MODEL per line on stdin and answer each with one JSON line (the search's "
                "accuracy: proxy: keeps one such process)");
  cmd->callback([args, cmd] {
    proxies::ProxyRunOptions options = args->options;
    options.proxies = proxy_list(args->proxies);
    options.task = train::parse_task(args->task, "--task");
    options.scene_labels = train::parse_scene_labels(args->scene_labels, "--scene-labels");
    if (options.task == train::Task::classification)
      for (const char* scene_option : {"--scene-size", "--scene-labels"})
        if (cmd->count(scene_option) > 0)
          throw UserError(fmt::format("{} is a knob of the scenes (detection, segmentation); a classification "
                                      "batch is Fashion-MNIST: drop it, or give --task detection or segmentation",
                                      scene_option));
    if (args->linear_regions != "thin" && args->linear_regions != "full")
      throw UserError(fmt::format("--linear-regions: '{}' is neither thin nor full; give thin (TE-NAS's thin copy of "
                                  "an nb201 network) or full (the network given, over the batch)",
                                  printable(args->linear_regions)));
    options.thin_linear_regions = args->linear_regions == "thin";
    if (options.task != train::Task::classification && cmd->count("--linear-regions") > 0)
      throw UserError("--linear-regions chooses how te_nas_linear_regions counts a NAS-Bench-201 network on "
                      "Fashion-MNIST (thin: its thin copy over 3x3 crops); a batch of scenes is counted on the "
                      "network given: drop --linear-regions, or --task");
    std::vector<std::string> specs = args->models;
    if (!args->models_file.empty())
      for (std::string& m : model_lines(args->models_file)) specs.push_back(std::move(m));
    if (args->serve && (!specs.empty() || args->json))
      throw UserError("--serve reads its MODELs from stdin and answers in JSON lines; drop MODEL, --models and --json");
    if (specs.empty() && !args->serve) throw UserError("give at least one MODEL, or --models FILE");
    for (const std::string& name : options.proxies) proxies::check_proxy_name(name);
    if (const std::string problem = proxies::proxy_batch_problem(options.proxies, options.batch); !problem.empty())
      throw UserError(fmt::format("--batch {}: {}; give --batch {} or more (default 64)", options.batch, problem,
                                  proxies::kMinProxyBatch));
    train::check_threads(args->threads, "--threads");
    torch::set_num_threads(args->threads);
    const auto start = std::chrono::steady_clock::now();
    options.progress = [](const train::StepProgress& p) {
      if (!p.note.empty()) fmt::print(stderr, "{}\n", p.note);
    };
    proxies::ProxyRunner runner(options);
    // The data, read once every model has passed its checks (a refused model costs no
    // scenes generated); its errors name --data when that option gave the directory.
    const auto read_data = [&] {
      try {
        runner.read_data();
      } catch (const UserError& e) {
        if (options.data_dir.empty() || std::string_view(e.what()).find(options.data_dir) == std::string_view::npos ||
            std::string_view(e.what()).starts_with("--data"))
          throw;
        const std::string what = e.what(), prefix = fmt::format("Fashion-MNIST directory {}: ", options.data_dir);
        throw UserError(fmt::format("--data {}: {}", options.data_dir,
                                    what.starts_with(prefix) ? what.substr(prefix.size()) : what));
      }
    };
    if (args->serve) {
      read_data();
      serve(runner);
      return;
    }
    std::vector<graph::Graph> graphs;  // every model read before any is scored
    for (const std::string& spec : specs) graphs.push_back(load_model_arg(spec));
    for (const graph::Graph& g : graphs) {  // from the shapes: refused before any is scored
      try {
        runner.check(g);
      } catch (const UserError& e) {
        const std::string hint = task_hint(g, options);
        if (hint.empty()) throw;
        throw UserError(fmt::format("{}; {}", e.what(), hint));
      }
    }
    read_data();
    ProgressBar bar("proxy");
    std::vector<proxies::ModelScores> results;
    for (std::size_t i = 0; i < graphs.size(); ++i) {
      results.push_back(runner.score(graphs[i]));
      bar.update(static_cast<std::int64_t>(i + 1), static_cast<std::int64_t>(graphs.size()));
    }
    bar.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (args->json) {
      nlohmann::ordered_json doc;
      doc["proxies"] = options.proxies;
      doc["task"] = train::task_name(options.task);
      if (options.task != train::Task::classification) {
        doc["scene_size"] = options.scene_size;
        doc["scene_labels"] = train::scene_labels_name(options.scene_labels);
      }
      doc["seed"] = options.seed;
      doc["batch"] = options.batch;
      doc["threads"] = args->threads;
      // The directory read, the default resolved (Debian's, or $HWNAS_FASHION_MNIST_DIR; the scene cache).
      const std::string data_dir = !options.data_dir.empty() ? options.data_dir
                                   : options.task == train::Task::classification
                                       ? train::default_fashion_mnist_dir().string()
                                       : train::default_scene_cache_dir().string();
      doc["data"] = runner.reads_data() ? nlohmann::ordered_json(data_dir) : nlohmann::ordered_json();
      doc["models"] = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < graphs.size(); ++i)
        doc["models"].push_back(model_json(specs[i], graphs[i], results[i], options));
      doc["seconds"] = seconds;
      emit_json(doc);
      return;
    }
    for (std::size_t i = 0; i < graphs.size(); ++i) {
      fmt::print("{}\n", printable(specs[i]));
      for (std::size_t p = 0; p < options.proxies.size(); ++p) {
        const proxies::ProxyScore& s = results[i].scores[p];
        const std::string on = results[i].scored_on[p] == proxies::ScoredOn::thin_copy_crops
                                   ? " (" + scored_on_text(results[i].scored_on[p], options) + ")"
                                   : "";
        if (s.defined) fmt::print("  {:<22} {:.6g}{}\n", options.proxies[p], s.value, on);
        else fmt::print("  {:<22} undefined: {}{}\n", options.proxies[p], printable(s.reason), on);
      }
    }
    fmt::print("{} scored in {:.2f} s\n", plural(static_cast<std::int64_t>(graphs.size()), "model"), seconds);
  });
}

}  // namespace hwnas::cli

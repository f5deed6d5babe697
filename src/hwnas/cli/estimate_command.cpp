#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hwnas/cli/commands.h"
#include "hwnas/cli/model_arg.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/number_options.h"
#include "hwnas/cli/progress.h"
#include "hwnas/cli/text_output.h"
#include "hwnas/search/table_estimator_inputs.h"
#include "hwnas/estimate/estimator.h"
#include "hwnas/estimate/table_model.h"
#include "hwnas/estimate/validate.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/space/models.h"

namespace hwnas::cli {
namespace {

// A table estimator predicts whole networks of the table it was fitted on: MODEL must be
// that space's zoo spec with the architecture alone, and memory comes from the graph.
void estimate_with_table(const std::string& model, const nlohmann::json& doc, const std::string& path,
                         std::int32_t batch, bool json) {
  const estimate::TableEstimator e = search::load_table_estimator(doc, path);
  const std::string prefix(space::zoo_arch_prefix(e.space()));
  if (prefix.empty())
    throw UserError(fmt::format("{}: its space '{}' has no zoo model to name its architectures as a MODEL; only "
                                "table estimators of nb201 and fbnet estimate a MODEL",
                                path, e.space().name()));
  const std::string zoo_name = prefix.substr(0, prefix.find(':') + 1);
  // nb201:width=1,arch=...: name the option that does not belong.
  std::string_view rest = model.starts_with(zoo_name) ? std::string_view(model).substr(zoo_name.size()) : "";
  while (!rest.empty()) {
    const std::string_view item = rest.substr(0, rest.find(','));
    rest.remove_prefix(std::min(rest.size(), item.size() + 1));
    const std::size_t eq = item.find('=');
    if (eq == 0 || eq == item.npos || !std::string_view(prefix).ends_with(item.substr(0, eq + 1)))
      throw UserError(fmt::format("{}: option '{}' of model '{}' does not apply: a table estimator predicts its "
                                  "table's networks at the setting they were timed at; give MODEL as "
                                  "{}ARCHITECTURE alone",
                                  path, printable(item, 40), printable(model, 80), prefix));
  }
  if (!model.starts_with(prefix) || model.find(',') != std::string::npos)
    throw UserError(fmt::format("{}: a table estimator for {} predicts that table's networks only: give MODEL as "
                                "{}ARCHITECTURE, without other options",
                                path, e.space().name(), prefix));
  if (batch != 1)
    throw UserError(fmt::format("--batch {}: a table estimator predicts the setting its table was timed at "
                                "('{}'); drop --batch",
                                batch, e.latency_column()));
  const std::string arch = model.substr(prefix.size());
  const double ms = e.predict_ms(arch);
  const graph::Graph g = e.space().decode(e.space().parse_arch(arch));
  const graph::Analysis a = graph::analyze(g, graph::Precision::fp32);
  if (json) {
    emit_json(nlohmann::ordered_json{{"model", g.name()},
                                     {"target", e.latency_column()},
                                     {"estimator", "table"},
                                     {"latency_ms", ms},
                                     {"params", a.total.params},
                                     {"weight_bytes", a.total.weight_bytes},
                                     {"peak_activation_bytes", a.peak_activation_bytes},
                                     {"layers", nlohmann::ordered_json::array()}});
    return;
  }
  fmt::print("model {} on {} (estimated from whole-network timings; no per-layer split): latency {:.3f} ms, {} "
             "params, {} weight bytes, peak activations {} bytes (fp32)\n",
             printable(g.name()), printable(e.latency_column()), ms, a.total.params, a.total.weight_bytes,
             a.peak_activation_bytes);
}

// A random network takes about a second to measure on the slowest preset: a day at most.
constexpr std::uint64_t kMaxNetworks = 100'000;

// A table estimator is validated on the rows of its table that its fit held out.
void validate_table(const estimate::TableEstimator& e, const std::string& target, bool json) {
  if (!target.empty())
    throw UserError(fmt::format("--target {}: a table estimator is validated on the rows of its own table that its "
                                "fit held out; drop --target",
                                target));
  const nlohmann::json r = e.validate_holdout();
  if (json) {
    emit_json(r);
    return;
  }
  fmt::print("{} held-out rows of {} (column '{}', trained on {} rows): {:.1f}% within ±10%, {:.1f}% within ±5%, "
             "RMSE {:.4f} ms, Spearman {:.4f}\n",
             r["rows"].get<std::int64_t>(), r["csv"].get<std::string>(), e.latency_column(),
             r["trained_on"].get<std::int64_t>(), 100 * r["within_10pct"].get<double>(),
             100 * r["within_5pct"].get<double>(), r["rmse_ms"].get<double>(), r["spearman"].get<double>());
}

}  // namespace

void add_estimate_command(CLI::App& app) {
  struct Args {
    std::string model, estimator;
    std::int32_t batch = 1;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("estimate", "Estimated per-layer latency and memory of a model");
  cmd->add_option("MODEL", args->model, "Zoo spec or model file")->required();
  cmd->add_option("--estimator", args->estimator, "Estimator file from 'hwnas fit' (kernel or table)")->required();
  add_integer_option(cmd, "--batch", args->batch, 1, INT32_MAX, "Batch size");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args] {
    // One read of the file, whichever kind it is: kernel estimators hold megabytes of trees.
    const nlohmann::json doc = estimate::read_estimator_json(args->estimator);
    if (estimate::TableEstimator::is_table_estimator(doc)) {
      estimate_with_table(args->model, doc, args->estimator, args->batch, args->json);
      return;
    }
    const estimate::Estimator e = estimate::Estimator::from_json(doc, args->estimator);
    const graph::Graph g = load_model_arg(args->model);
    const estimate::NetworkEstimate n = e.estimate(g, args->batch);
    if (args->json) {
      nlohmann::ordered_json layers = nlohmann::ordered_json::array();
      for (const auto& l : n.layers) {
        std::vector<std::string> nodes;
        for (graph::NodeId id : l.nodes) nodes.emplace_back(g.node_name(id));
        layers.push_back({{"name", g.node_name(l.nodes[0])}, {"nodes", nodes}, {"latency_ms", l.latency_s * 1e3}});
      }
      emit_json(nlohmann::ordered_json{{"model", g.name()},
                                       {"target", e.target_name()},
                                       {"latency_ms", n.latency_s * 1e3},
                                       {"params", n.params},
                                       {"weight_bytes", n.weight_bytes},
                                       {"peak_activation_bytes", n.peak_activation_bytes},
                                       {"layers", layers}});
      return;
    }
    std::vector<std::string> names;
    std::size_t width = 4;
    for (const auto& l : n.layers) {
      names.push_back(printable(g.node_name(l.nodes[0]), kNameColumns));
      width = std::max(width, names.back().size());
    }
    fmt::print("{:<{}}  {:>11}\n", "name", width, "latency_us");
    for (std::size_t i = 0; i < n.layers.size(); ++i)
      fmt::print("{:<{}}  {:>11.2f}\n", names[i], width, n.layers[i].latency_s * 1e6);
    fmt::print("\nmodel {} on {} (estimated): latency {:.3f} ms, {} params, {} weight bytes, peak activations {} bytes\n",
               printable(g.name()), printable(e.target_name()), n.latency_s * 1e3, n.params, n.weight_bytes,
               n.peak_activation_bytes);
  });
}

void add_validate_command(CLI::App& app) {
  struct Args {
    std::string estimator, target;
    std::int64_t networks = 100;
    std::uint64_t seed = 7;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("validate", "Compare an estimator with end-to-end measurements of random networks, "
                                             "or a table estimator with the rows of its table its fit held out");
  cmd->add_option("--estimator", args->estimator, "Estimator file from 'hwnas fit' (kernel or table)")->required();
  cmd->add_option("--target", args->target, "The target a kernel estimator was fitted for");
  add_integer_option(cmd, "--networks", args->networks, 1, kMaxNetworks, "Kernel estimator: number of random networks");
  add_integer_option(cmd, "--seed", args->seed, 0, UINT64_MAX, "Kernel estimator: sampling seed");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args, cmd] {
    const nlohmann::json doc = estimate::read_estimator_json(args->estimator);
    if (estimate::TableEstimator::is_table_estimator(doc)) {
      for (const char* name : {"--networks", "--seed"})
        if (cmd->count(name) > 0)
          throw UserError(fmt::format("{} does not apply to a table estimator: it is validated on the rows of its "
                                      "own table that its fit held out; drop {}",
                                      name, name));
      validate_table(search::load_table_estimator(doc, args->estimator), args->target, args->json);
      return;
    }
    if (args->target.empty())
      throw UserError("validate needs --target for a kernel estimator: the target it was fitted for");
    const estimate::Estimator e = estimate::Estimator::from_json(doc, args->estimator);
    const std::unique_ptr<hw::Target> target = hw::make_target(args->target);
    ProgressBar bar("validate " + target->name());
    const nlohmann::json r = estimate::validate(e, *target, args->networks, args->seed,
                                                [&](std::int64_t d, std::int64_t t) { bar.update(d, t); });
    bar.finish();
    if (args->json) {
      emit_json(r);
      return;
    }
    fmt::print("{} on {}: {:.1f}% within ±10%, {:.1f}% within ±5%, RMSE {:.4f} ms, Spearman {:.4f}\n",
               plural(args->networks, "random network"), printable(target->name()),
               100 * r["within_10pct"].get<double>(),
               100 * r["within_5pct"].get<double>(),
               r["rmse_ms"].get<double>(), r["spearman"].get<double>());
    if (r["batches"].size() > 1)
      for (const auto& [batch, b] : r["batches"].items())
        fmt::print("  batch {}: {}, {:.1f}% within ±10%, {:.1f}% within ±5%\n", batch,
                   plural(b["count"].get<std::int64_t>(), "network"), 100 * b["within_10pct"].get<double>(),
                   100 * b["within_5pct"].get<double>());
    std::string types;
    for (const auto& [type, n] : r["kernel_types"].items())
      types += fmt::format("{}{} {}", types.empty() ? "" : ", ", type, n.get<std::int64_t>());
    fmt::print("kernels in these networks: {}\n", types);
    if (r["skipped"].get<std::int64_t>() > 0)
      fmt::print("({} networks skipped: {})\n", r["skipped"].get<std::int64_t>(),
                 r["skipped_because"].get<std::string>());
  });
}

}  // namespace hwnas::cli

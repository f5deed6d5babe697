// hwnas rewrite MODEL --pass NAME [--site BLOCK] [--param K=V ...] [--out FILE] [--all] [--json]:
// lists a pass's eligible sites, or applies it at one and writes the new model
// (docs/rewrites.md). The passes and their records are the advise module's; MODEL may be an
// ONNX file and --out any format hwnas export writes (io/model_io.h).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hwnas/advise/pass.h"
#include "hwnas/advise/record_text.h"
#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/base/printable.h"
#include "hwnas/cli/commands.h"
#include "hwnas/cli/json_output.h"
#include "hwnas/cli/text_output.h"
#include "hwnas/cli/model_arg.h"
#include "hwnas/io/model_io.h"

namespace hwnas::cli {
namespace {

struct RewriteArgs {
  std::string model, pass, site, out;
  std::vector<std::string> params;
  bool all = false, json = false;
};

void list_sites(const graph::Graph& g, const advise::Pass& pass, const advise::Params& params, const RewriteArgs& args) {
  const std::vector<advise::PassResult> results = advise::try_pass(g, pass, params);
  const auto eligible = std::count_if(results.begin(), results.end(), [](const auto& r) { return r.graph.has_value(); });
  if (args.json) {
    nlohmann::ordered_json sites = nlohmann::ordered_json::array();
    for (const advise::PassResult& r : results)
      if (r.graph || args.all) sites.push_back(advise::result_json(r));
    emit_json(nlohmann::ordered_json{
        {"model", g.name()}, {"pass", pass.name}, {"params", params}, {"eligible", eligible}, {"sites", sites}});
    return;
  }
  fmt::print("{} on {}: {} of {} sites eligible{}\n", pass.name, printable(g.name()), eligible, results.size(),
             args.all || eligible == static_cast<std::ptrdiff_t>(results.size()) ? ""
                                                                              : " (--all lists the others and why)");
  for (const advise::PassResult& r : results)
    if (r.graph || args.all) fmt::print("  {}\n", printable(advise::site_line(r)));
}

void run(const RewriteArgs& args) {
  advise::Params given;
  for (const std::string& kv : args.params) advise::add_param(given, kv);
  const advise::Pass& pass = advise::find_pass(args.pass);
  const advise::Params params = advise::resolve_params(pass, given);
  const bool listing = args.site.empty() && pass.sites == advise::SiteKind::block;
  std::optional<io::ModelFormat> out_format;
  if (!args.out.empty()) {
    if (listing)
      throw UserError("--out needs --site: give the block to rewrite (leave out --out to list the eligible sites)");
    check_output_path(args.out, "rewritten model (--out)", {{io::model_file_path(args.model), "the input model (MODEL)"}});
    out_format = io::model_format_of_path(args.out, "--out");
  }
  const graph::Graph g = load_model_arg(args.model);
  if (listing) return list_sites(g, pass, params, args);
  const advise::Site site = args.site.empty() ? advise::Site{} : advise::find_site(g, pass, args.site);
  const advise::PassResult r = advise::apply_pass(g, pass, site, params);
  if (!r.graph)
    throw UserError(fmt::format("--site {}: not eligible for {}: {}", printable(r.record.site), pass.name, r.why_not));
  if (out_format) io::export_model(*r.graph, *out_format, args.out, args.model);
  if (args.json) {
    nlohmann::ordered_json j = advise::result_json(r);
    j["out"] = args.out;
    emit_json(j);
    return;
  }
  fmt::print("{}", printable_lines(advise::record_text(r.record)));
  if (!args.out.empty()) fmt::print("wrote {}\n", printable(args.out));
}

}  // namespace

void add_rewrite_command(CLI::App& app) {
  auto args = std::make_shared<RewriteArgs>();
  auto* cmd = app.add_subcommand("rewrite", "Apply a rewrite pass (IBN -> fused IBN, ...) at one site, or list its sites");
  cmd->add_option("MODEL", args->model, "Zoo spec (mobilenet_v2:width=0.5), model file or ONNX file")->required();
  std::string names;
  for (const advise::Pass& p : advise::passes()) names += fmt::format("{}{}", names.empty() ? "" : ", ", p.name);
  cmd->add_option("--pass", args->pass, "The pass: " + names)->required();
  cmd->add_option("--site", args->site, "The block to rewrite (\"graph\" for whole-graph passes); leave out to list the sites");
  cmd->add_option("--param", args->params, "A pass parameter KEY=VALUE (repeatable; docs/rewrites.md)");
  cmd->add_option("--out", args->out,
                  "Write the rewritten model here; the extension names the format (.yaml, .yml, .json, .onnx or .py, "
                  "as hwnas export; ONNX weights are placeholders)");
  cmd->add_flag("--all", args->all, "List the sites that are not eligible too, with the reason");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args] { run(*args); });
}

}  // namespace hwnas::cli

// Rewrite an IBN's k×k depthwise conv (or a fused IBN's k×k expand conv) into one of
// another kernel size: the padding follows the kernel ("same": dilation · (k − 1) / 2), so
// every shape is kept and only the MACs and weights of that conv change. A kernel is one
// of the choices a search makes per block (the transfer planner reads them from its
// results, issue 12 §3).
#include <fmt/format.h>

#include "hwnas/advise/edit.h"
#include "hwnas/advise/passes/passes.h"
#include "hwnas/base/error.h"

namespace hwnas::advise {
namespace {

inline constexpr std::int32_t kLargestKernel = 11;

template <class Spec>
PassResult change(const graph::Graph& g, const Site& site, Spec spec, std::int32_t kernel) {
  const std::string label = block_label(g, site.block);
  if (spec.kernel == kernel) return refused(fmt::format("{}: its kernel is already {}", label, kernel));
  const std::int32_t old = spec.kernel;
  spec.kernel = kernel;
  std::string why;
  graph::Graph out = rebuild_blocks(g, {{site.block, {g.block(site.block).kind, spec}}}, {}, why);
  if (!why.empty()) return refused(why);
  const std::string_view conv = std::is_same_v<Spec, graph::IbnSpec> ? "depthwise" : "expand";
  const std::int32_t padding = spec.dilation * (kernel - 1) / 2;
  return accepted(g, std::move(out), "change_kernel", site,
                  fmt::format("{0} {1}x{1} {2} conv into {3}x{3} (padding {4}), {5} channels",
                              graph::block_kind_name(g.block(site.block).kind), old, conv, kernel, padding,
                              spec.expanded));
}

PassResult apply(const graph::Graph& g, const Site& site, const Params& params) {
  // One message for every kernel that is not valid: absent, not an integer, even or out of range.
  const std::string& text = params.at("kernel");
  const auto bad = [&] {
    return UserError(fmt::format("{}: use an odd kernel from 3 to {}, e.g. --param kernel=5 (an even one has no "
                                 "padding that keeps the shape)",
                                 text == "0" ? std::string("pass 'change_kernel' needs --param kernel=K")
                                             : "--param kernel=" + text,
                                 kLargestKernel));
  };
  std::int32_t kernel = 0;
  try {
    kernel = int_param(params, "kernel", 3, kLargestKernel);
  } catch (const UserError&) {
    throw bad();
  }
  if (kernel % 2 == 0) throw bad();
  const graph::BlockSpec& spec = g.block(site.block).spec;
  if (const auto* ibn = std::get_if<graph::IbnSpec>(&spec)) return change(g, site, *ibn, kernel);
  if (const auto* fused = std::get_if<graph::FusedIbnSpec>(&spec)) return change(g, site, *fused, kernel);
  const graph::BlockKind kind = g.block(site.block).kind;
  const bool ibn_kind = kind == graph::BlockKind::ibn || kind == graph::BlockKind::fused_ibn;
  return refused(block_label(g, site.block) + (ibn_kind ? " has no spec" : ": not an IBN or fused IBN"));
}

}  // namespace

Pass change_kernel_pass() {
  return {.name = "change_kernel",
          .description = "rewrite an IBN's depthwise (or a fused IBN's expand) kernel into another size",
          .sites = SiteKind::block,
          .params = {{"kernel", "0", "the new kernel size, odd, 3 to 11 (e.g. 5); required"}},
          .apply = apply};
}

}  // namespace hwnas::advise

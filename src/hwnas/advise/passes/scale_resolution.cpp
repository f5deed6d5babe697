// Rewrite a network's input resolution (height; width in proportion): every shape after it
// is inferred again. A model whose layers fix a size (a linear layer on a flattened
// feature map) is refused with the shape error.
#include <fmt/format.h>

#include "hwnas/advise/edit.h"
#include "hwnas/advise/passes/passes.h"
#include "hwnas/base/error.h"

namespace hwnas::advise {
namespace {

constexpr std::int32_t kLargestResolution = 1 << 16;

PassResult apply(const graph::Graph& g, const Site& site, const Params& params) {
  // One message for every resolution that is not valid: absent, not an integer or out of range.
  const std::string& text = params.at("resolution");
  std::int32_t res = 0;
  try {
    res = int_param(params, "resolution", 1, kLargestResolution);
  } catch (const UserError&) {
    throw UserError(fmt::format("{}: use an integer from 1 to {} (the new input height, pixels)",
                                text == "0" ? std::string("pass 'scale_resolution' needs --param resolution=N")
                                            : "--param resolution=" + text,
                                kLargestResolution));
  }
  std::string from, to;
  const auto op_of = [&](graph::NodeId id) {
    graph::Op op = g.op(id);
    if (auto* in = std::get_if<graph::Input>(&op)) {
      const std::int64_t width = (std::int64_t{in->width} * res + in->height / 2) / in->height;
      from += fmt::format("{}{}x{}", from.empty() ? "" : ", ", in->height, in->width);
      in->height = res;
      in->width = static_cast<std::int32_t>(std::max<std::int64_t>(1, width));
      to += fmt::format("{}{}x{}", to.empty() ? "" : ", ", in->height, in->width);
    }
    return op;
  };
  std::optional<graph::Graph> out;
  try {
    out = copy_editing(g, op_of, [&](graph::BlockId b) { return g.block(b).spec; });
  } catch (const UserError& e) {
    return refused(fmt::format("resolution {}: {}", res, e.what()));
  }
  if (from == to) return refused(fmt::format("the input is already {}", to));
  return accepted(g, std::move(*out), "scale_resolution", site, fmt::format("input {} into {}", from, to));
}

}  // namespace

Pass scale_resolution_pass() {
  return {.name = "scale_resolution",
          .description = "rewrite the input resolution (all shapes follow)",
          .sites = SiteKind::graph,
          .params = {{"resolution", "0", "the new input height in pixels (width in proportion); required"}},
          .apply = apply};
}

}  // namespace hwnas::advise

#include "hwnas/graph/block_spec.h"

#include "hwnas/graph/overloaded.h"

namespace hwnas::graph {

std::string_view block_spec_name(const BlockSpec& spec) {
  return std::visit(Overloaded{[](const std::monostate&) { return std::string_view(); },
                               [](const ConvBnActSpec&) { return std::string_view("conv_bn_act"); },
                               [](const SqueezeExciteSpec&) { return std::string_view("squeeze_excite"); },
                               [](const IbnSpec&) { return std::string_view("ibn"); },
                               [](const FusedIbnSpec&) { return std::string_view("fused_ibn"); },
                               [](const ResNetSpec&) { return std::string_view("resnet"); },
                               [](const Nb201CellSpec&) { return std::string_view("nb201_cell"); },
                               [](const Nb201ReductionSpec&) { return std::string_view("nb201_reduction"); },
                               [](const FbnetSpec&) { return std::string_view("fbnet"); },
                               [](const ClassifierHeadSpec&) { return std::string_view("classifier_head"); },
                               [](const LrasppHeadSpec&) { return std::string_view("lraspp_head"); },
                               [](const PredictionHeadSpec&) { return std::string_view("prediction_head"); },
                               [](const SsdLiteExtraSpec&) { return std::string_view("ssdlite_extra"); },
                               [](const BnActSpec&) { return std::string_view("bn_act"); }},
                    spec);
}

bool spec_fits(BlockKind kind, const BlockSpec& spec) {
  const auto is_head = [](BlockKind k) { return k == BlockKind::head; };
  return std::visit(
      Overloaded{[](const std::monostate&) { return true; },
                 [&](const ConvBnActSpec&) { return kind == BlockKind::conv_bn_act; },
                 [&](const SsdLiteExtraSpec&) { return kind == BlockKind::conv_bn_act; },
                 [&](const SqueezeExciteSpec&) { return kind == BlockKind::squeeze_excite; },
                 [&](const IbnSpec&) { return kind == BlockKind::ibn; },
                 [&](const FusedIbnSpec&) { return kind == BlockKind::fused_ibn; },
                 [&](const ResNetSpec&) {
                   return kind == BlockKind::resnet_basic || kind == BlockKind::resnet_bottleneck;
                 },
                 [&](const Nb201CellSpec&) { return kind == BlockKind::nb201_cell; },
                 [&](const Nb201ReductionSpec&) { return kind == BlockKind::nb201_reduction; },
                 [&](const FbnetSpec&) { return kind == BlockKind::fbnet; },
                 [&](const ClassifierHeadSpec&) { return is_head(kind); },
                 [&](const LrasppHeadSpec&) { return is_head(kind); },
                 [&](const PredictionHeadSpec&) { return is_head(kind); },
                 [&](const BnActSpec&) { return is_head(kind); }},
      spec);
}

}  // namespace hwnas::graph

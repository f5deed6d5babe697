// Draws the accelerator phenomena of docs/hardware-npu.md into SVG files.
//
//   build/bin/hw_plots docs/img
#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <string>

#include "hwnas/estimate/measure_network.h"
#include "hwnas/graph/blocks.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/zoo/zoo.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/report/svg_plot.h"

namespace {

using namespace hwnas;

double latency_us(const graph::Graph& g, hw::Target& t) {
  return estimate::measure_network(g, t).latency_s * 1e6;
}

std::string staircase() {
  std::vector<report::Series> series;
  for (const char* preset : {"npu-p16", "npu-p32", "htp-like"}) {
    const auto t = hw::make_target(preset);
    report::Series s{preset, {}, {}, "", true};
    for (std::int32_t cout = 1; cout <= 96; ++cout) {
      graph::Graph g;
      const auto x = g.add("in", graph::Input{64, 56, 56}, {});
      graph::conv_bn_act(g, x, {.out = cout, .kernel = 3}, "conv");
      s.x.push_back(cout);
      s.y.push_back(latency_us(g, *t));
    }
    series.push_back(std::move(s));
  }
  return report::line_chart({"3x3 conv, 56x56, 64 input channels: latency vs output channels",
                             "output channels", "latency (us)"},
                            series);
}

std::string ibn_vs_fused() {
  const auto tpu = hw::make_target("edgetpu-like");
  const graph::Graph net = graph::build_zoo_model("mobilenet_v2");
  report::Series ibn{"IBN (1x1 expand, 3x3 depthwise, 1x1 project)"}, fused{"fused IBN (3x3 conv, 1x1 project)"};
  int position = 0;
  for (graph::BlockId b = 0; b < net.num_blocks(); ++b) {
    if (net.block(b).kind != graph::BlockKind::ibn) continue;
    const std::string name(net.block_name(b));
    const graph::NodeId dw = net.find(name + ".dw.conv"), project = net.find(name + ".project.conv");
    const graph::NodeId expand = net.find(name + ".expand.conv");
    if (expand < 0) continue;  // features.1 has no expansion
    const graph::Shape in = net.shape(net.inputs(expand)[0]);
    const auto& dwp = std::get<graph::Conv2d>(net.op(dw));
    const std::int32_t out = net.shape(project).c, expanded = net.shape(expand).c;
    for (bool is_fused : {false, true}) {
      graph::Graph g;
      const auto x = g.add("in", graph::Input{in.c, in.h, in.w}, {});
      if (is_fused)
        graph::fused_ibn(g, x, {.out = out, .expanded = expanded, .kernel = 3, .stride = dwp.stride_h}, "b");
      else
        graph::ibn(g, x, {.out = out, .expanded = expanded, .kernel = 3, .stride = dwp.stride_h}, "b");
      report::Series& s = is_fused ? fused : ibn;
      s.x.push_back(position);
      s.y.push_back(latency_us(g, *tpu));
    }
    ++position;
  }
  return report::line_chart({"MobileNetV2's inverted bottlenecks on edgetpu-like: IBN vs fused IBN",
                             "block position (features.2 ... features.17)", "latency (us)"},
                            {ibn, fused});
}

std::string breakdown() {
  const auto tpu = hw::make_target("edgetpu-like");
  const graph::Graph net = graph::build_zoo_model("mobilenet_v2");
  const auto n = estimate::measure_network(net, *tpu);
  const std::map<hw::Bound, std::string> colors = {{hw::Bound::compute, "#1f77b4"},
                                                   {hw::Bound::sram, "#2ca02c"},
                                                   {hw::Bound::dram, "#d62728"},
                                                   {hw::Bound::overhead, "#7f7f7f"}};
  std::vector<report::Bar> bars;
  for (const auto& k : n.kernels)
    bars.push_back({std::string(net.node_name(k.instance.nodes[0])), k.measurement.latency_s * 1e6,
                    colors.at(k.measurement.bound)});
  return report::bar_chart(
      {fmt::format("MobileNetV2 (224, int8) on edgetpu-like: {:.2f} ms in {} kernels", n.latency_s * 1e3,
                   n.kernels.size()),
       "kernels in execution order (hover for names)", "latency (us)"},
      bars, {{colors.at(hw::Bound::compute), "compute bound"}, {colors.at(hw::Bound::sram), "SRAM bound"},
             {colors.at(hw::Bound::dram), "DRAM bound"}, {colors.at(hw::Bound::overhead), "overhead bound"}});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: hw_plots OUTPUT_DIR\n");
    return 2;
  }
  try {
    const std::string dir = argv[1];
    report::write_svg(dir + "/staircase.svg", staircase());
    report::write_svg(dir + "/ibn_vs_fused.svg", ibn_vs_fused());
    report::write_svg(dir + "/mobilenet_v2_edgetpu.svg", breakdown());
  } catch (const UserError& e) {
    std::fprintf(stderr, "hw_plots: %s\n", e.what());
    return 2;
  }
  return 0;
}

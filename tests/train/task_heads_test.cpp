// Which outputs are an SSD head's or a segmenter's (tasks/task_heads.h), and the trivial
// detection baseline (tasks/baselines.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hwnas/base/error.h"
#include "hwnas/space/models.h"
#include "hwnas/train/tasks/baselines.h"
#include "hwnas/train/tasks/task_heads.h"

namespace hwnas::train {
namespace {

// The UserError message of `f`, or "" when it does not throw one.
template <typename F>
std::string user_error(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

// Input 1x8x8, then per (name, channels, stride) a 1x1 conv and an Output named `name`.
graph::Graph outputs_graph(const std::vector<std::tuple<std::string, int, int>>& outputs) {
  graph::Graph g("hand");
  const graph::NodeId in = g.add("input", graph::Input{1, 8, 8}, {});
  for (const auto& [name, channels, stride] : outputs) {
    const graph::NodeId c =
        g.add(name + "_conv", graph::Conv2d{.out_channels = channels, .stride_h = stride, .stride_w = stride}, {in});
    g.add(name, graph::Output{}, {c});
  }
  return g;
}

TEST(SsdHeadLayout, ZooSsdliteLevelsPairTheirMapsInGraphOrder) {
  const graph::Graph g = space::load_model("ssdlite_mobilenet_v2:width=0.25,res=64,in_ch=1,classes=11");
  const SsdHeadLayout layout = ssd_head_layout(g, 10);
  ASSERT_EQ(layout.levels.size(), 6u);
  EXPECT_EQ(layout.anchors_per_location, 6);
  EXPECT_EQ(layout.classes, 11);
  EXPECT_EQ(layout.image_size, 64);
  const std::vector<graph::NodeId> outputs = g.output_nodes();
  std::size_t anchors = 0;
  for (std::size_t k = 0; k < layout.levels.size(); ++k) {
    const SsdLevel& level = layout.levels[k];
    EXPECT_EQ(g.node_name(outputs[level.box_output]), "head.boxes." + std::to_string(k) + ".output");
    EXPECT_EQ(g.node_name(outputs[level.class_output]), "head.classes." + std::to_string(k) + ".output");
    EXPECT_EQ(level.size.height, g.shape(outputs[level.box_output]).h);
    EXPECT_EQ(level.size.width, g.shape(outputs[level.box_output]).w);
    anchors += static_cast<std::size_t>(level.size.height * level.size.width * 6);
  }
  EXPECT_EQ(layout.levels.front().size.height, 4);  // output stride 16 at 64 pixels
  EXPECT_EQ(layout.anchors.size(), anchors);
}

TEST(SsdHeadLayout, UnnamedOutputsAreToldByTheirChannels) {
  // 2 object classes: class maps 6x3 = 18 channels, box maps 24; class map first.
  const graph::Graph g = outputs_graph({{"a", 18, 1}, {"b", 24, 1}, {"c", 24, 2}, {"d", 18, 2}});
  const SsdHeadLayout layout = ssd_head_layout(g, 2);
  ASSERT_EQ(layout.levels.size(), 2u);
  EXPECT_EQ(layout.levels[0].box_output, 1);
  EXPECT_EQ(layout.levels[0].class_output, 0);
  EXPECT_EQ(layout.levels[1].box_output, 2);
  EXPECT_EQ(layout.levels[1].class_output, 3);
  EXPECT_EQ(layout.levels[1].size.height, 4);
}

TEST(SsdHeadLayout, OutputsThatAreNoSsdHeadNameTheNodeAndTheFix) {
  const std::string wrong_classes = user_error(
      [] { ssd_head_layout(space::load_model("ssdlite_mobilenet_v2:width=0.25,res=64,in_ch=1,classes=91"), 10); });
  EXPECT_NE(wrong_classes.find("'head.classes.0.output'"), std::string::npos) << wrong_classes;
  EXPECT_NE(wrong_classes.find("classes=11"), std::string::npos) << wrong_classes;
  EXPECT_NE(wrong_classes.find("(6 anchors per location, 10 object classes + background)"), std::string::npos)
      << wrong_classes;
  const std::string one_class = user_error(
      [] { ssd_head_layout(space::load_model("ssdlite_mobilenet_v2:width=0.25,res=64,in_ch=1,classes=11"), 1); });
  EXPECT_NE(one_class.find("1 object class + background"), std::string::npos) << one_class;  // not "classes"

  const std::string classifier =
      user_error([] { ssd_head_layout(space::load_model("mobilenet_v2:width=0.25,res=32,classes=10"), 10); });
  EXPECT_NE(classifier.find("not an SSD head map"), std::string::npos) << classifier;
  EXPECT_NE(classifier.find("ssdlite_mobilenet_v2:classes=11"), std::string::npos) << classifier;

  const std::string unpaired = user_error([] { ssd_head_layout(outputs_graph({{"a", 18, 1}, {"b", 24, 1}, {"c", 24, 2}}), 2); });
  EXPECT_NE(unpaired.find("'c' has no class map"), std::string::npos) << unpaired;

  const std::string sizes = user_error([] { ssd_head_layout(outputs_graph({{"a", 18, 1}, {"b", 24, 2}}), 2); });
  EXPECT_NE(sizes.find("box map 'b'"), std::string::npos) << sizes;

  // 3 object classes: both maps have 24 channels; only names tell them apart.
  const std::string ambiguous = user_error([] { ssd_head_layout(outputs_graph({{"a", 24, 1}, {"b", 24, 1}}), 3); });
  EXPECT_NE(ambiguous.find("'boxes' or 'classes'"), std::string::npos) << ambiguous;
  const SsdHeadLayout named = ssd_head_layout(outputs_graph({{"x.classes", 24, 1}, {"x.boxes", 24, 1}}), 3);
  EXPECT_EQ(named.levels.at(0).box_output, 1);

  const std::string bad_box = user_error([] { ssd_head_layout(outputs_graph({{"h.boxes", 20, 1}, {"h.classes", 18, 1}}), 2); });
  EXPECT_NE(bad_box.find("'h.boxes'"), std::string::npos) << bad_box;
}

TEST(CheckSegmenter, AcceptsOneClassMapAndNamesWhatIsWrong) {
  EXPECT_NO_THROW(check_segmenter(space::load_model("lraspp_mobilenet_v2:width=0.25,res=64,in_ch=1,classes=11"), 11));
  const std::string classes =
      user_error([] { check_segmenter(space::load_model("lraspp_mobilenet_v2:width=0.25,res=64,classes=21"), 11); });
  EXPECT_NE(classes.find("classes=11"), std::string::npos) << classes;
  const std::string classifier =
      user_error([] { check_segmenter(space::load_model("mobilenet_v2:width=0.25,res=32,classes=11"), 11); });
  EXPECT_NE(classifier.find("one score vector per image"), std::string::npos) << classifier;
  const std::string two = user_error([] { check_segmenter(outputs_graph({{"a", 11, 1}, {"b", 11, 1}}), 11); });
  EXPECT_NE(two.find("2 output nodes"), std::string::npos) << two;
}

TEST(PriorBoxBaseline, ScoresTheCommonestClassesPriorsByHowOftenTheyMatch) {
  const std::vector<Box> anchors = {{0, 0, 10, 10}, {20, 0, 30, 10}, {40, 0, 50, 10}};
  // Class 1 is the commonest (3 boxes against 2): matched to anchor 0 in two images, anchor 2 in one.
  const std::vector<std::vector<Box>> truth = {{{0, 0, 10, 10, 1}, {20, 0, 30, 10, 0}},
                                               {{0, 0, 10, 10, 1}},
                                               {{40, 0, 50, 10, 1}, {20, 0, 30, 10, 0}},
                                               {}};
  const std::vector<Detection> d = prior_box_baseline(truth, anchors);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].box, (Box{0, 0, 10, 10, 1}));
  EXPECT_FLOAT_EQ(d[0].score, 0.5f);
  EXPECT_EQ(d[1].box, (Box{40, 0, 50, 10, 1}));
  EXPECT_FLOAT_EQ(d[1].score, 0.25f);
  EXPECT_EQ(prior_box_baseline(truth, anchors, 0.5, 0.55, 1).size(), 1u);
  EXPECT_TRUE(prior_box_baseline(std::vector<std::vector<Box>>{{}, {}}, anchors).empty());
}

}  // namespace
}  // namespace hwnas::train

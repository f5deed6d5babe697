// The SSD pieces against torchvision 0.14 itself: tests/train/ssd_reference.py draws seeded
// random inputs and prints what DefaultBoxGenerator, SSDMatcher, BoxCoder, batched_nms and
// SSD.postprocess_detections give; we run ours on the same inputs. Needs Debian's
// /usr/bin/python3 with python3-torchvision (tests/support/resources.h: skipped without
// it, a failure under HWNAS_REQUIRE_ALL_TESTS).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hwnas/train/metrics/anchors.h"
#include "hwnas/train/metrics/ssd_decode.h"
#include "support/python_json.h"
#include "support/resources.h"

namespace hwnas::train {
namespace {

using nlohmann::json;

/// The reference's JSON, run once per process.
const testing::PythonJson& reference() {
  static const testing::PythonJson ref =
      testing::run_python_json("tests/train/ssd_reference.py", "python3-torchvision, as scripts/setup.sh does");
  return ref;
}

#define REQUIRE_REFERENCE()                                \
  const testing::PythonJson& ref = reference();            \
  ASSERT_TRUE(ref.failure.empty()) << ref.failure;         \
  if (!ref.skip.empty()) HWNAS_MISSING_RESOURCE(ref.skip); \
  const json& doc = ref.doc

std::vector<FeatureMapSize> levels_of(const json& levels) {
  std::vector<FeatureMapSize> out;
  for (const json& l : levels) out.push_back({l[0].get<std::int32_t>(), l[1].get<std::int32_t>()});
  return out;
}

Box box_of(const json& b, std::int32_t label = 0) {
  return {b[0].get<float>(), b[1].get<float>(), b[2].get<float>(), b[3].get<float>(), label};
}

std::vector<Box> boxes_of(const json& list) {
  std::vector<Box> out;
  for (const json& b : list) out.push_back(box_of(b));
  return out;
}

void expect_near(const Box& ours, const json& theirs, double tolerance, const std::string& what) {
  EXPECT_NEAR(ours.x0, theirs[0].get<double>(), tolerance) << what;
  EXPECT_NEAR(ours.y0, theirs[1].get<double>(), tolerance) << what;
  EXPECT_NEAR(ours.x1, theirs[2].get<double>(), tolerance) << what;
  EXPECT_NEAR(ours.y1, theirs[3].get<double>(), tolerance) << what;
}

/// Our anchors for the reference's small image ("levels") or SSDLite's 320 x 320 one.
std::vector<Box> anchors_of(const json& doc, const std::string& levels_key) {
  if (levels_key == "ssdlite_levels") return default_boxes(levels_of(doc[levels_key]), 320, 320);
  return default_boxes(levels_of(doc[levels_key]), doc["image"][0], doc["image"][1]);
}

TEST(Torchvision, DefaultBoxesEqualDefaultBoxGenerator) {
  REQUIRE_REFERENCE();
  for (const std::string levels : {"levels", "ssdlite_levels"}) {
    const std::string key = levels == "levels" ? "anchors" : "ssdlite_anchors";
    const std::vector<Box> ours = anchors_of(doc, levels);
    ASSERT_EQ(ours.size(), doc[key].size()) << key;
    for (std::size_t i = 0; i < ours.size(); ++i) expect_near(ours[i], doc[key][i], 1e-3, key + " " + std::to_string(i));
  }
  EXPECT_EQ(doc["ssdlite_anchors"].size(), 3234u);  // 6 * (400 + 100 + 25 + 9 + 4 + 1)
}

TEST(Torchvision, MatchingEqualsSsdMatcher) {
  REQUIRE_REFERENCE();
  const std::vector<std::int32_t> ours = match_anchors(boxes_of(doc["truth"]), anchors_of(doc, "levels"));
  EXPECT_EQ(ours, doc["matches"].get<std::vector<std::int32_t>>());
}

TEST(Torchvision, BoxCoderEqualsBoxCoder) {
  REQUIRE_REFERENCE();
  const std::vector<Box> truth = boxes_of(doc["encode_truth"]), anchors = boxes_of(doc["encode_anchors"]);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const std::array<float, 4> code = encode_box(truth[i], anchors[i]);
    for (std::size_t j = 0; j < 4; ++j) EXPECT_NEAR(code[j], doc["codes"][i][j].get<double>(), 1e-4) << i;
    std::array<float, 4> raw{};
    for (std::size_t j = 0; j < 4; ++j) raw[j] = doc["raw_codes"][i][j].get<float>();
    expect_near(decode_box(raw, anchors[i]), doc["decoded"][i], 1e-3, "decoded " + std::to_string(i));
  }
}

TEST(Torchvision, NmsEqualsBatchedNms) {
  REQUIRE_REFERENCE();
  std::vector<Detection> detections;
  for (std::size_t i = 0; i < doc["nms_boxes"].size(); ++i)
    detections.push_back({box_of(doc["nms_boxes"][i], doc["nms_labels"][i].get<std::int32_t>()),
                          doc["nms_scores"][i].get<float>()});
  EXPECT_EQ(batched_nms(detections, 0.5), doc["nms_kept"].get<std::vector<std::size_t>>());
}

TEST(Torchvision, DecodingEqualsPostprocessDetections) {
  REQUIRE_REFERENCE();
  const std::vector<FeatureMapSize> levels = levels_of(doc["levels"]);
  std::vector<std::vector<float>> box_maps, class_maps;
  for (std::size_t k = 0; k < levels.size(); ++k) {
    box_maps.push_back(doc["box_maps"][k].get<std::vector<float>>());
    class_maps.push_back(doc["class_maps"][k].get<std::vector<float>>());
  }
  std::vector<SsdLevelOutput> outputs;
  for (std::size_t k = 0; k < levels.size(); ++k) outputs.push_back({box_maps[k], class_maps[k], levels[k]});
  const json& expected = doc["decode"];
  SsdDecodeOptions options;
  options.candidates_per_class = expected["topk_candidates"];
  options.detections_per_image = expected["detections_per_img"];
  const std::vector<Detection> ours = decode_ssd(outputs, anchors_of(doc, "levels"), doc["classes"],
                                                 doc["image"][0], doc["image"][1], options);
  ASSERT_EQ(ours.size(), expected["scores"].size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i].box.label + 1, expected["labels"][i].get<std::int32_t>()) << i;
    EXPECT_NEAR(ours[i].score, expected["scores"][i].get<double>(), 1e-6) << i;
    expect_near(ours[i].box, expected["boxes"][i], 1e-3, "detection " + std::to_string(i));
  }
}

}  // namespace
}  // namespace hwnas::train

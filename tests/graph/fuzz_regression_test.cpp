// Model files that the fuzz targets (tests/fuzz, bench/fuzz.sh) found to hang or to throw
// something other than UserError, kept in tests/fuzz/regressions/model_{yaml,json}/ and
// read here through the normal reader, so CI checks them without clang.
#include <gtest/gtest.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "hwnas/graph/analysis.h"
#include "hwnas/base/error.h"
#include "hwnas/graph/model_file.h"
#include "support/model_errors.h"

namespace hwnas::graph {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> regressions(const std::string& target) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(HWNAS_SOURCE_DIR) / "tests/fuzz/regressions" / target))
    files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string path_of(const std::string& target, const std::string& name) {
  return (fs::path(HWNAS_SOURCE_DIR) / "tests/fuzz/regressions" / target / name).string();
}

// The fuzz target's contract: the file loads or the reader throws UserError; a model that
// loads analyses, and saving and reloading it gives an identical graph (JSON may refuse a
// name that is not UTF-8 with a UserError).
void expect_contract(const fs::path& file) {
  SCOPED_TRACE(file.string());
  try {
    const Graph g = load_model_file(file.string());
    analyze(g, Precision::int8);
    analyze(g, Precision::fp32, 3);
    EXPECT_TRUE(parse_model(model_to_yaml(g), "saved.yaml") == g);
    const std::string json = model_to_json(g);
    EXPECT_TRUE(parse_model(json, "saved.json") == g);
  } catch (const UserError&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a UserError: " << e.what();
  }
}

TEST(FuzzRegression, EveryModelInputLoadsOrFailsWithAUserError) {
  const auto yaml = regressions("model_yaml"), json = regressions("model_json");
  ASSERT_FALSE(yaml.empty());
  ASSERT_FALSE(json.empty());
  for (const fs::path& f : yaml) expect_contract(f);
  for (const fs::path& f : json) expect_contract(f);
}


// yaml-cpp 0.7's LoadAll never returns on a ',' outside a flow collection (it allocates
// until memory runs out); the reader must answer instead.
TEST(FuzzRegression, AStrayCommaIsTextAfterTheDocumentNotAHang) {
  for (const char* text : {",", "[1],", ",\n,", "name: x\n---\n,"})
    EXPECT_NE(testing::model_error_of(text).find("text after the first document"), std::string::npos) << testing::model_error_of(text);
  EXPECT_NE(testing::model_error_of("name: x\n,").find("not valid YAML/JSON"), std::string::npos) << testing::model_error_of("name: x\n,");
  EXPECT_THROW(load_model_file(path_of("model_yaml", "stray_comma_hang.yaml")), UserError);
}

// JSON holds only UTF-8: a name with other bytes loads (YAML does not check) and saves as
// YAML, but saving it as JSON is a UserError, not nlohmann's type_error (exit 1).
TEST(FuzzRegression, ANameThatIsNotUtf8SavesAsYamlButNotAsJson) {
  const Graph inline_model =
      parse_model("input: [3, 8, 8]\nlayers:\n  - {op: relu, name: \"r\xff\"}\n", "m.yaml");
  for (const Graph& g : {load_model_file(path_of("model_yaml", "name_not_utf8.yaml")), inline_model}) {
    EXPECT_TRUE(parse_model(model_to_yaml(g), "saved.yaml") == g);
    try {
      model_to_json(g);
      ADD_FAILURE() << "model_to_json accepted a name that is not UTF-8";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("not UTF-8"), std::string::npos) << e.what();
    }
  }
  // JSON text must be UTF-8: the .json file with such a name is refused when read.
  try {
    load_model_file(path_of("model_json", "name_not_utf8.json"));
    ADD_FAILURE() << "a .json file that is not UTF-8 was read";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("ill-formed UTF-8"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hwnas::graph

// Hardware descriptions, estimator files and table CSVs that the fuzz targets (tests/fuzz,
// bench/fuzz.sh) found to crash or to throw something other than UserError, kept in
// tests/fuzz/regressions/<target>/ and read here through the normal readers, so CI checks
// them without clang; and the UBJ check that guards XGBoost's model reader.
#include <gtest/gtest.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hwnas/estimate/base64.h"
#include "hwnas/estimate/estimator.h"
#include "hwnas/estimate/table_model.h"
#include "hwnas/estimate/ubj_check.h"
#include "hwnas/base/error.h"
#include "hwnas/hw/table/table_target.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/search/table_estimator_inputs.h"

namespace hwnas::estimate {
namespace {

namespace fs = std::filesystem;

fs::path fuzz_dir() { return fs::path(HWNAS_SOURCE_DIR) / "tests/fuzz"; }

std::vector<fs::path> regressions(const std::string& target) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fuzz_dir() / "regressions" / target, ec)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// The fuzz targets' contract: the reader returns or throws UserError, nothing else.
void expect_contract(const fs::path& file, const std::function<void()>& read) {
  SCOPED_TRACE(file.string());
  try {
    read();
  } catch (const UserError&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a UserError: " << e.what();
  }
}

TEST(FuzzRegression, EveryDescriptionEstimatorAndTableInputLoadsOrFailsWithAUserError) {
  for (const fs::path& f : regressions("hw_description")) expect_contract(f, [&] { hw::make_target(f.string()); });
  for (const fs::path& f : regressions("estimator"))
    expect_contract(f, [&] {
      const nlohmann::json doc = read_estimator_json(f.string());
      if (TableEstimator::is_table_estimator(doc)) search::load_table_estimator(doc, f.string());
      else Estimator::from_json(doc, f.string());
    });
  for (const fs::path& f : regressions("table_csv"))
    expect_contract(f, [&] { hw::TableTarget(f.string(), "arch", "lat_a"); });
}

// A target's identity hashes its description as JSON, which holds only UTF-8: a name or
// command with other bytes is refused with a UserError or loads, but never makes nlohmann
// throw (type_error 316 was exit 1).
TEST(FuzzRegression, DescriptionsWithBytesThatAreNotUtf8LoadOrAreUserErrors) {
  for (const char* name : {"external_command_not_utf8.yaml", "npu_name_not_utf8.yaml"}) {
    const fs::path f = fuzz_dir() / "regressions/hw_description" / name;
    expect_contract(f, [&] { EXPECT_FALSE(hw::make_target(f.string())->identity().empty()); });
  }
}

std::string text_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A saved model of the seed estimator, as bytes.
std::string real_model() {
  const nlohmann::json doc = nlohmann::json::parse(text_of(fuzz_dir() / "corpus/estimator/kernel_conv_dw_pool.json"));
  return base64_decode(doc.at("models").at("conv").at("model_ubj_base64").get<std::string>()).value();
}

std::string big_endian(std::uint64_t n) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, n >>= 8) out[static_cast<std::size_t>(i)] = static_cast<char>(n & 0xff);
  return out;
}

TEST(UbjCheck, AcceptsWhatXgboostWritesAndRefusesWhatItWouldMisread) {
  const std::string model = real_model();
  EXPECT_EQ(ubj_model_problem(model), std::nullopt);
  EXPECT_NE(ubj_model_problem(model.substr(0, model.size() - 1)), std::nullopt);  // truncated
  EXPECT_NE(ubj_model_problem(model + "Z"), std::nullopt);                        // trailing byte
  EXPECT_NE(ubj_model_problem(""), std::nullopt);
  EXPECT_NE(ubj_model_problem("[]"), std::nullopt);  // not an object
  EXPECT_NE(ubj_model_problem("{L" + big_endian(1) + "aZ}"), std::nullopt);  // well-formed, but no trees
  // A string, a counted array and a typed array whose lengths run past the end.
  EXPECT_NE(ubj_model_problem("{L" + big_endian(7146825580554) + "a}"), std::nullopt);
  EXPECT_NE(ubj_model_problem("{L" + big_endian(1) + "a[#L" + big_endian(1ULL << 62) + "Z}"), std::nullopt);
  EXPECT_NE(ubj_model_problem("{L" + big_endian(1) + "a[$d#L" + big_endian(1ULL << 62) + "}"), std::nullopt);
  EXPECT_NE(ubj_model_problem("{L" + big_endian(1) + "a[ZZ"), std::nullopt);  // an array never closed
  EXPECT_NE(ubj_model_problem(std::string(200, '[')), std::nullopt);         // nesting
}

// The fuzzed estimator whose model asks XGBoost for a string of 7 TB is a one-line
// UserError naming the file and the length, found before XGBoost reads it (XGBoost's own
// reader would allocate it, or read past the buffer for smaller lengths).
TEST(FuzzRegression, AnEstimatorModelWithAnImpossibleLengthIsCorrupt) {
  const fs::path f = fuzz_dir() / "regressions/estimator/ubj_string_length.json";
  try {
    Estimator::load(f.string());
    ADD_FAILURE() << "loaded";
  } catch (const UserError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(f.string()), std::string::npos) << what;
    EXPECT_NE(what.find("a count of 7146825580554 is more than the"), std::string::npos) << what;
  }
}

// A model XGBoost loads although its num_trees is not its number of trees: XGBoost's own
// save (the compile step) refused it, which was an internal error (exit 1).
TEST(FuzzRegression, AnEstimatorModelWithTheWrongTreeCountIsCorrupt) {
  const fs::path f = fuzz_dir() / "regressions/estimator/num_trees_mismatch.json";
  try {
    Estimator::load(f.string());
    ADD_FAILURE() << "loaded";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt or truncated"), std::string::npos) << e.what();
  }
}

// A well-formed model whose tree names a parent node 2^30 of 3 made XGBoost's loader
// segfault (`hwnas estimate` exit 139); the tree check refuses it first.
TEST(FuzzRegression, AnEstimatorTreeNamingANodeItLacksIsCorrupt) {
  const fs::path f = fuzz_dir() / "regressions/estimator/xgboost_tree_parent_out_of_range.json";
  try {
    Estimator::load(f.string());
    ADD_FAILURE() << "loaded";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'parents' names node 1073741824 of 3"), std::string::npos) << e.what();
  }
}

// Top-level fields of another type than the format's (nlohmann's value(key, default) threw
// type_error 302 for them, exit 1): one-line UserErrors, for kernel and table estimators.
TEST(FuzzRegression, EstimatorFieldsOfAnotherTypeAreUserErrors) {
  const auto error_of = [](const std::string& text) -> std::string {
    try {
      const nlohmann::json doc = parse_estimator_json(text, "e.json");
      if (TableEstimator::is_table_estimator(doc)) search::load_table_estimator(doc, "e.json");
      else Estimator::from_json(doc, "e.json");
    } catch (const UserError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(error_of(text_of(fuzz_dir() / "regressions/estimator/format_is_an_object.json"))
                .find("'format' is not hwnas-estimator"),
            std::string::npos);
  EXPECT_NE(error_of(text_of(fuzz_dir() / "regressions/estimator/version_is_a_string.json"))
                .find("estimator format version \"1\" is not"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"format": "hwnas-estimator", "version": )" + std::to_string(kEstimatorVersion) +
                     R"(, "feature_version": [1]})")
                .find("features version [1] is not"),
            std::string::npos);
  EXPECT_NE(error_of("[1, 2]").find("'format' is not"), std::string::npos);
}

}  // namespace
}  // namespace hwnas::estimate

// Helpers of the cost model's tests: experiment files written into a scratch directory,
// the NAS-Bench-201 space, and the shared data the CSV tests read (never skipped: a
// missing ../shared/data fails them).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "hwnas/base/csv.h"
#include "hwnas/base/error.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/cost_model.h"
#include "hwnas/search/experiment_input.h"
#include "hwnas/space/nb201.h"
#include "support/scratch_dir.h"

namespace hwnas::search::testing {

inline const std::filesystem::path& scratch() {
  static const hwnas::testing::ScratchDir dir("hwnas_cost_model_test");
  return dir.path();
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

/// Writes `yaml` as scratch()/NAME and builds its cost model on `space`.
inline std::unique_ptr<CostModel> cost_model(const std::string& yaml, const space::Space& space,
                                             const std::string& name = "exp.yaml") {
  const std::string path = (scratch() / name).string();
  write_file(path, yaml);
  return make_cost_model(load_yaml_file(path, "experiment file"), path, space);
}

/// The message of the UserError that building the cost model throws ("" when none).
inline std::string cost_model_error(const std::string& yaml, const space::Space& space) {
  try {
    cost_model(yaml, space);
  } catch (const hwnas::UserError& e) {
    return e.what();
  }
  return "";
}

inline const space::Nb201Space& nb201() {
  static const space::Nb201Space space;
  return space;
}

/// The accuracy `source` gives the NB201 cell `arch`.
inline double accuracy_of(AccuracySource& source, const std::string& arch) {
  const space::Genome g = nb201().parse_arch(arch);
  const std::string text = nb201().arch(g);
  const graph::Graph network = nb201().decode(g);
  return source.accuracy(Candidate{g, text, network});
}

/// ../shared/data/nb201/nb201.csv (or under $HWNAS_DATA_DIR); fails the test when missing.
inline std::string nb201_csv() {
  const std::filesystem::path path = (data_dir() / "nb201" / "nb201.csv").lexically_normal();
  EXPECT_TRUE(std::filesystem::is_regular_file(path))
      << path << " is missing: the cost model's CSV tests need the shared data (../shared/data/README.md); set "
      << "HWNAS_DATA_DIR to its directory";
  return path.string();
}

/// The NB201 table, read once.
inline const CsvTable& nb201_table() {
  static const CsvTable table = read_csv(nb201_csv());
  return table;
}

/// The cell of column `column` in the row of `arch`.
inline double nb201_value(const std::string& arch, const std::string& column) {
  const CsvTable& t = nb201_table();
  const auto at = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(t.header.begin(), t.header.end(), name) - t.header.begin());
  };
  for (const auto& row : t.rows)
    if (row[at("arch")] == arch) return std::stod(row[at(column)]);
  ADD_FAILURE() << "no row for " << arch;
  return 0;
}

}  // namespace hwnas::search::testing

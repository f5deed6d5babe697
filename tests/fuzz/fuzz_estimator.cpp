// Fuzz target for estimator files (estimate/estimator.h, estimate/table_model.h): the bytes
// are read as `hwnas estimate` reads --estimator (parse_estimator_json, then the kernel or
// the table loader by the file's format), and what loads estimates as `hwnas estimate`
// would: a kernel estimator a small model with every kind of kernel, a table estimator
// an architecture of its table (with the current simulator presets and the space the file
// names, as the CLI loads it: search/table_estimator_inputs.h). Relative table paths start
// at tests/fuzz/data, which holds nb201_table.csv, the table the table-estimator seeds name.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "hwnas/search/table_estimator_inputs.h"
#include "fuzz/fuzz_contract.h"
#include "fuzz/probe_model.h"
#include "hwnas/estimate/estimator.h"
#include "hwnas/estimate/table_model.h"

using namespace hwnas;

namespace {
constexpr const char* kArch =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool in_data_dir = ::chdir(HWNAS_FUZZ_DATA_DIR) == 0;
  if (!in_data_dir) std::abort();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  return fuzz::expect_user_errors_only([&] {
    const std::string path = "fuzz.json";
    const nlohmann::json doc = estimate::parse_estimator_json(text, path);
    if (estimate::TableEstimator::is_table_estimator(doc)) {
      search::load_table_estimator(doc, path).predict_ms(kArch);
      return;
    }
    const estimate::Estimator e = estimate::Estimator::from_json(doc, path);
    e.estimate(fuzz::probe_model(), 1);
    e.estimate(fuzz::probe_model(), 2);
  });
}

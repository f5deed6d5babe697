// Fuzz target for latency-table CSV files (hw/table/csv.h, hw/table/table_target.h): the
// bytes are parsed in memory, and when they have a header of two or more columns they are
// written to a file and loaded as a table target keyed by the first column with latencies
// in the second, as a `kind: table` description would.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "fuzz/fuzz_contract.h"
#include "hwnas/base/csv.h"
#include "hwnas/hw/table/table_target.h"

using namespace hwnas;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return fuzz::expect_user_errors_only([&] {
    const CsvTable table = parse_csv(text, "fuzz.csv");
    if (table.header.size() < 2) return;
    const std::string path = (fuzz::scratch_dir() / "table.csv").string();
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    const hw::TableTarget target(path, table.header[0], table.header[1]);
    for (const auto& [key, ms] : target.rows())
      if (target.network_latency_ms(key) != ms) std::abort();
  });
}

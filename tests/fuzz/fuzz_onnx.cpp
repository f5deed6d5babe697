// Fuzz target for ONNX files (io/onnx_import.h): the bytes are written to the file
// "fuzz.onnx", imported and, when they import, analysed, exported and re-imported
// (onnx_checks.h).
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>

#include "fuzz/fuzz_contract.h"
#include "fuzz/onnx_checks.h"

using namespace hwnas;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string in = (fuzz::scratch_dir() / "fuzz.onnx").string();
  static const std::string out = (fuzz::scratch_dir() / "exported.onnx").string();
  fuzz::expect_no_error("writing the input file", [&] {
    std::ofstream f(in, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!f.flush()) throw std::runtime_error("cannot write " + in);
  });
  return fuzz::expect_user_errors_only([&] { fuzz::exercise_onnx_file(in, out); });
}

// Importing hand-built ONNX models in the io tests: the graph, or the one-line error.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "hwnas/base/error.h"
#include "hwnas/io/onnx_import.h"
#include "io/onnx_builder.h"

namespace hwnas::testing {

inline graph::Graph import(const OnnxBuilder& b) { return io::import_onnx(b.model, "t.onnx"); }

inline std::string error_of(const OnnxBuilder& b) {
  try {
    import(b);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

#define EXPECT_ONE_LINE_ERROR(b, text)                            \
  do {                                                            \
    const std::string message = ::hwnas::testing::error_of(b);    \
    EXPECT_NE(message.find(text), std::string::npos) << message;  \
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;  \
    EXPECT_EQ(message.rfind("t.onnx: ", 0), 0u) << message;       \
  } while (false)

}  // namespace hwnas::testing

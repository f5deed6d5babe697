// Helpers shared by the XNNPACK translation files of the cpu target (not a public API).
#pragma once

#include <xnnpack.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/hw/kernel.h"

namespace hwnas::hw::xnn {

struct Deleter {
  void operator()(xnn_subgraph_t subgraph) const { xnn_delete_subgraph(subgraph); }
  void operator()(xnn_runtime_t runtime) const { xnn_delete_runtime(runtime); }
  void operator()(xnn_operator_t op) const { xnn_delete_operator(op); }
};
using SubgraphPtr = std::unique_ptr<xnn_subgraph, Deleter>;
using RuntimePtr = std::unique_ptr<xnn_runtime, Deleter>;
using OperatorPtr = std::unique_ptr<xnn_operator, Deleter>;

/// Static tensor data (weights, constants); each buffer outlives the runtime using it.
/// Moving a std::vector keeps its data pointer, so growing the outer vector is safe.
using Constants = std::vector<std::vector<float>>;

/// A new constant of `elements` floats (plus the XNN_EXTRA_BYTES XNNPACK may over-read),
/// filled with deterministic values in [-scale, scale).
float* add_constant(Constants& constants, std::size_t elements, float scale);

/// A kernel's input and output tensors, laid out one after another in one page-aligned
/// block (each 64-byte aligned), the way a framework's activation arena holds them. The same
/// kernel so always gets the same relative placement: with one heap block per tensor, the
/// placement followed the allocator's state, and a 3x3 depthwise conv's median moved by 30%
/// from one measure() to the next (cache-set conflicts between its input and output).
class Arena {
 public:
  /// Room for `elements` floats (plus XNN_EXTRA_BYTES); returns its offset in floats.
  std::size_t reserve(std::size_t elements);
  /// Allocates the block and fills it with deterministic values; once, after reserve().
  void allocate();
  float* at(std::size_t offset) const { return data_.get() + offset; }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  std::size_t floats_ = 0;
  std::unique_ptr<float, Free> data_;
};

/// Throws UnsupportedKernel: "cpu target cannot run kernel KEY: WHY".
[[noreturn]] void unsupported(const Kernel& kernel, const std::string& why);

/// UnsupportedKernel when XNNPACK rejected the parameters of `what`; UserError for other
/// failures (out of memory, uninitialised library).
void check(const Kernel& kernel, xnn_status status, std::string_view what);

/// The subgraph path: every op but concat and channel shuffle. The runtime's external
/// inputs and output are bound to tensors of `arena`, which it allocates.
RuntimePtr build_subgraph_runtime(const Kernel& kernel, Constants& constants, Arena& arena,
                                  pthreadpool_t threadpool);

}  // namespace hwnas::hw::xnn

// A Kernel translated into something XNNPACK runs: a subgraph runtime for compute ops and
// their output stage, or copy operators for concat and channel shuffle.
#pragma once

#include <cstdint>
#include <memory>

#include "hwnas/hw/kernel.h"

struct pthreadpool;

namespace hwnas::hw {

/// The largest kernel the cpu target runs: its tensors (inputs, outputs, intermediates),
/// weights and XNNPACK's indirection buffers (one pointer per window tap and output pixel;
/// 40 bytes per output pixel of a bilinear resize), for all `batch` samples, in bytes. Larger kernels are refused before anything is
/// allocated (docs/hardware-cpu.md).
inline constexpr std::int64_t kMaxCpuKernelBytes = std::int64_t{2} << 30;
/// The largest padded input (input + both paddings) and dilated kernel
/// (dilation · (kernel − 1) + 1) of a convolution or pooling window on the cpu target, in
/// pixels: XNNPACK computes them in 32 bits.
inline constexpr std::int64_t kMaxCpuWindowExtent = std::int64_t{1} << 24;

/// A kernel ready to run on XNNPACK (fp32, NHWC, `kernel.batch` samples). Weights and
/// inputs are deterministic pseudo-random values (latency does not depend on them); a batch
/// norm after a conv or linear is folded into its bias, and relu/relu6 become the output
/// clamp of the op before them where XNNPACK offers one. Requires xnn_initialize().
class XnnProgram {
 public:
  /// Builds the runtime and binds its buffers. `threadpool` may be null (calling thread
  /// only). Throws UnsupportedKernel, whose message names kernel_key(kernel) and why, when
  /// this XNNPACK cannot run the kernel or the kernel exceeds the limits above; UserError
  /// when XNNPACK fails otherwise.
  XnnProgram(const Kernel& kernel, pthreadpool* threadpool);
  ~XnnProgram();
  XnnProgram(const XnnProgram&) = delete;
  XnnProgram& operator=(const XnnProgram&) = delete;

  /// One execution of the kernel. Throws UserError when XNNPACK fails.
  void run();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hwnas::hw

// The NPU performance model: a pure function of (kernel, hardware description).
//
// Per kernel (docs/hardware-npu.md gives every formula with its source):
//   cycles = max(compute, SRAM bytes / SRAM bytes-per-cycle,
//                DRAM bytes / DRAM bytes-per-cycle + DRAM latency) + layer overhead
// compute = max(MAC-array cycles, output-stage cycles) for convolutions and linear
// layers, vector-unit cycles otherwise. MAC-array cycles follow SCALE-Sim's
// weight-stationary fold model: tiles = ceil(Cin/input_lanes)·ceil(Cout/P)·K² per group,
// each streaming ceil(Ho·Wo·N/spatial_lanes) pixels plus a fill/drain of
// 2·input_lanes + P − 2 cycles.
#pragma once

#include "hwnas/hw/kernel.h"
#include "hwnas/hw/npu/description.h"
#include "hwnas/hw/target.h"

namespace hwnas::hw {

/// Simulates one kernel. Deterministic; no allocation. Kernels run at the description's
/// precision whatever kernel.precision says (an accelerator has one).
Measurement simulate_npu(const Kernel& kernel, const NpuDescription& hw);

}  // namespace hwnas::hw

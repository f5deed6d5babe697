// The learning rate of every optimisation step: a linear warm-up, then a cosine decay
// (Loshchilov & Hutter, "SGDR", ICLR 2017, eq. 5, one cycle without restarts; the warm-up
// as in Goyal et al., "Accurate, Large Minibatch SGD", 2017, §2.2). Torch-free.
#pragma once

#include <cstdint>

namespace hwnas::train {

struct CosineSchedule {
  double base_lr = 0.1;           // the rate reached at the end of the warm-up
  double final_lr = 0.0;          // the rate of the last step
  std::int64_t total_steps = 1;   // steps of the whole run (epochs × steps per epoch), >= 1
  std::int64_t warmup_steps = 0;  // 0 <= warmup_steps <= total_steps

  /// The rate of step `step` (0-based, 0 <= step < total_steps):
  ///   step < W:  base · (step + 1) / W
  ///   else:      final + (base − final) · (1 + cos(π · (step − W) / (T − W))) / 2
  /// so the first step after the warm-up runs at `base_lr` and the rate falls towards
  /// `final_lr`, which the step after the last would reach.
  double lr_at(std::int64_t step) const;
};

/// Warm-up steps for a warm-up lasting `fraction` (0 to 1) of `total_steps`, rounded up.
std::int64_t warmup_steps_for(double fraction, std::int64_t total_steps);

}  // namespace hwnas::train

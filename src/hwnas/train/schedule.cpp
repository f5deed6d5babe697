#include "hwnas/train/schedule.h"

#include <cmath>
#include <numbers>

#include "hwnas/base/error.h"

namespace hwnas::train {

double CosineSchedule::lr_at(std::int64_t step) const {
  HWNAS_CHECK(total_steps >= 1 && warmup_steps >= 0 && warmup_steps <= total_steps);
  HWNAS_CHECK(step >= 0 && step < total_steps);
  if (step < warmup_steps) return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  const double progress =
      static_cast<double>(step - warmup_steps) / static_cast<double>(total_steps - warmup_steps);
  return final_lr + (base_lr - final_lr) * (1 + std::cos(std::numbers::pi * progress)) / 2;
}

std::int64_t warmup_steps_for(double fraction, std::int64_t total_steps) {
  HWNAS_CHECK(fraction >= 0 && fraction <= 1 && total_steps >= 1);
  return static_cast<std::int64_t>(std::ceil(fraction * static_cast<double>(total_steps) - 1e-9));
}

}  // namespace hwnas::train

// Wall time since a point of the steady clock, in seconds (the trainer's and the scene
// runs' timings).
#pragma once

#include <chrono>

namespace hwnas {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace hwnas

#include "hwnas/hw/target.h"

namespace hwnas::hw {

std::string_view bound_name(Bound bound) {
  switch (bound) {
    case Bound::compute: return "compute";
    case Bound::sram: return "sram";
    case Bound::dram: return "dram";
    case Bound::overhead: return "overhead";
    case Bound::unknown: return "unknown";
  }
  return "unknown";
}

}  // namespace hwnas::hw

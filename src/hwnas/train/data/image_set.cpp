#include "hwnas/train/data/image_set.h"

#include "hwnas/base/error.h"

namespace hwnas::train {

std::string_view task_name(Task task) {
  switch (task) {
    case Task::classification: return "classification";
    case Task::detection: return "detection";
    case Task::segmentation: return "segmentation";
  }
  throw InternalError("task_name: unknown Task value " + std::to_string(static_cast<int>(task)));
}

}  // namespace hwnas::train

// Measuring a supernet's subnets (`hwnas supernet eval`, the search's `accuracy: supernet:`)
// and extracting one with its weights (`hwnas supernet extract`). docs/supernet.md.
//
// A subnet is a graph of the supernet's space (a decoded genome or a model file of it).
// Before it is measured its batch norms are recalibrated (bn_recalibration.h) on the same
// `calibration_images` training images for every subnet: the first of a fixed permutation
// of the training subset (sampling.h epoch_order with seed 0), at the subnet's resolution,
// not augmented, in batches of the supernet's training batch; then top-1 and top-5 on the
// validation images the supernet held out (or the test set), in eval mode.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/graph/graph.h"
#include "hwnas/space/space.h"
#include "hwnas/train/checkpoint.h"
#include "hwnas/train/supernet/supernet_data.h"
#include "hwnas/train/supernet/supernet_file.h"
#include "hwnas/train/supernet/weight_bank.h"

namespace hwnas::train::supernet {

struct MeasureOptions {
  std::int64_t calibration_images = 2000;  // >= 2; the training subset's when fewer
  std::int32_t calibration_batch = 128;    // >= 2
  std::int32_t batch = 256;                // of the measurement
  bool test = false;                       // the test set instead of the validation images
  std::int64_t validation = 0;             // measure on validation_split(validation) (<= the held-out)
};

struct SubnetAccuracy {
  std::string model;            // the graph's name
  std::int32_t resolution = 0;
  /// The task's metric, a fraction: top-1 (classification), mAP@0.5 (detection, COCO's
  /// 101-point AP, metrics/detection_map.h) or mIoU (segmentation, metrics/segmentation.h).
  double metric = 0;
  double top1 = 0, top5 = 0;    // classification, fractions
  double map_50_95 = 0;         // detection: COCO mAP@[.5:.95]
  double baseline = 0;          // scene tasks: the trivial baseline's metric on the same scenes (scene_run.h)
  std::int64_t images = 0;      // measured (images or scenes)
  double seconds = 0;           // recalibration and measurement, wall
};

/// `subnet` as a network whose weights are views of `bank` (made without gradients; the
/// bank must outlive it), recalibrated as above, in eval mode. UserError: the bank's (a model of another space),
/// a model that is not a 10-class classifier of 1 or 3 input channels (model_input.h).
Network calibrated_subnet(const WeightBankImpl& bank, const graph::Graph& subnet, const SupernetData& data,
                          const MeasureOptions& options);

/// Recalibrates `subnet` and measures it (above). Errors as calibrated_subnet's.
SubnetAccuracy measure_subnet(const WeightBankImpl& bank, const graph::Graph& subnet, const SupernetData& data,
                              const MeasureOptions& options);

/// A supernet file opened for measuring and extracting: its space, bank and data.
struct SupernetEvalOptions {
  std::string data_dir;                     // Fashion-MNIST's (default: Debian's); a scene supernet's: the scene cache
  /// Called with the supernet's task once the file is read, before any data is: the
  /// caller's check of data_dir (hwnas-train's names --data).
  std::function<void(Task)> check_data;
  std::string space;                        // --space: the space, when its file moved (supernet_space)
  std::string expect_fingerprint;           // "" or the caller's space's (space.h fingerprint; the search's)
  std::string expect_space_name;            // "" or that space's name (named when the fingerprint differs)
  std::int64_t calibration_images = 2000;
  bool test = false;                        // measure on the test set
  std::int64_t validation = -1;             // -1: the file's held-out count; else at most it
  std::string validation_key;               // "": errors name --validation and --test; else this key (a search's)
  std::string space_key;                    // "": errors name --space; else this key (a search's)
};
class OpenedSupernet {
 public:
  /// Reads `path` (read_supernet, supernet_space) and the data. UserError: the file's and
  /// the space's errors; a supernet whose space's fingerprint is not `expect_fingerprint`
  /// (a search's space of the same name with other choices: names both, before the space
  /// is built); --validation larger than the file's held-out images (their
  /// validation images would include trained ones) or, with a file that held none out,
  /// any measurement but --test; --calibration-images below 2 (above the supernet's
  /// training images it is that count).
  OpenedSupernet(const std::string& path, const SupernetEvalOptions& options);

  const space::Space& space() const { return *space_; }
  const SupernetFile& file() const { return file_; }
  /// The space files the space was looked up in (supernet_space_files): inputs of the
  /// command that no output may replace.
  const std::vector<std::string>& space_files() const { return space_files_; }
  /// The training images each subnet is recalibrated on: --calibration-images, or the
  /// supernet's training images when fewer.
  std::int64_t calibration_images() const { return measure_.calibration_images; }
  /// The images it is measured and recalibrated on (a scene supernet's: its scenes, their
  /// canvas size as train_set.width, its labels, and the cache note).
  const SupernetData& data() const { return data_; }

  /// Throws calibrated_subnet's UserErrors for `subnet` without measuring it (a network of
  /// views of the bank is built and dropped), so that a list of models is refused before
  /// any is measured; and a UserError naming both when `subnet` is not named as the
  /// supernet's space (a network of another space whose layers happen to fit in the bank,
  /// e.g. a smaller space with the same layer names). check, measure and extract refuse it.
  void check(const graph::Graph& subnet) const;

  SubnetAccuracy measure(const graph::Graph& subnet) const;

  /// The recalibrated subnet's tensors as a weights file of `subnet` (checkpoint.h, what
  /// hwnas train --init-from and hwnas evaluate read), task classification.
  WeightsFile extract(const graph::Graph& subnet) const;

 private:
  std::string path_;
  SupernetFile file_;
  std::unique_ptr<space::Space> space_;
  std::vector<std::string> space_files_;
  void check_of_space(const graph::Graph& subnet) const;
  SupernetData scene_data(const SupernetEvalOptions& options, const std::string& validation_key) const;
  WeightBank bank_{nullptr};
  SupernetData data_;
  MeasureOptions measure_;
};

}  // namespace hwnas::train::supernet

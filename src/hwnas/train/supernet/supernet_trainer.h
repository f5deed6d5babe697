// Training a weight-sharing supernet over a classification space on Fashion-MNIST, or a
// detection or segmentation space on the scenes (`hwnas supernet train`; issue 13 §2;
// docs/supernet.md).
//
// The sandwich rule with in-place distillation of BigNAS (Yu et al., "BigNAS", ECCV 2020,
// §3.1; from Yu & Huang, "Universally Slimmable Networks", ICCV 2019): every step
// trains, on the same images (each at its subnet's resolution, with the same augmentation
// draws), the largest subnet on the labels (cross-entropy with label smoothing, as the
// trainer), and the smallest and `random_subnets` random ones on the largest's detached
// soft predictions (soft cross-entropy −Σ p_largest · log p_subnet, i.e. KL divergence up
// to a constant); the loss is the mean of the subnets' (BigNAS sums them; at the default
// --lr 0.1 the sum trained our space's supernet to 59% where the mean reached 71%, one
// epoch, docs/supernet.md "Measured"), so one backward pass accumulates every subnet's
// gradients in the bank (weight_bank.h) and one optimiser step updates it. Largest and
// smallest: subnet_genomes.h (one block kind for all block genes, drawn per step). The subnets of
// step s of epoch e are drawn from SplitMix(derive_seed(seed, e, s), 1).
//
// Or OFA's progressive shrinking (Cai et al., ICLR 2020, §3.2; --schedule progressive): the
// run's S steps are cut into 1 + P phases (P = shrinking_phase_count, subnet_genomes.h: 5 on
// mobilenet-cls), step s (0-based over the whole run) in phase ⌊s (1 + P) / S⌋, so phases
// differ by at most a step; phase 0 trains the largest subnet alone on the labels, phase p the
// largest, the smallest and `random_subnets` random subnets of phase p (phase_genome: the
// dimensions elastic by then drawn, the others at the largest's), distilled from the
// largest as above. OFA distils from a separately trained, frozen full network and samples
// one subnet a step; here the teacher is the largest trained in place, as in the sandwich.
//
// Everything else is trainer.h's fit(): SGD with Nesterov momentum (or AdamW), no weight
// decay on 1-D tensors, warm-up and cosine schedule, seeded order and augmentation, the
// divergence checks, a checkpoint after every epoch and --resume.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hwnas/space/space.h"
#include "hwnas/train/train_options.h"

namespace hwnas::train::supernet {

/// Which subnets each step trains (see above).
enum class SupernetSchedule : std::uint8_t { sandwich, progressive };
std::string_view schedule_name(SupernetSchedule schedule);
/// "sandwich" or "progressive"; UserError naming `option` and the choices otherwise.
SupernetSchedule parse_schedule(std::string_view text, std::string_view option);

struct SupernetTrainOptions {
  TrainOptions train;                 // task; epochs, batch, optimizer, subset, validation (classification;
                                      // default 5,000 on the command line), scenes, test_scenes, scene_size,
                                      // scene_labels (detection, segmentation), threads, seed, data (the scene
                                      // cache for those), checkpoint, resume; save and init_from unused
  std::int32_t random_subnets = 2;    // random subnets per step besides the largest and the smallest, 0 to 16
  SupernetSchedule schedule = SupernetSchedule::sandwich;
  std::int32_t bank_genomes = 300;    // random genomes sizing the bank besides the largest ones
  std::string out;                    // the supernet file (supernet_file.h)
  std::string space_arg;              // as make_space took it (stored in the file)
  std::string target;                 // as given (stored)
  std::int32_t parallelism_factor = 0;
  std::int64_t calibration_images = 2000;  // for measuring the largest and smallest subnet at the end
};

struct SupernetRun {
  bool failed = false;
  std::string failure;
  std::int32_t epochs_done = 0, resumed_from_epoch = 0, threads = 0;
  std::int64_t train_images = 0;          // the training subset
  std::int64_t images_trained = 0;        // batch images of this session's steps
  std::int64_t subnet_images = 0;         // images through a subnet in this session (steps × batch × subnets)
  double train_seconds = 0;               // this session's training
  double resumed_train_seconds = 0;       // resumed: the sessions' before it (the checkpoint's)
  double images_per_s = 0;                // images_trained / train_seconds
  double final_loss = 0;                  // mean sandwich loss (mean over subnets) of the last epoch
  std::int64_t bank_tensors = 0, bank_parameters = 0;
  // The largest and the smallest subnet (first categorical choices) after recalibration, on the
  // validation images (the test set with --validation 0; the test scenes for detection and
  // segmentation): the task's metric as a fraction (top-1, mAP@0.5 or mIoU; supernet_eval.h).
  std::string largest_arch, smallest_arch;
  double largest_accuracy = 0, smallest_accuracy = 0;
  double baseline = 0;                    // scene tasks: the trivial baseline's metric on those scenes
  std::int64_t measured_images = 0;       // the images or scenes they were measured on
  std::string cache_note;                 // scene tasks: a corrupt cache file generated again, else ""
  bool validation = false;
};

/// Trains the supernet of `space` (classification: a classifier of 10 classes on 1- or
/// 3-channel images; detection, segmentation: an SSD head or a segmenter of the scenes'
/// classes, task_heads.h scene_model) and writes options.out. UserError before any work
/// for: bad knobs (check_train_options; random_subnets out of range), a space that is not
/// such a network ("space 'S' cannot be trained for detection on the scenes (...)"), scene
/// knobs as hwnas train refuses them, --out or --checkpoint paths that cannot be written
/// (or are each other, or in the dataset directory), a missing dataset, a checkpoint that
/// cannot be resumed (one of another space, --random-subnets, --schedule, task or scenes says which:
/// "C: was written by a supernet training with --random-subnets 1, not 2; resume with the
/// same options or drop --resume"; the training options as check_resumable,
/// checkpoint.h). After the data is loaded, before training: --schedule progressive with
/// fewer steps in the run than phases ("--schedule progressive trains space 'S' in 6 phases
/// of at least one step each, and this run has 2 steps (1 an epoch): give more --epochs,
/// ..."). A diverging run is returned failed and writes no supernet file.
SupernetRun train_supernet(const space::Space& space, const SupernetTrainOptions& options,
                           const ProgressCallback& progress);

}  // namespace hwnas::train::supernet

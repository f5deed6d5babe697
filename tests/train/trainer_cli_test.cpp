// hwnas train and hwnas evaluate as a user runs them, on Fashion-MNIST with a tiny model
// and a small subset: output, weights, a run killed with SIGKILL and resumed, a diverging
// run, and every bad input as a one-line error (exit 2) that writes nothing.
#include <gtest/gtest.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/cli_runner.h"
#include "cli_support.h"
#include "support/resources.h"

namespace hwnas::testing {
namespace {

// A 10-class classifier small enough to train 600 images an epoch in well under a second.
const char* kTinyModel =
    "name: tiny_fmnist\ninput: [1, 14, 14]\nlayers:\n"
    "  - {op: conv, out: 8, kernel: 3, stride: 2, act: relu}\n"
    "  - {op: global_pool}\n"
    "  - {op: linear, out: 10}\n";

std::vector<std::string> quick(const std::string& model, std::vector<std::string> extra = {},
                               const std::string& epochs = "2", const std::string& subset = "0.01") {
  std::vector<std::string> args = {"train", model, "--epochs", epochs, "--subset", subset, "--threads", "1",
                                   "--batch", "32", "--seed", "3"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::string path_in_scratch(const std::string& name) {
  std::filesystem::remove(scratch_dir() / name);
  return (scratch_dir() / name).string();
}

TEST(TrainCli, TrainsSavesAndEvaluates) {
  REQUIRE_FASHION_MNIST();
  const std::string model = write_temp("tiny_fmnist.yaml", kTinyModel), weights = path_in_scratch("w.pt");
  const Result r = hwnas(quick(model, {"--save", weights, "--json"}, "3", "0.05"));
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("status"), "ok");
  EXPECT_EQ(j.at("train_images"), 3000);  // 5% of each class's 6,000
  EXPECT_EQ(j.at("epochs_done"), 3);
  EXPECT_EQ(j.at("metrics").at("test_images"), 10000);
  const double top1 = j.at("metrics").at("top1");
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), 100 * top1);  // the search's one key, every task
  EXPECT_GT(top1, 0.3);  // chance is 0.1; measured 0.42
  EXPECT_GE(j.at("metrics").at("top5").get<double>(), top1);
  EXPECT_GT(j.at("images_per_s").get<double>(), 0);
  EXPECT_GT(j.at("peak_rss_bytes").get<double>(), 0);
  // Off a terminal (stderr is a pipe here): a line at the first step and one per epoch, for
  // nohup and CI logs (issue 11, fresh-user finding 7: a line per 10% of a long run).
  const std::string lines[] = {"train tiny_fmnist: 1/279 (0%), elapsed ", "epoch 1/3, loss ",
                               "train tiny_fmnist: 93/279 (33%), elapsed ", "epoch 1/3 done, loss ",
                               "epoch 2/3 done, loss ", "train tiny_fmnist: 279/279 (100%), elapsed ",
                               "epoch 3/3 done, loss "};
  for (const std::string& line : lines) EXPECT_NE(r.err.find(line), std::string::npos) << line << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 4) << r.err;
  EXPECT_NE(r.err.find("loss"), std::string::npos);  // the progress bar
  EXPECT_NE(r.err.find("images/s"), std::string::npos);

  const Result e = hwnas({"evaluate", model, "--weights", weights, "--threads", "1", "--json"});
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_EQ(nlohmann::json::parse(e.out).at("metrics").at("top1").get<double>(), top1);
  // Scene options with a classifier's weights: refused, not ignored.
  expect_bad_input({"evaluate", model, "--weights", weights, "--scene-size", "32"},
                   "--scene-size is for detection and segmentation weights");
  const Result human = hwnas({"evaluate", model, "--weights", weights, "--threads", "1"});
  ASSERT_EQ(human.status, 0) << human.err;
  EXPECT_NE(human.out.find("top-1"), std::string::npos);

  // Weights of another model: refused naming the tensor.
  const std::string other = write_temp("other.yaml", std::string(kTinyModel).replace(
                                                         std::string(kTinyModel).find("out: 8"), 6, "out: 6"));
  expect_bad_input({"evaluate", other, "--weights", weights}, "conv");
  expect_bad_input({"evaluate", "mobilenet_v2:width=0.5,in_ch=1,classes=10,res=32", "--weights", weights},
                   "w.pt");
}

// The summary counts what was trained: whole batches only, so 600 images at --batch 32
// train 576 an epoch; one thread, one epoch, in the singular (fresh-user finding 14 of issue 12).
TEST(TrainCli, TheSummaryCountsTheImagesTrained) {
  REQUIRE_FASHION_MNIST();
  const std::string model = write_temp("tiny_fmnist.yaml", kTinyModel);
  const Result r = hwnas(quick(model, {}, "1", "0.01"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("model tiny_fmnist (classification, Fashion-MNIST, 600 training images at 14x14, 1 channel, "
                       "1 thread)\n1 epoch: 576 images in "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(" s (576 an epoch: whole batches only, the last 24 of each epoch's shuffled order left out), "),
            std::string::npos)
      << r.out;
  // 600 images in batches of 40: all of them, and no note.
  std::vector<std::string> args = quick(model, {}, "1", "0.01");
  *(std::find(args.begin(), args.end(), "--batch") + 1) = "40";
  const Result whole = hwnas(args);
  ASSERT_EQ(whole.status, 0) << whole.err;
  EXPECT_NE(whole.out.find("1 epoch: 600 images in "), std::string::npos) << whole.out;
  EXPECT_EQ(whole.out.find("left out"), std::string::npos) << whole.out;
}

TEST(TrainCli, AKilledRunResumesToTheSameWeights) {
  REQUIRE_FASHION_MNIST();
  const std::string model = write_temp("tiny_fmnist.yaml", kTinyModel);
  const std::string whole = path_in_scratch("whole.pt"), resumed = path_in_scratch("resumed.pt"),
                    ckpt = path_in_scratch("run.ckpt");
  ASSERT_EQ(hwnas(quick(model, {"--save", whole}, "4", "0.05")).status, 0);

  // The same run with a checkpoint, stopped with Ctrl-C (SIGINT) once epoch 1's checkpoint
  // exists: it ends by the signal after saying how to continue (SceneCli kills with SIGKILL).
  std::vector<std::string> args = quick(model, {"--checkpoint", ckpt, "--save", resumed}, "4", "0.05");
  const std::string err = path_in_scratch("interrupted.err");
  ASSERT_TRUE(kill_when_file_appears(args, ckpt, SIGINT, err)) << "the run ended before it was stopped: make it longer";
  EXPECT_FALSE(std::filesystem::exists(resumed));
  EXPECT_NE(read_file(err).find("hwnas: interrupted; " + ckpt + " holds the finished epochs: continue with hwnas train "),
            std::string::npos)
      << read_file(err);
  EXPECT_NE(read_file(err).find(" --checkpoint " + ckpt + " --save " + resumed), std::string::npos) << read_file(err);
  EXPECT_TRUE(read_file(err).ends_with(" --resume\n")) << read_file(err);

  args.push_back("--resume");
  const Result r = hwnas(args);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("resumed after epoch"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(resumed), read_file(whole));  // bit for bit

  // Resumed once more, with every epoch done: the checkpoint's training time, not "0.00 s".
  const Result done = hwnas(args);
  ASSERT_EQ(done.status, 0) << done.err;
  EXPECT_NE(done.out.find("4 epochs, all in the checkpoint (its training took "), std::string::npos) << done.out;
  EXPECT_EQ(done.out.find("in 0.00 s"), std::string::npos) << done.out;
}

TEST(TrainCli, ADivergingRunFailsWithItsReason) {
  REQUIRE_FASHION_MNIST();
  const std::string model = write_temp("tiny_fmnist.yaml", kTinyModel), weights = path_in_scratch("never.pt");
  const Result r = hwnas(quick(model, {"--lr", "1e6", "--warmup", "0", "--save", weights, "--json"}));
  EXPECT_EQ(r.status, 3) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("status"), "failed");
  EXPECT_FALSE(j.contains("metrics"));
  EXPECT_NE(j.at("failure").get<std::string>().find("diverged"), std::string::npos);
  EXPECT_NE(r.err.find("hwnas: training failed: "), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(weights));
}

// --serve (the search's accuracy source `train`): each stdin line's model is trained as a
// run of its own would be, the same model twice to the same answer (the data read once
// is not changed by a run), and a model it refuses is an error line; the process goes on.
TEST(TrainCli, ServeTrainsEachModelAsARunOfItsOwnWould) {
  REQUIRE_FASHION_MNIST();
  const std::string model = write_temp("tiny_serve.yaml", kTinyModel);
  const Result alone = hwnas(quick(model, {"--json"}));
  ASSERT_EQ(alone.status, 0) << alone.err;
  const nlohmann::json a = nlohmann::json::parse(alone.out);
  const std::string requests = write_temp("serve_requests.txt", model + "\n/nonexistent/m.yaml\n" + model + "\n");
  std::string command = std::string(HWNAS_BINARY);
  for (const std::string& arg : quick("", {"--serve"})) command += arg.empty() ? "" : " " + arg;
  const Result served = run_program({"/bin/sh", "-c", command + " < " + requests});
  ASSERT_EQ(served.status, 0) << served.err;
  std::istringstream lines(served.out);
  std::string first, refused, again, more;
  std::getline(lines, first);
  std::getline(lines, refused);
  std::getline(lines, again);
  EXPECT_FALSE(std::getline(lines, more)) << more;
  for (const std::string& line : {first, again}) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("status"), "ok") << line;
    EXPECT_EQ(j.at("accuracy"), a.at("accuracy")) << line;
    EXPECT_EQ(j.at("metrics"), a.at("metrics")) << line;
    EXPECT_EQ(j.at("images_trained"), a.at("images_trained")) << line;
    EXPECT_EQ(j.at("request"), model) << line;  // "model" is the network's name (s27 finding 11)
  }
  const nlohmann::json r = nlohmann::json::parse(refused);
  EXPECT_EQ(r.at("model"), "/nonexistent/m.yaml");
  EXPECT_EQ(r.at("request"), "/nonexistent/m.yaml");
  EXPECT_NE(r.at("error").get<std::string>().find("/nonexistent/m.yaml"), std::string::npos) << refused;
  // What belongs to one model's run is refused with --serve.
  expect_bad_input(quick(model, {"--serve"}), "--serve reads its MODELs from stdin, one per line; drop MODEL");
  expect_bad_input({"train", "--serve", "--save", path_in_scratch("w.pt")},
                   "--serve answers each model in one JSON line and keeps no files of one model; drop --save");
  expect_bad_input({"train", "--serve", "--init-from", path_in_scratch("w.pt")},
                   "--init-from starts one model from another's weights, and --serve trains every model it is sent "
                   "from its own initialisation; drop --init-from");
  expect_bad_input({"train"}, "give the MODEL to train");
  // What would refuse every model ends the process before the first (a fresh-user finding).
  expect_bad_input({"train", "--serve", "--subset", "0.0001", "--batch", "32"}, "--subset 0.0001 leaves");
}

TEST(TrainCli, ValidationMeasuresHeldOutTrainingImages) {
  REQUIRE_FASHION_MNIST();
  const std::string model = write_temp("tiny_fmnist.yaml", kTinyModel);
  const Result r = hwnas(quick(model, {"--validation", "2000", "--json"}, "1", "0.05"));
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("metrics").at("validation_images"), 2000);
  EXPECT_FALSE(j.at("metrics").contains("test_images"));
  EXPECT_EQ(j.at("train_images"), 2900);  // 5% of the 58,000 images left
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), 100 * j.at("metrics").at("top1").get<double>());
  // Printed from the count of correct images: at most 4 decimals of 2,000 images, no float noise.
  const std::string printed = j.at("accuracy").dump();
  EXPECT_LE(printed.size() - std::min(printed.size(), printed.find('.')), 5u) << printed;
  const Result human = hwnas(quick(model, {"--validation", "2000"}, "1", "0.05"));
  EXPECT_NE(human.out.find("on 2000 held-out training (--validation) images"), std::string::npos) << human.out;
  expect_bad_input(quick(model, {"--validation", "30001"}), "--validation 30001 is too large");
}

TEST(TrainCli, BadInputIsAOneLineErrorAndWritesNothing) {
  const std::string model = write_temp("tiny_fmnist.yaml", kTinyModel), weights = path_in_scratch("bad.pt");
  expect_bad_input(quick(model, {"--task", "regression", "--save", weights}), "--task 'regression' is not a task");
  // A model without an SSD head given to detection: tests/train/scene_cli_test.cpp.
  expect_bad_input(quick(model, {"--data", scratch_dir().string(), "--save", weights}),
                   "--data " + scratch_dir().string() +
                       ": has no train-images-idx3-ubyte.gz; install Fashion-MNIST with `apt-get install "
                       "dataset-fashion-mnist`");
  // --data naming a file, or nothing: --data is named, no mkdir advice (fresh-user finding 12 of issue 12).
  expect_bad_input(quick(model, {"--data", model, "--save", weights}),
                   "hwnas: --data " + model + ": is a file, not a directory; give the directory that holds the four "
                   "IDX files (e.g. " + scratch_dir().string() + ")");
  expect_bad_input(quick(model, {"--data", "/nonexistent/fmnist", "--save", weights}),
                   "hwnas: --data /nonexistent/fmnist: no such directory; install Fashion-MNIST with");
  expect_bad_input(quick(model, {}, "2", "0"), "--subset");
  // A subset that fills no batch (s25 finding 5): the smallest that does.
  expect_bad_input(quick(model, {}, "2", "1e-9"),
                   "--subset 1e-09 leaves 10 training images, fewer than one batch of 32 (--batch); give --subset at "
                   "least ");
  expect_bad_input(quick(model, {}, "0"), "--epochs");
  expect_bad_input(quick(model, {"--res", "4"}), "--res");
  // More threads than 4 a core: a typo (s25 finding 4).
  expect_bad_input({"train", model, "--threads", "1000"}, "--threads 1000 is more than 4 × the ");
  // Batch norm over one image: refused up front, not a 'divergence' after the run (fresh-user finding).
  expect_bad_input(quick(model, {"--batch", "1"}), "--batch");
  expect_bad_input(quick(model, {"--optimizer", "adam"}), "--optimizer 'adam' is not an optimizer");
  expect_bad_input(quick(model, {"--resume"}), "--checkpoint");
  // Outputs that would be replaced silently (s25 finding 6): a checkpoint without --resume, a
  // weights file named like a model.
  const std::string old_checkpoint = write_temp("old.ckpt", "an earlier run's");
  expect_bad_input(quick(model, {"--checkpoint", old_checkpoint}),
                   old_checkpoint + " exists: give --resume to continue it, or remove it");
  expect_bad_input(quick(model, {"--save", path_in_scratch("w.yaml")}),
                   "w.yaml: the weights file (--save) is a torch pickle, not a model or config file; name it e.g. "
                   "w.pt");
  EXPECT_EQ(read_file(old_checkpoint), "an earlier run's");
  expect_bad_input(quick(model, {"--save", model}), "model file (MODEL)");
  // Weights named like a dataset file would replace it (fresh-user finding, session 22).
  const char* fmnist_env = std::getenv("HWNAS_FASHION_MNIST_DIR");
  const std::filesystem::path fmnist = fmnist_env != nullptr && *fmnist_env != '\0'
                                           ? fmnist_env
                                           : "/usr/share/datasets/fashion-mnist";  // as hwnas-train reads
  expect_bad_input(quick(model, {"--save", (fmnist / "w.pt").string()}),
                   "w.pt: the weights file (--save) would be written into the dataset directory");
  EXPECT_FALSE(std::filesystem::exists(fmnist / "w.pt"));
  expect_bad_input(quick(model, {"--checkpoint", path_in_scratch("absent.ckpt"), "--resume"}), "absent.ckpt");
  // An unknown option before a missing one, named with the command whose help to read
  // (issue 11, fresh-user finding 3: "--weights is required; run 'hwnas --help'", "The
  // following arguments were not expected: 3 --epochs").
  expect_bad_input({"evaluate", model, "--epochs", "3"},
                   "hwnas: --epochs is an option of 'hwnas train', not of 'hwnas evaluate'; run 'hwnas evaluate --help'");
  expect_bad_input({"evaluate", model, "--weights", weights, "extra"},
                   "hwnas: unexpected argument 'extra' for 'hwnas evaluate'; run 'hwnas evaluate --help'");
  expect_bad_input({"evaluate", model}, "hwnas: --weights is required; run 'hwnas evaluate --help'");
  expect_bad_input({"train", model, "--bogus=1"},
                   "hwnas: unknown option '--bogus' for 'hwnas train'; run 'hwnas train --help'");
  EXPECT_FALSE(std::filesystem::exists(weights));
  REQUIRE_FASHION_MNIST();
  expect_bad_input(quick("mobilenet_v2:width=0.5,in_ch=1,res=32", {"--save", weights}),
                   "gives 1000 class scores but the data have 10 classes");
  // A model the trainer cannot express as a classifier: its output is a map (named).
  const std::string map_model = write_temp(
      "map.yaml", "name: map\ninput: [1, 28, 28]\nlayers:\n  - {op: conv, out: 10, kernel: 3, act: relu, name: last}\n");
  expect_bad_input(quick(map_model, {"--save", weights}), "is [10,28,28], a map");
  expect_bad_input(quick("mobilenet_v2:width=0.5,in_ch=2,classes=10,res=32", {"--save", weights}), "in_ch=1");
  EXPECT_FALSE(std::filesystem::exists(weights));
}

// `from` (a weights file or checkpoint: a zip of stored entries) copied to `to` with the
// first 8 bytes of entry "<archive>/data/0", the first tensor pickled (the first of
// "tensors", a float weight), set to 0xff: a NaN, as a flipped block of a disk would leave.
void write_with_a_nan(const std::string& from, const std::string& to) {
  std::string bytes = read_file(from);
  const auto u16 = [&](std::size_t at) {
    return static_cast<std::size_t>(static_cast<unsigned char>(bytes[at])) |
           static_cast<std::size_t>(static_cast<unsigned char>(bytes[at + 1])) << 8;
  };
  bool damaged = false;
  for (std::size_t at = bytes.find("PK\x03\x04"); at != std::string::npos && at + 30 < bytes.size() && !damaged;
       at = bytes.find("PK\x03\x04", at + 4)) {
    const std::size_t name = u16(at + 26), extra = u16(at + 28);
    if (!bytes.substr(at + 30, name).ends_with("/data/0")) continue;
    std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(at + 30 + name + extra), 8, '\xff');
    damaged = true;
  }
  ASSERT_TRUE(damaged) << from << " has no entry data/0";
  std::ofstream(to, std::ios::binary) << bytes;
}

// A weights file or checkpoint holding a NaN is refused wherever it is read, naming the file
// and the tensor: it measured chance (10%), resumed to "nothing left to train" and wrote
// weights, or trained to a "loss is nan" that blamed --lr (s32 fresh-user finding 2).
TEST(TrainCli, AWeightsFileOrCheckpointHoldingANanIsRefused) {
  REQUIRE_FASHION_MNIST();
  const std::string model = write_temp("tiny_fmnist.yaml", kTinyModel), weights = path_in_scratch("good.pt"),
                    ckpt = path_in_scratch("good.ckpt"), out = path_in_scratch("never.pt");
  ASSERT_EQ(hwnas(quick(model, {"--save", weights, "--checkpoint", ckpt}, "1")).status, 0);
  const std::string bad_weights = path_in_scratch("nan.pt"), bad_ckpt = path_in_scratch("nan.ckpt");
  write_with_a_nan(weights, bad_weights);
  write_with_a_nan(ckpt, bad_ckpt);
  const std::string holds = "' holds a NaN or an infinity: the file is damaged; restore it from a copy";
  expect_bad_input({"evaluate", model, "--weights", bad_weights, "--threads", "1"}, "nan.pt: tensor '");
  expect_bad_input({"evaluate", model, "--weights", bad_weights, "--threads", "1"}, holds);
  expect_bad_input(quick(model, {"--init-from", bad_weights, "--save", out}, "1"), "nan.pt: tensor '");
  expect_bad_input(quick(model, {"--init-from", bad_ckpt, "--save", out}, "1"), "nan.ckpt: tensor '");
  // Every epoch done: it wrote the weights it resumed.
  expect_bad_input(quick(model, {"--checkpoint", bad_ckpt, "--resume", "--save", out}, "1"),
                   "nan.ckpt: tensor '");
  expect_bad_input(quick(model, {"--checkpoint", bad_ckpt, "--resume", "--save", out}, "1"),
                   "or remove it and train again without --resume");
  EXPECT_FALSE(std::filesystem::exists(out));
}

// A batch that needs more memory than the process may have (here ulimit -v 3 GB: resnet18's
// first activation at 256x256 and batch 512 alone is 2.1 GB) is a one-line error, not an
// internal error with the allocator's backtrace (s32 fresh-user finding 3); evaluate's too
// (--batch 10000 at 256x256: 2.6 GB of pixels, 5.2 GB of the conv's output).
TEST(TrainCli, ABatchThatDoesNotFitInMemoryIsRefused) {
  REQUIRE_FASHION_MNIST();
  const std::string weights = path_in_scratch("big.pt");
  const std::string limited = "ulimit -v 3000000 && exec " + std::string(HWNAS_BINARY) + " ";
  const Result r = run_program({"/bin/sh", "-c",
                                limited + "train resnet18:in_ch=1,classes=10 --res 256 --batch 512 --epochs 1 "
                                          "--subset 0.1 --threads 1 --save " + weights});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.err, "hwnas: model 'resnet18' needs more memory than is available at batch 512 and resolution 256: "
                   "give a smaller --batch or --res\n");
  EXPECT_FALSE(std::filesystem::exists(weights));

  // Measured on 100 held-out images, not the 10,000 test images at 256x256 (minutes).
  const std::string model = write_temp("tiny_fmnist.yaml", kTinyModel), big = path_in_scratch("tiny256.pt");
  ASSERT_EQ(hwnas(quick(model, {"--res", "256", "--validation", "100", "--save", big}, "1")).status, 0);
  const Result e = run_program({"/bin/sh", "-c", limited + "evaluate " + model + " --weights " + big +
                                                     " --batch 10000 --threads 1"});
  EXPECT_EQ(e.status, 2) << e.err;
  EXPECT_EQ(e.err, "hwnas: model 'tiny_fmnist' needs more memory than is available at batch 10000 and resolution "
                   "256: give a smaller --batch or --res\n");
}

// What the user gave is what the messages name (s32 fresh-user finding 9): --no-augment, not
// an --augment there is not; for a file of the other kind, what to do with it in this verb;
// a weights file or checkpoint given as MODEL, as what it is.
TEST(TrainCli, MessagesNameTheOptionsGiven) {
  REQUIRE_FASHION_MNIST();
  const std::string model = write_temp("tiny_fmnist.yaml", kTinyModel), weights = path_in_scratch("mine.pt"),
                    ckpt = path_in_scratch("mine.ckpt");
  ASSERT_EQ(hwnas(quick(model, {"--save", weights, "--checkpoint", ckpt}, "1")).status, 0);
  expect_bad_input(quick(model, {"--checkpoint", ckpt, "--resume", "--no-augment"}, "1"),
                   "mine.ckpt: was written by a run without --no-augment, and this one with it; resume with the same "
                   "options or drop --resume");
  expect_bad_input({"evaluate", model, "--weights", ckpt},
                   "mine.ckpt: is a hwnas-checkpoint file, not a weights file; a checkpoint continues a run: `hwnas "
                   "train MODEL <the run's options> --checkpoint FILE --resume --save W.pt` writes its weights");
  expect_bad_input(quick(model, {"--checkpoint", weights, "--resume"}, "1"),
                   "mine.pt: is a hwnas-weights file, not a checkpoint; --checkpoint --resume continues a run from the "
                   "checkpoint it wrote (hwnas train --checkpoint F.ckpt); to start a run from these weights give them "
                   "to --init-from, and drop --resume");
  expect_bad_input({"train", weights},
                   "MODEL " + weights + ": is a weights file or checkpoint of model 'tiny_fmnist' (a torch pickle), "
                   "not a model; give the MODEL it was trained for (a zoo spec or model file) and the file to "
                   "--init-from (weights to start from) or to --checkpoint with --resume (a run to continue)");
  expect_bad_input({"evaluate", ckpt, "--weights", weights}, "and --weights " + ckpt);
}

// --threads' range in --help is the one enforced, 4 × the cores (s32 fresh-user finding 11).
TEST(TrainCli, HelpStatesTheThreadsLimitEnforced) {
  for (const char* verb : {"train", "evaluate"}) {
    const Result r = hwnas({verb, "--help"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("(1 to 4 × the cores, at most 1024: 1 to "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("(1 to 1024)"), std::string::npos) << r.out;
  }
}

// --help names a numeric option's type as CLI11 does for its own (INT, FLOAT), though these
// options take text and convert it themselves (number_options.h): they showed TEXT.
TEST(TrainCli, HelpShowsTheTypeOfNumericOptions) {
  const Result r = hwnas({"train", "--help"});
  ASSERT_EQ(r.status, 0) << r.err;
  // Each followed by two spaces at least: the option column is wide enough.
  for (const std::string option : {"--epochs INT=10", "--seed INT=0", "--threads INT", "--subset FLOAT=1", "--lr FLOAT",
                                   "--weight-decay FLOAT", "--label-smoothing FLOAT=0.1", "--task TEXT=classification"})
    EXPECT_NE(r.out.find("  " + option + "  "), std::string::npos) << option << "\n" << r.out;
  // No option with a number for its default shows TEXT.
  for (std::size_t at = r.out.find("TEXT="); at != std::string::npos; at = r.out.find("TEXT=", at + 1))
    EXPECT_FALSE(std::isdigit(static_cast<unsigned char>(r.out[at + 5]))) << r.out.substr(at, 40);
}

}  // namespace
}  // namespace hwnas::testing

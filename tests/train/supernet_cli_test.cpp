// hwnas supernet train | eval | extract as a user runs them: a tiny supernet of
// mobilenet-cls-fmnist trained on a small subset, subnets measured by architecture string and
// model file (JSON), the --serve protocol the search speaks, extraction then hwnas evaluate,
// and every bad input a one-line error (exit 2) that writes nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_support.h"
#include "support/cli_runner.h"
#include "support/resources.h"

namespace hwnas::testing {
namespace {

const std::string kSpace = std::string(HWNAS_SOURCE_DIR) + "/tests/train/supernet_tiny_space.yaml";
const std::string kFmnistSpace = std::string(HWNAS_SOURCE_DIR) + "/configs/spaces/mobilenet-cls-fmnist.yaml";

std::string scratch(const std::string& name) {
  std::filesystem::remove(scratch_dir() / name);
  return (scratch_dir() / name).string();
}

// One epoch on 120 images, 500 held out: a second.
std::vector<std::string> tiny_train(const std::string& out, const std::string& space = kSpace) {
  return {"supernet", "train", space, "--out", out, "--epochs", "1", "--subset", "0.002", "--validation", "500",
          "--batch", "16", "--threads", "1", "--random-subnets", "1", "--calibration-images", "32", "--json"};
}

// The architecture strings `hwnas space sample` prints for `count` subnets (and their files).
std::vector<std::string> sample_arches(std::int32_t count, const std::string& dir) {
  const Result r = hwnas({"space", "sample", kSpace, "--count", std::to_string(count),
                          "--seed", "5", "--out", dir, "--json"});
  EXPECT_EQ(r.status, 0) << r.err;
  std::vector<std::string> arches;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  for (const auto& m : j.at("samples")) arches.push_back(m.at("arch"));
  return arches;
}

TEST(SupernetCli, TrainsMeasuresServesAndExtracts) {
  REQUIRE_FASHION_MNIST();
  const std::string file = scratch("t.supernet"), checkpoint = scratch("t.ckpt");
  std::vector<std::string> train = tiny_train(file);
  train.insert(train.end(), {"--checkpoint", checkpoint});
  const Result t = hwnas(train);
  ASSERT_EQ(t.status, 0) << t.err;
  const nlohmann::json j = nlohmann::json::parse(t.out);
  EXPECT_EQ(j.at("space"), "tiny-supernet");
  EXPECT_EQ(j.at("train_images"), 120);
  EXPECT_EQ(j.at("images_trained"), 112);  // 7 whole batches of 16
  EXPECT_EQ(j.at("epochs"), 1);
  EXPECT_EQ(j.at("resumed_train_seconds"), 0);
  EXPECT_EQ(j.at("measured_on"), "validation");
  EXPECT_TRUE(std::filesystem::exists(file));

  // Resumed with every epoch done: the time is the checkpoint's (it was reported as 0 s).
  train.push_back("--resume");
  const Result again = hwnas(train);
  ASSERT_EQ(again.status, 0) << again.err;
  const nlohmann::json resumed = nlohmann::json::parse(again.out);
  EXPECT_EQ(resumed.at("resumed_from_epoch"), 1);
  EXPECT_GT(resumed.at("resumed_train_seconds").get<double>(), 0);
  // The checkpoint was written before the first run's clock stopped.
  EXPECT_LE(resumed.at("resumed_train_seconds").get<double>(), j.at("train_seconds").get<double>());
  // train_seconds is every session's, as the file's; session_seconds this one's.
  EXPECT_DOUBLE_EQ(j.at("train_seconds").get<double>(), j.at("session_seconds").get<double>());
  EXPECT_DOUBLE_EQ(resumed.at("train_seconds").get<double>(),
                   resumed.at("session_seconds").get<double>() + resumed.at("resumed_train_seconds").get<double>());
  EXPECT_GT(resumed.at("train_seconds").get<double>(), resumed.at("session_seconds").get<double>());
  // This session's per-epoch figures: measured when it trained, null when it trained no
  // epoch (they read 0.0; s26 second pass, finding 15).
  EXPECT_GT(j.at("seconds_per_epoch").get<double>(), 0);
  EXPECT_TRUE(j.at("final_loss").is_number()) << j.dump();
  EXPECT_TRUE(resumed.at("seconds_per_epoch").is_null()) << resumed.dump();
  EXPECT_TRUE(resumed.at("final_loss").is_null()) << resumed.dump();

  const std::string dir = (scratch_dir() / "subnets").string();
  const std::vector<std::string> arches = sample_arches(2, dir);
  ASSERT_EQ(arches.size(), 2u);
  const std::string model = dir + "/sample-000.yaml";
  // --calibration-images above the 120 training images: the count used is reported.
  const Result e = hwnas({"supernet", "eval", file, arches[1], model, "--calibration-images", "5000", "--json"});
  ASSERT_EQ(e.status, 0) << e.err;
  const nlohmann::json ej = nlohmann::json::parse(e.out);
  ASSERT_EQ(ej.at("models").size(), 2u);
  EXPECT_EQ(ej.at("measured_on"), "validation");
  EXPECT_EQ(ej.at("calibration_images"), 120);
  for (const auto& m : ej.at("models")) {
    EXPECT_EQ(m.at("images"), 500);
    EXPECT_DOUBLE_EQ(m.at("accuracy").get<double>(), 100 * m.at("top1").get<double>());
    EXPECT_GE(m.at("top5").get<double>(), m.at("top1").get<double>());
  }

  // --serve: one JSON line per stdin line, an error line for a model of another space.
  const std::string zoo = scratch("zoo.yaml");
  ASSERT_EQ(hwnas({"export", "mobilenet_v2:width=0.25,res=32,in_ch=1,classes=10", "--format", "yaml", "--out", zoo})
                .status,
            0);
  // Every line is answered, trimmed; a blank one with an error line (a client waiting for
  // an answer must not hang).
  const std::string requests = write_temp("requests.txt", model + "\n" + zoo + "\n \t\n\t" + model + " \r\n");
  const Result s = run_program({"/bin/sh", "-c",
                                std::string(HWNAS_BINARY) + " supernet eval " + file +
                                    " --serve --calibration-images 5000 < " + requests});
  ASSERT_EQ(s.status, 0) << s.err;
  std::istringstream lines(s.out);
  std::string first, second, blank, trimmed, fifth;
  std::getline(lines, first);
  std::getline(lines, second);
  std::getline(lines, blank);
  std::getline(lines, trimmed);
  EXPECT_FALSE(std::getline(lines, fifth));
  const nlohmann::json a = nlohmann::json::parse(first), b = nlohmann::json::parse(second);
  EXPECT_EQ(nlohmann::json::parse(blank), nlohmann::json({{"error", "empty request: send one model per line, a model file's path or a zoo spec"}}));
  EXPECT_EQ(nlohmann::json::parse(trimmed).at("accuracy"), a.at("accuracy")) << trimmed;
  EXPECT_DOUBLE_EQ(a.at("accuracy").get<double>(),
                   ej.at("models").at(1).at("accuracy").get<double>());
  EXPECT_GT(a.at("seconds").get<double>(), 0);
  EXPECT_NE(b.at("error").get<std::string>().find("is not of the supernet's space"), std::string::npos) << second;

  // Extract, then hwnas evaluate reads the model and weights.
  const std::string out = scratch("sub.yaml"), weights = scratch("sub.pt");
  const Result x = hwnas({"supernet", "extract", file, model, "--out", out, "--weights", weights,
                          "--calibration-images", "5000"});
  ASSERT_EQ(x.status, 0) << x.err;
  EXPECT_NE(x.out.find("recalibrated on 120 training images"), std::string::npos) << x.out;
  const Result ev = hwnas({"evaluate", out, "--weights", weights, "--threads", "1", "--json"});
  ASSERT_EQ(ev.status, 0) << ev.err;
  EXPECT_EQ(nlohmann::json::parse(ev.out).at("metrics").at("test_images"), 10000);
}

// An epoch trains whole batches only: the text says the images trained and those left out,
// as hwnas train does; it said "60 images" for one batch of 32 (s32 fresh-user finding 12c).
TEST(SupernetCli, TrainSaysTheImagesTrainedInWholeBatches) {
  REQUIRE_FASHION_MNIST();
  const Result r = hwnas({"supernet", "train", kSpace, "--out", scratch("w.supernet"), "--epochs", "1", "--subset",
                          "0.001", "--validation", "500", "--batch", "32", "--threads", "1", "--random-subnets", "0",
                          "--calibration-images", "32"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(", 1 epoch: 32 images in "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" s an epoch; 32 of the 60 training images an epoch: whole batches only, the last 28 of each "
                       "epoch's shuffled order left out), 1 thread; written to "),
            std::string::npos)
      << r.out;
}

TEST(SupernetCli, BadInputBeforeAnyWorkIsAOneLineErrorAndWritesNothing) {
  REQUIRE_FASHION_MNIST();
  const std::string out = scratch("never.supernet");
  expect_bad_input({"supernet", "train", "absent-space.yaml", "--out", out}, "absent-space.yaml");
  expect_bad_input({"supernet", "train", kFmnistSpace, "--out", out}, "no target was given");  // P
  expect_bad_input({"supernet", "train", kSpace, "--out", out, "--random-subnets", "17"}, "--random-subnets");
  // The schedule: a bad value, a flag of its value's name, a beginning of its name (s35
  // fresh-user finding 4: "--sched" was taken for "--seed").
  expect_bad_input({"supernet", "train", kSpace, "--out", out, "--schedule", "ofa"},
                   "hwnas: --schedule 'ofa' is not a schedule: give sandwich (BigNAS) or progressive (OFA's "
                   "progressive shrinking)");
  expect_bad_input({"supernet", "train", kSpace, "--out", out, "--progressive"},
                   "hwnas: unknown option '--progressive' for 'hwnas supernet train' (did you mean '--schedule "
                   "progressive'?)");
  expect_bad_input({"supernet", "train", kSpace, "--out", out, "--sched", "progressive"},
                   "hwnas: unknown option '--sched' for 'hwnas supernet train' (did you mean '--schedule'?)");
  // A space that is no classifier of Fashion-MNIST: the space is named and the fix is another
  // space, not a model's classes= (s32 fresh-user finding 7); a detection or segmentation
  // space, the --task it is for.
  const Result cls = hwnas({"supernet", "train", "mobilenet-cls", "--target", "edgetpu-like", "--out", out});
  EXPECT_EQ(cls.status, 2) << cls.err;
  EXPECT_EQ(cls.err, "hwnas: space 'mobilenet-cls' cannot be trained on Fashion-MNIST (model 'mobilenet-cls': output "
                     "'output' gives 1000 class scores but the data have 10 classes); a supernet of --task "
                     "classification (the default) trains classifiers: give a space whose networks take 1- or "
                     "3-channel images and end in 10 classes (e.g. configs/spaces/mobilenet-cls-fmnist.yaml); or give "
                     "a detection or segmentation space of the scenes with --task detection or segmentation\n");
  for (const std::string task : {"detection", "segmentation"}) {
    const std::string space = task == "detection" ? "mobilenet-det" : "mobilenet-seg";
    const Result r = hwnas({"supernet", "train", space, "--target", "edgetpu-like", "--out", out});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.err, "hwnas: space '" + space + "' is a " + task + " space (its head), and a supernet trains for "
                         "--task classification unless told: give --task " + task + " to train it on the scenes\n");
  }
  expect_bad_input({"supernet", "train", kSpace, "--out", out, "--threads", "1000"},
                   "--threads 1000 is more than 4 ×");
  // Outputs that would be replaced silently: a model-like --out, an existing checkpoint.
  const std::string model_like = write_temp("model.yaml", "name: m\n");
  expect_bad_input({"supernet", "train", kSpace, "--out", model_like},
                   "model.yaml: the supernet file (--out) is a torch pickle, not a model or config file; name it e.g. "
                   "model.supernet");
  EXPECT_EQ(read_file(model_like), "name: m\n");
  const std::string old_checkpoint = write_temp("old.ckpt", "an earlier run's");
  expect_bad_input({"supernet", "train", kSpace, "--out", out, "--checkpoint", old_checkpoint},
                   "old.ckpt exists: give --resume to continue it, or remove it");
  expect_bad_input({"supernet", "train", kSpace, "--out", out, "--subset", "1e-9"},
                   "--subset 1e-09 leaves 10 training images, fewer than one batch of 128 (--batch); give --subset");
  const char* fmnist_env = std::getenv("HWNAS_FASHION_MNIST_DIR");
  const std::filesystem::path fmnist =
      fmnist_env != nullptr && *fmnist_env != '\0' ? fmnist_env : "/usr/share/datasets/fashion-mnist";
  expect_bad_input({"supernet", "train", kSpace, "--out", (fmnist / "s.supernet").string()},
                   "s.supernet: the supernet file (--out) would be written into the dataset directory");
  EXPECT_FALSE(std::filesystem::exists(fmnist / "s.supernet"));
  EXPECT_FALSE(std::filesystem::exists(out));

  // Damaged and foreign supernet files.
  expect_bad_input({"supernet", "eval", scratch("absent.supernet"), "0"}, "absent.supernet: cannot read");
  const std::string junk = write_temp("junk.supernet", "not a pickle");
  expect_bad_input({"supernet", "eval", junk, "0"}, "junk.supernet: not a supernet file of hwnas");
}

TEST(SupernetCli, BadSubnetsAndOutputsAreOneLineErrorsAndWriteNothing) {
  REQUIRE_FASHION_MNIST();
  const char* fmnist_env = std::getenv("HWNAS_FASHION_MNIST_DIR");
  const std::filesystem::path fmnist =
      fmnist_env != nullptr && *fmnist_env != '\0' ? fmnist_env : "/usr/share/datasets/fashion-mnist";
  const std::string file = scratch("e.supernet");
  ASSERT_EQ(hwnas(tiny_train(file)).status, 0);
  const std::string text = read_file(file);
  const std::string cut = write_temp("cut.supernet", text.substr(0, text.size() / 2));  // refused as --checkpoint
  expect_bad_input({"supernet", "eval", file, "mobilenet_v2:width=0.25,res=32,in_ch=1,classes=10"},
                   "is not of the supernet's space");
  expect_bad_input({"supernet", "eval", file, "1-2-3"}, "nor an architecture of the supernet's space 'tiny-supernet'");
  expect_bad_input({"supernet", "eval", file, "0", "--validation", "600"}, "held out 500 training images");
  // A search's: its key named, no --test (a search keeps the test set unseen).
  const std::vector<std::string> keyed = {"supernet", "eval", file, "0", "--validation", "600", "--validation-key",
                                          "multi_fidelity.rungs[1].supernet.validation"};
  const Result refused = hwnas(keyed);  // one start: expect_bad_input's checks, and no --test
  EXPECT_EQ(refused.status, 2);
  EXPECT_EQ(refused.err.find('\n'), refused.err.size() - 1) << refused.err;
  EXPECT_NE(refused.err.find("multi_fidelity.rungs[1].supernet.validation 600: the supernet "), std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.err.find("--test"), std::string::npos) << refused.err;
  expect_bad_input({"supernet", "eval", file, "0", "--test", "--validation", "100"}, "--test or --validation");
  const std::string arch = sample_arches(1, (scratch_dir() / "one").string()).at(0);
  const std::string model = scratch("m.yaml"), weights = scratch("m.pt");
  expect_bad_input({"supernet", "extract", file, arch, "--out", model, "--weights", (fmnist / "m.pt").string()},
                   "m.pt: the weights file (--weights) would be written into the dataset directory");
  expect_bad_input({"supernet", "extract", file, arch, "--out", scratch("m.onnx"), "--weights", weights},
                   "m.onnx: a model file ends in .yaml, .yml or .json; for ONNX, extract to YAML and run hwnas export");
  expect_bad_input({"supernet", "extract", file, arch, "--out", model, "--weights", file},
                   "it is the supernet file (FILE)");
  EXPECT_FALSE(std::filesystem::exists(model));
  EXPECT_FALSE(std::filesystem::exists(weights));
  EXPECT_FALSE(std::filesystem::exists(fmnist / "m.pt"));

  // No output replaces an input: MODEL (extract), the space file (train).
  const std::string input = (scratch_dir() / "one" / "sample-000.yaml").string(), before = read_file(input);
  expect_bad_input({"supernet", "extract", file, input, "--out", input, "--weights", weights},
                   "model file (--out) there: it is the subnet's model (MODEL)");
  expect_bad_input({"supernet", "extract", file, input, "--out", model, "--weights", input},
                   "weights file (--weights) there: it is the subnet's model (MODEL)");
  EXPECT_EQ(read_file(input), before);
  const std::string space_copy = write_temp("space-copy.yaml", read_file(kSpace));
  expect_bad_input({"supernet", "train", space_copy, "--out", space_copy}, "it is the space file (SPACE)");
  expect_bad_input({"supernet", "train", space_copy, "--out", scratch("n.supernet"), "--checkpoint", space_copy},
                   "checkpoint (--checkpoint) there: it is the space file (SPACE)");
  EXPECT_EQ(read_file(space_copy), read_file(kSpace));

  // A network of another space whose layers all fit in the bank (here: the space's own
  // model under another space's name) is refused; it was measured before. Named as typed
  // (the second MODEL), not by its graph's name.
  std::string renamed_text = before;
  const std::size_t at = renamed_text.find("name: tiny-supernet");
  ASSERT_NE(at, std::string::npos) << before.substr(0, 200);
  renamed_text.replace(at, std::string("name: tiny-supernet").size(), "name: tiny-other");
  const std::string renamed = write_temp("renamed.yaml", renamed_text);
  expect_bad_input({"supernet", "eval", file, input, renamed},
                   renamed + ": model 'tiny-other' is not of the supernet's space 'tiny-supernet'");
  expect_bad_input({"supernet", "extract", file, renamed, "--out", model, "--weights", weights},
                   "model 'tiny-other' is not of the supernet's space 'tiny-supernet'");
  EXPECT_FALSE(std::filesystem::exists(model));

  // --space of another space (same name, other choices), and a search's space of another
  // fingerprint (--expect-fingerprint), refused before any model is read.
  std::string wider = read_file(kSpace);
  const std::size_t expansion = wider.find("expansion: [2, 4]");
  ASSERT_NE(expansion, std::string::npos);
  wider.replace(expansion, std::string("expansion: [2, 4]").size(), "expansion: [2, 6]");
  const std::string wider_file = write_temp("wider.yaml", wider);
  expect_bad_input({"supernet", "eval", file, "0", "--space", wider_file},
                   "wider.yaml is not the one the supernet was trained on (" + kSpace);
  // With the searched space's name (a search passes it), a renamed space is named as such.
  const Result renamed_space = hwnas({"supernet", "eval", file, "--serve", "--expect-fingerprint", "f1:0",
                                      "--expect-space-name", "tiny-renamed"});  // one start, both parts checked
  EXPECT_EQ(renamed_space.status, 2);
  EXPECT_EQ(renamed_space.err.find('\n'), renamed_space.err.size() - 1) << renamed_space.err;
  EXPECT_NE(renamed_space.err.find("the supernet was trained on space 'tiny-supernet' (" + kSpace), std::string::npos)
      << renamed_space.err;
  EXPECT_NE(renamed_space.err.find("not on the searched space 'tiny-renamed' (fingerprint f1:0: another name"),
            std::string::npos)
      << renamed_space.err;

  // A truncated checkpoint names the command that writes one.
  expect_bad_input({"supernet", "train", kSpace, "--out", scratch("r.supernet"), "--checkpoint", cut, "--resume"},
                   "give a checkpoint written by hwnas supernet train");
}

// No output of extract replaces the space file the supernet is built from: given with
// --space, or found by its lookup (the stored path, a copy beside the supernet), also through
// a symlink or a hard link; nor one of train over --target's description. s32 fresh-user
// finding 1: extract --out SPACE exited 0 and replaced the space with the subnet's model.
TEST(SupernetCli, NoOutputReplacesTheSpaceFileOrTheTargetDescription) {
  REQUIRE_FASHION_MNIST();
  namespace fs = std::filesystem;
  // A copy of the space: a failing check must not replace the source tree's.
  const std::string space = write_temp("own-space.yaml", read_file(kSpace)), text = read_file(space);
  const fs::path beside_dir = scratch_dir() / "beside";
  fs::create_directories(beside_dir);
  const std::string file = (beside_dir / "own.supernet").string();
  fs::remove(file);
  ASSERT_EQ(hwnas(tiny_train(file, space)).status, 0);
  const std::string arch = sample_arches(1, (scratch_dir() / "own-samples").string()).at(0);
  const std::string weights = scratch("own.pt"), model = scratch("own-model.yaml");
  const std::string link = scratch("space-link.yaml"), hard = scratch("space-hard.yaml");
  const std::string hard_pt = scratch("space-hard.pt");
  fs::create_symlink(space, link);
  fs::create_hard_link(space, hard);
  fs::create_hard_link(space, hard_pt);
  const std::string copy_beside = write_temp("beside/own-space.yaml", text);
  const std::vector<std::string> extract = {"supernet", "extract", file, arch};
  const auto with = [&extract](std::vector<std::string> more) {
    std::vector<std::string> args = extract;
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  // --space SPACE --out SPACE, and --weights over it.
  expect_bad_input(with({"--space", space, "--out", space, "--weights", weights}),
                   "model file (--out) there: it is the space file (--space)");
  expect_bad_input(with({"--space", space, "--out", model, "--weights", hard_pt}),
                   "weights file (--weights) there: it is the space file (--space)");
  // No --space: the stored path, as typed, through a symlink, through a hard link.
  for (const std::string& out : {space, link, hard})
    expect_bad_input(with({"--out", out, "--weights", weights}),
                     "model file (--out) there: it is the space file of the supernet (FILE)");
  expect_bad_input(with({"--out", model, "--weights", hard_pt}),
                   "weights file (--weights) there: it is the space file of the supernet (FILE)");
  // The copy beside the supernet, read when the stored one is missing or edited.
  expect_bad_input(with({"--out", copy_beside, "--weights", weights}),
                   "it is a copy of the supernet's space file that its lookup reads (FILE)");
  EXPECT_EQ(read_file(space), text);
  EXPECT_EQ(read_file(copy_beside), text);
  EXPECT_FALSE(fs::exists(weights));
  EXPECT_FALSE(fs::exists(model));
  // An extraction whose outputs are no input passes these checks and leaves the spaces alone.
  const Result ok = hwnas(with({"--space", copy_beside, "--out", model, "--weights", weights}));
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(read_file(space), text);

  // train: --out and --checkpoint never replace --target's description file.
  const std::string preset = std::string(HWNAS_SOURCE_DIR) + "/configs/hardware/edgetpu-like.yaml";
  const std::string target = write_temp("own-target.yaml", read_file(preset));
  const std::string target_text = read_file(target), target_ckpt = scratch("own-target.ckpt");
  fs::create_hard_link(target, target_ckpt);
  expect_bad_input({"supernet", "train", kFmnistSpace, "--target", target, "--out", scratch("t.supernet"),
                    "--checkpoint", target_ckpt, "--resume"},
                   "checkpoint (--checkpoint) there: it is the target description (--target)");
  EXPECT_EQ(read_file(target), target_text);
}

}  // namespace
}  // namespace hwnas::testing

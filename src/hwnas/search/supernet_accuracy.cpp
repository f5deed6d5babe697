// Accuracy from a trained weight-sharing supernet (issue 13 §2; docs/experiments.md, "A
// supernet"): `accuracy: supernet: FILE`, or `supernet: {file: FILE, space, validation,
// calibration_images, threads, data, timeout_s}` (space: the space file the supernet was
// trained on, when it moved; hwnas-train checks it against the supernet's fingerprint; data:
// Fashion-MNIST's directory, or the scene cache of a detection or segmentation supernet).
// The search stays torch-free: one long-lived `hwnas-train supernet eval FILE --serve`
// process (beside hwnas) evaluates each candidate's model file, sent as one line, as a
// subnet of the supernet (its weights sliced from the supernet's, batch norm
// recalibrated) and answers one JSON line, {"accuracy": TOP1_PERCENT, "seconds": S} or
// {"error": "..."}. The accuracy is the real top-1 % of the subnet with the shared
// weights, not a percentile.
//
// hwnas-train is given the search space's fingerprint (--expect-fingerprint) and refuses
// at start-up a supernet trained on another space, even one of the same name.
// When the experiment is read, the space's baseline (or its first seeded sample) is
// evaluated once: a supernet file hwnas-train refuses (exit 2 at start-up), a supernet of
// another space (the baseline is no subnet of it) and a missing hwnas-train verb fail
// there, naming accuracy.supernet, rather than in every trial.
#include <fmt/format.h>

#include <cmath>
#include <mutex>

#include "hwnas/base/error.h"
#include "hwnas/base/file_io.h"
#include "hwnas/graph/model_file.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/served_program.h"
#include "hwnas/space/space.h"
#include "hwnas/train/train_options.h"

namespace hwnas::search {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTrainHint = "train one with `hwnas supernet train SPACE --target T --out FILE`";

struct SupernetSettings {
  std::string file, data, space;  // space: --space ("" for the stored one)
  std::string fingerprint;        // the search space's (--expect-fingerprint)
  std::string space_name;         // and its name (--expect-space-name)
  std::string validation_key;     // the key hwnas-train's validation errors name (--validation-key)
  std::string space_key;          // the key its space errors name (--space-key)
  InputDigest input;  // the file's key and digest (the store keeps them: --resume checks them)
  std::optional<std::int64_t> validation, calibration_images;  // unset: hwnas-train's defaults
  std::int64_t threads = 1;
  double timeout_s = 600;
};

std::vector<std::string> serve_argv(const fs::path& program, const SupernetSettings& s) {
  std::vector<std::string> a = {program.string(), "supernet", "eval", s.file, "--serve", "--threads",
                                std::to_string(s.threads), "--expect-fingerprint", s.fingerprint,
                                "--expect-space-name", s.space_name, "--validation-key", s.validation_key,
                                "--space-key", s.space_key};
  if (!s.space.empty()) a.insert(a.end(), {"--space", s.space});
  if (s.validation) a.insert(a.end(), {"--validation", std::to_string(*s.validation)});
  if (s.calibration_images) a.insert(a.end(), {"--calibration-images", std::to_string(*s.calibration_images)});
  if (!s.data.empty()) a.insert(a.end(), {"--data", s.data});
  return a;
}

class SupernetAccuracy : public AccuracySource {
 public:
  SupernetAccuracy(const fs::path& program, const SupernetSettings& s)
      : program_(serve_argv(program, s), "hwnas-train supernet eval",
                 "hwnas-train supernet eval --serve answers one JSON line per model, {\"accuracy\": TOP1_PERCENT}",
                 s.timeout_s) {}

  double accuracy(const Candidate& c) override {
    const std::lock_guard<std::mutex> lock(mutex_);  // one process: candidates take turns
    const std::string path = (program_.dir() / "candidate.json").string();
    graph::save_model_file(c.network, path);
    const nlohmann::json answer = program_.ask(path);
    const auto v = answer.find("accuracy");
    const double x = v != answer.end() && v->is_number() ? v->get<double>() : NAN;
    if (!std::isfinite(x) || x < 0 || x > 100)
      throw UserError(fmt::format("hwnas-train supernet eval's accuracy {} is not a number from 0 to 100 (percent)",
                                  v != answer.end() ? one_line(v->dump()) : "(absent)"));
    return x;
  }

  Family family() const override { return Family::single_shot; }

 private:
  std::mutex mutex_;
  ServedProgram program_;
};

SupernetSettings read_settings(const ExperimentSection& s) {
  SupernetSettings p;
  const YAML::Node v = s.get("supernet");
  const auto file = [&](const ExperimentSection& where, std::string_view key) {
    p.file = fs::absolute(where.path(key)).lexically_normal().string();
    std::error_code ec;
    if (fs::is_directory(p.file, ec))
      where.fail(key,
                 fmt::format("'{}' is a directory, not a supernet file; give the file itself ({})", p.file, kTrainHint));
    if (!fs::exists(p.file, ec)) where.fail(key, fmt::format("no such file '{}' ({})", p.file, kTrainHint));
    try {
      p.input = {where.key_path(key), p.file, file_digest(p.file, "supernet file")};
    } catch (const UserError& e) {
      where.fail(key, e.what());
    }
  };
  p.validation_key = s.key_path("supernet") + ".validation";
  p.space_key = s.key_path("supernet") + ".space";
  if (v.IsScalar()) {
    file(s, "supernet");
    return p;
  }
  if (!v.IsMap())
    s.fail("supernet", fmt::format("must be a supernet file or {{file: FILE, space: SPACE_FILE, validation: N, "
                                   "calibration_images: N, threads: N, data: DIR, timeout_s: S}}, got {}",
                                   v.IsSequence() ? "a list" : "nothing"));
  const ExperimentSection m = s.section("supernet");
  m.only({"file", "space", "validation", "calibration_images", "threads", "data", "timeout_s"});
  if (!m.has("file")) m.fail_here(fmt::format("file: missing; give the supernet file ({})", kTrainHint));
  file(m, "file");
  if (m.has("space")) {
    const std::string space = m.text("space");
    p.space = space.ends_with(".yaml") || space.ends_with(".yml")
                  ? fs::absolute(m.path("space")).lexically_normal().string()
                  : space;
    std::error_code ec;
    if (p.space != space && !fs::is_regular_file(p.space, ec))
      m.fail("space", fmt::format("no such space file '{}'; give the space file the supernet was trained on", p.space));
  }
  if (m.has("validation")) p.validation = m.integer("validation", 1, 30'000);
  if (m.has("calibration_images")) p.calibration_images = m.integer("calibration_images", 2, 60'000);
  p.threads = m.integer("threads", 1, 1024, p.threads);
  try {
    train::check_threads(p.threads, "");
  } catch (const UserError& e) {
    m.fail("threads", e.what());
  }
  p.timeout_s = m.number("timeout_s", 1e-3, 7 * 86400.0, p.timeout_s);
  if (m.has("data")) {
    p.data = fs::absolute(m.path("data")).lexically_normal().string();
    // Named here, at its key, rather than as hwnas-train's --data (s34 fresh-user finding).
    std::error_code ec;
    if (!fs::is_directory(p.data, ec))
      m.fail("data", fmt::format("{} '{}'; give the directory of Fashion-MNIST (a classification supernet) or of the "
                                 "scene cache (a detection or segmentation one), or leave data out for the default",
                                 fs::exists(p.data, ec) ? "not a directory:" : "no such directory", p.data));
  }
  return p;
}

}  // namespace

PlannedSource plan_supernet_accuracy(const ExperimentSection& s, const space::Space& space,
                                     const std::filesystem::path& program) {
  SupernetSettings settings = read_settings(s);
  settings.fingerprint = space::fingerprint(space);
  settings.space_name = space.name();
  const fs::path exe = program.empty() ? hw::program_beside_this_one("hwnas-train") : program;
  std::error_code ec;
  if (!fs::is_regular_file(exe, ec))
    s.fail("supernet", fmt::format("evaluating runs {}, which is missing; build it with scripts/build.sh",
                                   exe.string()));
  const auto start = [s, &space, exe, settings]() -> std::unique_ptr<AccuracySource> {
    auto source = std::make_unique<SupernetAccuracy>(exe, settings);
    const space::Genome probe =
        space.baseline() ? *space.baseline() : space::sample_distinct(space, 1, 0).front();
    const graph::Graph network = space.decode(probe);
    const std::string arch = space.arch(probe);
    try {
      source->accuracy({probe, arch, network});
    } catch (const UserError& e) {
      s.fail("supernet", fmt::format("evaluating {} of space '{}' with '{}' failed: {}; fix what it names, or give "
                                     "a supernet of this experiment's space ({})",
                                     space.baseline() ? "the baseline" : "a sampled genome", space.name(),
                                     settings.file, e.what(), kTrainHint));
    }
    return source;
  };
  return {start, {settings.input}};
}

std::unique_ptr<AccuracySource> make_supernet_accuracy(const ExperimentSection& s, const space::Space& space,
                                                       const std::filesystem::path& program) {
  return plan_supernet_accuracy(s, space, program).start();
}

}  // namespace hwnas::search

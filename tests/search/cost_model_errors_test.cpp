// Bad cost-model sections of an experiment file: one-line UserErrors naming the file, the
// line and the dotted key, found when the cost model is built, before any trial.
#include <gtest/gtest.h>

#include "cost_model_support.h"
#include "hwnas/graph/analysis.h"
#include "hwnas/search/constraint.h"

namespace hwnas::search {
namespace {

using namespace testing;

const char* kLatency = "latency: {csv: data:nb201/nb201.csv, column: lat_ms_pixel3}\n";
const char* kAccuracy = "accuracy: {csv: data:nb201/nb201.csv, column: acc_cifar10}\n";

/// The error of an experiment with both NB201 sources and `objective` as its objective
/// section's text.
std::string objective_error(const std::string& objective) {
  return cost_model_error(std::string(kLatency) + kAccuracy + "objective: " + objective + "\n", nb201());
}

std::string file() { return (scratch() / "exp.yaml").string(); }

TEST(ConstraintParsing, UnitsScaleToTheMetricsUnit) {
  struct Case {
    const char* text;
    Metric metric;
    bool at_most;
    double limit;
  };
  for (const Case& c : {Case{"latency_ms <= 4", Metric::latency_ms, true, 4},
                        Case{"latency_ms<=2.5ms", Metric::latency_ms, true, 2.5},
                        Case{"latency_ms <= 4000 us", Metric::latency_ms, true, 4},
                        Case{"latency_ms <= 0.5s", Metric::latency_ms, true, 500},
                        Case{"peak_activation_bytes <= 512KiB", Metric::peak_activation_bytes, true, 524288},
                        Case{"peak_activation_bytes <= 1MiB", Metric::peak_activation_bytes, true, 1048576},
                        Case{"weight_bytes <= 4MB", Metric::weight_bytes, true, 4e6},
                        Case{"weight_bytes <= 4 kB", Metric::weight_bytes, true, 4e3},
                        Case{"weight_bytes <= 1GiB", Metric::weight_bytes, true, 1073741824},
                        Case{"params <= 3.5M", Metric::params, true, 3.5e6},
                        Case{"macs >= 100M", Metric::macs, false, 1e8},
                        Case{"macs <= 1e9", Metric::macs, true, 1e9},
                        Case{"params <= 20k", Metric::params, true, 2e4}}) {
    const Constraint k = parse_constraint(c.text, "here");
    EXPECT_EQ(k.metric, c.metric) << c.text;
    EXPECT_EQ(k.at_most, c.at_most) << c.text;
    EXPECT_DOUBLE_EQ(k.limit, c.limit) << c.text;
  }
  const Constraint lower = parse_constraint("macs >= 100M", "here");
  EXPECT_EQ(lower.reason(5e7), "macs 50000000 < 100M (100000000)");
  EXPECT_DOUBLE_EQ(lower.excess(5e7), 0.5);
  EXPECT_EQ(lower.excess(2e8), 0);
  EXPECT_EQ(parse_constraint("latency_ms <= 4", "here").reason(5.21), "latency_ms 5.21 > 4");
}

TEST(ConstraintParsing, BadConstraintsNameTheFileKeyAndWhatIsAllowed) {
  const std::string where = file() + ":3: objective.constraints entry ";
  struct Case {
    std::string constraints, message;
  };
  for (const Case& c : std::vector<Case>{
           {"[latency <= 4]", "1: 'latency <= 4': unknown metric 'latency'; constraints take latency_ms, "
                              "peak_activation_bytes, weight_bytes, params, macs"},
           {"[params <= 3M, accuracy >= 70]", "2: 'accuracy >= 70': unknown metric 'accuracy'"},
           {"[latency_ms < 4]", "1: 'latency_ms < 4': operator '<' is not taken; use <= (an upper limit) or >= "
                                "(a lower one)"},
           {"[latency_ms == 4]", "1: 'latency_ms == 4': operator '=='"},
           {"[latency_ms => 4]", "1: 'latency_ms => 4': operator '=>'"},
           {"[latency_ms 4]", "1: 'latency_ms 4': no operator after the metric"},
           {"[weight_bytes <= 4Mb]", "1: 'weight_bytes <= 4Mb': unit 'Mb' does not apply to weight_bytes; its units: "
                                     "none (bytes), B, kB, KB, MB, GB, KiB, MiB, GiB"},
           {"[latency_ms <= 4KiB]", "1: 'latency_ms <= 4KiB': unit 'KiB' does not apply to latency_ms; its units: "
                                    "none (ms), ms, us, s"},
           {"[params <= 3MB]", "1: 'params <= 3MB': unit 'MB' does not apply to params"},
           {"[latency_ms <= fast]", "1: 'latency_ms <= fast': the limit is not a positive decimal number"},
           {"[latency_ms <= -4]", "1: 'latency_ms <= -4': the limit is not a positive decimal number"},
           {"[latency_ms <= 0]", "1: 'latency_ms <= 0': the limit must be a finite number above 0"},
           {"[latency_ms <= 1e999]", "1: 'latency_ms <= 1e999': the limit must be a finite number above 0"},
       }) {
    const std::string error = objective_error("{maximize: accuracy, constraints: " + c.constraints + "}");
    EXPECT_EQ(error.rfind(where + c.message, 0), 0u) << c.constraints << "\n" << error;
  }
  EXPECT_EQ(objective_error("{maximize: accuracy, constraints: latency_ms <= 4}"),
            file() + ":3: objective.constraints: must be a list; write a list of strings such as [latency_ms <= 4, "
                     "peak_activation_bytes <= 512KiB]");
  EXPECT_EQ(cost_model_error(std::string(kAccuracy) + "objective: {maximize: accuracy, constraints: [latency_ms <= 4]}\n",
                             nb201()),
            file() + ":2: objective.constraints: entry 1 limits latency_ms, but the experiment has no latency source; "
                     "add a latency: section");
  // Limits no network can meet together: refused before the search runs (it ran 5,000
  // infeasible trials and exited 0: fresh-user finding). Equal limits can both hold.
  EXPECT_EQ(objective_error("{maximize: accuracy, constraints: [latency_ms >= 2, params <= 1M, latency_ms <= 1]}"),
            file() + ":3: objective.constraints: latency_ms >= 2 and latency_ms <= 1 cannot both hold; no network "
                     "would be feasible: fix one of the limits");
  EXPECT_EQ(objective_error("{maximize: accuracy, constraints: [macs <= 300M, macs >= 0.5G]}"),
            file() + ":3: objective.constraints: macs >= 0.5G and macs <= 300M cannot both hold; no network would be "
                     "feasible: fix one of the limits");
  EXPECT_EQ(objective_error("{maximize: accuracy, constraints: [latency_ms >= 1, latency_ms <= 1]}"), "");
}

TEST(ObjectiveErrors, EachNamesTheKey) {
  const std::string at = file() + ":3: objective.";
  EXPECT_EQ(objective_error("{maximize: acuracy}"),
            at + "maximize: unknown objective 'acuracy'; give accuracy, mnasnet_reward, tunas_reward, -METRIC "
                 "(METRIC one of latency_ms, peak_activation_bytes, weight_bytes, params, macs) or a list of these "
                 "for a Pareto search, e.g. [accuracy, -latency_ms]");
  // The task's metric by its own name: accuracy is it (s29 fresh-user finding 2).
  EXPECT_EQ(objective_error("{maximize: miou}"),
            at + "maximize: 'miou' is not an objective: the task's metric is accuracy (with accuracy: train:, top-1 % "
                 "for classification, 100 x mAP@0.5 for detection, 100 x mIoU for segmentation); write accuracy");
  EXPECT_NE(objective_error("{maximize: [mAP, -latency_ms]}").find("'mAP' is not an objective"), std::string::npos);
  EXPECT_EQ(objective_error("{maximize: latency_ms}"),
            at + "maximize: maximising latency_ms is not a search goal; write -latency_ms to minimise it");
  EXPECT_EQ(objective_error("{maximize: [accuracy, accuracy]}"), at + "maximize: 'accuracy' is listed twice; keep one");
  EXPECT_EQ(objective_error("{maximise: accuracy}"),
            at + "maximise: unknown key (did you mean 'maximize'?); allowed: constraints, maximize, reward");
  EXPECT_EQ(objective_error("{constraints: []}").rfind(file() + ":3: objective.maximize: missing; give accuracy", 0), 0u);
  EXPECT_EQ(objective_error("{maximize: []}").rfind(at + "maximize: must be a non-empty list of strings", 0), 0u);
  EXPECT_EQ(objective_error("{maximize: accuracy, reward: {target_ms: 4}}"),
            at + "reward: is only read for maximize: mnasnet_reward or tunas_reward; remove it");
  EXPECT_EQ(objective_error("{maximize: mnasnet_reward}"),
            file() + ":3: objective.reward: missing; give the latency target T in ms, e.g. reward: {target_ms: 4} "
                     "(alpha and beta default to MnasNet's -0.07)");
  EXPECT_EQ(objective_error("{maximize: tunas_reward, reward: {target_ms: 4}}"),
            file() + ":3: objective.reward.beta: missing; give a number from -100 to 0");
  EXPECT_EQ(objective_error("{maximize: tunas_reward, reward: {target_ms: 4, beta: 0}}"),
            at + "reward.beta: must be below 0: TuNAS's reward penalises distance from the target");
  EXPECT_EQ(objective_error("{maximize: tunas_reward, reward: {target_ms: 4, beta: -0.1, alpha: 1}}"),
            at + "reward.alpha: unknown key; allowed: target_ms, beta");
  EXPECT_EQ(objective_error("{maximize: mnasnet_reward, reward: {target_ms: \"4\"}}"),
            at + "reward.target_ms: must be a number, got the string \"4\"; write it without quotes");
  EXPECT_EQ(objective_error("{maximize: mnasnet_reward, reward: {target_ms: 0}}"),
            at + "reward.target_ms: 0 is too small (at least 1e-06)");
  EXPECT_NE(objective_error("[accuracy]").find("objective: must be a mapping of keys (constraints, maximize, reward), "
                                               "got a list"),
            std::string::npos);
  EXPECT_EQ(cost_model_error(kLatency, nb201()),
            file() + ": objective: missing; give e.g. objective: {maximize: accuracy, constraints: [latency_ms <= 4]}");
  EXPECT_EQ(cost_model_error(std::string(kLatency) + "objective: {maximize: accuracy}\n", nb201()),
            file() + ":2: objective.maximize: 'accuracy' needs the accuracy, but the experiment has no accuracy source; "
                     "add an accuracy: section, or maximise -latency_ms or -METRIC alone");
  EXPECT_EQ(cost_model_error(std::string(kAccuracy) + "objective: {maximize: [accuracy, -latency_ms]}\n", nb201()),
            file() + ":2: objective.maximize: '-latency_ms' needs the latency, but the experiment has no latency "
                     "source; add a latency: section");
}

TEST(SourceErrors, CsvColumnsAndKeys) {
  const std::string csv = nb201_csv();
  EXPECT_EQ(cost_model_error("latency: {csv: data:nb201/nb201.csv, column: lat_ms_pixel9}\nobjective: {maximize: -params}\n",
                             nb201())
                .rfind(csv + ": no column 'lat_ms_pixel9'", 0),
            0u);
  const std::string accuracy_error = cost_model_error(
      "accuracy: {csv: data:nb201/nb201.csv, column: acc_cifar11}\nobjective: {maximize: accuracy}\n", nb201());
  EXPECT_EQ(accuracy_error.rfind(file() + ":1: accuracy.column: " + csv + " has no column 'acc_cifar11'; its columns: "
                                                                         "index, arch, acc_cifar10",
                                 0),
            0u)
      << accuracy_error;
  EXPECT_EQ(cost_model_error("accuracy: {csv: data:nb201/nb201.csv, column: acc_cifar10, arch_column: cell}\n"
                             "objective: {maximize: accuracy}\n",
                             nb201())
                .rfind(file() + ":1: accuracy.arch_column: " + csv + " has no column 'cell'", 0),
            0u);
  // Keys of another space, or spelt otherwise than the space writes them.
  write_file(scratch() / "fbnet_keys.csv", "arch,acc\nk3_e1-skip,50\n");
  EXPECT_EQ(cost_model_error("accuracy: {csv: fbnet_keys.csv, column: acc}\nobjective: {maximize: accuracy}\n", nb201())
                .rfind((scratch() / "fbnet_keys.csv").string() + ": column 'arch', row 1: 'k3_e1-skip' is not an "
                                                                 "architecture of space 'nb201' (",
                       0),
            0u);
  const std::string arch = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
  write_file(scratch() / "bad_cells.csv", "arch,acc\n" + arch + ",101\n");
  EXPECT_EQ(cost_model_error("accuracy: {csv: bad_cells.csv, column: acc}\nobjective: {maximize: accuracy}\n", nb201()),
            (scratch() / "bad_cells.csv").string() + ":2: column 'acc': '101' is not an accuracy from 0 to 100 (percent)");
  write_file(scratch() / "twice.csv", "arch,acc\n" + arch + ",10\n" + arch + ",11\n");
  EXPECT_EQ(cost_model_error("accuracy: {csv: twice.csv, column: acc}\nobjective: {maximize: accuracy}\n", nb201()),
            (scratch() / "twice.csv").string() + ":3: column 'arch': architecture '" + arch +
                "' appears twice; keep one row");
  EXPECT_EQ(cost_model_error("accuracy: {csv: nowhere.csv, column: acc}\nobjective: {maximize: accuracy}\n", nb201())
                .rfind((scratch() / "nowhere.csv").string() + ": cannot read", 0),
            0u);
}

TEST(SourceErrors, SectionsAndTopLevelKeys) {
  EXPECT_EQ(cost_model_error("latency: {csv: a.csv, target: npu-p16}\nobjective: {maximize: -params}\n", nb201()),
            file() + ": latency: give exactly one of estimator: FILE, target: NAME_OR_FILE (with an optional store: "
                     "FILE.db) or csv: FILE with column: NAME (docs/experiments.md)");
  EXPECT_EQ(cost_model_error("latency: {target: npu-p16, column: x}\nobjective: {maximize: -params}\n", nb201()),
            file() + ":1: latency.column: unknown key; allowed: target, store");
  EXPECT_EQ(cost_model_error("accuracy: {csv: data:nb201/nb201.csv}\nobjective: {maximize: accuracy}\n", nb201()),
            file() + ":1: accuracy.column: missing; name the accuracy column, e.g. acc_cifar10");
  EXPECT_EQ(cost_model_error("accuracy: acc.csv\nobjective: {maximize: accuracy}\n", nb201()).rfind(
                file() + ": accuracy: give exactly one of csv: FILE with column: NAME, or command:", 0),
            0u);
  // A misspelt kind at the top of accuracy: its line and the kind it is closest to, as in a rung.
  EXPECT_EQ(cost_model_error("objective: {maximize: accuracy}\naccuracy: {proxi: synflow}\n", nb201()).rfind(
                file() + ":2: accuracy.proxi: unknown key (did you mean 'proxy'?); give exactly one of csv: FILE", 0),
            0u);
  EXPECT_EQ(cost_model_error("objective: {maximize: accuracy}\naccuracy:\n  supernett: x.supernet\n", nb201()).rfind(
                file() + ":3: accuracy.supernett: unknown key (did you mean 'supernet'?); give exactly one of", 0),
            0u);
  // Two kinds (s26 second pass, finding 9): the section's line, both keys and the fix.
  EXPECT_EQ(cost_model_error("objective: {maximize: accuracy}\naccuracy: {supernet: F, proxy: synflow}\n", nb201()),
            file() + ":2: accuracy: supernet and proxy are two sources, and accuracy: takes one; keep one, or combine "
                     "them as the rungs of multi_fidelity under accuracy: train: (rungs: [{proxy: synflow}, "
                     "{supernet: FILE}, {epochs: 10}], docs/hybrid.md)");
  EXPECT_EQ(cost_model_error("objective: {maximize: accuracy}\naccuracy:\n  csv: a.csv\n  column: x\n  train: {}\n  "
                             "proxy: snip\n", nb201()),
            file() + ":3: accuracy: csv, train and proxy are three sources, and accuracy: takes one; keep one (a csv "
                     "table has one fidelity: it cannot be a rung of multi_fidelity)");
  EXPECT_EQ(cost_model_error("latency: {csv: 'data:', column: x}\nobjective: {maximize: -params}\n", nb201()),
            file() + ":1: latency.csv: 'data:' names no file; write e.g. data:nb201/nb201.csv");
  EXPECT_EQ(cost_model_error("latency: {target: npu-p16}\nprecision: fp32\nobjective: {maximize: -latency_ms}\n", nb201()),
            file() + ":2: precision: is fp32, but the latency source runs at int8; remove precision: (memory then "
                     "follows the latency source) or use a source of fp32");
  EXPECT_EQ(cost_model_error("precision: fp64\nobjective: {maximize: -params}\n", nb201()),
            file() + ":1: precision: must be int8, fp16 or fp32, got 'fp64'");
  EXPECT_EQ(cost_model_error("batch: 0\nobjective: {maximize: -params}\n", nb201()),
            file() + ":1: batch: 0 is too small (at least 1)");
  EXPECT_EQ(cost_model_error("latency: {target: npu-p99}\nobjective: {maximize: -latency_ms}\n", nb201())
                .rfind(file() + ":1: latency.target: target 'npu-p99': no such preset", 0),
            0u);
}

TEST(SourceErrors, PrecisionAndBatchFollowTheExperiment) {
  const space::Genome g = nb201().parse_arch("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|"
                                             "nor_conv_3x3~1|nor_conv_3x3~2|");
  const auto model = cost_model("precision: int8\nbatch: 4\nobjective: {maximize: -peak_activation_bytes}\n", nb201());
  const Trial t = model->evaluate(g);
  const graph::Analysis a = graph::analyze(nb201().decode(g), graph::Precision::int8, 4);
  EXPECT_EQ(t.metrics.peak_activation_bytes, a.peak_activation_bytes);
  EXPECT_EQ(t.metrics.macs, a.total.macs);
  EXPECT_EQ(model->feedback(t).fitness, std::vector<double>{-static_cast<double>(a.peak_activation_bytes)});
}

}  // namespace
}  // namespace hwnas::search

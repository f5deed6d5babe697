// Multi-fidelity schedules: brackets and promotions computed by hand from Li et al. 2018's
// Algorithm 1 (Hyperband) and successive halving, and the multi_fidelity section's errors.
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cost_model_support.h"
#include "hwnas/search/accuracy_source.h"
#include "hwnas/search/fidelity_schedule.h"

namespace hwnas::search {
namespace {

using testing::nb201;
using testing::scratch;
using testing::write_file;
using Accuracies = std::vector<std::optional<double>>;

std::vector<std::pair<int, int>> brackets(const FidelitySchedule& s, int steps) {
  std::vector<std::pair<int, int>> out;
  for (int i = 0; i < steps; ++i) out.emplace_back(s.bracket(i).candidates, s.bracket(i).first_rung);
  return out;
}

TEST(FidelitySchedule, SuccessiveHalvingRepeatsOneBracketAndKeepsATopThird) {
  const FidelitySchedule s(FidelityMethod::successive_halving, 3, 3, 9);
  EXPECT_EQ(brackets(s, 3), (std::vector<std::pair<int, int>>{{9, 0}, {9, 0}, {9, 0}}));
  // 9 -> 3 -> 1: the three best of nine, then the best of those three.
  const Accuracies rung0 = {50, 71, 12, 90, 33, 64, 80, 5, 70};
  EXPECT_EQ(s.promote(0, rung0), (std::vector<std::size_t>{1, 3, 6}));
  const Accuracies rung1 = {60, 85, 72};
  EXPECT_EQ(s.promote(1, rung1), (std::vector<std::size_t>{1}));
  EXPECT_TRUE(s.promote(2, Accuracies{99}).empty());  // the last rung promotes nowhere
}

TEST(FidelitySchedule, HyperbandCyclesItsBracketsAsLiEtAlAlgorithm1) {
  // eta 3, 3 rungs (s_max 2): s = 2: ceil(3/3 * 9) = 9 at rung 0; s = 1: ceil(3/2 * 3) = 5
  // at rung 1; s = 0: ceil(3/1 * 1) = 3 at rung 2; then again.
  const FidelitySchedule s(FidelityMethod::hyperband, 3, 3, 1);
  EXPECT_EQ(brackets(s, 4), (std::vector<std::pair<int, int>>{{9, 0}, {5, 1}, {3, 2}, {9, 0}}));
  EXPECT_EQ(s.promote(1, Accuracies{10, 40, 30, 20, 35}), (std::vector<std::size_t>{1}));  // floor(5/3) = 1
  // eta 3, 5 rungs (s_max 4): ceil(5/5*81) = 81, ceil(5/4*27) = 34, ceil(5/3*9) = 15,
  // ceil(5/2*3) = 8, ceil(5/1*1) = 5.
  const FidelitySchedule big(FidelityMethod::hyperband, 5, 3, 1);
  EXPECT_EQ(brackets(big, 5), (std::vector<std::pair<int, int>>{{81, 0}, {34, 1}, {15, 2}, {8, 3}, {5, 4}}));
  // eta 2, 4 rungs: ceil(4/4*8) = 8, ceil(4/3*4) = 6, ceil(4/2*2) = 4, ceil(4/1*1) = 4.
  const FidelitySchedule two(FidelityMethod::hyperband, 4, 2, 1);
  EXPECT_EQ(brackets(two, 4), (std::vector<std::pair<int, int>>{{8, 0}, {6, 1}, {4, 2}, {4, 3}}));
  EXPECT_EQ(two.promote(1, Accuracies{1, 2, 3, 4, 5, 6}), (std::vector<std::size_t>{3, 4, 5}));
}

TEST(FidelitySchedule, FailedCandidatesAreNeverPromoted) {
  const FidelitySchedule s(FidelityMethod::successive_halving, 2, 3, 6);
  // floor(6/3) = 2 of the six, counted over all evaluated, taken from the successes.
  EXPECT_EQ(s.promote(0, Accuracies{std::nullopt, 50, std::nullopt, 40, 30, std::nullopt}),
            (std::vector<std::size_t>{1, 3}));
  // One success among nine: it alone goes on, though three places were free.
  EXPECT_EQ(s.promote(0, Accuracies{{}, {}, {}, {}, 7, {}, {}, {}, {}}), (std::vector<std::size_t>{4}));
  EXPECT_TRUE(s.promote(0, Accuracies{{}, {}, {}}).empty());
  EXPECT_TRUE(s.promote(0, Accuracies{}).empty());
}

TEST(FidelitySchedule, TiesKeepTheEarlierAndAtLeastOneGoesOn) {
  const FidelitySchedule s(FidelityMethod::successive_halving, 3, 3, 9);
  EXPECT_EQ(s.promote(0, Accuracies{50, 50, 50}), (std::vector<std::size_t>{0}));
  EXPECT_EQ(s.promote(0, Accuracies{10, 50, 50, 20, 50, 0}), (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(s.promote(0, Accuracies{10, 20}), (std::vector<std::size_t>{1}));  // floor(2/3) = 0, yet one
}

using Networks = std::vector<std::optional<std::uint64_t>>;

// Promotion ranks networks (s31 fresh-user finding F1): at eta 2, rung 0 gave 16.54 (network
// 7), 8.23, 16.54 (network 7 again, a copy) and 16.51 (network 9): the 2 places go to
// networks 7 and 9, and the copy follows 7 without one; before, 7 took both and 9 was dropped.
TEST(FidelitySchedule, ACopyFollowsItsPromotedNetworkWithoutAPlace) {
  const FidelitySchedule s(FidelityMethod::successive_halving, 3, 2, 4);
  const Accuracies rung0 = {16.54, 8.23, 16.54, 16.51};
  const FidelitySchedule::Promotion p = s.promote(0, rung0, Networks{7, 8, 7, 9}, 4);
  EXPECT_EQ(p.positions, (std::vector<std::size_t>{0, 2, 3}));
  EXPECT_EQ(p.slots, 2u);
  EXPECT_EQ(s.promote(0, rung0), (std::vector<std::size_t>{0, 2}));  // genomes as networks: the copy takes one
  // Unset: a network of its own (one that does not decode), never followed.
  EXPECT_EQ(s.promote(0, rung0, Networks{std::nullopt, 8, std::nullopt, 9}, 4).positions,
            (std::vector<std::size_t>{0, 2}));
  // A copy follows even when ranked below the last place; a failed copy does not.
  EXPECT_EQ(s.promote(0, Accuracies{50, 40, 30, 50}, Networks{1, 2, 3, 1}, 4).positions,
            (std::vector<std::size_t>{0, 1, 3}));
  EXPECT_EQ(s.promote(0, Accuracies{50, 40, 30, std::nullopt}, Networks{1, 2, 3, 1}, 4).positions,
            (std::vector<std::size_t>{0, 1}));
  // n is the places that reached the rung, not its genomes (followers take none): 4 genomes
  // on 2 places give floor(2 / 2) = 1 place, where floor(4 / 2) would give 2; the genome of
  // network 9 ranked last follows the one ranked first.
  const FidelitySchedule::Promotion top = s.promote(1, Accuracies{26.5, 26.5, 26.6, 20}, Networks{7, 7, 9, 9}, 2);
  EXPECT_EQ(top.positions, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(top.slots, 1u);
  // Only networks that succeeded count: one network and its copies take one place of two.
  EXPECT_EQ(s.promote(0, Accuracies{5, 5, std::nullopt, 5}, Networks{4, 4, 6, 4}, 4).slots, 1u);
  EXPECT_TRUE(s.promote(2, Accuracies{1, 1}, Networks{3, 3}, 2).positions.empty());
  EXPECT_THROW(s.promote(0, Accuracies{1, 2}, Networks{3}, 2), InternalError);
}

TEST(FidelitySchedule, OutOfRangeRungsAndNonFiniteAccuraciesAreBugs) {
  const FidelitySchedule s(FidelityMethod::successive_halving, 2, 2, 4);
  EXPECT_THROW(s.promote(2, Accuracies{1}), InternalError);
  EXPECT_THROW(s.promote(-1, Accuracies{1}), InternalError);
  EXPECT_THROW(s.promote(0, Accuracies{std::nan("")}), InternalError);
  EXPECT_THROW(FidelitySchedule(FidelityMethod::single, 2, 2, 4), InternalError);
}

YAML::Node experiment(const std::string& yaml) {
  const std::string path = (scratch() / "mf.yaml").string();
  write_file(path, yaml);
  return load_yaml_file(path, "experiment file");
}

FidelitySchedule schedule(const std::string& yaml, std::int32_t batch = 4, const std::set<std::string>& set_keys = {}) {
  return make_fidelity_schedule(experiment(yaml), (scratch() / "mf.yaml").string(), batch, set_keys);
}

std::string schedule_error(const std::string& yaml, const std::set<std::string>& set_keys = {}) {
  try {
    schedule(yaml, 4, set_keys);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

const std::string kCommand = "accuracy: {command: [python3, " + std::string(HWNAS_SOURCE_DIR) +
                             "/tests/search/data/train_stub.py, ok, '{model}', '{fidelity}']}\n";

TEST(MultiFidelitySection, SingleFidelityIsTheBatchAtRungZero) {
  const FidelitySchedule s = schedule(kCommand, 4);
  EXPECT_EQ(s.rungs(), 1);
  EXPECT_EQ(brackets(s, 2), (std::vector<std::pair<int, int>>{{4, 0}, {4, 0}}));
  EXPECT_TRUE(s.promote(0, Accuracies{1, 2, 3, 4}).empty());
}

TEST(MultiFidelitySection, ReadsMethodEtaRungsAndCandidates) {
  const FidelitySchedule sh = schedule(kCommand + "multi_fidelity: {method: successive_halving, rungs: [1, 3, 9]}\n");
  EXPECT_EQ(sh.method(), FidelityMethod::successive_halving);
  EXPECT_EQ(sh.rungs(), 3);
  EXPECT_EQ(sh.eta(), 3);                  // the default
  EXPECT_EQ(sh.bracket(0).candidates, 9);  // eta^(rungs - 1)
  EXPECT_EQ(schedule(kCommand + "multi_fidelity: {method: successive_halving, eta: 2, rungs: [1, 3], "
                                "candidates: 6}\n")
                .bracket(5)
                .candidates,
            6);
  // A trials budget below a bracket's candidates is allowed: the loop cuts the bracket to it.
  EXPECT_EQ(schedule(kCommand + "multi_fidelity: {method: hyperband, rungs: [1, 3, 9]}\nbudget: {trials: 3}\n").rungs(), 3);
  const FidelitySchedule hb = schedule(kCommand + "multi_fidelity: {method: hyperband, eta: 2, rungs: [1, 2, 4]}\n");
  EXPECT_EQ(brackets(hb, 3), (std::vector<std::pair<int, int>>{{4, 0}, {3, 1}, {3, 2}}));
}

TEST(MultiFidelitySection, BadValuesNameTheKey) {
  const std::string mf = "multi_fidelity: ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {kCommand + mf + "{method: bohb, rungs: [1, 2]}", "multi_fidelity.method: 'bohb' is not a method"},
      {kCommand + mf + "{method: hyperband, eta: 1, rungs: [1, 2]}", "multi_fidelity.eta: 1 is"},
      {kCommand + mf + "{method: hyperband, rungs: [1]}", "multi_fidelity.rungs: must be a list of 2 to 10"},
      {kCommand + mf + "{method: hyperband, rungs: 3}", "multi_fidelity.rungs: must be a list"},
      {kCommand + mf + "{method: hyperband}", "multi_fidelity.rungs: missing"},
      {kCommand + mf + "{rungs: [1, 2]}", "multi_fidelity.method: missing"},
      {kCommand + mf + "{method: hyperband, rungs: [1, 2], candidates: 4}",
       "multi_fidelity.candidates: hyperband sets each bracket's candidates itself"},
      {kCommand + mf + "{method: successive_halving, rungs: [1, 2], candidates: 2}", "multi_fidelity.candidates: 2"},
      {kCommand + mf + "{method: hyperband, eta: 100, rungs: [1, 2, 3, 4, 5]}", "eta^4 > 1000000 candidates"},
      {kCommand + mf + "{method: hyperband, rungs: [1, 2], fidelity: 3}", "multi_fidelity.fidelity: unknown key"},
      {kCommand + "multi_fidelity: hyperband\n", "multi_fidelity: must be a mapping"},
      {mf + "{method: hyperband, rungs: [1, 2]}", "multi_fidelity: needs an accuracy source"},
      {"accuracy: {csv: t.csv, column: acc}\n" + mf + "{method: hyperband, rungs: [1, 2]}",
       "multi_fidelity: accuracy.csv has one fidelity"},
  };
  for (const auto& [yaml, expected] : cases) {
    const std::string error = schedule_error(yaml);
    EXPECT_NE(error.find(expected), std::string::npos) << yaml << "\n  gave: " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
  // A key of the file that an override of another key made wrong names the override (s27
  // fresh-user finding 8: --set multi_fidelity.method=hyperband over the file's candidates).
  const std::string set =
      schedule_error(kCommand + mf + "{method: hyperband, rungs: [1, 2], candidates: 4}", {"multi_fidelity.method"});
  EXPECT_NE(set.find(": multi_fidelity.candidates (with multi_fidelity.method from --set): hyperband sets each "
                     "bracket's candidates itself"),
            std::string::npos)
      << set;
}

}  // namespace
}  // namespace hwnas::search

// An accuracy program killed from outside (s29 fresh-user findings 3 and 11): the signal is
// named as it was sent (only SIGKILL can be the out-of-memory killer), the trial's stored
// reason says it was killed from outside, and the per-rung costs count it as failed and killed.
#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "hwnas/search/run_search.h"
#include "hwnas/search/trial_program.h"
#include "search/killing_cost_model.h"

namespace hwnas::search {
namespace {

using testing::fake_info;
using testing::FakeProblem;
using testing::KillingCostModel;
using testing::TestDir;

TEST(KilledEvaluation, AProgramKilledBySigtermSaysSoAndNotTheOutOfMemoryKiller) {
  TestDir dir;
  try {
    run_trial_program({"/bin/sh", "-c", "kill -TERM $$"}, dir.file(""), 60, "sh");
    ADD_FAILURE() << "no ProgramKilled";
  } catch (const ProgramKilled& e) {
    EXPECT_EQ(e.signal(), SIGTERM);
    EXPECT_NE(std::string(e.what()).find("'sh' was killed by signal 15 ("), std::string::npos) << e.what();
  }
  EXPECT_EQ(kill_cause(SIGTERM).find("out-of-memory"), std::string::npos) << kill_cause(SIGTERM);
  EXPECT_EQ(kill_cause(SIGINT).find("out-of-memory"), std::string::npos) << kill_cause(SIGINT);
  EXPECT_EQ(kill_cause(SIGHUP).find("out-of-memory"), std::string::npos) << kill_cause(SIGHUP);
  EXPECT_NE(kill_cause(SIGKILL).find("out-of-memory killer"), std::string::npos) << kill_cause(SIGKILL);
}

// The third evaluation's program is killed by SIGTERM: the note and the stored reason name
// that kill, and rung_costs counts it among the evaluations, failed and killed.
TEST(KilledEvaluation, TheStoredReasonAndTheRungCostsCountAKillFromOutside) {
  const FakeProblem problem;
  TestDir dir;
  KillingCostModel cost(problem, 3, SIGTERM, "hwnas-train: 'hwnas-train' was killed by signal 15 (Terminated)");
  const space::Filters no_filters;
  const std::unique_ptr<Strategy> s = make_strategy("random", nlohmann::json::object(), {&problem.space, 7, 1});
  std::vector<std::string> notes;
  {
    ExperimentStore store = ExperimentStore::create(dir.file("e"), fake_info("random"));
    SearchHooks hooks;
    hooks.note = [&](const std::string& line) { notes.push_back(line); };
    search_loop({problem.space, cost, *s, no_filters}, store, {.trials = 12}, hooks);
  }
  const std::string says = "was killed by signal 15 (Terminated); not the network's fault (" + kill_cause(SIGTERM) + ")";
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find(says), std::string::npos) << notes[0];
  EXPECT_EQ(notes[0].find("out-of-memory"), std::string::npos) << notes[0];
  const ExperimentRecord r = read_experiment(dir.file("e"));
  std::int64_t failed = 0, evaluated = 0;
  for (const Trial& t : r.trials) {
    evaluated += t.accuracy_evaluated ? 1 : 0;
    if (t.status != TrialStatus::failed) continue;
    ++failed;
    EXPECT_NE(t.reason.find(says), std::string::npos) << t.reason;
  }
  EXPECT_EQ(failed, 1);
  ASSERT_EQ(r.rung_costs.size(), 1u);
  EXPECT_EQ(r.rung_costs[0].evaluations, evaluated);  // the killed one too
  EXPECT_EQ(r.rung_costs[0].failed, 1);
  EXPECT_EQ(r.rung_costs[0].killed, 1);
}

}  // namespace
}  // namespace hwnas::search

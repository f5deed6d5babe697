// The MPI messages' format (parallel/messages.h): every field survives the round trip
// exactly (an accuracy's every bit: the single-process and MPI searches must agree), and a
// message that is not what the other side writes is an internal error naming the rank.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "hwnas/base/error.h"
#include "hwnas/parallel/messages.h"

namespace hwnas::parallel {
namespace {

TEST(MpiMessages, JobsRoundTrip) {
  search::AccuracyJob job{42, space::Genome{{0, 65535, 7, 3}}, 2};
  EXPECT_EQ(job_message(job), R"({"genome":"0-65535-7-3","id":42,"rung":2})");
  const search::AccuracyJob back = parse_job_message(job_message(job), 0);
  EXPECT_EQ(back.id, 42);
  EXPECT_EQ(back.genome, job.genome);
  EXPECT_EQ(back.rung, 2);
  const search::AccuracyJob empty = parse_job_message(job_message({-3, space::Genome{}, 0}), 0);
  EXPECT_TRUE(empty.genome.genes.empty());
  EXPECT_EQ(empty.id, -3);
}

TEST(MpiMessages, ResultsRoundTripBitForBit) {
  for (double accuracy : {0.1 + 0.2, 100.0, 0.0, std::nextafter(71.25, 100.0), 1e-300}) {
    search::AccuracyResult r{7, accuracy, "", 12.345678901234567};
    const search::AccuracyResult back = parse_result_message(result_message(r), 3);
    EXPECT_EQ(back.id, 7);
    ASSERT_TRUE(back.accuracy);
    EXPECT_EQ(*back.accuracy, accuracy);  // exactly, not nearly
    EXPECT_EQ(back.seconds, r.seconds);
    EXPECT_EQ(back.failure, "");
    EXPECT_FALSE(back.baseline);  // not measured (every source but a scene task's training)
  }
  // A scene task's trivial baseline (100 x the all-background mIoU), measured by a worker
  // rank's training: rank 0's search shows it (docs/parallel.md).
  search::AccuracyResult scene{9, 41.5, "", 3.0};
  scene.baseline = 35.2;
  EXPECT_NE(result_message(scene).find(R"("baseline":35.2)"), std::string::npos) << result_message(scene);
  scene.baseline = std::nextafter(35.2, 0.0);
  const std::optional<double> baseline = parse_result_message(result_message(scene), 2).baseline;
  ASSERT_TRUE(baseline);
  EXPECT_EQ(*baseline, *scene.baseline);  // exactly
  EXPECT_FALSE(parse_result_message(result_message(search::AccuracyResult{9, 41.5, "", 3.0}), 2).baseline);
  const search::AccuracyResult failed{
      8, std::nullopt, "accuracy: 'python3' exited with status 1; stderr ends: 'say \"hi\" \xc3\xa9\\'", 0.5};
  const search::AccuracyResult back = parse_result_message(result_message(failed), 1);
  EXPECT_FALSE(back.accuracy);
  EXPECT_EQ(back.failure, failed.failure);
  EXPECT_FALSE(back.killed);
  search::AccuracyResult killed = failed;  // its program killed from outside (kill -9): not stored for reuse
  killed.killed = true;
  killed.signal = SIGTERM;
  EXPECT_TRUE(parse_result_message(result_message(killed), 1).killed);
  EXPECT_EQ(parse_result_message(result_message(killed), 1).signal, SIGTERM);
  EXPECT_EQ(result_message(failed).find('\n'), std::string::npos);
}

TEST(MpiMessages, EvaluationErrorsKeepTheirKind) {
  const EvaluationError user = evaluation_error(4, std::make_exception_ptr(UserError("exp.yaml: accuracy.csv: gone")));
  EXPECT_TRUE(user.user_error);
  const EvaluationError back = parse_error_message(error_message(user), 2);
  EXPECT_EQ(back.id, 4);
  EXPECT_TRUE(back.user_error);
  EXPECT_EQ(back.message, "exp.yaml: accuracy.csv: gone");
  EXPECT_THROW(rethrow(back, 2), UserError);

  const EvaluationError bug = evaluation_error(5, std::make_exception_ptr(std::out_of_range("vector::at")));
  EXPECT_FALSE(parse_error_message(error_message(bug), 3).user_error);
  try {
    rethrow(bug, 3);
    FAIL() << "rethrow returned";
  } catch (const InternalError& e) {
    EXPECT_STREQ(e.what(), "on rank 3: vector::at");
  }
  EXPECT_FALSE(evaluation_error(6, std::make_exception_ptr(42)).user_error);
}

TEST(MpiMessages, ForeignMessagesAreInternalErrorsNamingTheRank) {
  struct Case {
    std::string text, says;
  };
  for (const Case& c : std::vector<Case>{
           {"", "MPI job message from rank 5 is not valid JSON: ''"},
           {"[1, 2]", "does not have the keys it should"},
           {R"({"id": 1, "genome": "1-2"})", "does not have the keys it should"},
           {R"({"id": 1, "genome": "1-2", "stage": 0})", "has no 'rung'"},
           {R"({"id": "one", "genome": "1-2", "rung": 0})", "'id' is \"one\", not of the type"},
           {R"({"id": 1, "genome": "1-x", "rung": 0})", "MPI job message from rank 5: MPI job message: genome '1-x'"},
       }) {
    try {
      parse_job_message(c.text, 5);
      ADD_FAILURE() << c.text << " was accepted";
    } catch (const InternalError& e) {
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << c.text << " → " << e.what();
    }
  }
  EXPECT_THROW(
      parse_result_message(R"({"id": 1, "accuracy": "high", "failure": "", "seconds": 1, "killed": false})", 1),
      InternalError);
  // A result of an hwnas from before the baseline travelled: two builds under one mpirun.
  EXPECT_THROW(parse_result_message(
                   R"({"id": 1, "accuracy": 5, "failure": "", "seconds": 1, "killed": false, "signal": 9})", 1),
               InternalError);
  EXPECT_THROW(parse_result_message(R"({"id": 1, "accuracy": 5, "failure": "", "seconds": 1, "killed": false, )"
                                    R"("signal": 9, "baseline": "low"})",
                                    1),
               InternalError);
  EXPECT_THROW(parse_error_message(R"({"id": 1, "kind": "fatal", "message": ""})", 1), InternalError);
}

}  // namespace
}  // namespace hwnas::parallel

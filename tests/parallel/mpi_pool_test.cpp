// The MPI pool under a real `mpirun` (mpi_pool_probe.cpp is the program it runs): jobs go
// to the worker ranks and come back as they complete, steps reuse the ranks, errors come
// back with their kind, a stop returns at once, and a rank that dies is named.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "mpirun.h"

namespace hwnas::testing {
namespace {

Result probe(int ranks, const std::vector<std::string>& args) {
  return mpirun(ranks, MPI_POOL_PROBE, args);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(MpiPool, TwoRanksPingPong) {
  REQUIRE_MPIRUN();
  const Result r = probe(2, {"basic"});
  ASSERT_EQ(r.status, 0) << r.err;
  // One worker: the jobs run one at a time, in job order.
  EXPECT_EQ(r.out,
            "workers 1\n"
            "result 0 rank 1 accuracy 10.100000 failure ''\n"
            "result 1 rank 1 accuracy 90.100000 failure ''\n"
            "result 2 rank 1 accuracy 21.100000 failure ''\n"
            "result 3 rank 1 accuracy none failure 'diverged'\n"
            "result 4 rank 1 accuracy 30.100000 failure ''\n"
            "step\n"
            "result 10 rank 1 accuracy 40.100000 failure ''\n"
            "rank 1 stopped\n")
      << r.err;
}

TEST(MpiPool, ResultsComeBackAsTheyCompleteOnEveryWorker) {
  REQUIRE_MPIRUN();
  const Result r = probe(3, {"basic"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  // Job 1 (300 ms) holds rank 2 while rank 1 runs jobs 0, 2, 3 and 4: job 1 is last.
  const std::vector<std::string> expected_step1 = {
      "result 0 rank 1 accuracy 10.100000 failure ''", "result 2 rank 1 accuracy 21.100000 failure ''",
      "result 3 rank 1 accuracy none failure 'diverged'", "result 4 rank 1 accuracy 30.100000 failure ''",
      "result 1 rank 2 accuracy 90.100000 failure ''"};
  ASSERT_GE(out.size(), 10u) << r.out << r.err;
  EXPECT_EQ(out[0], "workers 2");
  EXPECT_EQ(std::vector<std::string>(out.begin() + 1, out.begin() + 6), expected_step1) << r.out;
  EXPECT_EQ(out[6], "step");
  EXPECT_EQ(out[7], "result 10 rank 1 accuracy 40.100000 failure ''");
  std::sort(out.begin() + 8, out.end());
  EXPECT_EQ(std::vector<std::string>(out.begin() + 8, out.end()),
            (std::vector<std::string>{"rank 1 stopped", "rank 2 stopped"}));
}

TEST(MpiPool, AnEvaluationErrorComesBackWithItsKindAfterTheJobsInFlight) {
  REQUIRE_MPIRUN();
  const Result r = probe(3, {"errors"});
  ASSERT_EQ(r.status, 0) << r.err;
  // Rank 2's job fails at once; rank 1's slow job still comes back; no further job starts.
  EXPECT_NE(r.out.find("result 0 rank 1 accuracy 90.100000 failure ''\nuser error: gene 7 is not allowed\n"
                       "result 0 rank 1 accuracy 90.100000 failure ''\n"
                       "internal error: on rank 2: bug in the evaluation\n"),
            std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(r.out.find("result 2"), std::string::npos) << r.out;
}

TEST(MpiPool, AnErrorOfOnResultStopsThePool) {
  REQUIRE_MPIRUN();
  const Result r = probe(3, {"on_result_throws"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("result 0 rank 1 accuracy 10.100000 failure ''\ninternal error: store full\n"), std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(r.out.find("result 1"), std::string::npos) << "a result after the error reached on_result:\n" << r.out;
  EXPECT_EQ(r.out.find("result 2"), std::string::npos) << "a job started after the error:\n" << r.out;
}

TEST(MpiPool, AStopReturnsWithoutWaitingForTheJobsInFlight) {
  REQUIRE_MPIRUN();
  const Result r = probe(3, {"stop"});
  // Job 0 (300 ms) is still running on rank 1 when job 1's result sets the stop.
  EXPECT_NE(r.out.find("workers 2\nresult 1 rank 2 accuracy 10.100000 failure ''\nreturned\n"), std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(r.out.find("result 0"), std::string::npos) << r.out;
}

TEST(MpiPool, ADeadWorkerEndsTheJobAndRankZeroNamesIt) {
  REQUIRE_MPIRUN();
  const Result r = probe(3, {"dead_worker"});
  // Rank 2 SIGKILLs itself on job 1; mpirun SIGTERMs rank 0 (stop) a second later, while
  // rank 1 is still busy, and kills it a second after that: rank 0 has answered by then.
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("returned, stop 1, ended ranks: 2\n"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("rank 2"), std::string::npos) << "mpirun names the rank:\n" << r.err;
}

TEST(MpiSession, TheLowestFailingRankIsTheOneThatSpeaks) {
  REQUIRE_MPIRUN();
  EXPECT_EQ(probe(3, {"setup"}).out, "lowest failing rank: -1\n");
  EXPECT_EQ(probe(3, {"setup", "2", "1"}).out, "lowest failing rank: 1\n");
  EXPECT_EQ(probe(3, {"setup", "2", "0"}).out, "lowest failing rank: 0\n");
}

}  // namespace
}  // namespace hwnas::testing

// Experiment files and --set overrides: what is read, and every error naming its key.
#include <gtest/gtest.h>

#include "hwnas/base/error.h"
#include "hwnas/search/experiment_config.h"

namespace hwnas::search {
namespace {

const char* kBase = R"(space: nb201
latency: {csv: data:nb201.csv, column: lat_ms_pixel3}
strategy:
  name: evolution
  population: 20
budget:
  evaluations: 100
seed: 3
)";

ExperimentConfig parse(const std::string& text, const std::vector<std::string>& sets = {}) {
  return parse_experiment_config(text, "exp.yaml", "/tmp", sets);
}

/// The one-line UserError parsing gives.
std::string error_of(const std::string& text, const std::vector<std::string>& sets = {}) {
  try {
    parse(text, sets);
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return "";
}

void expect_error(const std::string& text, const std::vector<std::string>& sets, const std::string& part) {
  const std::string message = error_of(text, sets);
  EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
}

TEST(ExperimentConfig, ReadsItsSections) {
  const ExperimentConfig c = parse(kBase);
  EXPECT_EQ(c.space.Scalar(), "nb201");
  EXPECT_EQ(c.strategy, "evolution");
  EXPECT_EQ(c.strategy_params, (nlohmann::json{{"population", 20}}));
  EXPECT_EQ(c.budget.evaluations, 100);
  EXPECT_FALSE(c.budget.trials);
  EXPECT_FALSE(c.budget.seconds);
  EXPECT_EQ(c.seed, 3u);
  EXPECT_EQ(c.root["latency"]["column"].Scalar(), "lat_ms_pixel3");
}

TEST(ExperimentConfig, ParallelDefaultsToOneWorkerAndABatchOfTheWorkers) {
  const ExperimentConfig plain = parse(kBase);
  EXPECT_EQ(plain.parallel.workers, 1);
  EXPECT_FALSE(plain.parallel.batch);  // run_search takes the pool's workers
  const ExperimentConfig both = parse(std::string(kBase) + "parallel: {workers: 4, batch: 16}\n");
  EXPECT_EQ(both.parallel.workers, 4);
  EXPECT_EQ(both.parallel.batch, 16);
  EXPECT_EQ(parse(kBase, {"parallel.batch=2"}).parallel.workers, 1);
  expect_error(std::string(kBase) + "parallel: {workers: 1025}\n", {},
               "exp.yaml:9: parallel.workers: 1025 is too large (at most 1024)");
  expect_error(std::string(kBase) + "parallel: {batch: 0}\n", {}, "exp.yaml:9: parallel.batch: 0 is too small");
}

TEST(ExperimentConfig, SetOverridesAnyKeyBeforeValidation) {
  const ExperimentConfig c = parse(kBase, {"strategy.population=64", "strategy.sample=8", "budget.trials=500",
                                           "seed=11", "latency.column=lat_ms_eyeriss", "strategy.tags=[a, 2]"});
  EXPECT_EQ(c.strategy_params, (nlohmann::json{{"population", 64}, {"sample", 8}, {"tags", {"a", 2}}}));
  EXPECT_EQ(c.budget.trials, 500);
  EXPECT_EQ(c.budget.evaluations, 100);
  EXPECT_EQ(c.seed, 11u);
  EXPECT_EQ(c.root["latency"]["column"].Scalar(), "lat_ms_eyeriss");
  EXPECT_EQ(c.set_keys, (std::set<std::string>{"strategy.population", "strategy.sample", "budget.trials", "seed",
                                               "latency.column", "strategy.tags"}));
  // A whole section, and a list item by index.
  const ExperimentConfig d = parse(std::string(kBase) + "objective: {constraints: [latency_ms <= 4, x]}\n",
                                   {"strategy={name: random}", "objective.constraints.1=latency_ms <= 9"});
  EXPECT_EQ(d.strategy, "random");
  EXPECT_EQ(d.strategy_params, nlohmann::json::object());
  EXPECT_EQ(d.root["objective"]["constraints"][1].Scalar(), "latency_ms <= 9");
}

TEST(ExperimentConfig, UnknownAndMisspeltKeysAreNamed) {
  expect_error(std::string(kBase) + "stratgy: {name: random}\n", {},
               "exp.yaml:9: stratgy: unknown key (did you mean 'strategy'?); allowed: name, description, space");
  expect_error(std::string(kBase) + "bugdet: {}\n", {}, "bugdet: unknown key (did you mean 'budget'?)");
  expect_error(kBase, {"budget.evaluatons=5"},
               "exp.yaml: budget.evaluatons (from --set): unknown key (did you mean 'evaluations'?); allowed: "
               "evaluations, trials, seconds");
  expect_error(kBase, {"seeds=5"}, "exp.yaml: seeds (from --set): unknown key (did you mean 'seed'?)");
  expect_error(kBase, {"frobnicate.x=5"}, "frobnicate (from --set): unknown key; allowed:");
}

TEST(ExperimentConfig, BadValuesNameTheKey) {
  const std::string no_budget = "space: nb201\nstrategy: random\n";
  expect_error(no_budget, {}, "exp.yaml: budget: missing; give budget:");
  expect_error(no_budget + "budget: {}\n", {}, "exp.yaml:3: budget: needs at least one of evaluations, trials, seconds");
  expect_error(no_budget + "budget: 5\n", {}, "budget: must be a mapping (evaluations, trials, seconds), got '5'");
  expect_error(no_budget + "budget: {trials: 0}\n", {}, "exp.yaml:3: budget.trials: 0 is too small (at least 1)");
  expect_error(no_budget + "budget: {trials: \"5\"}\n", {},
               "budget.trials: must be an integer, got the string \"5\"; write it without quotes");
  expect_error(no_budget + "budget: {trials: 2.5}\n", {}, "budget.trials: must be an integer, got '2.5'");
  expect_error(no_budget + "budget: {trials: 010}\n", {}, "budget.trials: 010 has a leading zero");
  expect_error(no_budget + "budget: {seconds: -1}\n", {}, "budget.seconds: -1 is too small (at least 0.001)");
  expect_error(kBase, {"budget.evaluations=abc"}, "budget.evaluations (from --set): must be an integer, got 'abc'");
  expect_error(kBase, {"seed=-1"}, "seed (from --set): -1 is too small (at least 0)");
  expect_error("strategy: random\nbudget: {trials: 1}\n", {}, "exp.yaml: space: missing; give a built-in space");
  expect_error("space: nb201\nbudget: {trials: 1}\n", {}, "exp.yaml: strategy: missing; give strategy:");
  expect_error("space: nb201\nbudget: {trials: 1}\nstrategy: {population: 3}\n", {}, "strategy.name: missing");
  expect_error("space: [a]\nstrategy: random\nbudget: {trials: 1}\n", {}, "space.name: missing");
  expect_error("- 1\n", {}, "exp.yaml: an experiment file is a mapping");
  expect_error(std::string(kBase) + "name: [a]\n", {}, "exp.yaml:9: name: must be text, got a list");
  expect_error(kBase, {"description={a: 1}"}, "exp.yaml: description (from --set): must be text, got a mapping");
  EXPECT_EQ(parse(std::string(kBase) + "name: x\ndescription: a search\n").strategy, "evolution");
}

TEST(ExperimentConfig, MalformedOverridesAreRefused) {
  expect_error(kBase, {"seed"}, "--set 'seed': write KEY=VALUE");
  expect_error(kBase, {"=4"}, "--set '=4': write KEY=VALUE");
  expect_error(kBase, {"seed="}, "--set 'seed=': no value after '='");
  expect_error(kBase, {"strategy..x=1"}, "--set 'strategy..x=1': the key has an empty part");
  expect_error(kBase, {"seed.x=1"}, "--set 'seed.x=1': 'seed' is a value ('3'), not a mapping; set 'seed' itself");
  // An index as errors print it (rungs[1]) made a key 'rungs[1]' (fresh-user check of issue 12).
  expect_error(kBase, {"objective.constraints[0]=latency_ms <= 2"},
               "--set 'objective.constraints[0]=latency_ms <= 2': write a list index as a part of the key: "
               "objective.constraints.0=...");
  expect_error(std::string(kBase) + "objective: {constraints: [a]}\n", {"objective.constraints.3=b"},
               "'objective.constraints' is a list of 1; '3' is not an index of it (0 to 0)");
  expect_error(kBase, {"seed={a: 1, a: 2}"}, "key 'a' appears twice");
  expect_error(kBase, {"  = 4"}, "--set '  = 4': write KEY=VALUE");
  expect_error(kBase, {"seed =  "}, "--set 'seed =  ': no value after '='");
  expect_error(kBase, {"strategy. population=4"},
               "--set 'strategy. population=4': the key 'strategy. population' has a blank inside");
}

// "KEY = VALUE" as a user would type it in quotes: the blanks around the key and the value
// are dropped (s29 fresh-user finding 12: "epochs " was an unknown key whose did-you-mean
// read 'epochs').
TEST(ExperimentConfig, BlanksAroundAnOverridesKeyAndValueAreDropped) {
  const ExperimentConfig c = parse(kBase, {"seed = 5", "\tstrategy.population =\t12 "});
  EXPECT_EQ(c.seed, 5u);
  EXPECT_EQ(c.root["strategy"]["population"].as<int>(), 12);
  EXPECT_EQ(c.set_keys, (std::set<std::string>{"seed", "strategy.population"}));
}

TEST(ExperimentConfig, NormalisedTextSortsKeys) {
  const ExperimentConfig a = parse(kBase);
  const ExperimentConfig b = parse(
      "seed: 3\nbudget: {evaluations: 100}\nstrategy: {population: 20, name: evolution}\n"
      "latency: {column: lat_ms_pixel3, csv: data:nb201.csv}\nspace: nb201\n");
  EXPECT_EQ(normalised_yaml(a.root), normalised_yaml(b.root));
  EXPECT_EQ(normalised_yaml(a.root).rfind("budget:", 0), 0u) << normalised_yaml(a.root);
  // Quoted scalars stay strings when read back.
  const YAML::Node back = YAML::Load(normalised_yaml(parse(kBase, {"strategy.population=\"20\""}).root));
  EXPECT_NE(normalised_yaml(back), normalised_yaml(a.root));
}

TEST(ExperimentConfig, FirstDifferenceNamesTheDottedKeyAndIgnoresTheBudget) {
  const YAML::Node base = parse(kBase).root;
  EXPECT_FALSE(first_difference(base, parse(kBase, {"budget.evaluations=900", "budget.seconds=5"}).root));
  EXPECT_EQ(first_difference(base, parse(kBase, {"strategy.population=21"}).root), "strategy.population");
  EXPECT_EQ(first_difference(base, parse(kBase, {"strategy.extra=1"}).root), "strategy.extra");
  EXPECT_EQ(first_difference(base, parse(kBase, {"latency={csv: data:nb201.csv}"}).root), "latency.column");
  EXPECT_EQ(first_difference(base, parse(kBase, {"seed=4"}).root), "seed");
  EXPECT_EQ(first_difference(base, parse(kBase, {"space={name: nb201}"}).root), "space");
  EXPECT_EQ(differences(base, parse(kBase, {"seed=4", "strategy.population=21", "budget.trials=9"}).root),
            (std::vector<std::string>{"seed", "strategy.population"}));
  EXPECT_TRUE(differences(base, base).empty());
}

TEST(ExperimentConfig, YamlValuesBecomeJsonOfTheirType) {
  const YAML::Node n = YAML::Load("{i: 3, r: 0.5, b: true, s: text, q: \"4\", l: [1, x], n: null}");
  EXPECT_EQ(yaml_to_json(n), (nlohmann::json{{"i", 3}, {"r", 0.5}, {"b", true}, {"s", "text"}, {"q", "4"},
                                             {"l", {1, "x"}}, {"n", nullptr}}));
}

}  // namespace
}  // namespace hwnas::search

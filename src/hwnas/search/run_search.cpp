// run_search: builds an experiment's parts from its config, creates or reopens its store,
// and runs the loop (search_loop.cpp).
#include "hwnas/search/run_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"
#include "hwnas/base/yaml_input.h"
#include "hwnas/estimate/estimator.h"
#include "hwnas/estimate/table_model.h"
#include "hwnas/hw/targets/targets.h"
#include "hwnas/search/experiment_input.h"
#include "hwnas/search/resume_checks.h"
#include "hwnas/search/search_step.h"
#include "hwnas/space/registry.h"
#include "hwnas/train/train_options.h"

namespace hwnas::search {
namespace {

/// What the latency section's target or kernel estimator tells the space and the filters.
struct LatencyFacts {
  space::SpaceOptions options;              // P: the target's parallelism factor, or the detected lanes
  std::optional<graph::Precision> precision;  // the precision the source runs at
};

LatencyFacts latency_facts(const ExperimentConfig& config) {
  const YAML::Node latency = config.root["latency"];
  if (!latency.IsDefined() || !latency.IsMap()) return {};  // make_cost_model says what is wrong
  const ExperimentSection section(latency, config.file, "latency", config.set_keys);
  if (section.has("target")) {
    const std::unique_ptr<hw::Target> target = hw::make_target(section.target_spec("target"));
    return {space::space_options_for_target(target->parallelism_factor(), section.text("target")), target->precision()};
  }
  if (section.has("estimator")) {
    const std::string path = section.path("estimator");
    const nlohmann::json doc = estimate::read_estimator_json(path);
    if (estimate::TableEstimator::is_table_estimator(doc)) return {};
    const estimate::Estimator estimator = estimate::Estimator::from_json(doc, path);
    return {space::space_options_for_estimator(estimator.lanes().cout, path), estimator.precision()};
  }
  return {};
}

std::unique_ptr<space::Space> make_experiment_space(const ExperimentConfig& config, space::SpaceOptions options) {
  std::string spec;
  if (config.space.IsScalar()) {
    spec = config.space.Scalar();
  } else {
    const ExperimentSection section(config.space, config.file, "space", config.set_keys);
    section.only({"name", "curated"});
    spec = section.text("name");
    if (section.has("curated")) {
      const YAML::Node curated = section.get("curated");
      if (!is_plain_scalar(curated) || (curated.Scalar() != "true" && curated.Scalar() != "false"))
        section.fail("curated", fmt::format("must be true or false, got {}", value_words(curated)));
      options.uncurated = curated.Scalar() == "false";
    }
  }
  // A space file is found as every file the experiment names (experiment_input.h).
  const bool file = space::is_space_file(spec);
  const std::string path = file ? resolve_experiment_path(spec, config.file, "space") : spec;
  std::error_code ec;
  if (file && !std::filesystem::exists(path, ec)) {  // named at the space: key (s26 second pass, finding 8)
    const ExperimentSection top(config.root, config.file, "", config.set_keys);
    const std::string why = fmt::format("no such space file '{}' (a path is relative to the experiment file); check "
                                        "the path, or name a built-in space (docs/spaces.md)",
                                        path);
    if (config.space.IsScalar()) top.fail("space", why);
    top.section("space").fail("name", why);
  }
  try {
    return space::make_space(path, options);
  } catch (const UserError& e) {
    if (file) throw;  // the space file's own errors name it
    throw UserError(config.file + ": space: " + e.what());
  }
}

/// The precision the space's validity filters analyse at, as the cost model's memory
/// metrics: `precision:` when given (make_cost_model checks it), else the latency
/// source's, else fp32.
graph::Precision filter_precision(const ExperimentConfig& config, std::optional<graph::Precision> source) {
  graph::Precision precision = source.value_or(graph::Precision::fp32);
  if (const YAML::Node node = config.root["precision"]; node.IsDefined() && node.IsScalar()) graph::parse_precision(node.Scalar(), precision);
  return precision;
}

/// Refuses parallel.workers trainings at once whose threads (accuracy.train.threads, or a
/// rung's, the most of them) are more than train::check_threads allows one training: each
/// worker runs its own hwnas-train, so torch would only oversubscribe the cores. Other
/// sources run one process (proxy, supernet) or threads the search cannot know (command).
void check_training_threads(const ExperimentConfig& config, std::int32_t workers) {
  // A missing key of a const node is invalid: only IsDefined may be asked of it.
  const auto is = [](const YAML::Node& n, YAML::NodeType::value type) { return n.IsDefined() && n.Type() == type; };
  const YAML::Node accuracy = config.root["accuracy"];
  const YAML::Node train = is(accuracy, YAML::NodeType::Map) ? accuracy["train"] : YAML::Node();
  if (workers <= 1 || !train.IsDefined() || !is(config.root["parallel"], YAML::NodeType::Map)) return;
  std::int64_t threads = 1;
  std::string threads_key = "accuracy.train.threads";  // where the most threads come from
  const auto most = [&](const YAML::Node& section, const std::string& key) {
    std::int64_t t = 0;
    if (is(section, YAML::NodeType::Map) && section["threads"].IsDefined() &&
        read_integer(section["threads"], 1, 1 << 30, t) == NumberProblem::none && t > threads) {
      threads = t;
      threads_key = key;
    }
  };
  most(train, "accuracy.train.threads");
  const YAML::Node mf = config.root["multi_fidelity"];
  if (is(mf, YAML::NodeType::Map) && is(mf["rungs"], YAML::NodeType::Sequence))
    for (std::size_t i = 0; i < mf["rungs"].size(); ++i)
      most(mf["rungs"][i], fmt::format("multi_fidelity.rungs[{}].threads", i));
  if (workers * threads <= train::max_threads()) return;
  const ExperimentSection parallel(config.root["parallel"], config.file, "parallel", config.set_keys);
  parallel.fail("workers", fmt::format("{} workers × {} ({}) is more than 4 × the {} cores of this machine (torch "
                                       "would only oversubscribe them); give at most {} workers",
                                       workers, plural(threads, "thread"), threads_key, train::resolve_threads(0),
                                       std::max<std::int64_t>(1, train::max_threads() / threads)));
}

}  // namespace

std::unique_ptr<space::Space> make_experiment_space(const ExperimentConfig& config) {
  return make_experiment_space(config, latency_facts(config).options);
}

std::optional<std::int32_t> experiment_parallelism_factor(const ExperimentConfig& config) {
  return latency_facts(config).options.parallelism_factor;
}

AccuracyFunction make_experiment_accuracy(const ExperimentConfig& config, const EvaluationsAtOnce& at_once) {
  std::shared_ptr<const space::Space> space = make_experiment_space(config);
  std::shared_ptr<const CostModel> cost_model =
      make_cost_model(config.root, config.file, *space, config.set_keys, at_once);
  return [space, cost_model](const AccuracyJob& job) { return cost_model->evaluate_accuracy(job); };
}

SearchResult run_search(const ExperimentConfig& config, const std::string& dir, bool resume, const SearchHooks& hooks) {
  // Everything that can refuse the config runs before DIR is touched, and every check of
  // the config before the accuracy sources start (a hybrid's take tens of seconds).
  if (!resume) ExperimentStore::check_new_dir(dir);
  const LatencyFacts facts = latency_facts(config);
  const std::unique_ptr<space::Space> space = make_experiment_space(config, facts.options);
  const std::int32_t workers = hooks.pool ? hooks.pool->workers() : config.parallel.workers;
  if (!hooks.pool) check_training_threads(config, workers);  // mpirun's workers are on their own hosts
  if (resume) check_supernets_found(config, dir);
  const EvaluationsAtOnce at_once = hooks.pool ? hooks.pool_at_once : EvaluationsAtOnce{workers, "parallel.workers"};
  CostModelPlan plan = plan_cost_model(config.root, config.file, *space, config.set_keys, at_once);
  std::unique_ptr<CostModel> cost_model;  // started once the config is checked
  const space::Filters filters = space::space_filters(*space);
  const graph::Precision precision = filter_precision(config, facts.precision);
  // budget_use is asked only once the search runs, after the cost model started.
  StrategyContext context{space.get(), config.seed, plan.objectives(),
                          [&cost_model](const space::Genome& g) { return cost_model->budget_use(g); }};
  std::unique_ptr<Strategy> strategy;
  try {
    strategy = make_strategy(config.strategy, config.strategy_params, context);
  } catch (const UserError& e) {  // "strategy.KEY: ...": name the file as every other key's error does
    std::string what = e.what();
    // "strategy.KEY (from --set): ..." when an override gave that key, as the other keys' errors say.
    const std::string key = what.substr(0, what.find(':'));
    if (config.from_set(key)) what.insert(key.size(), " (from --set)");
    // --set strategy.name=X keeps the file's parameters of its own strategy, which X may not take.
    const bool renamed = config.set_keys.contains("strategy.name") && what.find("unknown parameter") != std::string::npos;
    throw UserError(config.file + ": " + what +
                    (renamed ? fmt::format(" (--set strategy.name keeps the file's other strategy keys; replace the "
                                           "whole mapping: --set 'strategy={{name: {}}}')",
                                           config.strategy)
                             : ""));
  }
  const std::int32_t batch = config.parallel.batch.value_or(workers);
  const FidelitySchedule schedule = make_fidelity_schedule(config.root, config.file, batch, config.set_keys);
  // Local search moves after each neighbour's result: it takes one genome per step.
  if (config.strategy == "local" && schedule.method() != FidelityMethod::single)
    throw UserError(fmt::format("{}: multi_fidelity{}: strategy 'local' evaluates one neighbour per step, so it takes "
                                "no brackets of candidates; remove multi_fidelity or use another strategy",
                                config.file, config.from_set("multi_fidelity") ? " (from --set)" : ""));
  if (config.strategy == "local" && batch > 1)
    throw UserError(fmt::format("{}: parallel.batch{}: strategy 'local' evaluates one neighbour per step, so it takes "
                                "parallel.batch: 1 (got {}{}); set parallel.batch: 1 or use another strategy",
                                config.file, config.from_set("parallel") ? " (from --set)" : "", batch,
                                config.parallel.batch ? "" : ", from parallel.workers"));
  if (schedule.method() == FidelityMethod::single && batch < workers && config.root["accuracy"].IsDefined() &&
      hooks.note)  // s27 fresh-user finding 13
    hooks.note(fmt::format("parallel.batch {} is below the {} workers: a step evaluates {} candidate{} at once and "
                           "the other workers wait; leave parallel.batch out (one candidate per worker) or raise it",
                           batch, workers, batch, batch == 1 ? "" : "s"));
  const bool stores_batch = config.root["parallel"].IsDefined() || batch != 1;
  const std::string config_yaml = normalised_yaml(stores_batch ? with_batch(config.root, batch) : config.root);

  const std::vector<InputDigest> inputs = plan.accuracy_inputs();
  const std::vector<std::string> set_keys(config.set_keys.begin(), config.set_keys.end());
  std::optional<ExperimentStore> store;
  // A resume holds the store's lock, but no connection to it, while its accuracy sources
  // start: a Ctrl-C during their start-up ends the process at once, which would leave an
  // open store's -wal and -shm files beside it (s26 second pass, finding 10).
  std::optional<FileLock> resume_lock;
  if (resume) {
    ExperimentStore checked = ExperimentStore::open(dir);
    const ExperimentRecord done = read_experiment(dir);
    resume_lock.emplace(std::move(checked).close());
    // A search resumed with its budget spent answers at once: the accuracy sources (a
    // hybrid's proxy and supernet processes, seconds to start) would evaluate nothing.
    const std::optional<std::string> why =
        budget_reached(config.budget, static_cast<std::int64_t>(done.trials.size()), done.accuracy_evaluations,
                       done.state ? done.state->elapsed_s : 0.0, done.state ? done.state->batches : 0);
    const ResumeContext context{hooks.pool ? "the worker ranks, mpirun -np less one" : "", why.has_value()};
    for (const std::string& note : check_resumable(done.info, dir, config, config_yaml, *space, inputs, context))
      if (hooks.note) hooks.note(note);
    if (why) {
      // Nothing ran, so nothing of this session is recorded: its --set keys would make the
      // next resume ask to repeat a budget no step ran with (s27 fresh-user finding 10).
      store.emplace(ExperimentStore::open(dir, std::move(*resume_lock)));
      // budget_reached's order: evaluations, trials, then seconds.
      const Budget& b = config.budget;
      const std::string key = b.evaluations && done.accuracy_evaluations >= *b.evaluations ? "budget.evaluations"
                              : b.trials && static_cast<std::int64_t>(done.trials.size()) >= *b.trials
                                  ? "budget.trials"
                                  : "budget.seconds";
      return {{StopReason::budget, *why}, read_experiment(dir), key};
    }
  }
  cost_model = plan.start();
  HWNAS_CHECK(schedule.rungs() == std::max(cost_model->rungs(), 1));
  if (hooks.started) hooks.started();
  if (resume) {
    store.emplace(ExperimentStore::open(dir, std::move(*resume_lock)));
    store->update_config(config_yaml, inputs, set_keys);  // the budget may have changed
  } else {
    ExperimentInfo info;
    info.config_yaml = config_yaml;
    info.experiment_file = config.file;
    info.base_dir = config.base_dir;
    info.space = space->name();
    info.strategy = config.strategy;
    info.seed = config.seed;
    info.objective_names = cost_model->objective_names();
    if (const std::optional<space::Genome> baseline = space->baseline()) info.baseline_genome = space::to_text(*baseline);
    info.created_unix = std::time(nullptr);
    info.space_fingerprint = space::fingerprint(*space);
    info.rungs = schedule.rungs();
    info.inputs = inputs;
    info.set_keys = set_keys;
    store.emplace(ExperimentStore::create(dir, info));
  }
  std::unique_ptr<AccuracyPool> own_pool;
  if (!hooks.pool)
    own_pool = make_thread_pool([&cost_model](const AccuracyJob& job) { return cost_model->evaluate_accuracy(job); },
                                workers);
  AccuracyPool* pool = hooks.pool ? hooks.pool : own_pool.get();
  SearchResult result;
  result.outcome = search_loop({*space, *cost_model, *strategy, filters, precision, pool, &schedule}, *store,
                               config.budget, hooks);
  result.record = read_experiment(dir);
  return result;
}

}  // namespace hwnas::search

#include "hwnas/parallel/messages.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"

namespace hwnas::parallel {
namespace {

using Json = nlohmann::json;

/// `text` parsed as a JSON object whose keys are exactly `keys`; InternalError otherwise.
Json parse_object(std::string_view text, int rank, const char* what, std::initializer_list<const char*> keys) {
  const auto fail = [&](const std::string& why) {
    return InternalError(fmt::format("MPI {} message from rank {} {}: '{}' (do all ranks run the same hwnas?)", what,
                                     rank, why, printable(std::string(text.substr(0, 200)))));
  };
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception&) {
    throw fail("is not valid JSON");
  }
  if (!j.is_object() || j.size() != keys.size()) throw fail("does not have the keys it should");
  for (const char* key : keys)
    if (!j.contains(key)) throw fail(fmt::format("has no '{}'", key));
  return j;
}

template <typename T>
T field(const Json& j, const char* key, int rank, const char* what) {
  try {
    return j.at(key).get<T>();
  } catch (const Json::exception&) {
    throw InternalError(fmt::format("MPI {} message from rank {}: '{}' is {}, not of the type it should be", what, rank,
                                    key, printable(j.at(key).dump())));
  }
}

}  // namespace

std::string job_message(const search::AccuracyJob& job) {
  return Json{{"id", job.id}, {"genome", space::to_text(job.genome)}, {"rung", job.rung}}.dump();
}

std::string result_message(const search::AccuracyResult& result) {
  return Json{{"id", result.id},
              {"accuracy", result.accuracy ? Json(*result.accuracy) : Json(nullptr)},
              {"failure", result.failure},
              {"seconds", result.seconds},
              {"killed", result.killed},
              {"signal", result.signal},
              {"baseline", result.baseline ? Json(*result.baseline) : Json(nullptr)}}
      .dump();
}

std::string error_message(const EvaluationError& error) {
  return Json{{"id", error.id}, {"kind", error.user_error ? "user" : "internal"}, {"message", error.message}}.dump();
}

EvaluationError evaluation_error(std::int64_t id, const std::exception_ptr& thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const UserError& e) {
    return {id, true, e.what()};
  } catch (const std::exception& e) {
    return {id, false, e.what()};
  } catch (...) {
    return {id, false, "an exception that is not a std::exception"};
  }
}

void rethrow(const EvaluationError& error, int rank) {
  if (error.user_error) throw UserError(error.message);
  throw InternalError(fmt::format("on rank {}: {}", rank, error.message));
}

search::AccuracyJob parse_job_message(std::string_view text, int rank) {
  const Json j = parse_object(text, rank, "job", {"id", "genome", "rung"});
  search::AccuracyJob job;
  job.id = field<std::int64_t>(j, "id", rank, "job");
  job.rung = field<std::int32_t>(j, "rung", rank, "job");
  try {
    job.genome = space::parse_genome(field<std::string>(j, "genome", rank, "job"), "MPI job message");
  } catch (const UserError& e) {
    throw InternalError(fmt::format("MPI job message from rank {}: {}", rank, e.what()));
  }
  return job;
}

search::AccuracyResult parse_result_message(std::string_view text, int rank) {
  const Json j =
      parse_object(text, rank, "result", {"id", "accuracy", "failure", "seconds", "killed", "signal", "baseline"});
  search::AccuracyResult result;
  result.id = field<std::int64_t>(j, "id", rank, "result");
  if (!j.at("accuracy").is_null()) result.accuracy = field<double>(j, "accuracy", rank, "result");
  result.failure = field<std::string>(j, "failure", rank, "result");
  result.seconds = field<double>(j, "seconds", rank, "result");
  result.killed = field<bool>(j, "killed", rank, "result");
  result.signal = field<int>(j, "signal", rank, "result");
  if (!j.at("baseline").is_null()) result.baseline = field<double>(j, "baseline", rank, "result");
  return result;
}

EvaluationError parse_error_message(std::string_view text, int rank) {
  const Json j = parse_object(text, rank, "error", {"id", "kind", "message"});
  const std::string kind = field<std::string>(j, "kind", rank, "error");
  if (kind != "user" && kind != "internal")
    throw InternalError(fmt::format("MPI error message from rank {}: kind '{}' is neither 'user' nor 'internal'", rank,
                                    printable(kind)));
  return {field<std::int64_t>(j, "id", rank, "error"), kind == "user", field<std::string>(j, "message", rank, "error")};
}

}  // namespace hwnas::parallel

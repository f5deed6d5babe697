// Runs a reference script of the source tree under Debian's /usr/bin/python3 and parses
// the one JSON document it prints. A script that cannot import what it needs prints
// {"unavailable": why} and exits 0: the result's `skip` then says so (the caller passes it
// to HWNAS_MISSING_RESOURCE, tests/support/resources.h); a script that fails or prints
// something else sets `failure`. Needs HWNAS_SOURCE_DIR.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hwnas::testing {

struct PythonJson {
  std::string skip, failure;
  nlohmann::json doc;
};

/// `script` relative to the source tree; `stdin_file` (optional) is fed to its standard
/// input; `args` follow the script on its command line; `install` names the Debian
/// packages that provide what it imports.
inline PythonJson run_python_json(const std::string& script, const std::string& install,
                                  const std::filesystem::path& stdin_file = {},
                                  const std::vector<std::string>& args = {}) {
  const std::string python = "/usr/bin/python3";
  const auto quote = [](const std::string& text) {
    std::string out = "'";
    for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  };
  PythonJson result;
  if (!std::filesystem::exists(python)) {
    result.skip = python + " does not exist; install " + install;
    return result;
  }
  std::string command = python + " " + quote(std::string(HWNAS_SOURCE_DIR) + "/" + script);
  for (const std::string& arg : args) (command += ' ') += quote(arg);
  if (!stdin_file.empty()) command += " < " + quote(stdin_file.string());
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    result.failure = "cannot run " + command;
    return result;
  }
  std::string out;
  char buffer[65536];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  const int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result.failure = command + " failed (status " + std::to_string(status) + "); stdout:\n" + out;
    return result;
  }
  try {
    result.doc = nlohmann::json::parse(out);
  } catch (const nlohmann::json::exception& e) {
    result.failure = command + " printed invalid JSON (" + e.what() + "):\n" + out;
    return result;
  }
  if (result.doc.contains("unavailable"))
    result.skip = script + " cannot run under " + python + ": " + result.doc["unavailable"].get<std::string>() +
                  " (install " + install + ")";
  return result;
}

}  // namespace hwnas::testing

// An external target's description (docs/hardware-external.md, "The description"), read
// once and shared by the per-kernel protocol (external_target.cpp) and the batch protocol
// (batch_target.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hwnas/graph/analysis.h"
#include "hwnas/hw/fusion.h"
#include "hwnas/hw/kernel.h"
#include "hwnas/hw/target.h"

namespace hwnas::hw {

/// How hwnas talks to the program: a process per kernel, or one process for many kernels.
enum class ExternalProtocol : std::uint8_t { per_kernel, batch };

struct ExternalDescription {
  std::string name;
  std::vector<std::string> command;  // argv, run without a shell
  ExternalProtocol protocol = ExternalProtocol::per_kernel;
  double timeout_s = 30;          // per kernel, seconds
  double batch_timeout_s = 86400;  // batch protocol: seconds one process may take in all
  graph::Precision precision = graph::Precision::fp32;
  std::optional<FusionRules> fusion;
  std::string work_dir;  // absolute; empty: the caller's directory
};

/// Every key a description may have.
std::span<const std::string_view> external_keys();

/// Reads and checks `node`; `source` names it in errors (and, when it is a file, the
/// command runs in that file's directory). Throws a one-line UserError naming the key.
ExternalDescription parse_external_description(const YAML::Node& node, const std::string& source);

/// Everything that decides the measurements, in a fixed form for the identity hash (the
/// batch keys only when protocol is batch, so per-kernel identities are as before them).
std::string canonical(const ExternalDescription& d);

/// The target's identity: `name#` and 16 hex digits of the canonical form's hash.
std::string external_identity(const ExternalDescription& d);

/// Throws the one-line UserError "external target 'NAME' (SOURCE): kernel KEY: WHAT".
[[noreturn]] void throw_kernel_error(const ExternalDescription& d, const std::string& source, const Kernel& kernel,
                                     const std::string& what);

/// The program file and every other command entry that names an existing file (relative
/// ones from the directory the program runs in): Target::input_files.
std::vector<std::string> command_files(const ExternalDescription& d);

/// What both protocols' targets answer from the description alone.
class DescribedTarget : public Target {
 public:
  DescribedTarget(ExternalDescription d, std::string source)
      : d_(std::move(d)), source_(std::move(source)), identity_(external_identity(d_)) {}

  const std::string& name() const override { return d_.name; }
  const std::string& identity() const override { return identity_; }
  std::optional<FusionRules> fusion_rules() const override { return d_.fusion; }
  graph::Precision precision() const override { return d_.precision; }
  std::vector<std::string> input_files() const override { return command_files(d_); }

 protected:
  ExternalDescription d_;
  std::string source_;

 private:
  std::string identity_;
};

}  // namespace hwnas::hw

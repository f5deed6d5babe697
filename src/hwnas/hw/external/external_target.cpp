#include "hwnas/hw/external/external_target.h"

#include <fmt/format.h>

#include <cstring>

#include "hwnas/base/error.h"
#include "hwnas/hw/external/answer.h"
#include "hwnas/hw/external/batch_target.h"
#include "hwnas/hw/external/subprocess.h"

namespace hwnas::hw {
namespace {

std::string stderr_note(const ProcessResult& r) {
  const std::string e = excerpt(r.err);
  return e.empty() ? "; it printed nothing on stderr" : "; stderr: '" + e + "'";
}

/// The per-kernel protocol: a process per kernel.
class ExternalTarget : public DescribedTarget {
 public:
  using DescribedTarget::DescribedTarget;

  Measurement measure(const Kernel& kernel) override {
    const auto fail = [&](const std::string& what) { throw_kernel_error(d_, source_, kernel, what); };
    const ProcessResult r =
        run_process(d_.command, d_.work_dir, kernel_to_json(kernel).dump() + "\n", d_.timeout_s);
    if (!r.started)
      fail(fmt::format("cannot run '{}' ({}); fix key 'command'", d_.command.front(), r.exec_error));
    if (r.timed_out)
      fail(fmt::format("no answer within timeout_s = {} s, the program was killed; raise "
                       "'timeout_s' or make the program faster", d_.timeout_s));
    if (r.signal != 0)
      fail(fmt::format("'{}' was killed by signal {} ({}){}", d_.command.front(), r.signal,
                       strsignal(r.signal), stderr_note(r)));
    if (r.exit_status != 0)
      fail(fmt::format("'{}' exited with status {}{}", d_.command.front(), r.exit_status, stderr_note(r)));
    try {
      return parse_answer(r.out);
    } catch (const BadAnswer& e) {
      throw_kernel_error(d_, source_, kernel, e.what());
    }
  }
};

}  // namespace

std::span<const std::string_view> external_description_keys() { return external_keys(); }

std::unique_ptr<Target> make_external_target(const YAML::Node& description, const std::string& source) {
  ExternalDescription d = parse_external_description(description, source);
  if (d.protocol == ExternalProtocol::batch) return make_batch_target(std::move(d), source);
  return std::make_unique<ExternalTarget>(std::move(d), source);
}

}  // namespace hwnas::hw

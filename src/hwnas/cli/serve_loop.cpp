#include "hwnas/cli/serve_loop.h"

#include <fmt/format.h>

#include <cstdio>
#include <istream>

#include "hwnas/base/error.h"

namespace hwnas::cli {

std::string trim_blank(std::string_view line) {
  constexpr const char* kBlank = " \t\r\n\v\f";
  const std::size_t first = line.find_first_not_of(kBlank);
  return first == std::string_view::npos ? "" : std::string(line.substr(first, line.find_last_not_of(kBlank) - first + 1));
}

void serve_lines(std::istream& in, std::FILE* out, const ServeAnswer& answer, const ServeRefusal& refusal) {
  constexpr std::size_t kLongestRequest = 4096;  // PATH_MAX: no model file's path (or zoo spec) is longer
  for (std::string line; std::getline(in, line);) {
    const std::string request = trim_blank(line);
    nlohmann::ordered_json reply;
    if (request.empty()) {
      reply = refusal(request, "empty request: send one model per line, a model file's path or a zoo spec");
    } else if (request.size() > kLongestRequest) {  // echoed whole, it would make a line as long in each field
      const std::string shown = request.substr(0, 60) + "...";
      reply = refusal(shown, fmt::format("a request of {} bytes ('{}') is no model: send one model file's path or zoo "
                                         "spec per line",
                                         request.size(), shown));
    } else {
      try {
        reply = answer(request);
      } catch (const UserError& e) {
        reply = refusal(request, e.what());
      }
    }
    fmt::print(out, "{}\n", reply.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    std::fflush(out);
  }
}

}  // namespace hwnas::cli

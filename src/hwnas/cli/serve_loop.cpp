#include "hwnas/cli/serve_loop.h"

#include <fmt/format.h>

#include <cstdio>
#include <istream>

#include "hwnas/base/error.h"

namespace hwnas::cli {

void serve_lines(std::istream& in, std::FILE* out, const ServeAnswer& answer, const ServeRefusal& refusal) {
  constexpr const char* kBlank = " \t\r\n\v\f";
  for (std::string line; std::getline(in, line);) {
    const std::size_t first = line.find_first_not_of(kBlank);
    const std::string request =
        first == std::string::npos ? "" : line.substr(first, line.find_last_not_of(kBlank) - first + 1);
    nlohmann::ordered_json reply;
    if (request.empty()) {
      reply = refusal(request, "empty request: send the path of one model file per line");
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

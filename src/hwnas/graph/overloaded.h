#pragma once

namespace hwnas {

/// Builds a visitor from lambdas: std::visit(Overloaded{[](A&){...}, [](B&){...}}, v).
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

}  // namespace hwnas

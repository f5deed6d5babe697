#pragma once

namespace hwnas {

/// Builds a visitor from lambdas: std::visit(Overloaded{[](A&){...}, [](B&){...}}, v).
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// C++20 deduces this for aggregates; clang 14 (the fuzz build) still needs the guide.
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace hwnas

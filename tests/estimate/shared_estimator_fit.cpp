// fit_shared_estimator DIR: fits the estimator tests' shared estimator into DIR; ctest runs
// it once per run as the fixture 'estimate.fit_shared_estimator' (shared_estimator.h).
#include <exception>
#include <iostream>

#include "shared_estimator.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fit_shared_estimator DIR\n";
    return 2;
  }
  try {
    hwnas::testing::fit_shared_estimator(argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "fit_shared_estimator: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

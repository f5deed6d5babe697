// Training throughput of the C++ trainer's step against Python PyTorch 1.13 on the same
// model, threads, batch, optimiser and loss (issue 11: goal C++ ≥ 1.2× Python), and the
// effect of the allocator tuning hwnas-train's main() does (mallopt M_MMAP_THRESHOLD and
// M_TRIM_THRESHOLD at 1 GiB). Each measurement runs in its own process; the three take
// turns `--repeats` times and the best of each is kept, so that a machine shared with
// other work slows each of them alike:
//   train_throughput [--threads T] [--batch B] [--res R] [--width W] [--steps N] [--repeats K]
// prints images/s of C++ with and without the tuning and of Python, and the ratios.
// The step: forward, cross-entropy with label smoothing 0.1, backward, SGD with Nesterov
// momentum (optimizer.h, no decay on 1-D tensors), on one random batch (no data loading).
#include <fmt/format.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "hwnas/space/models.h"
#include "hwnas/train/network.h"
#include "hwnas/train/optimizer.h"

namespace {

struct Setting {
  std::string threads = "2", batch = "128", res = "32", width = "0.5", steps = "30", warmup = "5";
  int repeats = 3;
};

double measure_cpp(const Setting& s) {
  using namespace hwnas;
  torch::set_num_threads(std::stoi(s.threads));
  const graph::Graph g = space::load_model(fmt::format("mobilenet_v2:width={},in_ch=1,classes=10,res={}", s.width, s.res));
  train::Network net(g, 0);
  train::OptimizerConfig config;
  config.lr = 0.01;
  auto opt = train::make_optimizer(net->graph_parameters(), config);
  const int batch = std::stoi(s.batch), res = std::stoi(s.res), steps = std::stoi(s.steps), warmup = std::stoi(s.warmup);
  const torch::Tensor images = torch::randn({batch, 1, res, res}), labels = torch::randint(0, 10, {batch});
  net->train();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < warmup + steps; ++i) {
    if (i == warmup) start = std::chrono::steady_clock::now();
    opt->zero_grad();
    const torch::Tensor loss = torch::nn::functional::cross_entropy(
        net->forward(images).front().flatten(1), labels,
        torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(0.1));
    loss.backward();
    opt->step();
    loss.item<double>();
  }
  return batch * steps / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double run_child(const std::string& command) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  char line[128] = {};
  const bool got = pipe != nullptr && std::fgets(line, sizeof line, pipe) != nullptr;
  if (pipe != nullptr) ::pclose(pipe);
  if (!got) {
    fmt::print(stderr, "no answer from: {}\n", command);
    std::exit(1);
  }
  return std::atof(line);
}

}  // namespace

int main(int argc, char** argv) {
  Setting s;
  bool child = false, tuned = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--threads") s.threads = next();
    else if (a == "--batch") s.batch = next();
    else if (a == "--res") s.res = next();
    else if (a == "--width") s.width = next();
    else if (a == "--steps") s.steps = next();
    else if (a == "--repeats") s.repeats = std::max(1, std::atoi(next().c_str()));
    else if (a == "--child-tuned") child = true;
    else if (a == "--child-default") child = true, tuned = false;
    else {
      fmt::print(stderr, "usage: train_throughput [--threads T] [--batch B] [--res R] [--width W] [--steps N] [--repeats K]\n");
      return 2;
    }
  }
  if (child) {
    if (tuned) {
      mallopt(M_MMAP_THRESHOLD, 1 << 30);
      mallopt(M_TRIM_THRESHOLD, 1 << 30);
    }
    fmt::print("{:.1f}\n", measure_cpp(s));
    return 0;
  }
  const std::string options = fmt::format("--threads {} --batch {} --res {} --width {} --steps {}", s.threads, s.batch,
                                          s.res, s.width, s.steps);
  fmt::print("mobilenet_v2 width {} 1-channel at {}x{}, 10 classes, batch {}, {} threads, {} timed steps\n", s.width,
             s.res, s.res, s.batch, s.threads, s.steps);
  double tuned_ips = 0, default_ips = 0, python_ips = 0;
  for (int r = 0; r < s.repeats; ++r) {
    const double t = run_child(fmt::format("'{}' --child-tuned {}", argv[0], options));
    const double d = run_child(fmt::format("'{}' --child-default {}", argv[0], options));
    const double p = run_child(fmt::format("/usr/bin/python3 '{}' {} {} 10 {} {} {} 5", HWNAS_BENCH_PYTHON, s.width,
                                           s.res, s.batch, s.threads, s.steps));
    fmt::print("round {}: C++ tuned {:.1f}, C++ glibc defaults {:.1f}, Python {:.1f} images/s\n", r + 1, t, d, p);
    std::fflush(stdout);
    tuned_ips = std::max(tuned_ips, t);
    default_ips = std::max(default_ips, d);
    python_ips = std::max(python_ips, p);
  }
  fmt::print("best of {}:\n", s.repeats);
  fmt::print("C++ trainer, mallopt tuned:     {:8.1f} images/s\n", tuned_ips);
  fmt::print("C++ trainer, glibc's defaults:  {:8.1f} images/s  (tuned / default {:.2f}x)\n", default_ips,
             tuned_ips / default_ips);
  fmt::print("Python PyTorch 1.13:            {:8.1f} images/s\n", python_ips);
  fmt::print("ratio C++ / Python: {:.2f} (goal >= 1.2)\n", tuned_ips / python_ips);
  return 0;
}

// Training throughput of the C++ trainer's step against Python PyTorch 1.13 on the same
// model, threads, batch, optimiser and loss (issue 11: goal C++ ≥ 1.2× Python), the effect
// of the allocator tuning hwnas-train's main() does (mallopt M_MMAP_THRESHOLD and
// M_TRIM_THRESHOLD at 1 GiB), and of the trainer's channels-last layout (network.h), against
// a Python script as written by default (contiguous) and converted to channels-last. Each
// measurement runs in its own process; the five take turns `--repeats` times and the best
// of each is kept, so that a machine shared with other work slows each of them alike:
//   train_throughput [--threads T] [--batch B] [--res R] [--width W] [--steps N] [--repeats K]
// prints images/s of each and the ratios.
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

double measure_cpp(const Setting& s, torch::MemoryFormat format) {
  using namespace hwnas;
  torch::set_num_threads(std::stoi(s.threads));
  const graph::Graph g = space::load_model(fmt::format("mobilenet_v2:width={},in_ch=1,classes=10,res={}", s.width, s.res));
  train::Network net(g, 0, format);
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
  torch::MemoryFormat format = torch::MemoryFormat::ChannelsLast;
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
    else if (a == "--child-contiguous") child = true, format = torch::MemoryFormat::Contiguous;
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
    fmt::print("{:.1f}\n", measure_cpp(s, format));
    return 0;
  }
  const std::string options = fmt::format("--threads {} --batch {} --res {} --width {} --steps {}", s.threads, s.batch,
                                          s.res, s.width, s.steps);
  fmt::print("mobilenet_v2 width {} 1-channel at {}x{}, 10 classes, batch {}, {} threads, {} timed steps\n", s.width,
             s.res, s.res, s.batch, s.threads, s.steps);
  enum { k_tuned, k_untuned, k_contiguous, k_python, k_python_cl, kinds };
  const char* names[kinds] = {"C++ trainer (channels-last, mallopt tuned)", "C++ trainer, glibc's malloc defaults",
                              "C++ trainer, contiguous layout", "Python PyTorch 1.13 (contiguous)",
                              "Python PyTorch 1.13, channels_last"};
  const std::string python_cmd = fmt::format("/usr/bin/python3 '{}' {} {} 10 {} {} {} 5", HWNAS_BENCH_PYTHON, s.width,
                                         s.res, s.batch, s.threads, s.steps);
  const std::string commands[kinds] = {
      fmt::format("'{}' --child-tuned {}", argv[0], options), fmt::format("'{}' --child-default {}", argv[0], options),
      fmt::format("'{}' --child-contiguous {}", argv[0], options), python_cmd, python_cmd + " channels_last"};
  double best[kinds] = {};
  for (int r = 0; r < s.repeats; ++r) {
    fmt::print("round {}:", r + 1);
    for (int k = 0; k < kinds; ++k) {
      const double ips = run_child(commands[k]);
      best[k] = std::max(best[k], ips);
      fmt::print(" {:.1f}", ips);
      std::fflush(stdout);
    }
    fmt::print(" images/s\n");
  }
  fmt::print("best of {} rounds, images/s:\n", s.repeats);
  for (int k = 0; k < kinds; ++k) fmt::print("  {:45} {:8.1f}\n", names[k], best[k]);
  fmt::print("tuned / glibc defaults {:.2f}x; channels-last / contiguous (C++) {:.2f}x, (Python) {:.2f}x\n",
             best[k_tuned] / best[k_untuned], best[k_tuned] / best[k_contiguous], best[k_python_cl] / best[k_python]);
  fmt::print("ratio C++ / Python as written: {:.2f} (goal >= 1.2); same layout: contiguous {:.2f}, channels-last {:.2f}\n",
             best[k_tuned] / best[k_python], best[k_contiguous] / best[k_python], best[k_tuned] / best[k_python_cl]);
  return 0;
}

// Helpers shared by the store, external-target and table-target tests.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "hwnas/hw/kernel.h"

namespace hwnas::hw::testing {

/// A fresh directory under the system temp dir, removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string test = info ? std::string(info->test_suite_name()) + "." + info->name() : "t";
    path_ = std::filesystem::temp_directory_path() /
            ("hwnas-" + test + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

  /// Writes `text` to `name` in the directory and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return file(name);
  }

 private:
  std::filesystem::path path_;
  static inline int counter_ = 0;
};

/// Fails the test unless process `pid` ends within 2 s: gone, or a zombie waiting for a
/// container's init to reap it. `what` names it in the failure.
inline void expect_process_ends(pid_t pid, const std::string& what) {
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string id, comm, state;
    stat >> id >> comm >> state;
    if (state == "Z") return;
    ::usleep(20000);
    if (i == 99) ADD_FAILURE() << what << " " << pid << " still runs";
  }
}

/// conv2d 3x3 (16 -> out channels) on 8x8, plus BN and ReLU: distinct `out` give distinct keys.
inline Kernel conv_kernel(std::int32_t out, graph::Precision precision = graph::Precision::int8) {
  const graph::Shape in{16, 8, 8}, o{out, 8, 8};
  graph::Conv2d conv;
  conv.out_channels = out;
  conv.kernel_h = conv.kernel_w = 3;
  conv.pad_h = conv.pad_w = conv.pad_bottom = conv.pad_right = 1;
  return Kernel{{KernelOp{conv, {in}, o}, KernelOp{graph::BatchNorm{}, {o}, o},
                 KernelOp{graph::Activation{graph::ActKind::relu}, {o}, o}},
                precision,
                1};
}

}  // namespace hwnas::hw::testing

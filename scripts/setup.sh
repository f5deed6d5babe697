#!/usr/bin/env bash
# Installs every Debian 12 package hwnas needs, or only the packages named as arguments
# (bench/fuzz.sh: its clang toolchain). Idempotent; run as root.
set -euo pipefail

default_packages=(
  build-essential cmake pkg-config ninja-build
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev
  libtorch-dev libxgboost-dev libxnnpack-dev libpthreadpool-dev libdnnl-dev
  libonnx-dev libprotobuf-dev protobuf-compiler libopenmpi-dev
  dataset-fashion-mnist python3 python3-torch python3-torchvision
  python3-numpy  # train_metrics_tests' independent COCO mAP (Debian 12 has no python3-pycocotools)
  chromium zlib1g-dev  # report_tests open the HTML report in headless Chromium and decode its PNG
)

packages=("$@")
((${#packages[@]})) || packages=("${default_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages: ${missing[*]}; run scripts/setup.sh as root" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

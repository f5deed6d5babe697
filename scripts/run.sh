#!/usr/bin/env bash
# The main job: install dependencies, build hwnas, run an accelerator-aware search on real
# images and write its HTML report.
#
# MobileNetV2-like classifiers for Fashion-MNIST (Debian's dataset-fashion-mnist), channels
# aligned to the edgetpu-like simulator's parallelism factor, each trained by hwnas-train
# with successive halving (1 epoch on 10% of the images, then the best third for 2 epochs
# on 20%), searched by aging evolution under a latency limit below the space's baseline's
# (configs/experiments/fmnist-edgetpu.yaml): about 10 minutes on 2 cores after the build.
# Then, with the NAS-Bench-201 data (HWNAS_DATA_DIR, else ../shared/data), the NB201 cells
# with their real CIFAR-10 accuracies on the same simulator (configs/experiments/
# nb201-edgetpu.yaml) by aging evolution, a predictor-guided search and random search, in
# about a minute; HWNAS_SKIP_NB201=1 skips it.
# Results go to runs/<time>/ (or $1): report.html, and nb201/report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh --target hwnas hwnas-train
hwnas=build/bin/hwnas
out="${1:-runs/$(date -u +%Y%m%d-%H%M%S)}"
echo "== Fashion-MNIST: mobilenet-cls-fmnist on edgetpu-like, latency <= 0.4 ms, trained by hwnas-train" >&2
"$hwnas" search configs/experiments/fmnist-edgetpu.yaml --out "$out/fmnist-edgetpu"
"$hwnas" report "$out/fmnist-edgetpu" --out "$out/report.html"
echo "report: $out/report.html" >&2

data="${HWNAS_DATA_DIR:-../shared/data}"
if [[ "${HWNAS_SKIP_NB201:-0}" == 1 ]]; then
  exit 0
elif [[ ! -f "$data/nb201/nb201.csv" ]]; then
  echo "run.sh: no NAS-Bench-201 data in $data (nb201/nb201.csv), so the NB201 searches are skipped; set" \
       "HWNAS_DATA_DIR to the folder that holds nb201/nb201.csv (NAS-Bench-201 / NATS-Bench accuracies with" \
       "HW-NAS-Bench latencies, one row per cell: ../shared/data/README.md in the hwnas workspace)." >&2
  exit 0
fi
dirs=()
for strategy in evolution bananas random; do
  set=()
  [[ $strategy != evolution ]] && set=(--set "strategy={name: $strategy}")
  echo "== $strategy: NB201 on edgetpu-like, latency <= 1.5 ms, 300 accuracy evaluations" >&2
  "$hwnas" search configs/experiments/nb201-edgetpu.yaml --out "$out/nb201/$strategy" "${set[@]}"
  dirs+=("$out/nb201/$strategy")
done
"$hwnas" report "${dirs[@]}" --out "$out/nb201/report.html"
echo "report: $out/nb201/report.html" >&2

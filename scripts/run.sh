#!/usr/bin/env bash
# The main job: install dependencies, build hwnas, run an accelerator-aware search and
# write its HTML report.
#
# With the NAS-Bench-201 data (HWNAS_DATA_DIR, else ../shared/data): NB201 cells with
# their real CIFAR-10 accuracies, latency simulated on the edgetpu-like accelerator,
# under a latency limit (configs/experiments/nb201-edgetpu.yaml), searched by aging
# evolution, a predictor-guided search and random search; one report compares them.
# Without the data: a latency-only search of mobilenet-cls on npu-p16.
# Results go to runs/<time>/ (or $1).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh --target hwnas
hwnas=build/bin/hwnas
out="${1:-runs/$(date -u +%Y%m%d-%H%M%S)}"
data="${HWNAS_DATA_DIR:-../shared/data}"
if [[ -f "$data/nb201/nb201.csv" ]]; then
  dirs=()
  for strategy in evolution bananas random; do
    set=()
    [[ $strategy != evolution ]] && set=(--set "strategy={name: $strategy}")
    echo "== $strategy: NB201 on edgetpu-like, latency <= 1.5 ms, 300 accuracy evaluations" >&2
    "$hwnas" search configs/experiments/nb201-edgetpu.yaml --out "$out/$strategy" "${set[@]}"
    dirs+=("$out/$strategy")
  done
else
  echo "run.sh: no NAS-Bench-201 data in $data (nb201/nb201.csv): set HWNAS_DATA_DIR to the" \
       "folder that holds nb201/nb201.csv (NAS-Bench-201 / NATS-Bench accuracies with HW-NAS-Bench" \
       "latencies, one row per cell: ../shared/data/README.md in the hwnas workspace)." \
       "Running a latency-only search of mobilenet-cls instead." >&2
  "$hwnas" search configs/experiments/mobilenet-cls-latency.yaml --out "$out/mobilenet-cls"
  dirs=("$out/mobilenet-cls")
fi
"$hwnas" report "${dirs[@]}" --out "$out/report.html"
echo "report: $out/report.html" >&2

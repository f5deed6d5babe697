#!/usr/bin/env bash
# Issue 10's search figures on NAS-Bench-201 (docs/strategies.md, "Measured"): builds
# search_nb201 and hwnas, fits a kernel estimator of the edgetpu-like simulator once (kept
# as build/bench/edgetpu-like.est; delete it to refit), and runs search_nb201 on the three device
# latency columns, the simulator and the estimator. Extra arguments go to search_nb201
# (e.g. --seeds 5 --strategies random,evolution). The data directory is HWNAS_DATA_DIR,
# else ../shared/data.
#   bench/search_nb201.sh [SEARCH_NB201_OPTION...]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${HWNAS_DATA_DIR:-../shared/data}
./scripts/build.sh --target search_nb201 hwnas >/dev/null
mkdir -p build/bench
est=build/bench/edgetpu-like.est
if [[ ! -f $est ]]; then
  rm -f build/bench/edgetpu-like.db "$est"
  build/bin/hwnas fit --target edgetpu-like --db build/bench/edgetpu-like.db --out "$est" >&2
fi
exec build/bin/search_nb201 --data "$data" \
  --source csv:lat_ms_pixel3 --source csv:lat_ms_eyeriss --source csv:lat_ms_raspi4 \
  --source target:edgetpu-like --source "estimator:$PWD/$est" "$@"

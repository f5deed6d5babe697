#!/usr/bin/env bash
# The main job: install dependencies, build, and inspect a zoo model.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh --target hwnas
./build/bin/hwnas inspect "${1:-mobilenet_v2}" --precision int8

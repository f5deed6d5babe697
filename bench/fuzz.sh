#!/usr/bin/env bash
# Fuzzes every file reader of hwnas (tests/fuzz/, one libFuzzer target per reader) under
# AddressSanitizer and UBSan, one target after another, each for SECONDS (default 360:
# 42 minutes for the seven), at nice 10. Usage:
#   bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      e.g. bench/fuzz.sh 120 table_csv
# Targets (default: all): onnx model_yaml model_json space hw_description estimator table_csv.
# Issue 12's "10 minutes each" for ONNX, model and space files:
#   bench/fuzz.sh 600 onnx model_yaml model_json space
# Builds into build-fuzz/ with Debian's clang 14 (installs clang-14 and libclang-rt-14-dev,
# the libFuzzer/ASan/UBSan runtimes, when missing and run as root). Each target runs on a
# copy of its seed corpus (tests/fuzz/corpus/TARGET), so the committed corpus never grows;
# logs, the grown corpora and any crash, timeout, leak or out-of-memory input go under
# build-fuzz/fuzz/TARGET/. Prints executions and findings per target; exits 1 when any
# target found something, 2 when it could not run.
set -uo pipefail

seconds=${1:-360}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
((${#targets[@]})) || targets=(onnx model_yaml model_json space hw_description estimator table_csv)
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: SECONDS must be a positive integer, got '$seconds'" >&2; exit 2; }

# Largest input per target: a few times the largest seed of its corpus (ONNX: twice; its
# seeds are 7 to 29 KiB, mostly placeholder weights).
declare -A max_len=([onnx]=65536 [model_yaml]=8192 [model_json]=8192 [space]=16384 [hw_description]=4096
                    [estimator]=32768 [table_csv]=4096)
declare -A dict=([onnx]=onnx [model_yaml]=model [model_json]=model [space]=space
                 [hw_description]=hw_description [estimator]=estimator [table_csv]=table_csv)
for t in "${targets[@]}"; do
  [[ -n ${max_len[$t]:-} ]] || { echo "fuzz.sh: unknown target '$t'; targets: ${!max_len[*]}" >&2; exit 2; }
done

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz

"$root/scripts/setup.sh" clang-14 libclang-rt-14-dev cmake ninja-build || exit 2

# -O1 keeps the build short on a small machine; asserts stay on (no NDEBUG).
nice -n 10 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DHWNAS_FUZZ=ON -DHWNAS_BUILD_TESTS=OFF -DHWNAS_BUILD_BENCHMARKS=OFF >/dev/null || exit 2
nice -n 10 cmake --build "$build" --target "${targets[@]/#/fuzz_}" || exit 2

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=1  # XGBoost's OpenMP: one thread, as libFuzzer runs one input at a time

status=0
printf '%-15s %8s %12s %8s %9s  %s\n' target seconds executions exec/s findings result
for t in "${targets[@]}"; do
  work=$build/fuzz/$t
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
  cp "$root/tests/fuzz/corpus/$t/"* "$work/corpus/"
  # Absolute paths: the estimator target works in tests/fuzz/data. TMPDIR holds the files
  # the targets write. -timeout: one input running 10 s is a hang; -rss_limit_mb (also the
  # largest single allocation): a blow-up of memory.
  (cd "$work" && TMPDIR="$work/tmp" nice -n 10 "$build/bin/fuzz_$t" "$work/corpus" \
    -dict="$root/tests/fuzz/${dict[$t]}.dict" \
    -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=2048 -max_total_time="$seconds" \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 >log.txt 2>&1)
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log.txt" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log.txt" | tail -1)
  findings=$(find "$work/artifacts" -type f | wc -l)
  result=ok
  if ((rc != 0 || findings > 0)); then
    result="FAILED (exit $rc; see $work/log.txt and $work/artifacts/)"
    status=1
  fi
  printf '%-15s %8s %12s %8s %9s  %s\n' "$t" "$seconds" "${execs:-?}" "${rate:-?}" "$findings" "$result"
done
exit $status

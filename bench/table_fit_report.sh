#!/usr/bin/env bash
# Accuracy of `hwnas fit --table` on every latency column of the shared NAS-Bench-201 and
# FBNet tables: Spearman, Kendall and shares within ±10%/±5% on all held-out rows, with
# HELP's published Spearman (10 rows + meta-training) beside the columns it reports (its
# Table 3; "Titan RTX" there is batch 256, per its meta_test_devices).
#   bench/table_fit_report.sh [DATA_DIR] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-${HWNAS_DATA_DIR:-../shared/data}}
seed=${2:-1}
hwnas=build/bin/hwnas
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
declare -A help=([lat_ms_titan_rtx_256]=0.987 [lat_ms_gold_6226]=0.989 [lat_ms_pixel2]=0.802
                 [lat_ms_raspi4]=0.890 [lat_ms_eyeriss]=0.940 [lat_ms_fpga]=0.985)

run() {  # csv space column rows
  "$hwnas" fit --table "$1" --space "$2" --arch-column "$5" --latency-column "$3" --train "$4" --seed "$seed" \
    --out "$tmp/est.json" --json |
    /usr/bin/python3 -c 'import json,sys; h=json.load(sys.stdin)["holdout"]; print(h["spearman"], h["kendall"], h["within_10pct"], h["within_5pct"])'
}

report() {  # csv space rows arch_column
  local csv=$1 space=$2 rows=$3 arch=$4
  echo "## $space, $rows training rows (seed $seed)"
  echo "| column | spearman | kendall | within 10% | within 5% | HELP spearman (NB201) |"
  echo "|---|---|---|---|---|---|"
  local sum_rho=0 sum_10=0 n=0
  for col in $(head -1 "$csv" | tr -d '\r' | tr ',' '\n' | grep '^lat_'); do
    read -r rho tau w10 w5 < <(run "$csv" "$space" "$col" "$rows" "$arch")
    local help_rho=""
    [ "$space" = nb201 ] && help_rho=${help[$col]:-}  # HELP's figures are for NB201
    printf '| %s | %.4f | %.4f | %.3f | %.3f | %s |\n' "$col" "$rho" "$tau" "$w10" "$w5" "$help_rho"
    sum_rho=$(/usr/bin/python3 -c "print($sum_rho+$rho)"); sum_10=$(/usr/bin/python3 -c "print($sum_10+$w10)"); n=$((n+1))
  done
  /usr/bin/python3 -c "print(f'| mean of {$n} | {$sum_rho/$n:.4f} | | {$sum_10/$n:.3f} | | |')"
  echo
}

report "$data/nb201/nb201.csv" nb201 100 arch
report "$data/nb201/nb201.csv" nb201 20 arch
report "$data/fbnet/fbnet_cifar100.csv" fbnet 200 blocks

#!/usr/bin/python3
"""`hwnas fit --table` on HELP's six NAS-Bench-201 test devices, scored the way HELP's
meta-test scores itself, beside HELP's published Spearman (its Table 3, 10 rows).

HELP (github.com/HayeonLee/HELP, loader.py and parser.py) ranks a query set of 1,000
architectures — positions 900 to 1,899 of its architecture list — after dropping the
fastest and slowest 10% of them on the device, 800 in all. This script takes those
positions as NAS-Bench-201 indices (the `index` column of the shared table, which was
converted from HELP's files) and drops any of our training rows among them. One
difference remains: HELP draws its training rows from positions 0-899, we draw ours
from the whole table. It also prints Spearman on all held-out rows, our usual measure.
Last, per device: on how many seeds the query-set figure is at or above HELP's, and the mean.
Usage: bench/help_protocol.py [DATA_DIR] [ROWS] [SEEDS] [DEVICES]
  (defaults ../shared/data 20 1,2,...,10 and HELP's six; HWNAS=path picks the hwnas binary)
"""
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np

from rank_stats import help_query_set, spearman

data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
rows = sys.argv[2] if len(sys.argv) > 2 else "20"
seeds = [int(s) for s in (sys.argv[3] if len(sys.argv) > 3 else "1,2,3,4,5,6,7,8,9,10").split(",")]
table = f"{data}/nb201/nb201.csv"
hwnas = os.environ.get("HWNAS") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "bin", "hwnas")
help_rho = {"titan_rtx_256": 0.987, "gold_6226": 0.989, "pixel2": 0.802, "raspi4": 0.890,
            "eyeriss": 0.940, "fpga": 0.985}
if len(sys.argv) > 4:
    help_rho = {d: help_rho[d] for d in sys.argv[4].split(",")}

with open(table, newline="") as f:
    index = np.array([int(r["index"]) for r in csv.DictReader(f)])


def predictions(device, seed, tmp):
    pred = os.path.join(tmp, "pred.csv")
    subprocess.run([hwnas, "fit", "--table", table, "--space", "nb201", "--latency-column", f"lat_ms_{device}",
                    "--train", rows, "--seed", str(seed), "--out", os.path.join(tmp, "est.json"),
                    "--predictions", pred], check=True, stdout=subprocess.DEVNULL)
    with open(pred, newline="") as f:
        r = list(csv.DictReader(f))
    return (np.array([int(x["row"]) for x in r]), np.array([float(x["measured_ms"]) for x in r]),
            np.array([float(x["predicted_ms"]) for x in r]), np.array([x["split"] == "holdout" for x in r]))


print(f"## NAS-Bench-201, {rows} training rows: Spearman on HELP's query set (all held-out rows)")
print("| device | HELP (10 rows) | " + " | ".join(f"seed {s}" for s in seeds) + " |")
print("|---|---|" + "---|" * len(seeds))
on_query = {}
with tempfile.TemporaryDirectory() as tmp:
    for device, published in help_rho.items():
        cells, on_query[device] = [], []
        for seed in seeds:
            row, measured, predicted, holdout = predictions(device, seed, tmp)
            query = help_query_set(row[holdout], index, measured)
            on_query[device].append(spearman(predicted[query], measured[query]))
            cells.append(f"{on_query[device][-1]:.4f} ({spearman(predicted[holdout], measured[holdout]):.4f})")
        print(f"| {device} | {published} | " + " | ".join(cells) + " |", flush=True)
print(f"\n| device | HELP (10 rows) | seeds at or above HELP, of {len(seeds)} | mean | lowest |")
print("|---|---|---|---|---|")
for device, rho in on_query.items():
    print(f"| {device} | {help_rho[device]} | {sum(r >= help_rho[device] for r in rho)} | {np.mean(rho):.4f} | "
          f"{min(rho):.4f} |")

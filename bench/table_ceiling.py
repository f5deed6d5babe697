#!/usr/bin/python3
"""How well can ANY linear model in log space predict each latency column of the shared tables?

An optimistic ceiling: least squares fitted IN-SAMPLE on every row of the table, with the
one-hot of the architecture's choices, (NB201) their pairwise products, and the log
latencies of all other device columns. Columns whose ceiling is far below 1 are noisy
measurements (phones): no model trained on a few rows can place 88% or 99% of rows within
±10% there. Usage: bench/table_ceiling.py [DATA_DIR]
"""
import csv
import sys

import numpy as np

data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"


def table(path):
    with open(path, newline="") as f:
        rows = [{k.strip(): v for k, v in r.items()} for r in csv.DictReader(f)]
    cols = [c for c in rows[0] if c.startswith("lat_")]
    lat = np.array([[float(r[c]) for c in cols] for r in rows])
    return rows, cols, np.log(np.maximum(lat, 1e-3))


def ceiling(name, rows, cols, log_lat, one_hot):
    print(f"## {name}: in-sample share within ±10% ({len(rows)} rows)")
    print("| column | ceiling |")
    print("|---|---|")
    shares = []
    for j, col in enumerate(cols):
        x = np.hstack([np.ones((len(rows), 1)), one_hot, np.delete(log_lat, j, axis=1)])
        w, *_ = np.linalg.lstsq(x, log_lat[:, j], rcond=None)
        share = float(np.mean(np.abs(np.exp(x @ w - log_lat[:, j]) - 1) <= 0.1))
        shares.append(share)
        print(f"| {col} | {share:.3f} |")
    print(f"| mean | {np.mean(shares):.3f} |\n")


rows, cols, log_lat = table(f"{data}/nb201/nb201.csv")
ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
hot = np.array([[float(t.split("~")[0] == o) for t in r["arch"].split("|") if "~" in t for o in ops] for r in rows])
pairs = np.array([np.outer(h, h)[np.triu_indices(hot.shape[1], 1)] for h in hot])
ceiling("NAS-Bench-201", rows, cols, log_lat, np.hstack([hot, pairs]))

rows, cols, log_lat = table(f"{data}/fbnet/fbnet_cifar100.csv")
blocks = ["k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip"]
hot = np.array([[float(b == o) for b in r["blocks"].split("-") for o in blocks] for r in rows])
ceiling("FBNet", rows, cols, log_lat, hot)

#!/usr/bin/python3
"""How well can ANY linear model in log space predict each latency column of the shared tables?

An optimistic ceiling: least squares fitted IN-SAMPLE on every row of the table, with the
one-hot of the architecture's choices, (NB201) their pairwise products, and the log
latencies of all other device columns. Columns whose ceiling is far below 1 are noisy
measurements (phones): no model trained on a few rows can place 88% or 99% of rows within
±10% there.

Then, for the six NB201 devices HELP reports, a held-out ranking ceiling: least squares on
5,000 random rows of the target column itself (250 times the 20 rows `fit --table` gets),
with the same features, Spearman on all other rows and on HELP's query set (NB201
indices 900-1899 without their fastest and slowest 10%: see bench/help_protocol.py),
whose rows are then kept out of the 5,000.
Usage: bench/table_ceiling.py [DATA_DIR]
"""
import csv
import sys

import numpy as np

from rank_stats import help_query_set, spearman

data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"


def table(path):
    with open(path, newline="") as f:
        rows = [{k.strip(): v for k, v in r.items()} for r in csv.DictReader(f)]
    cols = [c for c in rows[0] if c.startswith("lat_")]
    lat = np.array([[float(r[c]) for c in cols] for r in rows])
    return rows, cols, np.log(np.maximum(lat, 1e-3))


def heldout_ranking(rows, cols, log_lat, one_hot, help_rho, train=5000, seeds=(1, 2, 3)):
    print(f"## NAS-Bench-201: Spearman after least squares on {train} rows of the column itself")
    print("| column | all held-out rows | HELP's query set | HELP (10 rows) |")
    print("|---|---|---|---|")
    index = np.array([int(r["index"]) for r in rows])
    for col, published in help_rho.items():
        j = cols.index(col)
        x = np.hstack([np.ones((len(log_lat), 1)), one_hot, np.delete(log_lat, j, axis=1)])
        y = log_lat[:, j]
        query = help_query_set(np.arange(len(y)), index, y)
        every, on_query = [], []
        for seed in seeds:
            order = np.random.default_rng(seed).permutation(len(y))
            fit, rest = order[:train], order[train:]
            w, *_ = np.linalg.lstsq(x[fit], y[fit], rcond=None)
            every.append(spearman(x[rest] @ w, y[rest]))
            fit = np.setdiff1d(order, query, assume_unique=True)[:train]
            w, *_ = np.linalg.lstsq(x[fit], y[fit], rcond=None)
            on_query.append(spearman(x[query] @ w, y[query]))
        print(f"| {col} | {min(every):.4f}–{max(every):.4f} | {min(on_query):.4f}–{max(on_query):.4f} | {published} |")
    print()


def ceiling(name, rows, cols, log_lat, one_hot):
    """Second column: the same fit in log space; third: milliseconds as a plain sum over
    the one-hot (no other devices), which fits a column built from per-layer lookup tables
    exactly."""
    print(f"## {name}: in-sample share within ±10% ({len(rows)} rows)")
    print("| column | log space, with other devices | additive in ms |")
    print("|---|---|---|")
    shares = []
    additive = np.hstack([np.ones((len(rows), 1)), one_hot])
    for j, col in enumerate(cols):
        x = np.hstack([additive, np.delete(log_lat, j, axis=1)])
        w, *_ = np.linalg.lstsq(x, log_lat[:, j], rcond=None)
        share = float(np.mean(np.abs(np.exp(x @ w - log_lat[:, j]) - 1) <= 0.1))
        shares.append(share)
        ms = np.exp(log_lat[:, j])
        w, *_ = np.linalg.lstsq(additive, ms, rcond=None)
        print(f"| {col} | {share:.3f} | {float(np.mean(np.abs(additive @ w / ms - 1) <= 0.1)):.3f} |")
    print(f"| mean | {np.mean(shares):.3f} | |\n")


rows, cols, log_lat = table(f"{data}/nb201/nb201.csv")
ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
hot = np.array([[float(t.split("~")[0] == o) for t in r["arch"].split("|") if "~" in t for o in ops] for r in rows])
pairs = np.array([np.outer(h, h)[np.triu_indices(hot.shape[1], 1)] for h in hot])
ceiling("NAS-Bench-201", rows, cols, log_lat, np.hstack([hot, pairs]))
heldout_ranking(rows, cols, log_lat, np.hstack([hot, pairs]),
                {"lat_ms_titan_rtx_256": 0.987, "lat_ms_gold_6226": 0.989, "lat_ms_pixel2": 0.802,
                 "lat_ms_raspi4": 0.890, "lat_ms_eyeriss": 0.940, "lat_ms_fpga": 0.985})

rows, cols, log_lat = table(f"{data}/fbnet/fbnet_cifar100.csv")
blocks = ["k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip"]
hot = np.array([[float(b == o) for b in r["blocks"].split("-") for o in blocks] for r in rows])
ceiling("FBNet", rows, cols, log_lat, hot)

"""Spearman's ρ with ties given their average rank, as hwnas's own `agreement()` computes
it (eyeriss and fpga latencies have many ties), and HELP's NB201 query set. Shared by the
table scripts in bench/."""
import numpy as np


def ranks(v):
    v = np.asarray(v)
    order = np.argsort(v, kind="stable")
    r = np.empty(len(v))
    r[order] = np.arange(len(v))
    _, first, count = np.unique(v[order], return_index=True, return_counts=True)
    for start, n in zip(first, count):
        r[order[start:start + n]] = start + (n - 1) / 2
    return r


def spearman(a, b):
    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def help_query_set(rows, index, latency):
    """Of `rows`, those HELP's meta-test ranks: NB201 indices 900-1899 (its query positions,
    github.com/HayeonLee/HELP loader.py), without the fastest and slowest 10% by `latency`."""
    query = rows[(index[rows] >= 900) & (index[rows] < 1900)]
    return query[np.argsort(latency[query])[len(query) // 10:len(query) * 9 // 10]]

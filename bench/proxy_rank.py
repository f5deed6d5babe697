#!/usr/bin/python3
"""How well does each zero-shot proxy rank the candidates of the Fashion-MNIST space by
their trained accuracy? (issue 13: "measures how well each predicts real accuracy", on the
space the families search, beside NAS-Bench-201's figures in docs/proxies.md.)

  bench/proxy_rank.py [--hwnas build/bin/hwnas] [--dir bench/results/fidelity_rank]
                      [--proxies synflow,...] [--batch 64] [--seed 0] [--threads 1]
                      [--against epochs=10,subset=1;epochs=3,subset=0.2;...]

Scores the candidates bench/fidelity_rank.py sampled into --dir (DIR/models/sample-NNN.yaml)
with `hwnas proxy --json` (one process, every proxy), keeps the answer in
DIR/proxies_batchB_seedS_threadsT.json (reused when it holds every proxy asked for every
candidate: nothing is scored twice), and prints, per proxy, Kendall's tau-b and Spearman's
rho against each --against fidelity's test top-1 (the trainings kept in DIR, each over the
candidates trained there and scored by the proxy; an undefined score leaves the candidate
out of that proxy's row, and the row says how many). The default --against is every
fidelity docs/training.md reports: the 10-epoch target at training seeds 0 and 1, and the
3-epoch and 1-epoch short trainings. Bad input: one line on stderr, exit 2.
"""
import argparse
import glob
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from families import file_suffix  # noqa: E402
from fidelity_rank import fidelity_values, kendall_tau_b  # noqa: E402
from rank_stats import spearman  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROXIES = ("synflow,grad_norm,snip,fisher,grasp,naswot,jacob_cov,zen,te_nas_ntk,te_nas_linear_regions,"
           "params,macs")
AGAINST = "epochs=10,subset=1;epochs=10,subset=1,seed=1;epochs=3,subset=0.2;epochs=1,subset=0.1667"


def fail(message):
    print(f"proxy_rank: {message}", file=sys.stderr)
    sys.exit(2)


def candidates(directory):
    """{index: model file} of DIR/models/sample-NNN.yaml."""
    found = {}
    for path in glob.glob(os.path.join(glob.escape(directory), "models", "sample-[0-9][0-9][0-9].yaml")):
        found[int(os.path.basename(path)[7:10])] = path
    if len(found) < 3:
        fail(f"--dir {directory}: {len(found)} candidates in {directory}/models (sample-NNN.yaml); give the --dir of "
             f"a bench/fidelity_rank.py run (it samples them)")
    return dict(sorted(found.items()))


def accuracies(directory, fidelity):
    """{index: test top-1 %} of the ok trainings kept in `directory` at `fidelity` ('epochs=10,subset=1')."""
    found = {}
    for path in glob.glob(os.path.join(glob.escape(directory), f"[0-9][0-9][0-9]-*-{file_suffix(fidelity)}.json")):
        try:
            with open(path) as f:
                result = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            fail(f"{path}: not JSON ({e}); delete it and run bench/fidelity_rank.py again to recompute it")
        if isinstance(result, dict) and result.get("status") == "ok":
            found[int(os.path.basename(path)[:3])] = 100 * result["metrics"]["top1"]
    return found


def scores(a, models):
    """{proxy: {index: value or None}} for every proxy asked, from the kept file or one run."""
    path = os.path.join(a.dir, f"proxies_batch{a.batch}_seed{a.seed}_threads{a.threads}.json")
    kept = {}
    if os.path.exists(path):
        try:
            with open(path) as f:
                kept = json.load(f)["scores"]
        except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
            fail(f"{path}: not a file this script wrote ({e}); delete it to score again")
    wanted = a.proxies.split(",")
    if all(p in kept and all(str(i) in kept[p] for i in models) for p in wanted):
        return {p: {i: kept[p][str(i)] for i in models} for p in wanted}
    cmd = [a.hwnas, "proxy", *models.values(), "--proxy", ",".join(wanted), "--batch", str(a.batch), "--seed",
           str(a.seed), "--threads", str(a.threads), "--json"]
    print("proxy_rank: " + " ".join(cmd), file=sys.stderr)
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    except OSError as e:
        fail(f"--hwnas {a.hwnas}: cannot run it ({e.strerror}); build hwnas (docs/development.md) or give its path")
    if r.returncode != 0:
        fail(f"hwnas proxy exited with status {r.returncode} (its message above)")
    answer = json.loads(r.stdout)
    by_model = {m["model"]: m["scores"] for m in answer["models"]}
    out = {p: {} for p in wanted}
    for index, model in models.items():
        for p in wanted:
            s = by_model[model][p]
            out[p][index] = s["value"] if s["defined"] else None
    for p in wanted:
        kept[p] = {str(i): v for i, v in out[p].items()}
    with open(path + ".tmp", "w") as f:
        json.dump({"command": cmd, "seconds": answer["seconds"], "scores": kept}, f, indent=1)
    os.replace(path + ".tmp", path)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--hwnas", default=os.path.join(ROOT, "build/bin/hwnas"))
    p.add_argument("--dir", default=os.path.join(ROOT, "bench/results/fidelity_rank"))
    p.add_argument("--proxies", default=PROXIES)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--against", default=AGAINST)
    a = p.parse_args()
    if not os.path.isdir(a.dir):
        fail(f"--dir {a.dir}: no such directory; give the --dir of a bench/fidelity_rank.py run")
    against = a.against.split(";")
    for f in against:
        fidelity_values(f, "--against", fail)
    models = candidates(a.dir)
    proxy_scores = scores(a, models)
    targets = [(f, accuracies(a.dir, f)) for f in against]
    print("| proxy | " + " | ".join(f"τ-b / ρ vs {f} ({len(acc)})" for f, acc in targets) + " |")
    print("|---|" + "---|" * len(targets))
    for proxy, values in proxy_scores.items():
        cells = []
        for _, acc in targets:
            both = [i for i in models if values[i] is not None and i in acc]
            if len(both) < 3:
                cells.append(f"– ({len(both)} candidates)")
                continue
            x, y = [values[i] for i in both], [acc[i] for i in both]
            tau = kendall_tau_b(x, y)
            cell = "undefined" if math.isnan(tau) else f"{tau:.3f} / {spearman(x, y):.3f}"
            cells.append(cell + (f" ({len(both)})" if len(both) < len(models) else ""))
        print(f"| {proxy} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

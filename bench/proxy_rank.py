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
3-epoch and 1-epoch short trainings; each as bench/fidelity_rank.py's --low/--high spelled it
(the kept files' names: `epochs=10,subset=1`, not `epochs=10`). Bad input, checked before
anything is scored (--proxies unknown to `hwnas proxy --help` or given twice, --batch,
--seed or --threads out of hwnas proxy's range, an --against fidelity not kept or given
twice, a kept file that is not this script's or not hwnas train's): one line on stderr,
exit 2.
"""
import argparse
import glob
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from families import file_suffix, proxy_names  # noqa: E402
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


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def accuracies(directory, fidelity):
    """{index: test top-1 %} of the ok trainings kept in `directory` at `fidelity` ('epochs=10,subset=1',
    as the kept files spell it: bench/fidelity_rank.py's --low/--high). Exits 2 when none is kept
    there, naming the fidelities that are, or when a kept training is not hwnas train's JSON."""
    found = {}
    for path in glob.glob(os.path.join(glob.escape(directory), f"[0-9][0-9][0-9]-*-{file_suffix(fidelity)}.json")):
        try:
            with open(path) as f:
                result = json.load(f)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            fail(f"{path}: not JSON ({e}); delete it and run bench/fidelity_rank.py again to recompute it")
        if not isinstance(result, dict) or (result.get("status") == "ok" and not is_number(
                (result.get("metrics") if isinstance(result.get("metrics"), dict) else {}).get("top1"))):
            fail(f"{path}: not a training of hwnas train (an object with status and metrics.top1); delete it and run "
                 f"bench/fidelity_rank.py again to recompute it")
        if result.get("status") == "ok":
            found[int(os.path.basename(path)[:3])] = 100 * result["metrics"]["top1"]
    if not found:
        kept = sorted({os.path.basename(p)[:-5].split("-")[-1] for p in
                       glob.glob(os.path.join(glob.escape(directory), "[0-9][0-9][0-9]-*.json"))})
        fail(f"--against '{fidelity}': no training kept in {directory} at that fidelity (file suffix "
             f"'{file_suffix(fidelity)}'); give one as bench/fidelity_rank.py's --low/--high spelled it: kept are "
             f"{', '.join(kept) if kept else 'none'}")
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
    # A kept file this script wrote: {proxy: {index: finite number or null (undefined)}}.
    if not isinstance(kept, dict) or not all(
            isinstance(v, dict) and all(x is None or is_number(x) for x in v.values()) for v in kept.values()):
        fail(f"{path}: not a file this script wrote (scores must be {{proxy: {{candidate: number or null}}}}); delete "
             f"it to score again")
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


def check_names(a):
    """--proxies: known to hwnas (`hwnas proxy --help`), each once; --batch, --seed and
    --threads in hwnas proxy's ranges; checked before anything is scored."""
    wanted = a.proxies.split(",")
    try:
        r = subprocess.run([a.hwnas, "proxy", "--help"], capture_output=True, text=True)
    except OSError as e:
        fail(f"--hwnas {a.hwnas}: cannot run it ({e.strerror}); build hwnas (docs/development.md) or give its path")
    names = proxy_names(r.stdout)
    for name in wanted:
        if not name.strip():
            fail(f"--proxies '{a.proxies}': an empty name; give names comma-separated, e.g. synflow,macs")
        if names is not None and name not in names:
            fail(f"--proxies '{a.proxies}': '{name}' is not a proxy of hwnas; use {', '.join(names)}")
    if len(set(wanted)) != len(wanted):
        fail(f"--proxies '{a.proxies}' names a proxy twice; give each once")
    for option, value, low, high in (("--batch", a.batch, 1, 60000), ("--seed", a.seed, 0, 2 ** 64 - 1),
                                     ("--threads", a.threads, 1, 1024)):
        if not low <= value <= high:
            fail(f"{option} {value}: give {low} to {high}")


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
        fail(f"--dir {a.dir}: {'not a directory' if os.path.exists(a.dir) else 'no such directory'}; give the --dir "
             f"of a bench/fidelity_rank.py run")
    check_names(a)
    against = a.against.split(";")
    for f in against:
        if not f.strip():
            fail(f"--against '{a.against}': an empty fidelity; separate fidelities by ';', e.g. "
                 f"'epochs=10,subset=1;epochs=3,subset=0.2'")
        fidelity_values(f, "--against", fail)
    if len(set(against)) != len(against):
        fail(f"--against '{a.against}' names a fidelity twice; give each once")
    models = candidates(a.dir)
    targets = [(f, accuracies(a.dir, f)) for f in against]  # before scoring: a fidelity not kept is refused
    proxy_scores = scores(a, models)
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

#!/usr/bin/python3
"""Does low-fidelity training rank candidates as high-fidelity training does? (issue 11:
Kendall tau between 1-epoch/10k-image accuracy and 10-epoch full accuracy over 20 random
candidates, goal >= 0.6; docs/training.md, "Fidelity").

  bench/fidelity_rank.py [--hwnas BIN] [--space SPACE] [--target T] [--count 20] [--seed 1]
                         [--low epochs=1,subset=0.1667] [--high epochs=10,subset=1]
                         [--threads 2] [--jobs 1] [--dir build/bench/fidelity_rank]

Draws --count distinct random architectures of --space (`hwnas space sample`, curated for
--target's parallelism factor), trains each with `hwnas train --json` at both fidelities
(training seed 0 unless a fidelity says seed=N; test top-1 on all 10,000 Fashion-MNIST test
images) and prints the table and Kendall's tau-b of the two accuracy columns ("undefined"
when fewer than 2 candidates trained at both or a column's accuracies are all equal). With
--low epochs=3,subset=0.2 --high epochs=3,subset=0.2,seed=1 it measures how far the seed
alone moves the ranking: the ceiling for any predictor of accuracy at that budget. Every finished training is kept in --dir
(one JSON file per candidate and fidelity) and reused, and a training in progress keeps a
checkpoint after each epoch there, so the benchmark can be stopped and run again to continue; --jobs trainings run side by side (each on --threads threads).

A kept training is reused only if this run asks for the same one, else the script exits 2
before training anything, naming the file, the option, its kept and asked values and the
fix (another --dir, or the file deleted to recompute it). What decides a training: the
candidate (DIR/models, the sample, and DIR/sample.json, the --space, --target, --count and
--seed that drew it: a fresh sample is drawn each run and must equal the kept one file for
file), the fidelity (in the file's name: index, genome, fidelity with its seed=) and
--threads (torch's results differ between thread counts), which hwnas train's JSON holds
("threads"; every kept training has it, also those kept before this check: one without it
is refused as not this script's). Every kept training on other threads is named in the one
line, with the `rm` that deletes them. A DIR kept before sample.json existed gets it once
its sample equals the one asked. A kept file that is no JSON object (empty or cut short by
a kill or a full disk, a directory) is refused alike: `FILE: not a JSON object (...); delete
it to recompute the step`.

Before anything is drawn, written or trained: --count, --threads (1 to 1024) and --jobs at
least 1, --seed at least 0, and --low and --high each KEY=VALUE of hwnas train's options
that take a value (but --threads), each value in hwnas train's range, and not the same
training (equal numbers, hwnas train's defaults of epochs 10, subset 1 and seed 0 filled in);
each bad one one line, exit 2.
"""
import argparse
import concurrent.futures
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile

# families.py's checks of KEY=VALUE lists and of kept JSON files (this directory is on sys.path).
from families import FINAL_KEYS, file_suffix, key_values, read_kept

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The keys --low and --high take: hwnas train's options that take a value, but --threads
# (this script's own); seed=N replaces the training seed 0.
FIDELITY_KEYS = FINAL_KEYS + ["seed"]
# hwnas train's defaults of the keys whose value decides a fidelity: the same training
# whether given or not.
TRAIN_DEFAULTS = {"epochs": 10.0, "subset": 1.0, "seed": 0.0}


def fail(message):
    """Bad input or a kept result that does not fit: one line on stderr, exit 2."""
    print(f"fidelity_rank: {message}", file=sys.stderr)
    sys.exit(2)


def kendall_tau_b(a, b):
    """Kendall's tau-b (ties in either column count as neither concordant nor discordant,
    and shrink the denominator: Kendall 1945, as scipy.stats.kendalltau computes it)."""
    n = len(a)
    concordant = discordant = ties_a = ties_b = 0
    for i in range(n):
        for j in range(i + 1, n):
            da, db = a[i] - a[j], b[i] - b[j]
            if da == 0 and db == 0:
                continue
            if da == 0:
                ties_a += 1
            elif db == 0:
                ties_b += 1
            elif (da > 0) == (db > 0):
                concordant += 1
            else:
                discordant += 1
    denominator = ((concordant + discordant + ties_a) * (concordant + discordant + ties_b)) ** 0.5
    return (concordant - discordant) / denominator if denominator else float("nan")


def fidelity_args(text):
    """'epochs=1,subset=0.1667' -> ['--epochs', '1', '--subset', '0.1667']."""
    return [word for key, value in key_values(text, "fidelity").items() for word in ("--" + key, value)]


def fidelity_values(text, what, fail_with=None):
    """--low or --high checked (known keys, each in hwnas train's range; exits 2 naming it,
    by `fail_with` when given, else this script's fail) and as compared: {key: value},
    numbers as numbers, hwnas train's defaults filled in."""
    values = dict(TRAIN_DEFAULTS)
    for key, value in key_values(text, what, FIDELITY_KEYS, fail_with or fail).items():
        try:
            values[key] = float(value)
        except ValueError:
            values[key] = value
    return values


def kept_result(path):
    """The training kept at `path` (None if none): hwnas train's JSON, which says its
    "threads" (since 2026-11-30: every kept file in bench/results/fidelity_rank does);
    exits 2 when it is not such an object."""
    if not os.path.lexists(path):
        return None
    result = read_kept(path, fail, required=("status",))
    if "threads" not in result:
        fail(f"{path}: does not say its threads (hwnas train --json does): not a training this script kept; "
             f"delete it to recompute the step")
    return result


def check_kept_threads(paths, threads):
    """Exits 2 naming every kept training among `paths` that ran on other threads than
    `threads` (torch's results differ between thread counts), with the command that deletes
    them, before any training."""
    other = [(path, kept["threads"]) for path in paths if (kept := kept_result(path)) is not None
             and kept["threads"] != threads]
    if other:
        counts = sorted({t for _, t in other})
        fail(f"{len(other)} kept training(s) ran with --threads {' or '.join(map(str, counts))}, asked {threads} "
             f"(torch's results differ between thread counts): "
             f"{', '.join(f'{os.path.basename(p)} ({t})' for p, t in other)}; use another --dir, --threads "
             f"{counts[0]}, or delete them to recompute them: rm {' '.join(p for p, _ in other)}")


def train(hwnas, model, fidelity, threads, path):
    if (kept := kept_result(path)) is not None:  # its threads checked before any training
        return kept
    # A checkpoint after every epoch beside the result: a run stopped mid-training (the
    # machine's session ended) continues from its last epoch with the same weights.
    checkpoint = path[:-len(".json")] + ".ckpt"
    # Training seed 0 unless the fidelity names one ('epochs=3,subset=0.2,seed=1': the same
    # budget at another seed, to measure how much the ranking moves with the seed alone).
    seed = [] if "seed=" in fidelity else ["--seed", "0"]
    cmd = [hwnas, "train", model, "--threads", str(threads), "--json",
           "--checkpoint", checkpoint] + seed + fidelity_args(fidelity)
    if os.path.exists(checkpoint):
        cmd.append("--resume")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 3):  # 3: the run diverged (status "failed" in its JSON)
        sys.exit(f"fidelity_rank: {' '.join(cmd)} exited with {r.returncode}: {r.stderr.strip()}")
    result = json.loads(r.stdout)
    with open(path + ".tmp", "w") as f:
        json.dump(result, f)
    os.replace(path + ".tmp", path)
    if os.path.exists(checkpoint):
        os.remove(checkpoint)
    return result


def space_option(path):
    """--space as DIR/sample.json records it: relative to the repository when inside it."""
    path = os.path.realpath(path)
    return os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path


def sample_candidates(hwnas, space, target, count, seed, directory):
    """The --count random architectures of --space (`hwnas space sample --json`'s samples,
    "file" pointing into DIRECTORY/models); exits 2 when DIRECTORY/sample.json records other
    options or models/ holds another sample."""
    models = os.path.join(directory, "models")
    record = os.path.join(directory, "sample.json")
    options = {"--space": space_option(space), "--target": target, "--count": count, "--seed": seed}
    if os.path.lexists(record):
        kept = read_kept(record, fail)
        for name, value in options.items():
            if kept.get(name) != value:
                fail(f"{record}: the candidates in {models} were drawn with {name} {kept.get(name, '(not recorded)')}, "
                     f"asked {value}: use another --dir, or delete {directory} to recompute them")
    os.makedirs(directory, exist_ok=True)
    # The sample is drawn into a fresh directory; a run that continues an earlier one finds
    # the same files (same space, target, count and seed) in models/ and keeps those.
    fresh = tempfile.mkdtemp(prefix="models.", dir=directory)
    os.rmdir(fresh)
    sample = subprocess.run([hwnas, "space", "sample", space, "--target", target, "--count", str(count),
                             "--seed", str(seed), "--out", fresh, "--json"], capture_output=True, text=True)
    if sample.returncode != 0:
        shutil.rmtree(fresh, ignore_errors=True)
        sys.exit(f"fidelity_rank: hwnas space sample failed: {sample.stderr.strip()}")
    if os.path.isdir(models):
        # shallow=False: the files' bytes, not their sizes and times.
        differ = filecmp.dircmp(fresh, models)
        _, mismatch, errors = filecmp.cmpfiles(fresh, models, differ.common_files, shallow=False)
        shutil.rmtree(fresh)
        if differ.left_only or differ.right_only or mismatch or errors:
            first = sorted(mismatch + errors + [f"{n} (only asked)" for n in differ.left_only] +
                           [f"{n} (only kept)" for n in differ.right_only])[0]
            fail(f"{models} holds another sample than --space {space} --target {target} --count {count} --seed "
                 f"{seed} draws (first difference: {first}); use another --dir, or delete {directory} to "
                 f"recompute it")
    else:
        os.rename(fresh, models)
    if not os.path.exists(record):  # drawn now, or a kept sample that equals the one asked
        with open(record + ".tmp", "w") as f:
            json.dump(options, f, indent=1)
        os.replace(record + ".tmp", record)
    candidates = json.loads(sample.stdout)["samples"]
    for c in candidates:
        c["file"] = os.path.join(models, os.path.basename(c["file"]))
    return candidates


def result_path(directory, index, candidate, fidelity):
    """Where candidate `index`'s training at `fidelity` ('epochs=1,subset=0.1667') is kept."""
    return os.path.join(directory, f"{index:03}-{candidate['genome']}-{file_suffix(fidelity)}.json")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hwnas", default=os.path.join(ROOT, "build/bin/hwnas"))
    p.add_argument("--space", default=os.path.join(ROOT, "configs/spaces/mobilenet-cls-fmnist.yaml"))
    p.add_argument("--target", default="edgetpu-like")
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--low", default="epochs=1,subset=0.1667")
    p.add_argument("--high", default="epochs=10,subset=1")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--dir", default=os.path.join(ROOT, "build/bench/fidelity_rank"))
    a = p.parse_args()
    # Everything checked before anything is drawn, written or trained.
    for value, option, low in ((a.count, "--count", 1), (a.seed, "--seed", 0), (a.threads, "--threads", 1),
                               (a.jobs, "--jobs", 1)):
        if value < low:
            fail(f"{option} {value}: give a whole number >= {low}")
    if a.threads > 1024:
        fail(f"--threads {a.threads}: give 1 to 1024 (torch's threads per training)")
    if fidelity_values(a.low, "--low") == fidelity_values(a.high, "--high"):
        fail(f"--low {a.low} and --high {a.high} are the same training; give two fidelities (or two seeds: "
             f"--high ...,seed=1)")

    candidates = sample_candidates(a.hwnas, a.space, a.target, a.count, a.seed, a.dir)

    # Every low-fidelity training first (minutes), then the high ones (hours).
    jobs = []
    for name, fidelity in (("low", a.low), ("high", a.high)):
        for i, c in enumerate(candidates):
            jobs.append((i, name, c["file"], fidelity, result_path(a.dir, i, c, fidelity)))
    check_kept_threads([path for *_, path in jobs], a.threads)  # a kept training that does not fit stops the run
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        futures = {pool.submit(train, a.hwnas, f, fid, a.threads, path): (i, name) for i, name, f, fid, path in jobs}
        for done in concurrent.futures.as_completed(futures):
            i, name = futures[done]
            results[(i, name)] = r = done.result()
            print(f"candidate {i} {name}: {r['status']} {100 * r.get('metrics', {}).get('top1', float('nan')):.2f}% "
                  f"in {r.get('train_seconds', 0):.0f} s", file=sys.stderr, flush=True)

    print(f"| # | genome | MACs | low ({a.low}) top-1 % | high ({a.high}) top-1 % | low s | high s |")
    print("|---|---|---|---|---|---|---|")
    low, high = [], []
    for i, c in enumerate(candidates):
        lo, hi = results[(i, "low")], results[(i, "high")]
        acc = lambda r: 100 * r["metrics"]["top1"] if r["status"] == "ok" else float("nan")
        print(f"| {i} | {c['genome']} | {c['macs']} | {acc(lo):.2f} | {acc(hi):.2f} | "
              f"{lo.get('train_seconds', 0):.0f} | {hi.get('train_seconds', 0):.0f} |")
        if lo["status"] == "ok" and hi["status"] == "ok":
            low.append(acc(lo))
            high.append(acc(hi))
    tau = kendall_tau_b(low, high)
    said = (f"{tau:.3f}" if tau == tau else "undefined (fewer than 2 candidates)" if len(low) < 2
            else "undefined (all accuracies of a column equal)")
    print(f"\nKendall tau-b over {len(low)} candidates (both trainings ok): {said}")


if __name__ == "__main__":
    main()

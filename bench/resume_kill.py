#!/usr/bin/python3
"""Kill a search with SIGKILL at random moments, resume it each time, and check that its
final trials equal those of the same search run without interruption (docs/experiments.md,
"Resume").

  bench/resume_kill.py [--hwnas BIN] [--config EXP.yaml] [--kills 5] [--seed S] [--set K=V]...

Default: configs/experiments/nb201-edgetpu.yaml with budget.evaluations=500 when the shared
data is present (../shared/data or $HWNAS_DATA_DIR), else the latency-only
mobilenet-cls-latency.yaml with budget.trials=500. Each kill lands at a random moment of
what is left of the search: once the store holds a number of trials drawn uniformly from
those still to come (the store is polled every millisecond, so the kill lands anywhere in
a step); the search is resumed with --resume until it finishes. Prints every kill (when, trials stored) and exits 1 when the final trials
(genome, architecture, status, metrics, in order), the best or the Pareto front differ.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def data_present():
    data = os.environ.get("HWNAS_DATA_DIR") or os.path.join(ROOT, "..", "shared", "data")
    return os.path.exists(os.path.join(data, "nb201", "nb201.csv"))


def search_args(hwnas, config, out, sets):
    args = [hwnas, "search", config, "--out", out]
    for s in sets:
        args += ["--set", s]
    return args


def run_json(args):
    done = subprocess.run(args + ["--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"resume_kill: {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)


def stored(out, sql):
    """The first column of `sql` on the store, read with Python's own sqlite3; 0 when the
    store or its tables are not there yet."""
    import sqlite3
    path = os.path.join(out, "experiment.db")
    if not os.path.exists(path):
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return db.execute(sql).fetchone()[0]
    except sqlite3.Error:
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hwnas", default=os.path.join(ROOT, "build", "bin", "hwnas"))
    parser.add_argument("--config")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], dest="sets")
    a = parser.parse_args()
    if a.config is None:
        if data_present():
            a.config = os.path.join(ROOT, "configs", "experiments", "nb201-edgetpu.yaml")
            a.sets = ["budget.evaluations=500"] + a.sets
        else:
            a.config = os.path.join(ROOT, "configs", "experiments", "mobilenet-cls-latency.yaml")
            a.sets = ["budget.trials=500"] + a.sets
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="hwnas-resume-kill-")
    try:
        start = time.monotonic()
        whole = run_json(search_args(a.hwnas, a.config, os.path.join(work, "whole"), a.sets))
        whole_s = time.monotonic() - start
        print(f"uninterrupted: {len(whole['trials'])} trials, {whole['evaluations']} accuracy evaluations, "
              f"{whole_s:.2f} s ({a.config} {' '.join('--set ' + s for s in a.sets)})")

        out = os.path.join(work, "killed")
        first = search_args(a.hwnas, a.config, out, a.sets)
        resume = first + ["--resume"]
        finished_early = 0
        for kill in range(a.kills):
            # Killed before its first commit, a search is started again rather than resumed.
            args = resume if stored(out, "SELECT count(*) FROM experiment") else first
            # A random moment of what is left: when the store reaches a trial count drawn
            # uniformly from the trials still to come (polled every millisecond).
            have = stored(out, "SELECT count(*) FROM trials")
            target = rng.randint(have + 1, max(have + 1, len(whole["trials"]) - 1))
            child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            started = time.monotonic()
            while child.poll() is None and stored(out, "SELECT count(*) FROM trials") < target:
                time.sleep(0.001)
            if child.poll() is not None:
                finished_early += 1
                print(f"kill {kill + 1}: the search finished before trial {target}, before the kill")
                continue
            child.send_signal(signal.SIGKILL)
            child.wait()
            print(f"kill {kill + 1}: SIGKILL {time.monotonic() - started:.3f} s after the start, aiming at trial "
                  f"{target}; {stored(out, 'SELECT count(*) FROM trials')} trials stored")
        final = run_json(resume if stored(out, "SELECT count(*) FROM experiment") else first)
        same = {key: final[key] == whole[key] for key in ("trials", "best", "pareto", "evaluations", "repeats")}
        print(f"resumed to the end: {len(final['trials'])} trials, {final['evaluations']} accuracy evaluations")
        for key, equal in same.items():
            print(f"  {key}: {'equal' if equal else 'DIFFERENT'}")
        if finished_early:
            print(f"  ({finished_early} of {a.kills} runs finished before their kill)")
        if not all(same.values()):
            print("FAIL: the resumed search differs from the uninterrupted one")
            return 1
        print(f"OK: {a.kills - finished_early} kills, final trials equal the uninterrupted run's")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Does a supernet rank subnets as stand-alone training does? (issue 13 §2: Kendall tau
between supernet accuracy after batch-norm recalibration and stand-alone training at the
same epochs, over 20 random subnets, goal >= 0.6; docs/supernet.md, "Ranking").

  bench/supernet_rank.py --supernet FILE --budget epochs=E,subset=S
                         [--dir bench/results/fidelity_rank] [--hwnas BIN] [--space SPACE]
                         [--target T] [--count 20] [--seed 1] [--calibration-images 2000]
                         [--threads 1] [--out RESULT.json]

The candidates are bench/fidelity_rank.py's (the same --space, --target, --count and
--seed draw the same sample into --dir/models). Each is trained stand-alone at the
supernet's budget --budget (give the supernet's --epochs and --subset; train it with
--validation 0, so both are trained on the same images and measured on the 10,000 test
images) with `hwnas train --seed 0`, kept in --dir under fidelity_rank's names and reused
(epochs=10,subset=1 is fidelity_rank's high fidelity, epochs=1,subset=0.1667 its low), then
measured on the supernet (`hwnas supernet eval --test`). Prints the table and Kendall's
tau-b of supernet against stand-alone accuracy.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fidelity_rank import kendall_tau_b, result_path, sample_candidates, train  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--supernet", required=True)
    p.add_argument("--budget", required=True, help="the supernet's epochs and subset, e.g. epochs=3,subset=0.2")
    p.add_argument("--dir", default=os.path.join(ROOT, "bench/results/fidelity_rank"))
    p.add_argument("--hwnas", default=os.path.join(ROOT, "build/bin/hwnas"))
    p.add_argument("--space", default=os.path.join(ROOT, "configs/spaces/mobilenet-cls-fmnist.yaml"))
    p.add_argument("--target", default="edgetpu-like")
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--calibration-images", type=int, default=2000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", help="write the table's rows and tau as JSON here")
    a = p.parse_args()

    candidates = sample_candidates(a.hwnas, a.space, a.target, a.count, a.seed, a.dir)
    alone = []
    for i, c in enumerate(candidates):
        r = train(a.hwnas, c["file"], a.budget, a.threads, result_path(a.dir, i, c, a.budget))
        alone.append(100 * r["metrics"]["top1"] if r["status"] == "ok" else None)
        print(f"candidate {i} stand-alone at {a.budget}: {r['status']} "
              f"{alone[-1] if alone[-1] is not None else float('nan'):.2f}%", file=sys.stderr, flush=True)

    cmd = [a.hwnas, "supernet", "eval", a.supernet, *[c["file"] for c in candidates], "--test", "--json",
           "--calibration-images", str(a.calibration_images), "--threads", str(a.threads)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"supernet_rank: {' '.join(cmd[:4])} ... exited with {r.returncode}: {r.stderr.strip()}")
    measured = json.loads(r.stdout)["models"]

    rows = []
    print(f"| # | genome | supernet top-1 % | stand-alone ({a.budget}) top-1 % |")
    print("|---|---|---|---|")
    for i, (c, m, s) in enumerate(zip(candidates, measured, alone)):
        rows.append({"candidate": i, "genome": c["genome"], "supernet": m["accuracy"], "stand_alone": s})
        print(f"| {i} | {c['genome']} | {m['accuracy']:.2f} | {'-' if s is None else f'{s:.2f}'} |")
    ok = [row for row in rows if row["stand_alone"] is not None]
    tau = kendall_tau_b([row["supernet"] for row in ok], [row["stand_alone"] for row in ok])
    print(f"\nKendall tau-b over {len(ok)} subnets (stand-alone training ok): {tau:.3f}")
    if a.out:
        with open(a.out + ".tmp", "w") as f:
            json.dump({"supernet": a.supernet, "budget": a.budget, "rows": rows, "kendall_tau_b": tau}, f, indent=1)
        os.replace(a.out + ".tmp", a.out)


if __name__ == "__main__":
    main()

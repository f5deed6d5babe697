#!/usr/bin/python3
"""Does a supernet rank subnets as stand-alone training does? (issue 13 §2: Kendall tau
between supernet accuracy after batch-norm recalibration and stand-alone training at the
same epochs, over 20 random subnets, goal >= 0.6; docs/supernet.md, "Ranking").

  bench/supernet_rank.py --supernet FILE [--fidelity-dir bench/results/fidelity_rank]
                         [--hwnas BIN] [--calibration-images 2000] [--threads 1]
                         [--out RESULT.json]

The candidates and their stand-alone accuracies are those of bench/fidelity_rank.py (its
--dir: the sampled model files under models/ and one JSON per candidate and fidelity; the
`high` fidelity, 10 epochs on all training images, is the stand-alone training at the
supernet's epochs when the supernet was trained 10 epochs). Every candidate whose
stand-alone training is done is measured on the supernet (`hwnas supernet eval --test`:
top-1 on the 10,000 test images, as fidelity_rank measures) and the script prints the
table and Kendall's tau-b of supernet accuracy against the high and the low fidelity.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fidelity_rank import kendall_tau_b  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def stand_alone(fidelity_dir):
    """{candidate index: {"low": top-1 %, "high": top-1 %, "model": path}} of finished runs."""
    out = {}
    for path in sorted(glob.glob(os.path.join(fidelity_dir, "[0-9][0-9][0-9]-*.json"))):
        name = os.path.basename(path)
        index = int(name[:3])
        with open(path) as f:
            r = json.load(f)
        if r.get("status") != "ok":
            continue
        kind = "low" if re.search(r"epochs1_", name) else "high"
        entry = out.setdefault(index, {"model": os.path.join(fidelity_dir, "models", f"sample-{index:03}.yaml")})
        entry[kind] = 100 * r["metrics"]["top1"]
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--supernet", required=True)
    p.add_argument("--fidelity-dir", default=os.path.join(ROOT, "bench/results/fidelity_rank"))
    p.add_argument("--hwnas", default=os.path.join(ROOT, "build/bin/hwnas"))
    p.add_argument("--calibration-images", type=int, default=2000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", help="write the table's rows and the taus as JSON here")
    a = p.parse_args()

    runs = {i: e for i, e in stand_alone(a.fidelity_dir).items() if "high" in e}
    if len(runs) < 2:
        sys.exit(f"supernet_rank: fewer than 2 finished high-fidelity runs in {a.fidelity_dir}; "
                 "run bench/fidelity_rank.py first")
    order = sorted(runs)
    cmd = [a.hwnas, "supernet", "eval", a.supernet, *[runs[i]["model"] for i in order], "--test", "--json",
           "--calibration-images", str(a.calibration_images), "--threads", str(a.threads)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"supernet_rank: {' '.join(cmd[:4])} ... exited with {r.returncode}: {r.stderr.strip()}")
    measured = json.loads(r.stdout)["models"]

    rows = []
    print("| # | supernet top-1 % | stand-alone high top-1 % | stand-alone low top-1 % |")
    print("|---|---|---|---|")
    for i, m in zip(order, measured):
        row = {"candidate": i, "model": runs[i]["model"], "supernet": m["accuracy"], "high": runs[i]["high"],
               "low": runs[i].get("low")}
        rows.append(row)
        low = f"{row['low']:.2f}" if row["low"] is not None else "-"
        print(f"| {i} | {row['supernet']:.2f} | {row['high']:.2f} | {low} |")
    sup = [r["supernet"] for r in rows]
    tau_high = kendall_tau_b(sup, [r["high"] for r in rows])
    with_low = [r for r in rows if r["low"] is not None]
    tau_low = kendall_tau_b([r["supernet"] for r in with_low], [r["low"] for r in with_low])
    tau_low_high = kendall_tau_b([r["low"] for r in with_low], [r["high"] for r in with_low])
    print(f"\nKendall tau-b over {len(rows)} subnets: supernet vs stand-alone high {tau_high:.3f}; "
          f"supernet vs low {tau_low:.3f}; low vs high {tau_low_high:.3f} ({len(with_low)} with both)")
    if a.out:
        with open(a.out + ".tmp", "w") as f:
            json.dump({"supernet": a.supernet, "rows": rows, "tau_supernet_high": tau_high,
                       "tau_supernet_low": tau_low, "tau_low_high": tau_low_high}, f, indent=1)
        os.replace(a.out + ".tmp", a.out)


if __name__ == "__main__":
    main()

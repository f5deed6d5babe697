#!/usr/bin/python3
"""How far can a low fidelity rank as a high one does, given that each is noisy? (issue 11's
goal: Kendall tau >= 0.6 between 1-epoch/10k-image and 10-epoch full accuracy over 20
candidates; docs/training.md, "Does low fidelity rank as high fidelity does?").

  bench/fidelity_noise.py [--dir bench/results/fidelity_rank] [--low epochs=1,subset=0.1667]
                          [--high epochs=10,subset=1] [--seed-b 1] [--bootstrap 2000]

Reads the trainings bench/fidelity_rank.py kept in --dir (nothing is trained): each
candidate's --low and --high accuracy at training seed 0 and at --seed-b (the files of
`--low L --high L,seed=1` and `--low H --high H,seed=1` runs), over the candidates that have
all four. Prints Kendall's tau-b of low against high for each pair of seeds, each fidelity's
seed-to-seed tau-b (its reliability; also over every candidate trained at both of its seeds,
which the ceiling uses) and how far one architecture's accuracy moves with the
training seed (mean absolute difference, percentage points), a bootstrap interval of the seed-0 tau (candidates
resampled with replacement, 5th and 95th percentiles), and the attenuation ceiling: the tau
that a low fidelity whose noise-free ranking equalled the high fidelity's noise-free ranking
would be expected to reach against one high-fidelity run. The ceiling is Spearman's
correction for attenuation (Spearman 1904, "The proof and measurement of association between
two things": r_max = sqrt(r_LL' * r_HH'), r_XX' the correlation of two replicates of X),
with each tau turned into a correlation by Greiner's relation r = sin(pi tau / 2) and back
(exact for bivariate normal scores; Kendall 1948). It is an estimate from 20 pairs, not a
proof: a ceiling at or below the goal says the goal asks more than the noise of the two
trainings allows.
"""
import argparse
import glob
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from families import file_suffix  # noqa: E402
from fidelity_rank import fidelity_values, kendall_tau_b  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(message):
    """Bad input: one line on stderr, exit 2."""
    print(f"fidelity_noise: {message}", file=sys.stderr)
    sys.exit(2)


def accuracies(directory, fidelity):
    """{candidate index: test top-1 %} of the ok trainings kept at `fidelity`."""
    found = {}
    for path in glob.glob(os.path.join(glob.escape(directory), f"[0-9][0-9][0-9]-*-{file_suffix(fidelity)}.json")):
        with open(path) as f:
            try:
                result = json.load(f)
            except json.JSONDecodeError as e:
                fail(f"{path}: not JSON ({e}); delete it and run bench/fidelity_rank.py again to recompute it")
        if isinstance(result, dict) and result.get("status") == "ok":
            found[int(os.path.basename(path)[:3])] = 100 * result["metrics"]["top1"]
    return found


def to_r(tau):
    return math.sin(math.pi * tau / 2)


def to_tau(r):
    return 2 / math.pi * math.asin(max(-1.0, min(1.0, r)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dir", default=os.path.join(ROOT, "bench/results/fidelity_rank"))
    p.add_argument("--low", default="epochs=1,subset=0.1667")
    p.add_argument("--high", default="epochs=10,subset=1")
    p.add_argument("--seed-b", type=int, default=1)
    p.add_argument("--bootstrap", type=int, default=2000)
    a = p.parse_args()
    if a.seed_b < 1:
        fail(f"--seed-b {a.seed_b}: give a whole number >= 1 (seed 0 is the first run's)")
    if a.bootstrap < 0:
        fail(f"--bootstrap {a.bootstrap}: give a whole number >= 0")
    for text, what in ((a.low, "--low"), (a.high, "--high")):
        if "seed" in text:
            fail(f"{what} {text}: give the fidelity without seed= (seed 0 and --seed-b are both read)")
        fidelity_values(text, what, fail)  # known keys and values, else exit 2
    if not os.path.isdir(a.dir):
        fail(f"--dir {a.dir}: no such directory; give bench/fidelity_rank.py's --dir")

    columns = {name: accuracies(a.dir, fidelity) for name, fidelity in
               (("L", a.low), ("L'", f"{a.low},seed={a.seed_b}"), ("H", a.high), ("H'", f"{a.high},seed={a.seed_b}"))}
    both = sorted(set.intersection(*(set(c) for c in columns.values())))
    if len(both) < 3:
        fail(f"{a.dir}: {len(both)} candidate(s) have ok trainings at all four of --low and --high at seeds 0 and "
             f"{a.seed_b} (at least 3 needed); run bench/fidelity_rank.py for the missing ones")
    col = {name: [c[i] for i in both] for name, c in columns.items()}
    tau = {pair: kendall_tau_b(col[pair[0]], col[pair[1]])
           for pair in (("L", "H"), ("L'", "H"), ("L", "H'"), ("L'", "H'"), ("L", "L'"), ("H", "H'"))}
    print(f"{len(both)} candidates with --low {a.low} and --high {a.high} at training seeds 0 and {a.seed_b} "
          f"(L, H: seed 0; L', H': seed {a.seed_b})")
    for pair, t in tau.items():
        print(f"tau-b {pair[0]:>2} vs {pair[1]:<2} {t:6.3f}")
    for a_name, b_name, fidelity in (("L", "L'", a.low), ("H", "H'", a.high)):
        differences = [abs(x - y) for x, y in zip(col[a_name], col[b_name])]
        print(f"{fidelity}: one architecture's top-1 moves by {sum(differences) / len(differences):.2f} pt between "
              f"training seeds 0 and {a.seed_b} (mean |{a_name} - {b_name}|; largest {max(differences):.2f})")
    mean = [(x + y) / 2 for x, y in zip(col["H"], col["H'"])]
    print(f"tau-b L vs mean of H and H' {kendall_tau_b(col['L'], mean):6.3f}")
    if a.bootstrap:
        rng = random.Random(0)
        draws = []
        for _ in range(a.bootstrap):
            pick = [rng.randrange(len(both)) for _ in both]
            t = kendall_tau_b([col["L"][i] for i in pick], [col["H"][i] for i in pick])
            if t == t:
                draws.append(t)
        draws.sort()
        if draws:
            lo, hi = draws[int(0.05 * (len(draws) - 1))], draws[int(0.95 * (len(draws) - 1))]
            print(f"bootstrap 90% interval of tau-b L vs H ({len(draws)} resamples): {lo:.3f} to {hi:.3f}")
    # Each fidelity's reliability over every candidate trained at both of its seeds (the low
    # fidelity's runs are cheap and may cover more candidates than the high one's).
    reliability = {}
    for a_name, b_name in (("L", "L'"), ("H", "H'")):
        pair = sorted(set(columns[a_name]) & set(columns[b_name]))
        t = kendall_tau_b([columns[a_name][i] for i in pair], [columns[b_name][i] for i in pair])
        print(f"tau-b {a_name:>2} vs {b_name:<2} over the {len(pair)} candidates trained at both: {t:.3f}")
        reliability[a_name] = to_r(t)
    reliability_l, reliability_h = reliability["L"], reliability["H"]
    if reliability_l <= 0 or reliability_h <= 0:
        print("attenuation ceiling: undefined (a fidelity's seed-to-seed tau is not positive)")
        return
    ceiling = to_tau(math.sqrt(reliability_l * reliability_h))
    print(f"attenuation ceiling of tau-b low vs one high run: {ceiling:.3f} "
          f"(r_LL' {reliability_l:.3f}, r_HH' {reliability_h:.3f})")


if __name__ == "__main__":
    main()

"""bench/families.py's table, checks and plot: each family's runs, its means, and the checks
against multishot of issue 13 (the hybrid) and issue 11 (multi-fidelity), and quality
against search cost as an SVG file. `rows` are families.py's row() dicts."""
import json
import math
import os
import sqlite3
import statistics

COLOURS = {"multishot": "#1f77b4", "zero-shot": "#2ca02c", "single-shot": "#ff7f0e", "hybrid": "#d62728",
           "hybrid-mf": "#8c564b", "multi-fidelity": "#9467bd"}
# The family set against multishot: the issue, the largest share of multishot's cost it may
# spend, and the quality it may lose (pt): "reaches multishot's best +-0.3 pt".
CHECKS = {"hybrid": ("issue 13", 1 / 5, 0.3), "hybrid-mf": ("issue 13", 1 / 5, 0.3),
          "multi-fidelity": ("issue 11", 1 / 3, 0.3)}


def evaluation_trace(search_dir):
    """The accuracy evaluations of the search stored in `search_dir`, in the order they
    completed (the store's `evaluations` rows by rowid, docs/experiments.md "The store"),
    as (rung, seconds, accuracy or None), and the index of its last rung."""
    db = sqlite3.connect(f"file:{os.path.join(search_dir, 'experiment.db')}?mode=ro", uri=True)
    try:
        rungs = json.loads(db.execute("SELECT info_json FROM experiment").fetchone()[0])["rungs"]
        trace = db.execute("SELECT rung, seconds, accuracy FROM evaluations ORDER BY rowid").fetchall()
    finally:
        db.close()
    return trace, rungs - 1


def anytime_seconds(trace, last_rung, target, start_s=0.0):
    """Evaluation time (start_s plus the trace's seconds summed in order) at which the best
    accuracy of the last rung first reached `target`; None if it never did."""
    spent, best = start_s, -math.inf
    for rung, seconds, accuracy in trace:
        spent += seconds
        if rung == last_rung and accuracy is not None:
            best = max(best, accuracy)
            if best >= target:
                return spent
    return None


def mean_sd(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def fmt(v, spec=".2f", none="-"):
    return none if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


def print_runs(rows, a):
    print(f"| family | seed | trials | evaluations by rung | evaluation s | supernet s | cost s | CPU s "
          f"| search wall s | best in search | stand-alone top-1 % ({a.final}) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['family']} | {r['seed']} | {r['trials']} | {r['evaluations']} | {r['search_s']:.1f} | "
              f"{r['supernet_s']:.1f} | {r['cost_s']:.1f} | {fmt(r.get('cpu_s'), '.1f')} | {r['search_wall_s']:.1f} | "
              f"{fmt(r['best_search_accuracy'])} | {r['quality']:.2f} |")
    print("\n| family | runs | cost s (mean) | stand-alone top-1 % (mean +- sd) |")
    print("|---|---|---|---|")
    for family in a.families:
        mine = [r for r in rows if r["family"] == family]
        if mine:
            cost, _ = mean_sd([r["cost_s"] for r in mine])
            quality, sd = mean_sd([r["quality"] for r in mine])
            print(f"| {family} | {len(mine)} | {cost:.1f} | {quality:.2f} +- {sd:.2f} |")


def check_rows(rows, family, seeds):
    """Per seed with both runs: `family` against multishot. (a) the searches' own best
    accuracy (the last rung's held-out top-1, measured alike), (b) the stand-alone training
    of each best; the cost share; the anytime share (evaluation time until `family`'s best
    came within the allowed loss of multishot's best, over multishot's cost)."""
    _, max_share, loss = CHECKS[family]
    out = []
    for seed in seeds:
        m = next((r for r in rows if r["family"] == "multishot" and r["seed"] == seed), None)
        f = next((r for r in rows if r["family"] == family and r["seed"] == seed), None)
        if m is None or f is None or m["cost_s"] <= 0:
            continue
        m_best, f_best = m["best_search_accuracy"], f["best_search_accuracy"]
        search_dq = None if m_best is None or f_best is None else f_best - m_best
        anytime = None
        if m_best is not None and f.get("trace") is not None:
            trace, last_rung = f["trace"]
            t = anytime_seconds(trace, last_rung, m_best - loss, f["supernet_s"])
            anytime = None if t is None else t / m["cost_s"]
        share = f["cost_s"] / m["cost_s"]
        cpu_share = f["cpu_s"] / m["cpu_s"] if f.get("cpu_s") and m.get("cpu_s") else None
        # Met on the CPU share when both were measured (wall time grows with the machine's
        # load), else on the wall-time share.
        judged = cpu_share if cpu_share is not None else share
        final_dq = f["quality"] - m["quality"]
        out.append({"seed": seed, "search_dq": search_dq, "final_dq": final_dq, "share": share,
                    "cpu_share": cpu_share, "anytime": anytime,
                    "met_a": search_dq is not None and search_dq >= -loss and judged <= max_share,
                    "met_b": not math.isnan(final_dq) and final_dq >= -loss and judged <= max_share})
    return out


def print_checks(rows, a):
    for family, (issue, max_share, loss) in CHECKS.items():
        if family not in a.families or "multishot" not in a.families:
            continue
        checks = check_rows(rows, family, a.seeds)
        if not checks:
            continue
        print(f"\n{family} vs multishot ({issue}: quality >= multishot's -{loss} pt at cost <= {max_share:.3g} of "
              f"multishot's; (a) best accuracy in the search, held-out top-1 at the last rung; (b) stand-alone "
              f"top-1 of each best; cost share: of the evaluations' wall time; CPU share: of the searches' CPU "
              f"seconds, which 'met' is judged on when measured; anytime: {family}'s evaluation time until its best "
              f"came within {loss} pt of multishot's best, as a share of multishot's cost)")
        print("| seed | (a) search best, pt | (b) stand-alone, pt | cost share | CPU share | anytime share | met (a) "
              "| met (b) |")
        print("|---|---|---|---|---|---|---|---|")
        for c in checks:
            print(f"| {c['seed']} | {fmt(c['search_dq'], '+.2f')} | {fmt(c['final_dq'], '+.2f')} | "
                  f"{c['share']:.3f} | {fmt(c['cpu_share'], '.3f')} | {fmt(c['anytime'], '.3f', 'not reached')} | "
                  f"{'met' if c['met_a'] else 'no'} | {'met' if c['met_b'] else 'no'} |")
        mean = {k: mean_sd([c[k] for c in checks])[0] for k in ("search_dq", "final_dq", "share", "cpu_share")}
        reached = [c["anytime"] for c in checks if c["anytime"] is not None]
        anytime = f"{statistics.fmean(reached):.3f} ({len(reached)} of {len(checks)} reached)" if reached else \
            "not reached"
        print(f"| mean | {fmt(mean['search_dq'], '+.2f')} | {fmt(mean['final_dq'], '+.2f')} | "
              f"{fmt(mean['share'], '.3f')} | {fmt(mean['cpu_share'], '.3f')} | {anytime} | {sum(c['met_a'] for c in checks)} of {len(checks)} | "
              f"{sum(c['met_b'] for c in checks)} of {len(checks)} |")


def plot(rows, families, path):
    """Stand-alone quality against search cost (log scale), one colour per family: each run
    a dot, each family's mean a ring. A plain SVG file."""
    rows = [r for r in rows if not math.isnan(r["quality"]) and r["cost_s"] > 0]
    if not rows:
        return
    w, h, left, right, top, bottom = 640, 420, 70, 150, 20, 50
    xs = [math.log10(r["cost_s"]) for r in rows]
    ys = [r["quality"] for r in rows]
    x0, x1 = math.floor(min(xs)), math.ceil(max(xs))
    x1 = x1 if x1 > x0 else x0 + 1
    y0, y1 = math.floor(min(ys) - 0.5), math.ceil(max(ys) + 0.5)
    X = lambda v: left + (math.log10(v) - x0) / (x1 - x0) * (w - left - right)
    Y = lambda v: h - bottom - (v - y0) / (y1 - y0) * (h - top - bottom)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" '
           f'font-size="12"><rect width="{w}" height="{h}" fill="white"/>',
           f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>']
    for e in range(x0, x1 + 1):
        x = X(10 ** e)
        out.append(f'<line x1="{x:.1f}" y1="{h - bottom}" x2="{x:.1f}" y2="{h - bottom + 5}" stroke="black"/>'
                   f'<text x="{x:.1f}" y="{h - bottom + 18}" text-anchor="middle">1e{e}</text>')
    for v in range(y0, y1 + 1):
        y = Y(v)
        out.append(f'<line x1="{left - 5}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="black"/>'
                   f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{v}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 10}" text-anchor="middle">search cost: training and '
               f'evaluation wall time, s (log)</text>')
    out.append(f'<text x="15" y="{(top + h - bottom) / 2}" text-anchor="middle" transform="rotate(-90 15 '
               f'{(top + h - bottom) / 2})">stand-alone top-1 %</text>')
    for i, family in enumerate(families):
        mine = [r for r in rows if r["family"] == family]
        colour = COLOURS[family]
        for r in mine:
            out.append(f'<circle cx="{X(r["cost_s"]):.1f}" cy="{Y(r["quality"]):.1f}" r="3" fill="{colour}"/>')
        if mine:
            cost = math.exp(statistics.fmean(math.log(r["cost_s"]) for r in mine))
            quality = statistics.fmean(r["quality"] for r in mine)
            out.append(f'<circle cx="{X(cost):.1f}" cy="{Y(quality):.1f}" r="7" fill="none" stroke="{colour}" '
                       f'stroke-width="2"/>')
        ly = top + 20 * i + 10
        out.append(f'<circle cx="{w - right + 20}" cy="{ly}" r="4" fill="{colour}"/>'
                   f'<text x="{w - right + 30}" y="{ly + 4}">{family}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")

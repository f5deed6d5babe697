#!/usr/bin/python3
"""The families of NAS on one problem (docs/hybrid.md: issue 13, "Done when", and issue
11's multi-fidelity check): multishot (accuracy: train), zero-shot
(accuracy: proxy), single-shot (accuracy: supernet), the hybrid (a proxy rung, a supernet
rung, a training rung), hybrid-mf (the hybrid with multi-fidelity's low training rung in
place of the supernet: a proxy rung, --low-fidelity, --fidelity) and multi-fidelity
(successive halving from a short training, --low-fidelity, to multishot's --fidelity), each
seed's best candidate of each family then trained stand-alone with one fixed recipe.

  bench/families.py [--hwnas BIN] [--dir bench/results/families] [--seeds 1,2,3]
                    [--families multishot,zero-shot,single-shot,hybrid,hybrid-mf,multi-fidelity]
                    [--space configs/spaces/mobilenet-cls-fmnist.yaml] [--target edgetpu-like]
                    [--limit-ms 0.4] [--proxy synflow] [--fidelity epochs=2,subset=0.2]
                    [--budget multishot=20,zero-shot=200,single-shot=100,hybrid=64,hybrid-mf=100,
                              multi-fidelity=14]
                    [--hybrid-candidates 128] [--eta 4]
                    [--low-fidelity epochs=1,subset=0.1,resolution=16] [--mf-candidates 24] [--mf-eta 8]
                    [--supernet-args '--epochs 3'] [--final epochs=10,subset=1]
                    [--threads 1] [--plot FILE.svg] [--dry-run]

Every family searches the same space, latency target and limit (objective: maximize
accuracy under latency_ms <= LIMIT), with the same strategy (evolution) and seed, and
measures on the same 5,000 held-out training images (validation: 5000). The search
budgets are --budget, in accuracy evaluations (budget.evaluations: candidates that met the
limit and were evaluated, each counted once whatever the rungs it reached; the hybrid's
and hybrid-mf's are those its proxy scored, a 1/16 of them trained (the hybrid, eta 4) or
trained again at --fidelity (hybrid-mf: 1/eta at --low-fidelity); multi-fidelity's those
trained at --low-fidelity, of which the best 1/--mf-eta of each bracket of
--mf-candidates asked, at least one, are trained again at --fidelity). The bracket that
reaches the budget is cut to it (docs/experiments.md, "Budget and seed"). Multi-fidelity's last rung is multishot's training, so both
searches' best accuracies are measured alike. Per seed, one supernet is trained
(`hwnas supernet train ... --validation 5000 --seed SEED`), and its training time is
counted once for single-shot and once for the hybrid.

A family's *search cost* is the wall time its accuracy evaluations took (the search's
`rung_costs`, summed; for single-shot and hybrid plus the supernet's training wall time;
the whole search's wall time, which adds latency evaluations and the sources' start-up,
e.g. the proxy's reference sample, is its own column), and its *CPU cost* the CPU seconds
(user + system) of the search's processes, hwnas and every hwnas-train it ran (plus the
supernet's training): on a machine shared with other work, wall time grows with the load
(one 2-epoch training here took 28 s at load 2 and 223 s during a build), CPU time far
less, so the checks give both shares; its
*quality* the test top-1 of its best candidate trained stand-alone with --final (all
60,000 training images unless --final says otherwise, tested on the 10,000 test images,
training seed 0, --threads threads; a genome's final training is kept in DIR/finals and
reused by every family and seed that finds it). Everything is kept in --dir, one JSON file per step
(supernet, search, final training) of each seed and family, written when the step ends (a
search's also holds its accuracy evaluations in order, for the anytime share), and each
search's store and each seed's supernet; running again skips what is done (an interrupted
search is resumed with --resume), so the benchmark can be stopped and continued. Each step
records the options that determine it ("options": for the supernet the space, target, seed,
threads and --supernet-args; for a search those and the limit, strategy, the family's budget,
fidelities, proxy and rung settings; for a final training the genome, --final, threads and
training seed; for each, the SHA-256 of the space file's content and of the target's
description as `hwnas targets show` prints it, so an edited file makes a kept step stale like
another option), and a kept step is reused only when they equal the asked ones: otherwise
families.py exits 2 naming the file and the first option that differs (kept against asked),
so a run with other options needs another --dir, or the file deleted to recompute it. A
kept file that is no JSON object of this script (empty or cut short by a kill or a full
disk, a directory) is refused alike: `FILE: not a JSON object (...); delete it to recompute
the step`. A step kept before steps recorded options is checked by what it holds: a search
by its experiment file (DIR/seedN/FAMILY.yaml, written before it ran) against the one asked
(naming the option that writes the first line that differs), the supernet and a final
training by their command; the content of the space and target files cannot be checked
there. The
default --dir, bench/results/families, is committed like bench/results/fidelity_rank: its
small files (the step JSONs, the experiment files, the decoded best networks, finals/) are
the results, while the supernets and the searches' directories (their stores) are large
and left out by its .gitignore. At the end it
prints the table (per run, and the mean per family), the checks against multishot
(families_report.py: the hybrid's, issue 13, and multi-fidelity's, issue 11: quality
within 0.3 pt of multishot's at <= 1/5 and <= 1/3 of its cost, per seed and mean, with
quality both as the searches' own best accuracy and as the stand-alone training, and the
anytime share: the evaluation time until the family's best came within 0.3 pt of
multishot's, read from its store) and, with --plot, draws quality against search cost.

Before the first step, and on --dry-run, every option is checked, each bad one one line on
stderr and exit 2: --seeds (whole numbers >= 0) and --families without repeats, each
--budget a whole number >= 1, --limit-ms finite and above 0, --threads 1 to 1024, --eta
and --mf-eta 2 to 100 and --hybrid-candidates/--mf-candidates at least their eta (as
hwnas's multi_fidelity), the keys of --fidelity and --low-fidelity (accuracy.train's rung
keys but threads) and of --final (hwnas train's options but --threads and --seed), their
values in hwnas train's ranges, --low-fidelity a lower fidelity than --fidelity as hwnas
orders rungs (with multi-fidelity), and, asking hwnas (quick verbs, no training): the
target (`hwnas targets show`), the space file for that target (`hwnas space show`) and,
with zero-shot or either hybrid, --proxy (`hwnas proxy --help`'s names); --eta and
--hybrid-candidates serve both hybrids.

--dry-run prints the commands of the steps not done yet (with the experiment files they
would write, as `cat > FILE <<'EOF'`) and exits, writing nothing.
"""
import argparse
import hashlib
import json
import math
import os
import re
import resource
import subprocess
import sys
import time

import families_report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAMILIES = ["multishot", "zero-shot", "single-shot", "hybrid", "hybrid-mf", "multi-fidelity"]
# What every family's experiment fixes beside the options (a step records them: a change
# here makes kept steps stale).
TRAIN = {"task": "classification", "validation": 5000, "batch": 64, "lr": 0.05, "seed": 0}
PROXY_REFERENCE = 100
STRATEGY = {"name": "evolution", "population": 12, "sample_size": 4}
FINAL_SEED = 0


def fail(message):
    """Bad input or a kept step that does not fit: one line on stderr, exit 2."""
    print(f"families: {message}", file=sys.stderr)
    sys.exit(2)


def file_suffix(text):
    """A KEY=VALUE list as kept files name it: 'epochs=1,subset=0.1667' -> 'epochs1_subset0.1667'."""
    return text.replace("=", "").replace(",", "_")


def key_values(text, what, keys=None, fail=fail):
    """'epochs=2,subset=0.2' -> {'epochs': '2', 'subset': '0.2'}. With `keys` (the known
    ones), also checks each key is one of them, given once, and its value in hwnas train's
    range (KNOB_RANGES); `fail` reports bad input (fidelity_rank.py passes its own)."""
    out = {}
    for part in text.split(","):
        key, _, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not key or not value:
            fail(f"'{part}' in {what} '{text}' is not KEY=VALUE (e.g. epochs=2,subset=0.2)")
        if keys is not None:
            if key not in keys:
                fail(f"{what} '{text}': unknown key '{key}'; use {', '.join(keys)}")
            if key in out:
                fail(f"{what} '{text}': {key} given twice; give it once")
            name = "resolution" if key == "res" else key.replace("-", "_")  # hwnas train's spelling
            if name in KNOB_RANGES:
                check_knob(key, value, KNOB_RANGES[name], f"{what} '{text}'", fail)
        out[key] = value
    return out


# hwnas train's ranges (src/hwnas/train/train_options.h), by accuracy.train's key (hwnas
# train's flag: '-' for '_', res for resolution): (whole number?, low, high, low excluded?).
KNOB_RANGES = {"epochs": (True, 1, 10000, False), "subset": (False, 0, 1, True),
               "resolution": (True, 8, 1024, False), "batch": (True, 1, 65536, False),
               "seed": (True, 0, 2 ** 64 - 1, False), "lr": (False, 0, math.inf, True),
               "weight_decay": (False, 0, math.inf, False), "label_smoothing": (False, 0, 0.999, False),
               "warmup": (False, 0, 1, False), "validation": (True, 0, 30000, False),
               "timeout_s": (False, 0, math.inf, True)}
# The keys --fidelity and --low-fidelity take: accuracy.train's rung keys
# (train_rung_keys() in src/hwnas/search/train_accuracy.cpp) but threads (--threads gives it)
# and the scene keys (Fashion-MNIST classification).
FIDELITY_KEYS = ["epochs", "subset", "resolution", "batch", "seed", "optimizer", "lr", "weight_decay",
                 "label_smoothing", "warmup", "augment", "timeout_s"]
# The keys --final takes: hwnas train's options that take a value, but --threads and --seed
# (families.py gives them) and the scene options.
FINAL_KEYS = ["epochs", "subset", "res", "batch", "optimizer", "lr", "weight-decay", "label-smoothing", "warmup",
              "validation", "data"]


def check_knob(key, value, bounds, where, fail=fail):
    """Exits (through `fail`) unless `value` (text) is in `bounds` (KNOB_RANGES)."""
    whole, low, high, open_low = bounds
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or number < low or (open_low and number == low) or number > high:
        span = f"{'(' if open_low else '['}{low}, {'inf)' if high == math.inf else f'{high}]'}"
        fail(f"{where}: {key}={value} is not {'a whole number' if whole else 'a number'} in {span}")


def read_kept(path, fail=fail, required=()):
    """The JSON object kept at `path` (a step, a training, a record). Exits (through `fail`)
    with one line when it is not one (empty, cut short by a kill or a full disk, a directory,
    another value) or lacks a key of `required`: deleting it recomputes the step."""
    text = ""
    try:
        with open(path) as f:
            text = f.read()
        kept = json.loads(text)
        why = None if isinstance(kept, dict) else f"a JSON {type(kept).__name__}"
    except IsADirectoryError:
        why = "a directory"
    except OSError as e:
        why = f"unreadable: {e.strerror}"
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        why = "empty" if not text.strip() else f"cut short or damaged: {e}"
    if why is not None:
        fail(f"{path}: not a JSON object ({why}); delete it to recompute the step")
    for key in required:  # 'answer.best': kept["answer"]["best"]
        value = kept
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                fail(f"{path}: a JSON object without \"{key}\" (not one this script wrote); delete it to recompute "
                     f"the step")
            value = value[part]
    return kept


def yaml_map(d):
    return "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"


def experiment(a, family, seed, supernet):
    """The experiment file of `family` for `seed` (YAML text)."""
    # threads before seed: the text of the experiment files written before TRAIN existed.
    train = {**{k: v for k, v in TRAIN.items() if k != "seed"}, "threads": a.threads, "seed": TRAIN["seed"]}
    fidelity = key_values(a.fidelity, "--fidelity")
    proxy = yaml_map({"name": a.proxy, "reference": PROXY_REFERENCE, "threads": a.threads})
    sn = yaml_map({"file": supernet, "validation": 5000, "threads": a.threads})
    lines = [f"space: {a.space}", f"latency: {{target: {a.target}}}"]
    if family == "multishot":
        lines.append(f"accuracy: {{train: {yaml_map({**train, **fidelity})}}}")
    elif family == "zero-shot":
        lines.append(f"accuracy: {{proxy: {proxy}}}")
    elif family == "single-shot":
        lines.append(f"accuracy: {{supernet: {sn}}}")
    else:  # a training screened by successive halving over `rungs`
        low = yaml_map(key_values(a.low_fidelity, "--low-fidelity"))
        eta, candidates, rungs = {
            "hybrid": (a.eta, a.hybrid_candidates, [f"{{proxy: {proxy}}}", f"{{supernet: {sn}}}"]),
            "hybrid-mf": (a.eta, a.hybrid_candidates, [f"{{proxy: {proxy}}}", low]),  # the low rung for the supernet
            "multi-fidelity": (a.mf_eta, a.mf_candidates, [low]),  # multishot's training, screened by a shorter one
        }[family]
        lines += [f"accuracy: {{train: {yaml_map(train)}}}",
                  "multi_fidelity:", "  method: successive_halving", f"  eta: {eta}", f"  candidates: {candidates}",
                  f"  rungs: [{', '.join(rungs + [yaml_map(fidelity)])}]"]
    lines += ["objective:", "  maximize: accuracy", f"  constraints: [latency_ms <= {a.limit_ms}]",
              f"strategy: {yaml_map(STRATEGY)}",
              f"budget: {{evaluations: {a.budget[family]}}}", f"seed: {seed}", ""]
    return "\n".join(lines)


def children_cpu_seconds():
    """User + system CPU seconds of this process's ended and waited-for descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd, what, dry_run):
    """Runs `cmd`; (parsed JSON stdout, wall seconds, CPU seconds of it and of every process
    it waited for: hwnas search's trainings in hwnas-train). Exits with its error when it
    fails."""
    if dry_run:
        print(" ".join(cmd))
        return None, 0.0, 0.0
    print(f"families: {what}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    start, cpu_start = time.monotonic(), children_cpu_seconds()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall, cpu = time.monotonic() - start, children_cpu_seconds() - cpu_start
    if r.returncode != 0:
        sys.exit(f"families: {what}: {' '.join(cmd)} exited with {r.returncode}: {r.stderr.strip()}")
    return json.loads(r.stdout), wall, cpu


def space_option(path):
    """--space as a step records it: relative to the repository when inside it, so a kept
    directory stays valid in another checkout."""
    path = os.path.realpath(path)
    return os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path


def show(value):
    """An option's value as the command line writes it."""
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items()) or "''"
    if isinstance(value, list):
        return "'" + " ".join(value) + "'"
    if value is None:
        return "(none)"
    return "''" if value == "" else str(value)


def differing_option(kept, asked, partial=False):
    """The first option of `asked` whose value differs in `kept`, as (name, kept, asked);
    None when all agree. `partial`: `kept` was read back from an older step, which holds only
    some options: those it lacks are not compared."""
    for name, value in asked.items():
        if name not in kept:
            if not partial:
                return name, "(not recorded)", show(value)
        elif kept[name] != value:
            return name, show(kept[name]), show(value)
    return None


def refuse(path, difference, what="made with", store=None):
    """Exits 2: the step kept at `path` was made with other options. `store`: the search's
    directory, to delete with it (hwnas search --resume would refuse the other experiment)."""
    name, kept, asked = difference
    delete = f"{path} and {store}" if store else path
    fail(f"{path}: {what} {name} {kept}, asked {asked}: its result is not this run's; use another --dir, "
         f"or delete {delete} to recompute it")


def input_options(a):
    """The options that name input files, each with its content's digest: a file edited
    since a step was made makes it stale like another option."""
    return {"--space": space_option(a.space), "--space's content (sha256)": a.space_sha256, "--target": a.target,
            "--target's description (sha256)": a.target_sha256}


def supernet_options(a, seed):
    return {**input_options(a), "seed": seed, "--threads": a.threads, "--supernet-args": a.supernet_args.split()}


def search_options(a, family, seed):
    """What determines `family`'s search for `seed` (its experiment file, from the options)."""
    o = {**input_options(a), "--limit-ms": a.limit_ms, "strategy": STRATEGY, f"--budget {family}": a.budget[family],
         "seed": seed, "--threads": a.threads}
    if family in ("multishot", "hybrid", "hybrid-mf", "multi-fidelity"):
        o["training"] = TRAIN
        o["--fidelity"] = key_values(a.fidelity, "--fidelity")
    if family in ("zero-shot", "hybrid", "hybrid-mf"):
        o["--proxy"] = a.proxy
        o["proxy reference"] = PROXY_REFERENCE
    if family in ("single-shot", "hybrid"):
        o["--supernet-args"] = a.supernet_args.split()
    if family in ("hybrid", "hybrid-mf"):
        o["--hybrid-candidates"] = a.hybrid_candidates
        o["--eta"] = a.eta
    if family in ("hybrid-mf", "multi-fidelity"):
        o["--low-fidelity"] = key_values(a.low_fidelity, "--low-fidelity")
    if family == "multi-fidelity":
        o["--mf-candidates"] = a.mf_candidates
        o["--mf-eta"] = a.mf_eta
    return o


def final_options(a, genome):
    """What determines a genome's stand-alone training: the network (space, target, genome)
    and the recipe."""
    return {**input_options(a), "genome": genome, "--final": key_values(a.final, "--final"), "--threads": a.threads,
            "training seed": FINAL_SEED}


def command_options(command, first_flag):
    """An older step's options read back from its command (a list): the flags from
    `first_flag`'s position on until --json, and the words after --json (a supernet's
    --supernet-args, a final training's --final)."""
    flags, rest, i = {}, [], command.index(first_flag) if first_flag in command else len(command)
    while i < len(command) and command[i] != "--json":
        flags[command[i]] = command[i + 1] if i + 1 < len(command) else None
        i += 2
    rest = command[i + 1:]
    return flags, rest


def legacy_supernet_options(kept):
    flags, rest = command_options(kept["command"], "--target")
    out = {"--space": space_option(kept["command"][3]), "--target": flags.get("--target"),
           "--supernet-args": rest}
    if "--seed" in flags:
        out["seed"] = int(flags["--seed"])
    if "--threads" in flags:
        out["--threads"] = int(flags["--threads"])
    return out


def legacy_final_options(kept):
    if "command" not in kept:  # no best: nothing trained
        return {"genome": None}
    flags, rest = command_options(kept["command"], "--threads")
    out = {"genome": (kept.get("best") or {}).get("genome"),
           "--final": {rest[i][2:]: rest[i + 1] for i in range(0, len(rest) - 1, 2)}}
    if "--threads" in flags:
        out["--threads"] = int(flags["--threads"])
    if "--seed" in flags:
        out["training seed"] = int(flags["--seed"])
    return out


def yaml_line_option(line, family):
    """The option(s) that write a line of `family`'s experiment file (experiment())."""
    key = line.strip().partition(":")[0]
    hybrid = family in ("hybrid", "hybrid-mf")
    return {"space": "--space", "latency": "--target", "constraints": "--limit-ms",
            "strategy": "the strategy (fixed in families.py)", "budget": f"--budget {family}", "seed": "--seeds",
            "eta": "--eta" if hybrid else "--mf-eta",
            "candidates": "--hybrid-candidates" if hybrid else "--mf-candidates",
            "rungs": {"hybrid": "--proxy, --fidelity or --threads",
                      "hybrid-mf": "--proxy, --low-fidelity, --fidelity or --threads",
                      }.get(family, "--low-fidelity or --fidelity"),
            "accuracy": {"multishot": "--fidelity or --threads", "zero-shot": "--proxy or --threads",
                         "single-shot": "--threads"}.get(family, "--threads"),
            }.get(key, "a line")


def check_legacy_search(path, yaml_path, asked_text, store, family):
    """A search step kept before steps recorded options: its experiment file, written before
    it ran, against the one asked (the option that writes the first line that differs is
    named). Without the file it cannot be checked and is reused. Neither can the content of
    the space file or the target's description: such a step holds no digest of them."""
    if not os.path.exists(yaml_path):
        print(f"families: {path}: kept before steps recorded their options and without its experiment file "
              f"{yaml_path}: reused unchecked", file=sys.stderr)
        return
    # Paths compared by their last name: a directory moved since, or another checkout, keeps
    # its steps.
    def names(text):
        return [re.sub(r"(?<![\w.])/[^\s,{}]*/", "", line) for line in text.splitlines()]

    try:
        with open(yaml_path) as f:
            kept_lines = names(f.read())
    except (OSError, UnicodeDecodeError) as e:
        fail(f"{yaml_path}: cannot read the experiment file of {path} ({getattr(e, 'strerror', None) or e}); "
             f"delete both to recompute the step")
    asked_lines = names(asked_text)
    for i in range(max(len(kept_lines), len(asked_lines))):
        kept = kept_lines[i] if i < len(kept_lines) else "(none)"
        asked = asked_lines[i] if i < len(asked_lines) else "(none)"
        if kept != asked:
            option = yaml_line_option(kept if kept != "(none)" else asked, family)
            refuse(path, (f"{option} (line {i + 1} of its experiment file {yaml_path})", f"'{kept}'", f"'{asked}'"),
                   what="kept before steps recorded their options; made with", store=store)


def step(path, compute, options, legacy=None, store=None, required=()):
    """The JSON at `path` when made with `options` (exits 2 naming the first that differs,
    or when it is no JSON object with the keys `required`: read_kept), else compute() (a
    dict, or None on a dry run) written there with them. `legacy(kept)` checks a step kept
    before steps recorded options (exits when it does not fit)."""
    if os.path.lexists(path):
        kept = read_kept(path, required=required)
        if "options" in kept:
            if (difference := differing_option(kept["options"], options)) is not None:
                refuse(path, difference, store=store)
        elif legacy is not None:
            legacy(kept)
        return kept
    result = compute()
    if result is not None:
        result = {"options": options, **result}
        with open(path + ".tmp", "w") as f:
            json.dump(result, f, indent=1)
        os.replace(path + ".tmp", path)
    return result


def check_legacy(path, kept_options, asked):
    if (difference := differing_option(kept_options, asked, partial=True)) is not None:
        refuse(path, difference, what="kept before steps recorded their options; made with")


def supernet_step(a, seed_dir, seed):
    out = os.path.join(seed_dir, "fmnist.supernet")

    def compute():
        cmd = [a.hwnas, "supernet", "train", a.space, "--target", a.target, "--out", out, "--validation", "5000",
               "--threads", str(a.threads), "--seed", str(seed), "--json"] + a.supernet_args.split()
        answer, wall, cpu = run(cmd, f"seed {seed}: supernet", a.dry_run)
        return None if answer is None else {"command": cmd, "wall_seconds": wall, "cpu_seconds": cpu, "answer": answer}

    path, options = os.path.join(seed_dir, "supernet.json"), supernet_options(a, seed)
    return out, step(path, compute, options, lambda kept: check_legacy(path, legacy_supernet_options(kept), options),
                     required=("wall_seconds",))


def search_step(a, seed_dir, seed, family, supernet):
    yaml_path = os.path.join(seed_dir, family + ".yaml")
    out = os.path.join(seed_dir, family)

    text = experiment(a, family, seed, supernet)

    def compute():
        if a.dry_run:  # prints what it would write: a dry run writes nothing
            print(f"cat > {yaml_path} <<'EOF'\n{text}EOF")
        else:
            with open(yaml_path, "w") as f:
                f.write(text)
        cmd = [a.hwnas, "search", yaml_path, "--out", out, "--json"]
        if os.path.exists(os.path.join(out, "experiment.db")):
            cmd.append("--resume")  # an interrupted search continues
        resumed = "--resume" in cmd  # its CPU time then misses the interrupted session's
        answer, wall, cpu = run(cmd, f"seed {seed}: {family} search", a.dry_run)
        # The store's evaluation order kept with the step: the store itself is not committed.
        return None if answer is None else {"command": cmd, "wall_seconds": wall,
                                            "cpu_seconds": None if resumed else cpu, "answer": answer,
                                            "trace": families_report.evaluation_trace(out)}

    path = os.path.join(seed_dir, family + ".search.json")
    return step(path, compute, search_options(a, family, seed),
                lambda kept: check_legacy_search(path, yaml_path, text, out, family), store=out,
                required=("answer.best", "answer.trials"))


def final_step(a, seed_dir, seed, family, search):
    def compute():
        best = search["answer"]["best"] if search else None
        if search and best is None:
            return {"best": None}
        model = os.path.join(seed_dir, family + ".best.json")
        genome = best["genome"] if best else "GENOME"
        decode = [a.hwnas, "space", "decode", a.space, genome, "--target", a.target, "--out", model]
        if a.dry_run:
            print(" ".join(decode))
        elif subprocess.run(decode, capture_output=True, text=True).returncode != 0:
            sys.exit(f"families: {' '.join(decode)} failed")
        # One genome's stand-alone training is one run whatever found it (the seed and the
        # threads fix it): kept in DIR/finals and reused by every family and seed.
        kept = os.path.join(a.dir, "finals", f"{genome}.{file_suffix(a.final)}"
                            f"_threads{a.threads}.json")
        # A checkpoint after every epoch beside it: a final stopped mid-training (the
        # machine's session ended) continues from its last epoch; its wall and CPU seconds
        # are then the last session's ("resumed": true). (Before --json, where
        # legacy_final_options reads flags; --resume last.)
        checkpoint = kept[:-len(".json")] + ".ckpt"
        cmd = [a.hwnas, "train", model, "--threads", str(a.threads), "--seed", "0", "--checkpoint", checkpoint,
               "--json"]
        for k, v in key_values(a.final, "--final").items():
            cmd += ["--" + k, v]
        resumed = os.path.exists(checkpoint)
        if resumed:
            cmd.append("--resume")
        if best and os.path.lexists(kept):
            training = read_kept(kept, required=("answer",))
            if "options" in training:
                if (difference := differing_option(training["options"], options)) is not None:
                    refuse(kept, difference)
            else:
                check_legacy(kept, legacy_final_options(dict(training, best=best)), options)
            return dict({k: v for k, v in training.items() if k != "options"}, best=best, reused=kept)
        if not a.dry_run:
            os.makedirs(os.path.dirname(kept), exist_ok=True)  # the checkpoint's directory
        answer, wall, cpu = run(cmd, f"seed {seed}: {family} final training", a.dry_run)
        if answer is None:
            return None
        result = {"best": best, "command": cmd, "wall_seconds": wall, "cpu_seconds": cpu, "resumed": resumed,
                  "answer": answer}
        with open(kept + ".tmp", "w") as f:
            json.dump({"options": options, **result}, f, indent=1)
        os.replace(kept + ".tmp", kept)
        if os.path.exists(checkpoint):
            os.remove(checkpoint)
        return result

    # The search's best decides the genome: a kept final of another genome (its search was
    # recomputed since) is refused like another recipe.
    options = final_options(a, search["answer"]["best"]["genome"] if search and search["answer"]["best"] else None)
    path = os.path.join(seed_dir, family + ".final.json")
    return step(path, compute, options, lambda kept: check_legacy(path, legacy_final_options(kept), options))


def row(family, seed, supernet, search, final, search_dir):
    """One run's figures, or None when a step is missing. `trace` (the search's accuracy
    evaluations in order, families_report.evaluation_trace) from the search's step, or from
    its store in `search_dir` for a step written before steps kept it; None without either."""
    if search is None or final is None:
        return None
    costs = search["answer"].get("rung_costs", [])
    search_s = sum(c["seconds"] for c in costs)
    supernet_s = supernet["wall_seconds"] if family in ("single-shot", "hybrid") and supernet else 0.0
    # CPU seconds: the search's processes and, for single-shot and hybrid, the supernet's
    # training (None when not recorded: an older step, or a resumed search).
    cpu_s = search.get("cpu_seconds")
    if cpu_s is not None and family in ("single-shot", "hybrid"):
        cpu_s = None if not supernet or supernet.get("cpu_seconds") is None else cpu_s + supernet["cpu_seconds"]
    answer = final.get("answer") or {}
    quality = 100 * answer["metrics"]["top1"] if answer.get("status") == "ok" else float("nan")
    return {"family": family, "seed": seed, "trials": len(search["answer"]["trials"]),
            "evaluations": "/".join(str(c["evaluations"]) for c in costs), "search_s": search_s,
            "supernet_s": supernet_s, "cost_s": search_s + supernet_s, "cpu_s": cpu_s,
            "search_wall_s": search["wall_seconds"],
            "best_search_accuracy": (final.get("best") or {}).get("accuracy"), "quality": quality,
            "final_s": answer.get("train_seconds", float("nan")),
            "trace": search.get("trace") or (families_report.evaluation_trace(search_dir)
                                             if os.path.exists(os.path.join(search_dir, "experiment.db")) else None)}


def whole_numbers(text, what, low=0):
    """'1,2,3' -> [1, 2, 3], each a whole number >= `low`, none twice."""
    out = []
    for part in text.split(","):
        try:
            n = int(part.strip())
        except ValueError:
            n = None
        if n is None or n < low:
            fail(f"{what} '{text}': '{part}' is not a whole number >= {low}; give them comma-separated, e.g. 1,2,3")
        if n in out:
            fail(f"{what} '{text}': {n} given twice; give each once")
        out.append(n)
    return out


def ask_hwnas(a, args, what):
    """The stdout of `hwnas ARGS` (a quick verb: no training); exits 2 with hwnas's reason,
    after `what` (the options it checked), when it refuses."""
    try:
        r = subprocess.run([a.hwnas, *args], capture_output=True, text=True)
    except OSError as e:
        fail(f"--hwnas {a.hwnas}: cannot run it ({e.strerror}); build hwnas (docs/development.md) or give its path")
    if r.returncode != 0:
        reason = (r.stderr.strip().splitlines() or [f"exited with {r.returncode}"])[-1]
        fail(f"{what}: {reason}")
    return r.stdout


def sha256(data):
    """A file content's digest as a step records it (the first 16 hex digits of its SHA-256)."""
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()[:16]


def check_options(a):
    """Checks every option before the first step (and on --dry-run), each bad one one line,
    exit 2: what hwnas would refuse only when a step runs (for single-shot and the hybrid
    after the supernet's training, for --final after the search). Sets a.seeds, a.families
    and a.budget to lists and a dict, a.space to an absolute path, and a.space_sha256 and
    a.target_sha256 (the space file's content and the target's description as hwnas targets
    show prints it: a step records them, so a kept step of an edited file is refused)."""
    a.seeds = whole_numbers(a.seeds, "--seeds")
    a.families = a.families.split(",")
    for family in a.families:
        if family not in FAMILIES:
            fail(f"--families: unknown family '{family}'; use {', '.join(FAMILIES)}")
    if len(set(a.families)) != len(a.families):
        fail(f"--families '{','.join(a.families)}' names a family twice; give each once")
    budget = key_values(a.budget, "--budget", FAMILIES)
    a.budget = {}
    for family, value in budget.items():
        if not value.isdigit() or int(value) < 1:
            fail(f"--budget {family}={value}: give a whole number >= 1 of accuracy evaluations, e.g. {family}=20")
        a.budget[family] = int(value)
    for family in a.families:
        if a.budget.get(family) is None:
            fail(f"--budget gives no budget for {family}; add {family}=N")
    if not (math.isfinite(a.limit_ms) and a.limit_ms > 0):
        fail(f"--limit-ms {a.limit_ms}: give a latency limit in ms above 0, e.g. 0.4")
    if not 1 <= a.threads <= 1024:
        fail(f"--threads {a.threads}: give 1 to 1024 (torch's threads per training)")
    # As hwnas's multi_fidelity: eta 2 to 100, a bracket of successive halving at least eta
    # candidates and at most 1,000,000 (src/hwnas/search/fidelity_schedule.cpp).
    for eta, eta_option, candidates, candidates_option in ((a.eta, "--eta", a.hybrid_candidates, "--hybrid-candidates"),
                                                           (a.mf_eta, "--mf-eta", a.mf_candidates, "--mf-candidates")):
        if not 2 <= eta <= 100:
            fail(f"{eta_option} {eta}: give 2 to 100 (the share of a rung's candidates promoted is 1/eta)")
        if not eta <= candidates <= 1_000_000:
            fail(f"{candidates_option} {candidates}: give {eta_option} ({eta}) to 1000000 (a bracket's candidates at "
                 f"its first rung)")
    fidelity = key_values(a.fidelity, "--fidelity", FIDELITY_KEYS)
    low = key_values(a.low_fidelity, "--low-fidelity", FIDELITY_KEYS)
    key_values(a.final, "--final", FINAL_KEYS)
    if {"multi-fidelity", "hybrid-mf"} & set(a.families):
        check_rung_order(low, fidelity, a)
    a.space = os.path.abspath(a.space)
    # hwnas itself for what it knows: the target, the space (read for that target) and the proxies.
    a.target_sha256 = sha256(ask_hwnas(a, ["targets", "show", a.target], f"--target {a.target}"))
    ask_hwnas(a, ["space", "show", a.space, "--target", a.target, "--json"], f"--space {a.space} (--target {a.target})")
    with open(a.space, "rb") as f:
        a.space_sha256 = sha256(f.read())
    if {"zero-shot", "hybrid", "hybrid-mf"} & set(a.families):
        names = proxy_names(ask_hwnas(a, ["proxy", "--help"], "hwnas proxy --help (for --proxy's names)"))
        if names is None:
            print(f"families: hwnas proxy --help lists no proxies: --proxy {a.proxy} is left to hwnas search",
                  file=sys.stderr)
        elif a.proxy not in names:
            fail(f"--proxy {a.proxy}: not a proxy of hwnas; use one of {', '.join(names)} (docs/proxies.md)")


def proxy_names(help_text):
    """The proxies `hwnas proxy --help` lists (its --proxy line), or None when it lists none."""
    known = re.search(r"--proxy .*comma-separated: (.*)", help_text)
    return [n.strip() for n in known.group(1).split(",")] if known else None


def check_rung_order(low, high, a):
    """--low-fidelity must be a lower fidelity than --fidelity as hwnas checks rungs
    (docs/experiments.md, "Multi-fidelity"): epochs, subset and resolution each at most
    --fidelity's, one of them lower (unset: hwnas train's 10 epochs, subset 1, the model's
    own resolution, the highest)."""
    lower = False
    for key, unset in (("epochs", 10), ("subset", 1), ("resolution", math.inf)):
        lo, hi = float(low.get(key, unset)), float(high.get(key, unset))
        if lo > hi:
            said = [d.get(key, "the model's own" if key == "resolution" else f"{unset} (unset)") for d in (low, high)]
            fail(f"--low-fidelity {a.low_fidelity} is not below --fidelity {a.fidelity}: {key} {said[0]} > {said[1]} "
                 f"(multi-fidelity's rungs rise knob by knob: epochs, subset and resolution each at most "
                 f"--fidelity's, one lower)")
        lower |= lo < hi
    if not lower:
        fail(f"--low-fidelity {a.low_fidelity} trains as --fidelity {a.fidelity}: lower its epochs, subset or "
             f"resolution (multi-fidelity's first rung screens at a lower fidelity)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hwnas", default=os.path.join(ROOT, "build/bin/hwnas"))
    p.add_argument("--dir", default=os.path.join(ROOT, "bench/results/families"))
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--families", default=",".join(FAMILIES))
    p.add_argument("--space", default=os.path.join(ROOT, "configs/spaces/mobilenet-cls-fmnist.yaml"))
    p.add_argument("--target", default="edgetpu-like")
    p.add_argument("--limit-ms", type=float, default=0.4)
    p.add_argument("--proxy", default="synflow")
    p.add_argument("--fidelity", default="epochs=2,subset=0.2")
    p.add_argument("--budget",
                   default="multishot=20,zero-shot=200,single-shot=100,hybrid=64,hybrid-mf=100,multi-fidelity=14")
    p.add_argument("--hybrid-candidates", type=int, default=128)
    p.add_argument("--eta", type=int, default=4)
    p.add_argument("--low-fidelity", default="epochs=1,subset=0.1,resolution=16")
    p.add_argument("--mf-candidates", type=int, default=24)
    p.add_argument("--mf-eta", type=int, default=8)
    p.add_argument("--supernet-args", default="")
    p.add_argument("--final", default="epochs=10,subset=1")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--plot")
    p.add_argument("--dry-run", action="store_true")
    a = p.parse_args()
    check_options(a)

    rows = []
    for seed in a.seeds:
        seed_dir = os.path.abspath(os.path.join(a.dir, f"seed{seed}"))
        if not a.dry_run:
            os.makedirs(seed_dir, exist_ok=True)
        elif not os.path.isdir(seed_dir):
            print(f"mkdir -p {seed_dir}")
        supernet_file, supernet = (None, None)
        if {"single-shot", "hybrid"} & set(a.families):
            supernet_file, supernet = supernet_step(a, seed_dir, seed)
        for family in a.families:
            search = search_step(a, seed_dir, seed, family, supernet_file)
            final = final_step(a, seed_dir, seed, family, search)
            if (r := row(family, seed, supernet, search, final, os.path.join(seed_dir, family))) is not None:
                rows.append(r)
    if a.dry_run:
        return
    families_report.print_runs(rows, a)
    families_report.print_checks(rows, a)
    if a.plot:
        families_report.plot(rows, a.families, a.plot)
        print(f"\nplot: {a.plot}")


if __name__ == "__main__":
    main()

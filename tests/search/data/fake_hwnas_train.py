#!/usr/bin/python3
"""A stand-in for hwnas-train in the supernet and hybrid tests (tests/search/hybrid_test.cpp).

Installed as `hwnas-train` beside a copy of hwnas (found as hwnas finds hwnas-train), or
given to make_supernet_accuracy directly. It speaks the protocols of the verbs the search
runs, with made-up, deterministic numbers of the model file's bytes:

  supernet eval FILE --serve [...]   the first word of FILE says how to behave:
      ok        {"accuracy": 50 + (bytes mod 400) / 10, "seconds": 0.001} per model line
      refuse    exit 2 at start-up with one line on stderr (a file hwnas-train refuses)
      other     {"error": "... is not a subnet of this supernet ..."} for every model
      die_after N   answer N models, then exit 3 at the next (a crash)
      kill9_once N  answer N models, then SIGKILL itself at the next (a `kill -9`), once:
                    FILE.once marks it done, later processes answer every model
      hang_once N   answer N models, then sleep an hour at the next (past any timeout_s), once
                    (FILE.once holds the sleeping process's id)
      garbage   answer "accuracy: high" after the first model
  proxy --serve --proxy NAME [...]   {"scores": {NAME: {"defined": true, "value": bytes}}}
  train MODEL ... --json             {"status": "ok", "accuracy": A, "metrics": {"top1": A / 100},
                                      "train_seconds": 0.001}, A = 80 + (bytes mod 97) / 10
  train --serve [...]                the same object per model line; with --task segmentation,
                                      A = 10 + (bytes mod 97) / 10 ($FAKE_TRAIN_LEARNS_NOTHING set:
                                      A = 7.27, the baseline) and metrics {"miou": A / 100,
                                      "baseline_miou": 0.0727} (the all-background baseline)
  supernet train SPACE ... --out F --json   writes "ok" to F; {"status": "ok", "train_seconds": 0.001}
                                      (bench/families.py's smoke run)

Every start appends its arguments as one JSON line to $FAKE_TRAIN_LOG when set (the
tests count process starts and check the options passed), and `train --serve` each model
path it trains as one line to $FAKE_TRAIN_REQUESTS when set (the tests count trainings).
"""
import json
import os
import signal
import sys
import time

args = sys.argv[1:]
if os.environ.get("FAKE_TRAIN_LOG"):
    with open(os.environ["FAKE_TRAIN_LOG"], "a") as log:
        log.write(json.dumps(args) + "\n")


EMPTY_REQUEST = "empty request: send one model per line, a model file's path or a zoo spec"


def size(path):
    with open(path, "rb") as f:
        return len(f.read())


def serve(answer):
    for line in sys.stdin:
        if not line.strip():
            print(json.dumps({"model": "", "error": EMPTY_REQUEST}), flush=True)
            continue
        print(json.dumps(answer(line.strip())), flush=True)


if args[:2] == ["supernet", "eval"] and "--serve" in args:
    with open(args[2]) as f:
        words = f.read().split()
    mode = words[0] if words else ""
    if mode == "refuse":
        print(f"hwnas: {args[2]}: not a supernet file (no 'hwnas-supernet' header); train one with hwnas supernet train",
              file=sys.stderr)
        sys.exit(2)
    answered = 0

    def answer(path):
        global answered
        answered += 1
        if mode == "other":
            return {"error": f"model '{path}': node 'stem' is not a subnet of this supernet (space 'nb201')"}
        if mode == "die_after" and answered > int(words[1]):
            print("Segmentation fault in the fake", file=sys.stderr)
            sys.exit(3)
        if mode in ("kill9_once", "hang_once") and answered > int(words[1]) and not os.path.exists(args[2] + ".once"):
            with open(args[2] + ".once", "w") as once:  # its pid, for the tests that kill hwnas meanwhile
                once.write(str(os.getpid()))
            if mode == "kill9_once":
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(3600)
        if mode == "garbage" and answered > 1:
            return "accuracy: high"
        return {"accuracy": 50 + (size(path) % 400) / 10, "seconds": 0.001}

    for line in sys.stdin:
        if not line.strip():
            print(json.dumps({"error": EMPTY_REQUEST}), flush=True)
            continue
        a = answer(line.strip())
        print(a if isinstance(a, str) else json.dumps(a), flush=True)
elif args[:1] == ["proxy"] and "--serve" in args:
    name = args[args.index("--proxy") + 1]
    serve(lambda path: {"scores": {name: {"defined": True, "value": float(size(path))}}})
elif args[:1] == ["train"] and ("--json" in args or "--serve" in args):
    segmentation = "--task" in args and args[args.index("--task") + 1] == "segmentation"

    def trained(path):
        accuracy = 80 + (size(path) % 97) / 10
        metrics = {"top1": accuracy / 100}
        if segmentation:
            accuracy = 7.27 if os.environ.get("FAKE_TRAIN_LEARNS_NOTHING") else 10 + (size(path) % 97) / 10
            metrics = {"miou": accuracy / 100, "baseline_miou": 0.0727}
        return {"status": "ok", "accuracy": accuracy, "metrics": metrics, "train_seconds": 0.001}

    if "--serve" in args:
        def logged(path):
            if os.environ.get("FAKE_TRAIN_REQUESTS"):
                with open(os.environ["FAKE_TRAIN_REQUESTS"], "a") as log:
                    log.write(path + "\n")
            return trained(path)

        serve(logged)
    else:
        print(json.dumps(trained(args[1])))
elif args[:2] == ["supernet", "train"] and "--json" in args:
    with open(args[args.index("--out") + 1], "w") as f:
        f.write("ok\n")
    print(json.dumps({"status": "ok", "train_seconds": 0.001}))
else:
    print(f"fake hwnas-train: unexpected arguments {args}", file=sys.stderr)
    sys.exit(64)

#!/usr/bin/env python3
"""How `hwnas inspect` time grows with the size of a model file.

Writes model files of N and 4N layers to a temporary folder, for structures that stress
one path each, times `hwnas inspect FILE --json` on them (CPU time of the child, which
varies less than wall time on a shared machine) and prints the ratio: about 4 when the
time is linear, 16 when it is quadratic.

  bench/inspect_growth.py                      # N = 5000, build/bin/hwnas
  bench/inspect_growth.py --n 20000 --hwnas build/bin/hwnas
"""
import argparse
import json
import os
import resource
import subprocess
import tempfile


def layers(kind, n):
    if kind == "inplace":  # a chain of relus, each in place on the input's buffer
        return [{"op": "relu"} for _ in range(n)]
    if kind == "residual":  # x_i = add(x_{i-1}, x_{i-2})
        out = [{"op": "relu", "name": "a0"}, {"op": "relu", "name": "a1"}]
        return out + [{"op": "add", "name": f"a{i}", "inputs": [f"a{i-1}", f"a{i-2}"]}
                      for i in range(2, n)]
    if kind == "concat":  # n relus of the input, one concat of n inputs
        out = [{"op": "relu", "name": f"r{i}", "inputs": "input"} for i in range(n)]
        return out + [{"op": "concat", "inputs": [f"r{i}" for i in range(n)]}]
    if kind == "concats":  # relu, concat(previous, relu), 1x1 conv back to 4 channels
        out, prev = [], "input"
        for i in range(n // 3):
            out += [{"op": "relu", "name": f"r{i}", "inputs": prev},
                    {"op": "concat", "name": f"c{i}", "inputs": [prev, f"r{i}"]},
                    {"op": "conv2d", "name": f"p{i}", "out": 4, "inputs": f"c{i}"}]
            prev = f"p{i}"
        return out
    if kind == "conv":  # a conv chain, the linear reference
        return [{"op": "conv2d", "out": 4} for _ in range(n)]
    raise ValueError(kind)


KINDS = ["inplace", "residual", "concat", "concats", "conv"]


def child_cpu_seconds(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--hwnas", default="build/bin/hwnas")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(f"hwnas inspect FILE --json, CPU seconds at {args.n} and {4 * args.n} layers")
        for kind in KINDS:
            seconds = []
            for n in (args.n, 4 * args.n):
                path = os.path.join(folder, f"{kind}{n}.json")
                with open(path, "w") as f:
                    json.dump({"name": kind, "input": [4, 8, 8], "layers": layers(kind, n)}, f)
                seconds.append(child_cpu_seconds([args.hwnas, "inspect", path, "--json"]))
            print(f"  {kind:<9} {seconds[0]:7.2f} s {seconds[1]:7.2f} s  ratio "
                  f"{seconds[1] / max(seconds[0], 1e-3):5.2f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A pretend NPU that speaks hwnas's external-target protocol (docs/hardware-external.md).

Per-kernel protocol (fake_npu.yaml): hwnas starts this program once per kernel, writes the
kernel as one line of JSON to its stdin and reads the answer from its stdout.
Batch protocol (--batch, fake_npu_batch.yaml): hwnas starts it once; it reads lines
{"id": n, "kernel": {...}} until stdin ends and answers each at once with one line
{"id": n, "latency_ms": ...}, flushed.
The "hardware" is a roofline: the kernel takes the longer of its compute time (MACs at the
peak rate for its precision) and its memory time (inputs, weights and output moved at DRAM
bandwidth), plus a fixed launch overhead.

Usage: fake_npu.py [--batch] [--samples N]
  --batch      speak the batch protocol
  --samples N  also print N timed runs as "samples_ms" (deterministic ±3% jitter), as a
               program that times real hardware would.
Replace the body of estimate_latency_s with a call to your board or vendor profiler.
"""
import hashlib
import json
import random
import sys

CLOCK_HZ = 800e6
PEAK_MACS_PER_S = {"int8": 1.0e12, "fp16": 0.5e12, "fp32": 0.25e12}
ELEMENT_BYTES = {"int8": 1, "fp16": 2, "fp32": 4}
DRAM_BYTES_PER_S = 8e9
LAUNCH_OVERHEAD_S = 4e-6


def pair(value):
    return (value, value) if isinstance(value, int) else (value[0], value[1])


def elements(shape):
    c, h, w = shape
    return c * h * w


def op_macs_and_weights(op):
    """MACs and weight count of one op for one sample (conv2d and linear only)."""
    params, inputs, output = op["params"], op["inputs"], op["output"]
    if op["op"] == "conv2d":
        kh, kw = pair(params["kernel"])
        per_output = (inputs[0][0] // params["groups"]) * kh * kw
        return elements(output) * per_output, params["out"] * per_output
    if op["op"] == "linear":
        return inputs[0][0] * params["out"], inputs[0][0] * params["out"]
    return 0, 0


def estimate_latency_s(kernel):
    batch = kernel["batch"]
    precision = kernel["precision"]
    ops = kernel["ops"]
    macs = weights = 0
    activations = sum(elements(s) for s in ops[0]["inputs"])
    for i, op in enumerate(ops):
        op_macs, op_weights = op_macs_and_weights(op)
        macs += op_macs
        weights += op_weights
        if i > 0:  # fused ops read only their extra operands, e.g. a residual add's other input
            activations += sum(elements(s) for s in op["inputs"][1:])
    activations += elements(ops[-1]["output"])
    moved_bytes = (activations * batch + weights) * ELEMENT_BYTES[precision]
    compute_s = macs * batch / PEAK_MACS_PER_S[precision]
    memory_s = moved_bytes / DRAM_BYTES_PER_S
    return max(compute_s, memory_s) + LAUNCH_OVERHEAD_S


def answer_for(kernel, samples, seed_text):
    latency_s = estimate_latency_s(kernel)
    answer = {"latency_ms": latency_s * 1e3, "cycles": round(latency_s * CLOCK_HZ)}
    if samples > 0:
        rng = random.Random(hashlib.sha256(seed_text.encode()).hexdigest())
        runs = sorted(latency_s * 1e3 * rng.uniform(0.97, 1.03) for _ in range(samples))
        answer["samples_ms"] = runs
        answer["latency_ms"] = runs[len(runs) // 2]
    return answer


def serve_batch(samples):
    """One answer line per kernel line, flushed at once, until stdin ends."""
    for line in sys.stdin:
        try:
            request = json.loads(line)
            kernel = request["kernel"]
            # The same samples as the per-kernel protocol gives for this kernel's line.
            answer = answer_for(kernel, samples, json.dumps(kernel, separators=(",", ":")) + "\n")
        except (ValueError, KeyError, IndexError, TypeError) as error:
            print(f"fake_npu: cannot read the kernel: {error!r}", file=sys.stderr)
            return 1
        answer["id"] = request["id"]
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    return 0


def main(argv):
    args = argv[1:]
    batch = args[:1] == ["--batch"]
    if batch:
        args = args[1:]
    samples = 0
    if args[:1] == ["--samples"] and len(args) == 2 and args[1].isdigit():
        samples = int(args[1])
    elif args:
        print("usage: fake_npu.py [--batch] [--samples N]", file=sys.stderr)
        return 2
    if batch:
        return serve_batch(samples)
    line = sys.stdin.readline()
    try:
        answer = answer_for(json.loads(line), samples, line)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        print(f"fake_npu: cannot read the kernel: {error!r}", file=sys.stderr)
        return 1
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""Random layers and small graphs with the shapes, MACs and params PyTorch gives them.

Writes the fixture tests/reference/pytorch_property_cases.json that
tests/graph/pytorch_property_test.cpp reads (the test needs no torch: the fixture is kept
in the repository). Regenerate it with Debian's python3-torch:

  /usr/bin/python3 tests/reference/pytorch_property_cases.py > tests/reference/pytorch_property_cases.json

Each case is an hwnas model file (the "model" object, loaded by the C++ test through
parse_model, so the model reader is exercised too) and what PyTorch did with the same
layers on a batch-1 zero tensor:
  - "nodes": {layer name: {"shape": [C, H, W], "macs": N, "params": N}} for every layer;
  - "macs", "params": the totals;
  - or "error": PyTorch's message, when PyTorch refused the layer (hwnas must refuse it too).
MACs are counted as tests/reference/torch_reference.py counts them: conv2d
out.numel() / batch · in_channels / groups · kh · kw, linear in · out; params are
sum(p.numel()) of the layer's module.

Layers: conv2d (grouped, dilated, strided, padded, rectangular, with and without bias),
max_pool and avg_pool with every ceil_mode / count_include_pad combination and padding up
to half the kernel (sometimes more, which PyTorch refuses), upsample (nearest, bilinear;
scale and size), global_pool + linear; graphs add concat and add of branches.
"""

import json
import random
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20261130
LAYER_CASES = 320
GRAPH_CASES = 80


def pair(rng, lo, hi):
    """An int, or a [h, w] pair (a third of the time)."""
    if rng.random() < 1 / 3:
        return [rng.randint(lo, hi), rng.randint(lo, hi)]
    return rng.randint(lo, hi)


def hw(value):
    return tuple(value) if isinstance(value, list) else (value, value)


def divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


def random_conv(rng, channels):
    groups = rng.choice(divisors(channels))
    if rng.random() < 0.2:  # depthwise, sometimes with a depth multiplier
        groups = channels
    layer = {"op": "conv2d", "out": groups * rng.randint(1, max(1, 12 // groups)),
             "kernel": pair(rng, 1, 5), "stride": pair(rng, 1, 3),
             "padding": pair(rng, 0, 3), "dilation": pair(rng, 1, 3), "groups": groups,
             "bias": rng.random() < 0.5}
    return layer


def random_pool(rng):
    layer = {"op": rng.choice(["max_pool", "avg_pool"]), "kernel": pair(rng, 1, 5)}
    kh, kw = hw(layer["kernel"])
    if rng.random() < 0.8:
        layer["stride"] = pair(rng, 1, 4)
    if rng.random() < 0.9:
        layer["padding"] = [rng.randint(0, kh // 2), rng.randint(0, kw // 2)]
    else:  # beyond half the kernel: PyTorch refuses
        layer["padding"] = [kh // 2 + 1, kw // 2]
    layer["ceil_mode"] = rng.random() < 0.5
    if layer["op"] == "avg_pool":
        layer["count_include_pad"] = rng.random() < 0.5
    return layer


def random_upsample(rng):
    layer = {"op": "upsample", "mode": rng.choice(["nearest", "bilinear"])}
    if rng.random() < 0.5:
        layer["scale"] = rng.randint(1, 3)
    else:
        layer["size"] = [rng.randint(1, 24), rng.randint(1, 24)]
    return layer


def random_layer(rng, channels):
    kind = rng.random()
    if kind < 0.45:
        return random_conv(rng, channels)
    if kind < 0.85:
        return random_pool(rng)
    return random_upsample(rng)


def run_layer(layer, inputs):
    """(output, macs, params) of one layer in PyTorch; raises when PyTorch refuses it."""
    x = inputs[0]
    op = layer["op"]
    if op == "conv2d":
        m = nn.Conv2d(x.shape[1], layer["out"], hw(layer["kernel"]), hw(layer["stride"]),
                      hw(layer["padding"]), hw(layer["dilation"]), layer["groups"],
                      layer["bias"])
        y = m(x)
        kh, kw = m.kernel_size
        macs = y.numel() // y.shape[0] * (m.in_channels // m.groups) * kh * kw
        return y, macs, sum(p.numel() for p in m.parameters())
    if op in ("max_pool", "avg_pool"):
        kernel = hw(layer["kernel"])
        stride = hw(layer.get("stride", layer["kernel"]))
        padding = hw(layer.get("padding", 0))
        if op == "max_pool":
            y = F.max_pool2d(x, kernel, stride, padding, ceil_mode=layer["ceil_mode"])
        else:
            y = F.avg_pool2d(x, kernel, stride, padding, ceil_mode=layer["ceil_mode"],
                             count_include_pad=layer["count_include_pad"])
        return y, 0, 0
    if op == "upsample":
        mode = layer["mode"]
        align = False if mode == "bilinear" else None
        if "scale" in layer:
            y = F.interpolate(x, scale_factor=layer["scale"], mode=mode, align_corners=align)
        else:
            y = F.interpolate(x, size=tuple(layer["size"]), mode=mode, align_corners=align)
        return y, 0, 0
    if op == "global_pool":
        return F.adaptive_avg_pool2d(x, 1), 0, 0
    if op == "linear":
        m = nn.Linear(x.shape[1], layer["out"], layer["bias"])
        y = m(x.flatten(1))[:, :, None, None]
        return y, m.in_features * m.out_features, sum(p.numel() for p in m.parameters())
    if op == "concat":
        return torch.cat(inputs, 1), 0, 0
    if op == "add":
        return sum(inputs[1:], inputs[0]), 0, 0
    raise ValueError(op)


def shape_of(tensor):
    return list(tensor.shape[1:])


def one_layer_case(name, shape, layer):
    """A model of `shape` and one layer named l0, with PyTorch's result or refusal."""
    layer = dict(layer, name="l0")
    case = {"name": name, "model": {"input": shape, "layers": [layer]}}
    try:
        y, macs, params = run_layer(layer, [torch.zeros(1, *shape)])
    except RuntimeError as e:
        case["error"] = str(e).splitlines()[0]
        return case
    case["nodes"] = {"l0": {"shape": shape_of(y), "macs": macs, "params": params}}
    case["macs"], case["params"] = macs, params
    return case


def layer_case(rng, index):
    shape = [rng.randint(1, 12), rng.randint(1, 20), rng.randint(1, 20)]
    return one_layer_case(f"layer{index}", shape, random_layer(rng, shape[0]))


def graph_case(rng, index):
    """Input, then 3-8 layers each reading earlier nodes; PyTorch-refused layers are
    redrawn. Concat and add read nodes of matching shapes."""
    shape = [rng.randint(1, 8), rng.randint(4, 20), rng.randint(4, 20)]
    tensors = {"input": torch.zeros(1, *shape)}
    layers, nodes = [], {}
    count = rng.randint(3, 8)
    while len(layers) < count:
        names = list(tensors)
        source = rng.choice(names)
        kind = rng.random()
        if kind < 0.15:  # concat of 2-3 nodes with the same height and width
            same = [n for n in names if tensors[n].shape[2:] == tensors[source].shape[2:]]
            layer = {"op": "concat", "inputs": [source] + rng.choices(same, k=rng.randint(1, 2))}
        elif kind < 0.3:  # add of 2-3 nodes with the same shape
            same = [n for n in names if tensors[n].shape == tensors[source].shape]
            layer = {"op": "add", "inputs": [source] + rng.choices(same, k=rng.randint(1, 2))}
        elif kind < 0.35 and "pool" not in tensors:  # global pool, then linear
            layer = {"op": "global_pool", "inputs": source, "name": "pool"}
        elif kind < 0.4 and "pool" in tensors and "head" not in tensors:
            layer = {"op": "linear", "out": rng.randint(1, 10), "bias": rng.random() < 0.5,
                     "inputs": "pool", "name": "head"}
        else:
            layer = dict(random_layer(rng, tensors[source].shape[1]), inputs=source)
        layer.setdefault("name", f"l{len(layers)}")
        inputs = layer["inputs"] if isinstance(layer["inputs"], list) else [layer["inputs"]]
        try:
            y, macs, params = run_layer(layer, [tensors[n] for n in inputs])
        except RuntimeError:  # PyTorch refuses it: draw another layer
            continue
        tensors[layer["name"]] = y
        layers.append(layer)
        nodes[layer["name"]] = {"shape": shape_of(y), "macs": macs, "params": params}
    return {"name": f"graph{index}", "model": {"input": shape, "layers": layers},
            "nodes": nodes, "macs": sum(n["macs"] for n in nodes.values()),
            "params": sum(n["params"] for n in nodes.values())}


# The pool of issue 9 (torchvision's GoogLeNet at small resolutions): a window that runs
# off a 2x2 input under ceil_mode.
FIXED_CASES = [
    ([1, 2, 2], {"op": "max_pool", "kernel": 3, "stride": 2, "ceil_mode": True}),
    ([1, 2, 2], {"op": "avg_pool", "kernel": 3, "stride": 2, "ceil_mode": True,
                 "count_include_pad": False}),
    ([1, 2, 2], {"op": "max_pool", "kernel": 3, "stride": 2, "ceil_mode": False}),
]


def main():
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    cases = [one_layer_case(f"fixed{i}", shape, layer)
             for i, (shape, layer) in enumerate(FIXED_CASES)]
    cases += [layer_case(rng, i) for i in range(LAYER_CASES)]
    cases += [graph_case(rng, i) for i in range(GRAPH_CASES)]
    out = sys.stdout
    out.write('{"generator": "tests/reference/pytorch_property_cases.py", ')
    out.write(f'"seed": {SEED}, "torch": {json.dumps(torch.__version__)},\n "cases": [\n')
    out.write(",\n".join(json.dumps(c, sort_keys=True) for c in cases))
    out.write("\n]}\n")


if __name__ == "__main__":
    main()

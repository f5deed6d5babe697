#!/usr/bin/python3
"""Reference weights, inputs and outputs from PyTorch for tests/train/network_torchvision_test.cpp.

For each network it builds the PyTorch model (torchvision 0.14's; NAS-Bench-201 and FBNet as
tests/reference/torch_reference.py writes them), gives it weights that make the comparison
sensitive, runs it in eval mode on a random input and saves, with torch.save, the list

  [input, output, then every state tensor of its conv2d, batch-norm and linear modules]

to OUT_DIR/<index>.pt (torch::pickle_load reads it in C++). The weights: torch.manual_seed(0),
the model's own initialisation, then batch-norm weight uniform(0.5, 1.5) and bias
normal(0, 0.2), linear weight normal(0, 1/sqrt(in)) and bias normal(0, 0.2), then
batch-norm running statistics measured on one random batch in training mode (momentum
None: that batch's statistics), so activations stay near unit scale through the depth:
outputs of order 1-10, where a wrong op or a misplaced weight shows far above 1e-4.

Runs on one thread, as the C++ test does: the same kernels then sum in the same order
(PyTorch itself, one thread against two, differs by 2.8e-4 on efficientnet_b0's outputs).

Modules are listed in registration order (model.modules()), which is the order hwnas's
builders add the same layers; the C++ test pairs them with the graph's nodes that hold
tensors, in graph order, and refuses any pair whose kinds or shapes differ.

Prints one JSON document:
  {"torch": ..., "torchvision": ..., "models": [{"spec": "<hwnas MODEL spec>", "file": ...,
   "modules": [{"name": "features.0.0", "kind": "conv2d|batch_norm|linear",
                "tensors": ["weight", ...]}], "output_max_abs": x}]}
or {"unavailable": "<reason>"} (exit 0) when torch or torchvision cannot be imported.

Usage: torch_network_reference.py OUT_DIR [SPEC ...]   (default: every network below)
"""

import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import torch
    import torch.nn as nn
    import torchvision
    import torchvision.models as tvm
    import torch_reference as ref
except Exception as e:  # ImportError, or a broken install
    print(json.dumps({"unavailable": f"{sys.executable} cannot import torch/torchvision: {e!r}"}))
    sys.exit(0)

NB201_ARCH = "|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|"
FBNET_BLOCKS = ("k5_e6-skip-k3_e1_g2-skip-k5_e1-skip-k3_e3-skip-k5_e6-k5_e1-k3_e1_g2-"
                "k5_e1_g2-k5_e6-k3_e6-k3_e3-k5_e6-k3_e6-k3_e3-k5_e1-k3_e3-k5_e1-k5_e1_g2")

# (hwnas spec, torch constructor, resolution): small inputs keep the test quick.
NETWORKS = [
    ("mobilenet_v2:res=64", lambda: tvm.mobilenet_v2(weights=None), 64),
    ("mobilenet_v3_small:res=64", lambda: tvm.mobilenet_v3_small(weights=None), 64),
    ("mnasnet1_0:res=64", lambda: tvm.mnasnet1_0(weights=None), 64),
    ("efficientnet_b0:res=64", lambda: tvm.efficientnet_b0(weights=None), 64),
    ("resnet18:res=64", lambda: tvm.resnet18(weights=None), 64),
    ("lraspp_mobilenet_v3_large:res=64,classes=5", lambda: ref.lraspp(5), 64),
    (f"nb201:arch={NB201_ARCH}", lambda: ref.Nb201Net(NB201_ARCH), 32),
    (f"fbnet:blocks={FBNET_BLOCKS}", lambda: ref.FbnetNet(FBNET_BLOCKS), 32),
]

KINDS = ((nn.Conv2d, "conv2d"), (nn.BatchNorm2d, "batch_norm"), (nn.Linear, "linear"))


def run(model, x):
    y = model(x)
    return y["out"] if isinstance(y, dict) else y  # torchvision's segmentation models


def set_weights(model, resolution):
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0.0, 0.2)
            bn.reset_running_stats()
            bn.momentum = None
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.weight.normal_(0.0, 1.0 / math.sqrt(m.in_features))
                m.bias.normal_(0.0, 0.2)
        model.train()
        run(model, torch.randn(4, 3, resolution, resolution))
    for bn in bns:
        bn.momentum = 0.1
    model.eval()


def export(spec, build, resolution, path):
    torch.manual_seed(0)
    model = build()
    set_weights(model, resolution)
    x = torch.randn(2, 3, resolution, resolution)
    with torch.no_grad():
        y = run(model, x)
    modules, tensors = [], [x, y]
    for name, m in model.named_modules():
        state = m.state_dict()
        if not any(True for _ in m.parameters(recurse=False)):
            continue
        kind = next((k for cls, k in KINDS if type(m) is cls), None)
        if kind is None:
            raise SystemExit(f"{spec}: module {name} ({type(m).__name__}) holds parameters; "
                             "this script knows conv2d, batch_norm and linear")
        modules.append({"name": name, "kind": kind, "tensors": list(state.keys())})
        tensors += [t.detach().clone() for t in state.values()]
    exported = sum(t.numel() for t in tensors[2:])
    total = sum(t.numel() for t in model.state_dict().values())
    if exported != total:
        raise SystemExit(f"{spec}: exported {exported} state elements of {total}")
    torch.save(tensors, path)
    return {"spec": spec, "file": path, "modules": modules,
            "output_max_abs": float(y.abs().max())}


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    out_dir, wanted = sys.argv[1], sys.argv[2:]
    torch.set_num_threads(1)  # as the C++ test: one thread sums in one order
    models = []
    for i, (spec, build, resolution) in enumerate(NETWORKS):
        if not wanted or spec in wanted:
            models.append(export(spec, build, resolution, os.path.join(out_dir, f"{i}.pt")))
    json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__,
               "models": models}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()

"""Runs the modules `hwnas export --format pytorch` wrote, for tests/io/pytorch_export_test.cpp.

Usage: check_pytorch_export.py MANIFEST
MANIFEST is a JSON list of {"file": PATH.py, "torchvision": NAME or null, "trace": bool}. For each module:
what it imports (the ast's import statements), its parameter count, the shapes forward
returns for a random batch of 1 in eval mode (with "trace", also the largest differences of
torch.jit.trace's and torch.fx.symbolic_trace's outputs from them), and whether a training
step (batch 2, backward) runs. With "torchvision": NAME, torchvision's model of that name is built too,
given random BN statistics, scales and biases, its state_dict copied into the module's in
order (names differ; shapes must match one by one), and the largest absolute difference of
the two outputs on one random input reported with the largest absolute output.
A module with resize or pooling helpers also has them compared with PyTorch's own calls
where PyTorch has the same mode. Prints one JSON document {"modules": [...]}; prints
{"unavailable": why} when torch or torchvision cannot be imported.
"""
import ast
import importlib.util
import json
import sys

try:
    import torch
    import torch.fx
    import torch.nn.functional as F
    import torchvision
except Exception as e:  # noqa: BLE001 - any import failure means the resource is missing
    print(json.dumps({"unavailable": f"cannot import torch/torchvision: {e}"}))
    sys.exit(0)


def imports_of(path):
    names = []
    with open(path, encoding="utf-8") as f:
        for node in ast.walk(ast.parse(f.read())):
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names.append(node.module)
    return sorted(set(names))


def load(path, index):
    spec = importlib.util.spec_from_file_location(f"exported_{index}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def inputs(module, batch):
    shapes = getattr(module, "INPUT_SHAPES", (module.INPUT_SHAPE,))
    return [torch.randn(batch, *s) for s in shapes]


def as_list(out):
    return list(out) if isinstance(out, tuple) else [out]


def torchvision_difference(module, name):
    ours = module.build().eval()
    theirs = getattr(torchvision.models, name)().eval()
    a, b = list(ours.state_dict().items()), list(theirs.state_dict().items())
    if len(a) != len(b):
        return {"error": f"{len(a)} tensors, torchvision's {name} has {len(b)}"}
    for (ka, ta), (kb, tb) in zip(a, b):
        if ta.shape != tb.shape:
            return {"error": f"{ka} is {list(ta.shape)}, torchvision's {kb} {list(tb.shape)}"}
    with torch.no_grad():  # random BN statistics and scales, so that the outputs are not ~0
        for key, t in b:
            if key.endswith(("running_var", "bn.weight")) or (t.dim() == 1 and t.is_floating_point() and "weight" in key):
                t.uniform_(0.5, 1.5)
            elif key.endswith(("running_mean", "bias")):
                t.normal_(0, 0.1)
    ours.load_state_dict({ka: tb for (ka, _), (_, tb) in zip(a, b)})
    x = inputs(module, 1)
    with torch.no_grad():
        a, b = ours(*x), theirs(*x)
    return {"max_abs_difference": (a - b).abs().max().item(), "max_abs_output": b.abs().max().item()}


def helper_differences(module):
    """Each helper against the PyTorch call with the same meaning."""
    x = torch.randn(2, 3, 5, 7)
    out = {}
    if hasattr(module, "_resize_nearest"):
        for size in ((10, 14), (15, 21), (4, 3), (1, 1)):
            pairs = [(module._resize_nearest(x, (5, 7), size, "asymmetric", "floor"), F.interpolate(x, size=size, mode="nearest")),
                     (module._resize_nearest(x, (5, 7), size, "half_pixel", "round_prefer_ceil"),
                      F.interpolate(x, size=size, mode="nearest-exact"))]
            out[f"nearest {size}"] = max((a - b).abs().max().item() for a, b in pairs)
    if hasattr(module, "_resize_bilinear"):
        for size in ((10, 14), (15, 21), (4, 3), (1, 1)):
            pairs = [(module._resize_bilinear(x, (5, 7), size, "half_pixel"),
                      F.interpolate(x, size=size, mode="bilinear", align_corners=False)),
                     (module._resize_bilinear(x, (5, 7), size, "align_corners"),
                      F.interpolate(x, size=size, mode="bilinear", align_corners=True))]
            if min(size) > 1:  # ONNX's pytorch_half_pixel is 0 for a length of 1, PyTorch's is not
                pairs.append((module._resize_bilinear(x, (5, 7), size, "pytorch_half_pixel"),
                              F.interpolate(x, size=size, mode="bilinear", align_corners=False)))
            out[f"bilinear {size}"] = max((a - b).abs().max().item() for a, b in pairs)
    if hasattr(module, "_avg_pool_padded"):
        for kernel, stride, pad, ceil in ((3, 2, 1, True), (3, 2, 1, False), (2, 2, 1, True), (3, 3, 0, True)):
            for include in (True, False):
                want = F.avg_pool2d(x, kernel, stride, pad, ceil_mode=ceil, count_include_pad=include)
                extra = [max(0, (want.shape[a] - 1) * stride + kernel - (x.shape[a] + 2 * pad)) for a in (3, 2)]
                got = module._avg_pool_padded(x, kernel, stride, (pad,) * 4, extra, include)
                out[f"avg_pool k{kernel} s{stride} p{pad} ceil {ceil} include {include}"] = (got - want).abs().max().item()
    return out


def trace_differences(module, model, result):
    with torch.no_grad():
        x = inputs(module, 1)
        eager = as_list(model(*x))
        traced = as_list(torch.jit.trace(model, tuple(x), check_trace=False)(*x))
        result["trace_difference"] = max((a - b).abs().max().item() for a, b in zip(eager, traced))
        fx = as_list(torch.fx.symbolic_trace(model)(*x))
        result["fx_difference"] = max((a - b).abs().max().item() for a, b in zip(eager, fx))


def check(entry, index):
    module = load(entry["file"], index)
    model = module.build()
    result = {"file": entry["file"], "imports": imports_of(entry["file"]),
              "params": sum(p.numel() for p in model.parameters()),
              "state_keys": list(model.state_dict().keys())}
    with torch.no_grad():
        result["outputs"] = [list(t.shape) for t in as_list(model.eval()(*inputs(module, 1)))]
    if entry.get("trace"):  # torch.jit.trace and torch.fx see the same computation
        trace_differences(module, model, result)
    model.train()
    sum(t.sum() for t in as_list(model(*inputs(module, 2)))).backward()
    result["trains"] = True
    if entry.get("torchvision"):
        result["torchvision"] = torchvision_difference(module, entry["torchvision"])
    result["helpers"] = helper_differences(module)
    return result


def main():
    torch.manual_seed(0)
    with open(sys.argv[1], encoding="utf-8") as f:
        manifest = json.load(f)
    print(json.dumps({"modules": [check(e, i) for i, e in enumerate(manifest)]}))


main()

"""Exports torchvision models to ONNX for tests/io/onnx_torchvision_test.cpp.

Usage: export_torchvision.py OUT_DIR RES
Writes OUT_DIR/NAME.onnx for each model (eval mode, batch 1, RES x RES, the opset listed
below: together they cover 11 to 17) and prints one JSON document
{"models": [{"name", "file", "opset"}]}; prints {"unavailable": why} when torch or
torchvision cannot be imported. torch.onnx.export needs no `onnx` Python package.
"""
import json
import os
import sys

try:
    import torch
    import torchvision
except Exception as e:  # noqa: BLE001 - any import failure means the resource is missing
    print(json.dumps({"unavailable": f"cannot import torch/torchvision: {e}"}))
    sys.exit(0)

MODELS = [("mobilenet_v2", 11), ("mnasnet1_0", 12), ("mobilenet_v3_small", 13),
          ("mobilenet_v3_large", 14), ("efficientnet_b0", 15), ("resnet18", 16), ("resnet50", 17)]


def main():
    out_dir, res = sys.argv[1], int(sys.argv[2])
    torch.manual_seed(0)
    done = []
    for name, opset in MODELS:
        model = getattr(torchvision.models, name)().eval()
        path = os.path.join(out_dir, name + ".onnx")
        with open(os.devnull, "w") as null:
            stdout, sys.stdout = sys.stdout, null  # the exporter may print diagnostics
            try:
                torch.onnx.export(model, torch.zeros(1, 3, res, res), path, opset_version=opset)
            finally:
                sys.stdout = stdout
        done.append({"name": name, "file": path, "opset": opset})
    print(json.dumps({"models": done}))


main()

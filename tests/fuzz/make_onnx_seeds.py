"""Writes the seed corpus of fuzz_onnx (tests/fuzz/corpus/onnx/): small ONNX files.

Usage: make_onnx_seeds.py OUT_DIR [HWNAS_BINARY]
- torchvision-structured networks, exported by PyTorch (Debian's python3-torch 1.13 and
  python3-torchvision 0.14) in eval mode at opsets 11 to 17: torchvision's own classes
  (MobileNetV2, MobileNetV3, EfficientNet, ShuffleNetV2, ResNet's BasicBlock, LR-ASPP's
  head) configured with few channels so that each file stays under 32 KiB (placeholder
  weights are most of a file); one has dynamic height and width.
- with HWNAS_BINARY: `hwnas export` of small model files with every layer op and block
  kind (HWNAS_MODELS below), which carry hwnas's block table and view doc_strings.
Prints each file written and its size; exits 1 when a file is 32 KiB or more.
"""
import os
import subprocess
import sys

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import mobilenetv2, mobilenetv3, efficientnet, shufflenetv2, resnet
from torchvision.models.segmentation.lraspp import LRASPPHead
from torchvision.ops.misc import Conv2dNormActivation

LIMIT = 32 * 1024


def mobilenet_v2():
    m = mobilenetv2.MobileNetV2(num_classes=10, width_mult=0.125, round_nearest=4,
                                inverted_residual_setting=[[1, 4, 1, 1], [2, 4, 2, 2], [2, 8, 1, 2]])
    m.features[-1] = Conv2dNormActivation(m.features[-1][0].in_channels, 16, kernel_size=1,
                                          activation_layer=nn.ReLU6)
    m.classifier[1] = nn.Linear(16, 10)
    return m


def mobilenet_v3():
    c = mobilenetv3.InvertedResidualConfig
    setting = [c(4, 3, 4, 4, True, "RE", 2, 1, 0.5), c(4, 3, 8, 4, False, "RE", 1, 1, 0.5),
               c(4, 5, 8, 8, True, "HS", 2, 1, 0.5)]
    return mobilenetv3.MobileNetV3(setting, last_channel=16, num_classes=10)


def efficientnet_b0():
    c = efficientnet.MBConvConfig
    setting = [c(1, 3, 1, 8, 8, 1), c(2, 3, 2, 8, 8, 2), c(2, 5, 2, 8, 8, 1)]
    return efficientnet.EfficientNet(setting, dropout=0.2, last_channel=16, num_classes=10)


def shufflenet_v2():
    return shufflenetv2.ShuffleNetV2([1, 1, 1], [4, 8, 8, 8, 16], num_classes=10)


class ResNet(nn.Module):
    """resnet18's structure and module names with 4 and 8 channels."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        down = nn.Sequential(resnet.conv1x1(4, 8, 2), nn.BatchNorm2d(8))
        self.layer1 = nn.Sequential(resnet.BasicBlock(4, 4))
        self.layer2 = nn.Sequential(resnet.BasicBlock(4, 8, 2, down))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.avgpool(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(x, 1))


class Lraspp(nn.Module):
    """torchvision's LRASPP (head and final interpolation) on a three-conv backbone."""

    def __init__(self):
        super().__init__()
        self.low = nn.Sequential(Conv2dNormActivation(3, 4, stride=4), Conv2dNormActivation(4, 4, stride=2))
        self.high = Conv2dNormActivation(4, 8, stride=2, activation_layer=nn.Hardswish)
        self.classifier = LRASPPHead(4, 8, 3, 8)

    def forward(self, x):
        low = self.low(x)
        out = self.classifier({"low": low, "high": self.high(low)})
        return F.interpolate(out, size=x.shape[-2:], mode="bilinear", align_corners=False)


TORCH_SEEDS = [("tv_mobilenet_v2", mobilenet_v2, 11, 32), ("tv_shufflenet_v2", shufflenet_v2, 12, 32),
               ("tv_mobilenet_v3", mobilenet_v3, 13, 32), ("tv_lraspp", Lraspp, 14, 32),
               ("tv_efficientnet", efficientnet_b0, 15, 32), ("tv_resnet", ResNet, 16, 32),
               ("tv_mobilenet_v3_dynamic", mobilenet_v3, 17, 32)]

# Model files for `hwnas export`: every layer op and block kind of docs/model-format.md
# (as tests/fuzz/corpus/model_yaml has them) with few channels.
HWNAS_MODELS = [("hwnas_blocks_mobile", """name: blocks
input: [4, 16, 16]
layers:
  - {op: conv, name: stem, out: 8, kernel: 3, groups: 2, act: hardswish, bias: true, bn: false}
  - {op: dwconv, name: dw, kernel: 5, stride: 2, act: none}
  - {op: ibn, name: b1, out: 8, expand: 2, kernel: 5, dilation: 2, act: hardswish, se: 0.25, se_act: relu, se_gate: hardsigmoid}
  - {op: fused_ibn, name: b2, out: 8, expand: 2, kernel: 3, stride: 2, act: silu, se: 0.5, se_act: silu, se_gate: sigmoid}
  - {op: se, name: s, squeeze: 0.5, act: relu6, gate: sigmoid}
  - {op: global_pool, name: gap}
  - {op: linear, name: fc, out: 7}
"""), ("hwnas_blocks_nb201_fbnet_resnet", """name: blocks2
input: [4, 8, 8]
layers:
  - {op: nb201_cell, name: cell, arch: "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"}
  - {op: nb201_reduction, name: red, out: 4}
  - {op: fbnet, name: f1, block: k3_e1_g2, out: 4}
  - {op: fbnet, name: f2, block: k5_e6, out: 4}
  - {op: fbnet, name: f3, block: skip, out: 4, stride: 2}
  - {op: resnet_basic, name: r1, planes: 4}
  - {op: resnet_bottleneck, name: r2, planes: 2}
  - {op: global_pool, name: gap}
  - {op: linear, name: fc, out: 7}
"""), ("hwnas_primitives", """name: primitives
blocks:
  - {name: stem, kind: conv_bn_act}
layers:
  - {op: input, name: image, shape: [4, 9, 9]}
  - {op: conv2d, name: c1, inputs: image, out: 8, kernel: [3, 5], stride: [2, 1], padding: [1, 2], groups: 2, bias: true, block: stem}
  - {op: batch_norm, name: bn, affine: false, block: stem}
  - {op: relu6, name: r6, block: stem}
  - {op: hardswish, name: hs}
  - {op: conv2d, name: dil, out: 8, kernel: 3, dilation: 2, padding: 2}
  - {op: add, name: sum, inputs: [dil, hs]}
  - {op: global_avg_pool, name: gap}
  - {op: hardsigmoid, name: gate}
  - {op: mul, name: scaled, inputs: [sum, gate]}
  - {op: sigmoid, name: sg}
  - {op: silu, name: si}
  - {op: identity, name: id}
  - {op: relu, name: re}
  - {op: concat, name: cat, inputs: [re, sum, hs]}
  - {op: channel_shuffle, name: shuf, groups: 4}
  - {op: avg_pool, name: ap, kernel: 3, stride: 2, padding: 1, count_include_pad: false, ceil_mode: true}
  - {op: max_pool, name: mp, kernel: [2, 3], stride: 1, padding: [1, 1]}
  - {op: upsample, name: up, mode: bilinear, size: [9, 11]}
  - {op: upsample, name: up2, inputs: mp, mode: nearest, scale: 3}
  - {op: zero, name: z, inputs: up}
  - {op: dropout, name: drop, rate: 0.25}
  - {op: global_pool, name: gmp, kind: max}
  - {op: global_max_pool, name: gmp2, inputs: up2}
  - {op: flatten, name: flat, inputs: gmp}
  - {op: linear, name: fc, out: 10, bias: false}
  - {op: output, name: logits}
  - {op: output, name: other, inputs: gmp2}
"""), ("hwnas_tiny", """name: tiny
input: [3, 16, 16]
layers:
  - {op: conv, out: 8, kernel: 3, stride: 2, act: relu6}
  - {op: dwconv, kernel: 3, act: relu6}
  - {op: ibn, out: 8, expand: 2, kernel: 3}
  - {op: fused_ibn, out: 8, expand: 2, kernel: 5}
  - {op: global_pool}
  - {op: linear, out: 10}
""")]


def main():
    out_dir = sys.argv[1]
    hwnas = sys.argv[2] if len(sys.argv) > 2 else None
    torch.manual_seed(0)
    written = []
    for name, build, opset, res in TORCH_SEEDS:
        path = os.path.join(out_dir, name + ".onnx")
        dynamic = {"x": {2: "h", 3: "w"}} if name.endswith("dynamic") else None
        with open(os.devnull, "w") as null:
            stdout, sys.stdout = sys.stdout, null  # the exporter may print diagnostics
            try:
                torch.onnx.export(build().eval(), torch.zeros(1, 3, res, res), path, opset_version=opset,
                                  input_names=["x"], dynamic_axes=dynamic)
            finally:
                sys.stdout = stdout
        written.append(path)
    if hwnas:
        for name, text in HWNAS_MODELS:
            model = os.path.join(out_dir, name + ".yaml")
            with open(model, "w") as f:
                f.write(text)
            path = os.path.join(out_dir, name + ".onnx")
            subprocess.run([hwnas, "export", model, "--out", path], check=True, stdout=subprocess.DEVNULL)
            os.remove(model)
            written.append(path)
    status = 0
    for path in written:
        size = os.path.getsize(path)
        print(f"{path} {size}")
        if size >= LIMIT:
            print(f"{path}: {size} bytes, over {LIMIT}", file=sys.stderr)
            status = 1
    sys.exit(status)


main()

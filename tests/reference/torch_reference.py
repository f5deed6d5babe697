#!/usr/bin/python3
"""Reference parameter and MAC counts from PyTorch for tests/graph/torch_reference_test.cpp.

Builds each network in PyTorch (torchvision 0.14 for the zoo models; NAS-Bench-201 and
FBNet written here from the specification in ../shared/data/README.md), counts

  params = sum(p.numel() for p in model.parameters())
  macs   = conv2d: out.numel() / batch * in_channels / groups * kh * kw
           linear: in_features * out_features (per sample)

with forward hooks over a single batch-1 forward pass on PyTorch's "meta" device (tensors
with shapes and no data: the hooks read only shapes, and no arithmetic is spent), and
prints one JSON document:

  {"group": ..., "torch": ..., "torchvision": ..., "models": [
     {"spec": "<hwnas zoo spec>", "kind": "...", "params": N, "macs": N}, ...]}

`spec` is what hwnas::graph::build_zoo_model takes for the same network. When torch or
torchvision cannot be imported it prints {"unavailable": "<reason>"} and exits 0, so the
caller can skip. Run it with the system interpreter: /usr/bin/python3.

Usage: torch_reference.py GROUP [--data-dir DIR]
  GROUP: zoo (torchvision defaults), variants (non-default options), nb201, fbnet.
  nb201 and fbnet read their architectures from DIR (the shared data directory).
"""

import argparse
import csv
import json
import os
import sys

try:
    import torch
    import torch.nn as nn
    import torchvision
    import torchvision.models as tvm
    import torchvision.models.segmentation as tvseg
    from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf
    from torchvision.models.segmentation.lraspp import _lraspp_mobilenetv3
except Exception as e:  # ImportError, or a broken install
    print(json.dumps({"unavailable": f"{sys.executable} cannot import torch/torchvision: {e!r}"}))
    sys.exit(0)


# ----------------------------------------------------------------------------- counting

def count(model, resolution, in_channels=3):
    """(params, macs) of `model` at batch 1, counted as hwnas's analysis documents. Leaves
    `model` on the meta device (its weights gone)."""
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    macs = 0

    def conv_hook(module, inputs, output):
        nonlocal macs
        batch = output.shape[0]
        kh, kw = module.kernel_size
        macs += output.numel() // batch * (module.in_channels // module.groups) * kh * kw

    def linear_hook(module, inputs, output):
        nonlocal macs
        macs += module.in_features * module.out_features

    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        model.to("meta")(torch.zeros(1, in_channels, resolution, resolution, device="meta"))
    for h in handles:
        h.remove()
    return int(params), int(macs)


# ----------------------------------------------------------------------------- torchvision

def efficientnet_b0(width_mult=1.0, num_classes=1000):
    """torchvision's efficientnet_b0 with its (internal) width knob; depth_mult stays 1."""
    setting, last_channel = _efficientnet_conf("efficientnet_b0", width_mult=width_mult,
                                               depth_mult=1.0)
    return EfficientNet(setting, 0.2, num_classes=num_classes, last_channel=last_channel)


def lraspp(num_classes=21, width_mult=1.0):
    """torchvision's lraspp_mobilenet_v3_large; other widths through its (internal) builder
    on a dilated mobilenet_v3_large backbone, as lraspp_mobilenet_v3_large itself does."""
    if width_mult == 1.0:
        return tvseg.lraspp_mobilenet_v3_large(weights=None, weights_backbone=None,
                                               num_classes=num_classes)
    backbone = tvm.mobilenet_v3_large(weights=None, width_mult=width_mult, dilated=True)
    return _lraspp_mobilenetv3(backbone, num_classes)


# (hwnas spec, torch constructor, resolution)
ZOO = [
    ("mobilenet_v2", lambda: tvm.mobilenet_v2(weights=None), 224),
    ("mobilenet_v3_large", lambda: tvm.mobilenet_v3_large(weights=None), 224),
    ("mobilenet_v3_small", lambda: tvm.mobilenet_v3_small(weights=None), 224),
    ("mnasnet1_0", lambda: tvm.mnasnet1_0(weights=None), 224),
    ("efficientnet_b0", lambda: tvm.efficientnet_b0(weights=None), 224),
    ("resnet18", lambda: tvm.resnet18(weights=None), 224),
    ("resnet50", lambda: tvm.resnet50(weights=None), 224),
    ("lraspp_mobilenet_v3_large", lambda: lraspp(21), 520),
]

# Non-default options, only where torchvision has the same knob with the same definition:
# width = torchvision's width_mult (MobileNetV2/V3, EfficientNet's conf) or MNASNet's alpha;
# ResNet's width has no torchvision counterpart (width_per_group is a different thing).
VARIANTS = [
    ("mobilenet_v2:width=0.5,res=160,classes=10",
     lambda: tvm.mobilenet_v2(weights=None, width_mult=0.5, num_classes=10), 160),
    ("mobilenet_v2:width=1.4", lambda: tvm.mobilenet_v2(weights=None, width_mult=1.4), 224),
    ("mobilenet_v2:width=0.35,res=96", lambda: tvm.mobilenet_v2(weights=None, width_mult=0.35),
     96),
    ("mobilenet_v3_small:width=0.75", lambda: tvm.mobilenet_v3_small(weights=None, width_mult=0.75),
     224),
    ("mobilenet_v3_large:width=0.75,res=192,classes=100",
     lambda: tvm.mobilenet_v3_large(weights=None, width_mult=0.75, num_classes=100), 192),
    ("mobilenet_v3_large:width=1.25", lambda: tvm.mobilenet_v3_large(weights=None, width_mult=1.25),
     224),
    ("mnasnet1_0:width=0.5", lambda: tvm.mnasnet0_5(weights=None), 224),
    ("mnasnet1_0:width=0.75,res=160", lambda: tvm.mnasnet0_75(weights=None), 160),
    ("mnasnet1_0:width=1.3", lambda: tvm.mnasnet1_3(weights=None), 224),
    ("efficientnet_b0:res=192", lambda: tvm.efficientnet_b0(weights=None), 192),
    ("efficientnet_b0:width=0.5,classes=10", lambda: efficientnet_b0(0.5, 10), 224),
    ("efficientnet_b0:width=1.1,res=240", lambda: efficientnet_b0(1.1), 240),
    ("resnet18:res=160,classes=100", lambda: tvm.resnet18(weights=None, num_classes=100), 160),
    ("resnet50:res=256,classes=10", lambda: tvm.resnet50(weights=None, num_classes=10), 256),
    ("lraspp_mobilenet_v3_large:res=256,classes=5", lambda: lraspp(5), 256),
    ("lraspp_mobilenet_v3_large:width=0.5,res=320", lambda: lraspp(21, 0.5), 320),
]


# ----------------------------------------------------------------------------- NAS-Bench-201
# From ../shared/data/README.md (section nb201). Convolutions have no bias: each one is
# followed by BN, except the reduction shortcut's conv1x1, which NAS-Bench-201 also builds
# without bias.

NB201_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in, c_out, kernel, stride):
        super().__init__(nn.ReLU(), nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=False),
                         nn.BatchNorm2d(c_out))


class Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)


def nb201_op(name, c):
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(c, c, 1, 1)
    if name == "nor_conv_3x3":
        return ReLUConvBN(c, c, 3, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown NAS-Bench-201 op {name!r}")


def parse_nb201(arch):
    """'|a~0|+|b~0|c~1|+|...|' -> [[(op, src)], [(op, src), (op, src)], [... x3]]."""
    nodes = []
    for group in arch.split("+"):
        edges = []
        for edge in group.strip("|").split("|"):
            op, src = edge.split("~")
            if op not in NB201_OPS:
                raise ValueError(f"unknown op {op!r} in {arch!r}")
            edges.append((op, int(src)))
        nodes.append(edges)
    if [len(e) for e in nodes] != [1, 2, 3]:
        raise ValueError(f"malformed NAS-Bench-201 architecture {arch!r}")
    return nodes


class Nb201Cell(nn.Module):
    def __init__(self, arch, c):
        super().__init__()
        self.nodes = parse_nb201(arch)
        self.edges = nn.ModuleList(nb201_op(op, c) for edges in self.nodes for op, _ in edges)

    def forward(self, x):
        states = [x]
        k = 0
        for edges in self.nodes:
            total = 0
            for _, src in edges:
                total = total + self.edges[k](states[src])
                k += 1
            states.append(total)
        return states[3]


class Nb201Reduction(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1)
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x):
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class Nb201Net(nn.Module):
    def __init__(self, arch, c=16, num_classes=10):
        super().__init__()
        layers = [nn.Conv2d(3, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)]
        for stage in range(3):
            width = c << stage
            if stage > 0:
                layers.append(Nb201Reduction(width // 2, width))
            layers += [Nb201Cell(arch, width) for _ in range(5)]
        layers += [nn.BatchNorm2d(4 * c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                   nn.Linear(4 * c, num_classes)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def read_column(path, column):
    with open(path, newline="") as f:
        return [row[column] for row in csv.DictReader(f)]


def pick_nb201(archs, count=30):
    """`count` rows evenly spread over the file, plus the first row of each special cell
    (every edge none / avg_pool / conv3x3, and one whose output node sees only `none`)."""
    picked = [archs[i * len(archs) // count] for i in range(count)]
    specials = [
        lambda a: set(e[0] for n in parse_nb201(a) for e in n) == {"none"},
        lambda a: set(e[0] for n in parse_nb201(a) for e in n) == {"avg_pool_3x3"},
        lambda a: set(e[0] for n in parse_nb201(a) for e in n) == {"nor_conv_3x3"},
        lambda a: set(e[0] for e in parse_nb201(a)[2]) == {"none"} and "nor_conv_3x3" in a,
    ]
    for special in specials:
        first = next(a for a in archs if special(a))
        if first not in picked:
            picked.append(first)
    return picked


# ----------------------------------------------------------------------------- FBNet
# From ../shared/data/README.md (section fbnet): CIFAR-100, input 32x32x3.

FBNET_LAYERS = (1, 4, 4, 4, 4, 4, 1)
FBNET_CHANNELS = (16, 24, 32, 64, 112, 184, 352)
FBNET_STRIDES = (1, 1, 2, 2, 1, 2, 1)


def conv_bn(c_in, c_out, kernel, stride=1, groups=1, relu=True):
    layers = [nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False),
              nn.BatchNorm2d(c_out)]
    if relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class ChannelShuffle(nn.Module):
    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        n, c, h, w = x.shape
        return x.view(n, self.groups, c // self.groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class FbnetBlock(nn.Module):
    def __init__(self, choice, c_in, c_out, stride):
        super().__init__()
        self.residual = False
        if choice == "skip":
            self.body = (nn.Identity() if c_in == c_out and stride == 1
                         else conv_bn(c_in, c_out, 1, stride))
            return
        parts = choice.split("_")  # k3_e6, k5_e1_g2
        kernel, expansion = int(parts[0][1:]), int(parts[1][1:])
        groups = int(parts[2][1:]) if len(parts) > 2 else 1
        mid = c_in * expansion
        layers = [conv_bn(c_in, mid, 1, groups=groups)]
        if groups > 1:
            layers.append(ChannelShuffle(groups))
        layers += [conv_bn(mid, mid, kernel, stride, groups=mid),
                   conv_bn(mid, c_out, 1, groups=groups, relu=False)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class FbnetNet(nn.Module):
    def __init__(self, blocks, num_classes=100):
        super().__init__()
        choices = blocks.split("-")
        if len(choices) != sum(FBNET_LAYERS):
            raise ValueError(f"FBNet architecture needs {sum(FBNET_LAYERS)} blocks: {blocks!r}")
        layers = [conv_bn(3, 16, 3)]
        c_in, k = 16, 0
        for n, c, s in zip(FBNET_LAYERS, FBNET_CHANNELS, FBNET_STRIDES):
            for i in range(n):
                layers.append(FbnetBlock(choices[k], c_in, c, s if i == 0 else 1))
                c_in, k = c, k + 1
        layers += [conv_bn(c_in, 1504, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                   nn.Linear(1504, num_classes)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def pick_spread(items, count):
    return [items[i * len(items) // count] for i in range(count)]


# ----------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("group", choices=("zoo", "variants", "nb201", "fbnet"))
    parser.add_argument("--data-dir", help="the shared data directory (nb201, fbnet)")
    parser.add_argument("--count", type=int, default=0, help="rows to pick (nb201, fbnet)")
    args = parser.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(0)
    models = []
    if args.group in ("zoo", "variants"):
        for spec, build, res in ZOO if args.group == "zoo" else VARIANTS:
            params, macs = count(build(), res)
            models.append({"spec": spec, "kind": "torchvision", "params": params, "macs": macs})
    elif args.group == "nb201":
        if not args.data_dir:
            parser.error("nb201 needs --data-dir")
        archs = read_column(os.path.join(args.data_dir, "nb201", "nb201.csv"), "arch")
        for arch in pick_nb201(archs, args.count or 30):
            params, macs = count(Nb201Net(arch), 32)
            models.append({"spec": f"nb201:arch={arch}", "kind": "nb201", "params": params,
                           "macs": macs})
    else:
        if not args.data_dir:
            parser.error("fbnet needs --data-dir")
        rows = read_column(os.path.join(args.data_dir, "fbnet", "fbnet_cifar100.csv"), "blocks")
        for blocks in pick_spread(rows, args.count or 12):
            params, macs = count(FbnetNet(blocks), 32)
            models.append({"spec": f"fbnet:blocks={blocks}", "kind": "fbnet", "params": params,
                           "macs": macs})
    json.dump({"group": args.group, "torch": torch.__version__,
               "torchvision": torchvision.__version__, "models": models}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()

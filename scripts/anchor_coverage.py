#!/usr/bin/python3
"""How well SSDLite's default boxes cover the scenes' boxes, per input resolution.

Usage: scripts/anchor_coverage.py SCENE_CACHE_FILE [RES:H0xW0,H1xW1,... ...]

SCENE_CACHE_FILE is a file of the scene cache (data/scene_cache.h, e.g.
~/.cache/hwnas/scenes/scenes-test-500-*.gz). Each RES names the input resolution and the
SSD head's feature maps at it (`hwnas inspect ssdlite_mobilenet_v2:...,res=RES`, the
head.boxes.K.output shapes); the default is ssdlite_mobilenet_v2's at 96, 128, 160 and 192.
The boxes are scaled from the scenes' canvas to RES, as `hwnas train --res` resizes them.
Anchors as metrics/anchors.h default_boxes (torchvision 0.14's DefaultBoxGenerator with
SSDLite's [[2, 3]] aspect ratios, min_ratio 0.2, max_ratio 0.95, clipped sizes). Prints
per RES: the anchors, the median of each box's best IoU, the share of boxes with an anchor
of IoU >= 0.5 (SSDMatcher's threshold: the others are matched only as their best anchor),
and the mean number of anchors of IoU >= 0.5 per box. docs/training.md, "Anchors at 96x96".
"""
import gzip
import math
import struct
import sys

import numpy as np

DEFAULT_LEVELS = {
    96: [(6, 6), (3, 3), (2, 2), (1, 1), (1, 1), (1, 1)],
    128: [(8, 8), (4, 4), (2, 2), (1, 1), (1, 1), (1, 1)],
    160: [(10, 10), (5, 5), (3, 3), (2, 2), (1, 1), (1, 1)],
    192: [(12, 12), (6, 6), (3, 3), (2, 2), (1, 1), (1, 1)],
}


def default_boxes(levels, size, min_ratio=0.2, max_ratio=0.95, aspect_ratios=(2.0, 3.0)):
    count = len(levels)
    scales = [min_ratio + (max_ratio - min_ratio) * k / (count - 1.0) for k in range(count)] + [1.0]
    boxes = []
    for k, (h, w) in enumerate(levels):
        s, s_prime = scales[k], math.sqrt(scales[k] * scales[k + 1])
        sizes = [(s, s), (s_prime, s_prime)]
        for r in aspect_ratios:
            sizes += [(s * math.sqrt(r), s / math.sqrt(r)), (s / math.sqrt(r), s * math.sqrt(r))]
        for y in range(h):
            for x in range(w):
                cx, cy = (x + 0.5) / w, (y + 0.5) / h
                for bw, bh in sizes:
                    bw, bh = min(bw, 1.0), min(bh, 1.0)
                    boxes.append(((cx - bw / 2) * size, (cy - bh / 2) * size, (cx + bw / 2) * size, (cy + bh / 2) * size))
    return np.array(boxes)


def iou(box, anchors):
    w = np.clip(np.minimum(box[2], anchors[:, 2]) - np.maximum(box[0], anchors[:, 0]), 0, None)
    h = np.clip(np.minimum(box[3], anchors[:, 3]) - np.maximum(box[1], anchors[:, 1]), 0, None)
    inter = w * h
    area = (box[2] - box[0]) * (box[3] - box[1])
    return inter / (area + (anchors[:, 2] - anchors[:, 0]) * (anchors[:, 3] - anchors[:, 1]) - inter)


def read_boxes(path):
    """The scene cache file's canvas side and boxes (data/scene_cache.cpp serialise)."""
    data = gzip.open(path).read()
    magic = b"hwnas scenes\n"
    if not data.startswith(magic):
        sys.exit(f"{path}: not a scene cache file")
    at = data.index(b"\n", len(magic)) + 1  # the description line
    n = int.from_bytes(data[at:at + 8], "little")
    _, height, width, _ = struct.unpack("<4I", data[at + 8:at + 24])
    at += 24 + 2 * n * height * width  # pixels, then masks
    boxes = []
    for _ in range(n):
        k = int.from_bytes(data[at:at + 4], "little")
        at += 4
        for _ in range(k):
            boxes.append(struct.unpack("<4f", data[at:at + 16]))
            at += 20  # the label follows
    return width, boxes


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    canvas, boxes = read_boxes(sys.argv[1])
    levels = DEFAULT_LEVELS
    if len(sys.argv) > 2:
        levels = {}
        for arg in sys.argv[2:]:
            res, maps = arg.split(":")
            levels[int(res)] = [tuple(int(v) for v in m.split("x")) for m in maps.split(",")]
    print(f"{len(boxes)} boxes on a {canvas}x{canvas} canvas")
    for res, maps in levels.items():
        anchors = default_boxes(maps, res)
        scale = res / canvas
        best, positives = [], []
        for b in boxes:
            v = iou([c * scale for c in b], anchors)
            best.append(v.max())
            positives.append(int((v >= 0.5).sum()))
        best = np.array(best)
        print(f"res {res}: {len(anchors)} anchors, median best IoU {np.median(best):.2f}, "
              f"{100 * (best >= 0.5).mean():.0f}% of boxes with an anchor of IoU >= 0.5, "
              f"{np.mean(positives):.2f} such anchors per box")


if __name__ == "__main__":
    main()

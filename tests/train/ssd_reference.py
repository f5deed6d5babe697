"""torchvision 0.14's SSD pieces on seeded random inputs, for metrics_torchvision_test.cpp.

Prints one JSON document: the inputs it drew and what torchvision's DefaultBoxGenerator,
SSDMatcher, BoxCoder, batched_nms and SSD.postprocess_detections (SSDScoringHead's channel
layout included) give for them. Prints {"unavailable": why} when torch/torchvision do not
import. Run with Debian's /usr/bin/python3 (python3-torchvision).
"""
import json
import sys
import types

try:
    import torch
    from torch import nn
    from torchvision.models.detection import _utils as det_utils
    from torchvision.models.detection.anchor_utils import DefaultBoxGenerator
    from torchvision.models.detection.image_list import ImageList
    from torchvision.models.detection.ssd import SSD, SSDScoringHead
    from torchvision.ops import boxes as box_ops
except ImportError as error:  # the C++ test skips (or fails under HWNAS_REQUIRE_ALL_TESTS)
    print(json.dumps({"unavailable": str(error)}))
    sys.exit(0)

torch.manual_seed(11)
LEVELS = [[4, 4], [2, 2], [1, 1]]
IMAGE = [48, 64]  # height, width
CLASSES = 4       # background + 3


def tolist(t):
    return t.tolist()


def anchors_for(levels, image):
    generator = DefaultBoxGenerator([[2, 3] for _ in levels], min_ratio=0.2, max_ratio=0.95)
    features = [torch.zeros(1, 1, h, w) for h, w in levels]
    images = ImageList(torch.zeros(1, 3, *image), [tuple(image)])
    return generator(images, features)[0]


def random_boxes(n, image, min_size=4.0):
    x0 = torch.rand(n) * (image[1] - min_size)
    y0 = torch.rand(n) * (image[0] - min_size)
    w = min_size + torch.rand(n) * (image[1] - x0 - min_size)
    h = min_size + torch.rand(n) * (image[0] - y0 - min_size)
    return torch.stack([x0, y0, x0 + w, y0 + h], dim=1)


out = {"levels": LEVELS, "image": IMAGE, "classes": CLASSES}
anchors = anchors_for(LEVELS, IMAGE)
out["anchors"] = tolist(anchors)
ssdlite_levels = [[20, 20], [10, 10], [5, 5], [3, 3], [2, 2], [1, 1]]
out["ssdlite_levels"] = ssdlite_levels
out["ssdlite_anchors"] = tolist(anchors_for(ssdlite_levels, [320, 320]))

# Random boxes, and anchors moved by about a pixel (matched above the threshold).
truth = torch.cat([random_boxes(3, IMAGE, min_size=8.0), anchors[[30, 50, 100]] + torch.randn(3, 4)])
out["truth"] = tolist(truth)
out["matches"] = tolist(det_utils.SSDMatcher(0.5)(box_ops.box_iou(truth, anchors)))

coder = det_utils.BoxCoder(weights=(10.0, 10.0, 5.0, 5.0))
pairs = random_boxes(20, IMAGE)
out["encode_truth"] = tolist(pairs)
out["encode_anchors"] = tolist(anchors[:20])
out["codes"] = tolist(coder.encode_single(pairs, anchors[:20]))
raw_codes = torch.randn(20, 4) * 2.0
out["raw_codes"] = tolist(raw_codes)
out["decoded"] = tolist(coder.decode_single(raw_codes, anchors[:20]))

nms_boxes = random_boxes(60, IMAGE, min_size=10.0)
nms_scores = torch.rand(60)
nms_labels = torch.randint(0, 3, (60,))
out["nms_boxes"], out["nms_scores"], out["nms_labels"] = tolist(nms_boxes), tolist(nms_scores), tolist(nms_labels)
out["nms_kept"] = tolist(box_ops.batched_nms(nms_boxes, nms_scores, nms_labels, 0.5))

# Head outputs of one image, per level [A*4, H, W] and [A*C, H, W], laid out for the C++ side
# as they are; SSDScoringHead (identity modules) gives torchvision's [anchors, K] views.
box_maps = [torch.randn(1, 6 * 4, h, w) * 0.5 for h, w in LEVELS]
class_maps = [torch.randn(1, 6 * CLASSES, h, w) * 1.5 for h, w in LEVELS]
identity = nn.ModuleList([nn.Identity() for _ in LEVELS])
head_outputs = {
    "bbox_regression": SSDScoringHead(identity, 4)(box_maps),
    "cls_logits": SSDScoringHead(identity, CLASSES)(class_maps),
}
settings = types.SimpleNamespace(box_coder=coder, score_thresh=0.001, nms_thresh=0.55,
                                 detections_per_img=40, topk_candidates=30)
result = SSD.postprocess_detections(settings, head_outputs, [anchors], [tuple(IMAGE)])[0]
out["box_maps"] = [tolist(m[0].flatten()) for m in box_maps]
out["class_maps"] = [tolist(m[0].flatten()) for m in class_maps]
out["decode"] = {"topk_candidates": 30, "detections_per_img": 40,
                 "boxes": tolist(result["boxes"]), "scores": tolist(result["scores"]),
                 "labels": tolist(result["labels"])}
print(json.dumps(out))

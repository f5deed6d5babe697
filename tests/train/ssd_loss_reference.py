"""torchvision 0.14's SSD loss (SSD.compute_loss) on seeded random head outputs, for
task_detection_test.cpp.

Prints one JSON document: the inputs it drew (each level's box and class maps, the truth
boxes per image, the anchors of DefaultBoxGenerator as ssdlite320 builds it) and the two
loss terms torchvision computes from them, matching as SSD.forward does (SSDMatcher(0.5);
an image without boxes has no match). Prints {"unavailable": why} when torch/torchvision do
not import. Run with Debian's /usr/bin/python3 (python3-torchvision).
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

torch.manual_seed(5)
LEVELS = [[4, 4], [2, 2], [1, 1]]
IMAGE = 64
CLASSES = 4  # background + 3
ANCHORS = 6
BOXES_PER_IMAGE = [2, 0, 3, 1]  # image 1 has no object


def random_truth(count):
    centre = torch.rand(count, 2) * IMAGE
    size = 8 + torch.rand(count, 2) * 40
    boxes = torch.cat([centre - size / 2, centre + size / 2], 1).clamp(0, IMAGE)
    labels = torch.randint(1, CLASSES, (count,))
    return {"boxes": boxes, "labels": labels}


generator = DefaultBoxGenerator([[2, 3] for _ in LEVELS], min_ratio=0.2, max_ratio=0.95)
features = [torch.zeros(1, 1, h, w) for h, w in LEVELS]
anchors = generator(ImageList(torch.zeros(1, 3, IMAGE, IMAGE), [(IMAGE, IMAGE)]), features)[0]
n = len(BOXES_PER_IMAGE)
box_maps = [torch.randn(n, ANCHORS * 4, h, w) for h, w in LEVELS]
class_maps = [torch.randn(n, ANCHORS * CLASSES, h, w) * 2 for h, w in LEVELS]
targets = [random_truth(count) for count in BOXES_PER_IMAGE]

# The head's layout: SSDScoringHead with identity modules reshapes the maps as SSDLite's.
identity = lambda: nn.ModuleList([nn.Identity() for _ in LEVELS])
head_outputs = {
    "bbox_regression": SSDScoringHead(identity(), 4)(box_maps),
    "cls_logits": SSDScoringHead(identity(), CLASSES)(class_maps),
}
matcher = det_utils.SSDMatcher(0.5)
matched = []
for t in targets:
    if t["boxes"].numel() == 0:
        matched.append(torch.full((anchors.size(0),), -1, dtype=torch.int64))
    else:
        matched.append(matcher(box_ops.box_iou(t["boxes"], anchors)))
fake_ssd = types.SimpleNamespace(box_coder=det_utils.BoxCoder(weights=(10.0, 10.0, 5.0, 5.0)), neg_to_pos_ratio=3)
losses = SSD.compute_loss(fake_ssd, targets, head_outputs, [anchors] * n, matched)

print(json.dumps({
    "levels": LEVELS,
    "image": IMAGE,
    "classes": CLASSES,
    "anchors": anchors.tolist(),
    "box_maps": [m.flatten().tolist() for m in box_maps],
    "class_maps": [m.flatten().tolist() for m in class_maps],
    "truth": [[b + [l - 1] for b, l in zip(t["boxes"].tolist(), t["labels"].tolist())] for t in targets],
    "positives": int(sum(int((m >= 0).sum()) for m in matched)),
    "box_regression": losses["bbox_regression"].item(),
    "classification": losses["classification"].item(),
}))

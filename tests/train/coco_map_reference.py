"""A second, independent COCO box mAP for metrics_map_reference_test.cpp.

Written from the COCO detection evaluation's definition (cocodataset.org/#detection-eval and
pycocotools' COCOeval: evaluateImg, accumulate, summarize), not from hwnas' C++. Debian 12
has no python3-pycocotools; this follows COCOeval's steps with numpy: annotations get ids
from 1 and [x, y, w, h] boxes; per image and category, detections sorted by score
(mergesort) and cut to maxDets = 100, greedy matching at each IoU threshold to the
not-yet-matched ground truth of highest IoU >= t (a later one wins an equal IoU); per
category, all images' detections sorted by score (mergesort), cumulative TP/FP, precision
tp / (tp + fp + spacing(1)) made monotone from the right, read at the recall thresholds
0:0.01:1 by searchsorted (left), 0 past the last recall; AP = mean over the thresholds and
categories that have ground truth.

Input (stdin): {"classes": K, "images": [{"truth": [[x0, y0, x1, y1, label], ...],
"detections": [[x0, y0, x1, y1, label, score], ...]}, ...]}.
Output (stdout): {"map_50_95", "map_50", "map_75", "ap_50_95": [per class or null]}.
"""
import json
import sys

try:
    import numpy as np
except ImportError as error:  # the C++ test skips (or fails under HWNAS_REQUIRE_ALL_TESTS)
    print(json.dumps({"unavailable": str(error)}))
    sys.exit(0)

IOU_THRESHOLDS = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(.0, 1.00, int(np.round((1.00 - .0) / .01)) + 1, endpoint=True)
MAX_DETS = 100


def bbox_iou(d, g):
    """IoU of [x, y, w, h] boxes as pycocotools' maskApi bbIou (no crowd)."""
    w = min(d[0] + d[2], g[0] + g[2]) - max(d[0], g[0])
    if w <= 0:
        return 0.0
    h = min(d[1] + d[3], g[1] + g[3]) - max(d[1], g[1])
    if h <= 0:
        return 0.0
    inter = w * h
    return inter / (d[2] * d[3] + g[2] * g[3] - inter)


def to_xywh(b):
    x0, y0, x1, y1 = (float(v) for v in b[:4])
    return [x0, y0, x1 - x0, y1 - y0]


def evaluate_image(gts, dts):
    """One image and category: per threshold, matched flags of the kept detections."""
    order = np.argsort([-d["score"] for d in dts], kind="mergesort")
    dts = [dts[i] for i in order[:MAX_DETS]]
    ious = np.array([[bbox_iou(d["bbox"], g["bbox"]) for g in gts] for d in dts]).reshape(len(dts), len(gts))
    matched = np.zeros((len(IOU_THRESHOLDS), len(dts)), dtype=bool)
    for t_index, t in enumerate(IOU_THRESHOLDS):
        gt_taken = np.zeros(len(gts), dtype=bool)
        for d_index in range(len(dts)):
            best = min(t, 1 - 1e-10)
            m = -1
            for g_index in range(len(gts)):
                if gt_taken[g_index]:
                    continue
                if ious[d_index, g_index] < best:
                    continue
                best = ious[d_index, g_index]
                m = g_index
            if m >= 0:
                gt_taken[m] = True
                matched[t_index, d_index] = True
    return [d["score"] for d in dts], matched


def main():
    doc = json.load(sys.stdin)
    classes = doc["classes"]
    gts, dts = {}, {}  # (image, category) -> annotations
    next_id = 1
    for image, entry in enumerate(doc["images"]):
        for b in entry["truth"]:
            gts.setdefault((image, int(b[4])), []).append({"id": next_id, "bbox": to_xywh(b)})
            next_id += 1
        for b in entry["detections"]:
            dts.setdefault((image, int(b[4])), []).append({"id": next_id, "bbox": to_xywh(b), "score": float(b[5])})
            next_id += 1
    images = len(doc["images"])
    precision = -np.ones((len(IOU_THRESHOLDS), len(RECALL_THRESHOLDS), classes))
    for k in range(classes):
        scores, matches, gt_count = [], [], 0
        for image in range(images):
            g, d = gts.get((image, k), []), dts.get((image, k), [])
            if not g and not d:
                continue
            s, m = evaluate_image(g, d)
            scores.append(np.array(s, dtype=float))
            matches.append(m)
            gt_count += len(g)
        if gt_count == 0:
            continue
        scores = np.concatenate(scores)
        order = np.argsort(-scores, kind="mergesort")
        matched = np.concatenate(matches, axis=1)[:, order]
        tp_sum = np.cumsum(matched, axis=1).astype(float)
        fp_sum = np.cumsum(~matched, axis=1).astype(float)
        for t in range(len(IOU_THRESHOLDS)):
            tp, fp = tp_sum[t], fp_sum[t]
            recall = tp / gt_count
            prec = (tp / (fp + tp + np.spacing(1))).tolist()
            for i in range(len(prec) - 1, 0, -1):
                if prec[i] > prec[i - 1]:
                    prec[i - 1] = prec[i]
            q = np.zeros(len(RECALL_THRESHOLDS))
            for r, index in enumerate(np.searchsorted(recall, RECALL_THRESHOLDS, side="left")):
                if index >= len(prec):
                    break
                q[r] = prec[index]
            precision[t, :, k] = q

    def mean(p):
        valid = p[p > -1]
        return float(np.mean(valid)) if valid.size else -1.0

    per_class = [mean(precision[:, :, k]) for k in range(classes)]
    print(json.dumps({
        "map_50_95": mean(precision),
        "map_50": mean(precision[0]),
        "map_75": mean(precision[5]),
        "ap_50_95": [None if v == -1.0 else v for v in per_class],
    }))


main()

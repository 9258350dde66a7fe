"""Detection accuracy (COCO mAP), an energy estimate from operation counts, and the bandwidth
between the SNN and ANN parts of a hybrid network.

**mAP** — the COCO protocol (Lin et al., ECCV 2014), computed by the maintained reference
implementation ``pycocotools.cocoeval.COCOeval`` (never re-implemented here): average precision
over 101 recall points, averaged over classes; ``map`` averages over IoU thresholds
0.50:0.05:0.95 (the NeuroBench and Prophesee detection metric), ``map50`` is IoU 0.5.
Up to 100 detections per image count.

**Energy** — E = N_AC·E_AC + N_MAC·E_MAC with the 45 nm, 0.9 V figures of Horowitz, "Computing's
energy problem (and what we can do about it)", ISSCC 2014: 32-bit float add 0.9 pJ, 32-bit float
multiply 3.7 pJ, so E_AC = 0.9 pJ and E_MAC = 0.9 + 3.7 = 4.6 pJ (values as tabulated from
Horowitz in e.g. Front. Neurol. PMC8934428, Table 3). Memory access is not counted.

**Bandwidth SNN → ANN** (Kugele et al., GCPR 2021, analyse it): the spikes of the backbone's last
layer must reach the ANN head once per window of duration T_w.

- address-event (AER): each spike is sent as the address of its neuron,
  ⌈log₂ N⌉ bits for N neurons: B_AER = n_spikes·⌈log₂ N⌉ / T_w;
- dense accumulated map: each of the N neurons sends its spike count over T bins,
  ⌈log₂(T + 1)⌉ bits: B_dense = N·⌈log₂(T + 1)⌉ / T_w.
"""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np

E_AC_PJ = 0.9
E_MAC_PJ = 4.6
ENERGY_SOURCE = ("Horowitz, ISSCC 2014, 45 nm: fp32 add 0.9 pJ (AC), fp32 add + mult "
                 "0.9 + 3.7 = 4.6 pJ (MAC)")


def energy_joules(acs: float, macs: float, e_ac_pj: float = E_AC_PJ,
                  e_mac_pj: float = E_MAC_PJ) -> float:
    """Energy estimate (J) of ``acs`` accumulates and ``macs`` multiply-accumulates."""
    if acs < 0 or macs < 0:
        raise ValueError(f"operation counts must be ≥ 0, got acs={acs}, macs={macs}")
    return (acs * e_ac_pj + macs * e_mac_pj) * 1e-12


def aer_bits_per_s(n_spikes: float, n_neurons: int, window_s: float) -> float:
    """Address-event bandwidth: n_spikes addresses of ⌈log₂ n_neurons⌉ bits per window."""
    if n_neurons < 1 or window_s <= 0:
        raise ValueError(f"need n_neurons ≥ 1 and window_s > 0, got {n_neurons}, {window_s}")
    return n_spikes * max(1, math.ceil(math.log2(n_neurons))) / window_s


def dense_bits_per_s(n_neurons: int, n_bins: int, window_s: float) -> float:
    """Dense bandwidth: every neuron's count over n_bins bins (⌈log₂(n_bins + 1)⌉ bits) per window."""
    if n_neurons < 1 or n_bins < 1 or window_s <= 0:
        raise ValueError(f"need n_neurons, n_bins ≥ 1 and window_s > 0, got "
                         f"{n_neurons}, {n_bins}, {window_s}")
    return n_neurons * math.ceil(math.log2(n_bins + 1)) / window_s


def coco_map(gt_per_image, dets_per_image, n_classes: int, height: int, width: int) -> dict:
    """COCO mAP with pycocotools.

    gt_per_image : list of arrays [n, 5] (x, y, w, h, class) in px
    dets_per_image : list of (boxes [m, 4] x, y, w, h; scores [m]; classes [m])
    Returns {"map": mAP@[.5:.95], "map50": mAP@.5, "map75": mAP@.75}. Images without ground
    truth still count their detections as false positives. With no ground truth at all → ValueError.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    if len(gt_per_image) != len(dets_per_image):
        raise ValueError(f"{len(gt_per_image)} ground-truth images but {len(dets_per_image)} "
                         "detection images")
    images, anns = [], []
    for i, gt in enumerate(gt_per_image):
        images.append({"id": i, "height": int(height), "width": int(width)})
        for x, y, w, h, c in np.asarray(gt, float).reshape(-1, 5):
            if not 0 <= c < n_classes:
                raise ValueError(f"image {i}: class id {c} outside 0..{n_classes - 1}")
            anns.append({"id": len(anns) + 1, "image_id": i, "category_id": int(c),
                         "bbox": [float(x), float(y), float(w), float(h)], "area": float(w * h),
                         "iscrowd": 0})
    if not anns:
        raise ValueError("coco_map: no ground-truth boxes")
    dets = []
    for i, (boxes, scores, classes) in enumerate(dets_per_image):
        for b, s, c in zip(np.asarray(boxes, float).reshape(-1, 4), scores, classes):
            dets.append({"image_id": i, "category_id": int(c), "bbox": [float(v) for v in b],
                         "score": float(s)})
    if not dets:
        return {"map": 0.0, "map50": 0.0, "map75": 0.0}
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {"images": images, "annotations": anns,
                      "categories": [{"id": k, "name": str(k)} for k in range(n_classes)]}
        gt.createIndex()
        dt = gt.loadRes(dets)
        ev = COCOeval(gt, dt, iouType="bbox")
        # only what is reported: the "all" object-size range and 100 detections per image (the
        # other ranges and limits of COCOeval's summary are matched and accumulated separately,
        # so leaving them out changes none of these numbers)
        ev.params.areaRng, ev.params.areaRngLbl = ev.params.areaRng[:1], ev.params.areaRngLbl[:1]
        ev.params.maxDets = ev.params.maxDets[-1:]
        ev.evaluate()
        ev.accumulate()
    precision = ev.eval["precision"][:, :, :, 0, 0]          # [IoU threshold, recall, class]
    iou = ev.params.iouThrs

    def mean_ap(rows):  # COCOeval.summarize's average: cells of classes without ground truth are -1
        p = precision[rows]
        return max(float(p[p > -1].mean()), 0.0) if (p > -1).any() else 0.0

    return {"map": mean_ap(slice(None)), "map50": mean_ap(iou == 0.5), "map75": mean_ap(iou == 0.75)}

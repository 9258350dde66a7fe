"""Hybrid SNN–ANN detector and classifier for event-camera input, and the ANN baseline.

After Kugele, Pfeil, Pfeiffer & Chicca, "Hybrid SNN-ANN: Energy-Efficient Classification and
Object Detection for Event-Based Vision", GCPR 2021 (arXiv 2112.03423): a spiking convolutional
backbone turns binned events into spikes; the spikes of its last layer are *accumulated* over the
time bins and handed, as a dense feature map, to an ANN head; the whole is trained end to end
with surrogate gradients. Only the head changes between detection and classification.

Backbone (input x[t] ∈ {0, 1}^{2×H×W}, t = 1 … T time bins; ℓ = 1 … L stride-2 3×3 conv layers)::

    a_ℓ[t] = BN_ℓ(W_ℓ ∗ s_{ℓ−1}[t])                    (s_0[t] = x[t])
    hybrid:  s_ℓ[t] = LIF(a_ℓ[t])  (neurobench.nn.lif_step: u ← α u + a, spike at u ≥ 1,
                                     subtractive reset; surrogate gradient)
    ANN:     s_ℓ[t] = ReLU(a_ℓ[t])  (same graph, no state)
    features F = (1/T) Σ_t s_L[t]                      (accumulated spike counts / mean activation)

Detection head (YOLO-style, one box per cell of the stride-2^L grid; Redmon et al., CVPR 2016):
3×3 conv → ReLU → 1×1 conv to (1 + 4 + K) maps per cell: objectness o, box (t_x, t_y, t_w, t_h),
class logits. A cell (i, j) predicts centre ((j + σ(t_x))·s, (i + σ(t_y))·s) and size
(A·e^{t_w}, A·e^{t_h}) with stride s and anchor size A (px). Classification head: 3×3 conv →
ReLU → global average pool → linear.

The convolutions run on all time bins at once (time folded into the batch); only the LIF state
update loops over the T bins. Shapes: input ``[T, B, 2, H, W]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from neurobench.nn.functional import LIFParameters, LIFState, lif_step


class ConvBackbone(nn.Module):
    """Stride-2 conv layers with LIF (``spiking=True``) or ReLU activations, accumulated over time.

    ``forward(x[T, B, C, H, W])`` → features ``[B, C_L, H/2^L, W/2^L]``; with
    ``record=True`` also the list of each layer's activations ``[T, B, C_ℓ, H_ℓ, W_ℓ]``.
    """

    def __init__(self, channels=(8, 16, 32), in_channels: int = 2, spiking: bool = True,
                 lif: LIFParameters = LIFParameters(alpha=0.8, reset="subtract")):
        super().__init__()
        if len(channels) < 1 or min(channels) < 1:
            raise ValueError(f"channels must be a non-empty list of positive ints, got {channels}")
        self.spiking = spiking
        self.lif = lif
        self.stride = 2 ** len(channels)
        self.out_channels = channels[-1]
        convs, norms = [], []
        c_in = in_channels
        for c in channels:
            convs.append(nn.Conv2d(c_in, c, 3, stride=2, padding=1, bias=False))
            norms.append(nn.BatchNorm2d(c))
            c_in = c
        self.convs = nn.ModuleList(convs)
        self.norms = nn.ModuleList(norms)

    def forward(self, x: torch.Tensor, record: bool = False):
        if x.dim() != 5:
            raise ValueError(f"backbone expects [T, B, C, H, W], got shape {tuple(x.shape)}")
        T, B = x.shape[:2]
        if x.shape[3] % self.stride or x.shape[4] % self.stride:
            raise ValueError(f"height and width must be multiples of {self.stride}, "
                             f"got {tuple(x.shape[3:])}")
        acts = []
        s = x
        for conv, norm in zip(self.convs, self.norms):
            a = norm(conv(s.reshape(T * B, *s.shape[2:])))
            a = a.reshape(T, B, *a.shape[1:])
            s = self._lif(a) if self.spiking else F.relu(a)
            if record:
                acts.append(s.detach())
        features = s.mean(dim=0)
        return (features, acts) if record else features

    def _lif(self, a: torch.Tensor) -> torch.Tensor:
        state = LIFState(torch.zeros_like(a[0]), torch.zeros_like(a[0]))
        out = []
        for t in range(a.shape[0]):
            s, state = lif_step(a[t], state, self.lif)
            out.append(s)
        return torch.stack(out)


class DetectionHead(nn.Module):
    """YOLO-style head: one box per cell, ``1 + 4 + n_classes`` output maps."""

    def __init__(self, in_channels: int, n_classes: int, hidden: int = 32):
        super().__init__()
        self.n_classes = n_classes
        self.conv = nn.Conv2d(in_channels, hidden, 3, padding=1)
        self.out = nn.Conv2d(hidden, 5 + n_classes, 1)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return self.out(F.relu(self.conv(f)))


class ClassificationHead(nn.Module):
    """3×3 conv → ReLU → global average pool → linear to class logits."""

    def __init__(self, in_channels: int, n_classes: int, hidden: int = 32):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, hidden, 3, padding=1)
        self.fc = nn.Linear(hidden, n_classes)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return self.fc(F.relu(self.conv(f)).mean(dim=(2, 3)))


class HybridNet(nn.Module):
    """Backbone (spiking or not) + head. ``forward(x[T, B, 2, H, W])`` → head output; with
    ``record=True`` → (output, backbone activations, accumulated features)."""

    def __init__(self, backbone: ConvBackbone, head: nn.Module):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x, record: bool = False):
        if record:
            f, acts = self.backbone(x, record=True)
            return self.head(f), acts, f.detach()
        return self.head(self.backbone(x))


def build(task: str, spiking: bool, n_classes: int, channels=(8, 16, 32), head_hidden: int = 32,
          lif_alpha: float = 0.8, in_channels: int = 2) -> HybridNet:
    """The hybrid (``spiking=True``) or ANN model for ``task`` 'detection' or 'classification'."""
    lif = LIFParameters(alpha=lif_alpha, reset="subtract")
    bb = ConvBackbone(tuple(channels), in_channels, spiking=spiking, lif=lif)
    if task == "detection":
        head = DetectionHead(bb.out_channels, n_classes, head_hidden)
    elif task == "classification":
        head = ClassificationHead(bb.out_channels, n_classes, head_hidden)
    else:
        raise ValueError(f"task must be 'detection' or 'classification', got {task!r}")
    return HybridNet(bb, head)


# -- detection targets, loss and decoding --------------------------------------------------------
@dataclass(frozen=True)
class GridSpec:
    """The output grid: stride (px per cell), anchor size A (px), grid rows × cols."""

    stride: int
    anchor_px: float
    rows: int
    cols: int


def encode_targets(boxes_per_image, grid: GridSpec, n_classes: int) -> torch.Tensor:
    """Targets [B, 6, rows, cols]: objectness, σ-space centre offsets (x, y), log-size (w, h)
    relative to the anchor, class id. Each box goes to the cell holding its centre; when two
    centres share a cell the larger box wins. Boxes: arrays [n, 5] of (x, y, w, h, class) px."""
    tgt = torch.zeros(len(boxes_per_image), 6, grid.rows, grid.cols)
    for b, boxes in enumerate(boxes_per_image):
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 5)
        for x, y, w, h, c in sorted(boxes, key=lambda r: r[2] * r[3]):   # larger ones last
            if not 0 <= c < n_classes:
                raise ValueError(f"class id {c} outside 0..{n_classes - 1}")
            cx, cy = (x + w / 2) / grid.stride, (y + h / 2) / grid.stride
            j, i = min(int(cx), grid.cols - 1), min(int(cy), grid.rows - 1)
            tgt[b, :, i, j] = torch.tensor([1.0, cx - j, cy - i, math.log(max(w, 1) / grid.anchor_px),
                                            math.log(max(h, 1) / grid.anchor_px), c])
    return tgt


def detection_loss(out: torch.Tensor, tgt: torch.Tensor, box_weight: float = 5.0) -> torch.Tensor:
    """BCE on objectness (all cells) + box_weight·L1 on (σ(t_x), σ(t_y), t_w, t_h) and
    cross-entropy on classes over the cells that hold an object; averaged over the batch."""
    obj = tgt[:, 0]
    pos = obj > 0
    loss = F.binary_cross_entropy_with_logits(out[:, 0], obj, reduction="sum")
    if pos.any():
        pred_xy = torch.sigmoid(out[:, 1:3]).permute(0, 2, 3, 1)[pos]
        pred_wh = out[:, 3:5].permute(0, 2, 3, 1)[pos]
        t = tgt[:, 1:5].permute(0, 2, 3, 1)[pos]
        loss = loss + box_weight * (F.l1_loss(pred_xy, t[:, :2], reduction="sum")
                                    + F.l1_loss(pred_wh, t[:, 2:], reduction="sum"))
        logits = out[:, 5:].permute(0, 2, 3, 1)[pos]
        loss = loss + F.cross_entropy(logits, tgt[:, 5][pos].long(), reduction="sum")
    return loss / out.shape[0]


def decode(out: torch.Tensor, grid: GridSpec, score_min: float = 0.01, iou_max: float = 0.5,
           max_dets: int = 100):
    """Per image: (boxes [n, 4] x, y, w, h px, scores [n], classes [n]) after per-class greedy
    NMS. Every cell proposes one box per class with score σ(o)·softmax(class)."""
    out = out.detach().float().cpu()
    B, _, R, C = out.shape
    jj, ii = torch.meshgrid(torch.arange(C), torch.arange(R), indexing="xy")
    cx = (jj + torch.sigmoid(out[:, 1])) * grid.stride
    cy = (ii + torch.sigmoid(out[:, 2])) * grid.stride
    w = grid.anchor_px * torch.exp(out[:, 3].clamp(max=8))
    h = grid.anchor_px * torch.exp(out[:, 4].clamp(max=8))
    scores = torch.sigmoid(out[:, :1]) * torch.softmax(out[:, 5:], dim=1)     # [B, K, R, C]
    xywh = torch.stack([cx - w / 2, cy - h / 2, w, h], dim=-1).reshape(B, R * C, 4).numpy()
    scores = scores.reshape(B, -1, R * C).numpy()
    results = []
    for b in range(B):
        keep_boxes, keep_scores, keep_cls = [], [], []
        for k in range(scores.shape[1]):
            sel = np.nonzero(scores[b, k] >= score_min)[0]
            for idx in nms(xywh[b, sel], scores[b, k, sel], iou_max):
                keep_boxes.append(xywh[b, sel[idx]])
                keep_scores.append(scores[b, k, sel[idx]])
                keep_cls.append(k)
        order = np.argsort(-np.asarray(keep_scores), kind="stable")[:max_dets]
        results.append((np.asarray(keep_boxes, dtype=np.float64).reshape(-1, 4)[order],
                        np.asarray(keep_scores, dtype=np.float64)[order],
                        np.asarray(keep_cls, dtype=np.int64)[order]))
    return results


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix of boxes a [n, 4] and b [m, 4] in (x, y, w, h)."""
    a = np.asarray(a, float).reshape(-1, 4)
    b = np.asarray(b, float).reshape(-1, 4)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 0] + a[:, None, 2], b[None, :, 0] + b[None, :, 2])
    y2 = np.minimum(a[:, None, 1] + a[:, None, 3], b[None, :, 1] + b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = a[:, None, 2] * a[:, None, 3] + b[None, :, 2] * b[None, :, 3] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_max: float) -> list[int]:
    """Greedy non-maximum suppression: indices kept, by decreasing score."""
    order = list(np.argsort(-np.asarray(scores), kind="stable"))
    iou = box_iou(boxes, boxes)
    keep = []
    while order:
        i = order.pop(0)
        keep.append(int(i))
        order = [j for j in order if iou[i, j] <= iou_max]
    return keep

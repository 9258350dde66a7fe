"""Dense representations of an event stream for convolutional networks.

Events e_k = (t_k, x_k, y_k, p_k) of a window [t₀, t₁) are split into B equal time bins of width
Δ = (t₁ − t₀)/B (bin b holds t₀ + bΔ ≤ t_k < t₀ + (b+1)Δ).

- **Histogram** (event frames; Maqueda et al., CVPR 2018): per bin, polarity and pixel the
  number of events, H[b, p, y, x] = #{k : bin(t_k) = b, p_k = p, (x_k, y_k) = (x, y)};
  channel 0 = OFF, 1 = ON. ``binary=True`` keeps only presence (min(H, 1)): a spike tensor.
- **Voxel grid** (Zhu et al., CVPR 2019): polarities signed (±1) and spread over the two nearest
  bins by linear interpolation in normalised time t* = (B − 1)(t_k − t₀)/(t₁ − t₀):
  V[b, y, x] = Σ_k p_k max(0, 1 − |b − t*_k|).

Both are computed by one ``np.bincount`` over flat indices (no Python loop over events).
Inputs are structured event arrays with fields t (µs), x, y, p (1 = ON, 0 = OFF), as read by
:mod:`neurobench.data.gen1`.
"""

from __future__ import annotations

import numpy as np


def _window(events: np.ndarray, t_start: float, t_end: float, n_bins: int,
            height: int, width: int) -> np.ndarray:
    if n_bins < 1:
        raise ValueError(f"n_bins must be ≥ 1, got {n_bins}")
    if height < 1 or width < 1:
        raise ValueError(f"height and width must be ≥ 1, got {height}×{width}")
    if not t_end > t_start:
        raise ValueError(f"the window needs t_end > t_start, got [{t_start}, {t_end})")
    t = events["t"]
    lo, hi = np.searchsorted(t, [t_start, t_end], side="left")
    ev = events[lo:hi]
    if ev.size and (ev["x"].max() >= width or ev["y"].max() >= height):
        raise ValueError(f"event coordinates exceed the {width}×{height} frame")
    return ev


def histogram(events: np.ndarray, t_start: float, t_end: float, n_bins: int,
              height: int, width: int, binary: bool = False) -> np.ndarray:
    """Event counts [n_bins, 2, height, width] (float32) of the window [t_start, t_end) (µs).

    Events must be sorted by time. ``binary`` clips counts to 1 (event present or not).
    """
    ev = _window(events, t_start, t_end, n_bins, height, width)
    b = ((ev["t"] - t_start) * n_bins // (t_end - t_start)).astype(np.int64)
    b = np.minimum(b, n_bins - 1)
    flat = ((b * 2 + ev["p"].astype(np.int64)) * height + ev["y"]) * width + ev["x"]
    h = np.bincount(flat, minlength=n_bins * 2 * height * width).astype(np.float32)
    h = h.reshape(n_bins, 2, height, width)
    return np.minimum(h, 1.0) if binary else h


def voxel_grid(events: np.ndarray, t_start: float, t_end: float, n_bins: int,
               height: int, width: int) -> np.ndarray:
    """Signed, time-interpolated voxel grid [n_bins, height, width] (float32)."""
    ev = _window(events, t_start, t_end, n_bins, height, width)
    ts = (n_bins - 1) * (ev["t"] - t_start) / float(t_end - t_start)
    left = np.floor(ts).astype(np.int64)
    frac = ts - left
    pol = np.where(ev["p"] > 0, 1.0, -1.0)
    pix = ev["y"].astype(np.int64) * width + ev["x"]
    n = n_bins * height * width
    grid = np.zeros(n, dtype=np.float64)
    for bins, w in ((left, 1.0 - frac), (left + 1, frac)):
        ok = (bins >= 0) & (bins < n_bins) & (w > 0)
        grid += np.bincount(bins[ok] * height * width + pix[ok], weights=(pol * w)[ok], minlength=n)
    return grid.reshape(n_bins, height, width).astype(np.float32)


def labelled_windows(events: np.ndarray, boxes: np.ndarray, window_us: float, n_bins: int,
                     height: int, width: int, binary: bool = True, max_windows: int | None = None):
    """Detection samples of one recording: for every distinct label time t of ``boxes``
    (Gen1 records) with t ≥ window_us, the histogram of the events in [t − window_us, t).
    ``max_windows`` keeps at most that many label times, evenly spaced (first and last kept).

    Returns (X [N, n_bins, 2, height, width] float32, targets: list of arrays [n, 5] of
    (x, y, w, h, class_id), label times [N] in µs).
    """
    if window_us <= 0:
        raise ValueError(f"window_us must be > 0, got {window_us}")
    times = np.unique(boxes["t"])
    times = times[times >= window_us]
    if max_windows is not None and len(times) > max_windows:
        if max_windows < 1:
            raise ValueError(f"max_windows must be ≥ 1, got {max_windows}")
        times = times[np.unique(np.linspace(0, len(times) - 1, max_windows).round().astype(int))]
    X = np.zeros((len(times), n_bins, 2, height, width), dtype=np.float32)
    targets = []
    for k, t in enumerate(times):
        X[k] = histogram(events, t - window_us, t, n_bins, height, width, binary=binary)
        b = boxes[boxes["t"] == t]
        targets.append(np.stack([b["x"], b["y"], b["w"], b["h"], b["class_id"]], axis=1)
                       .astype(np.float64))
    return X, targets, times

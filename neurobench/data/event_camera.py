"""Event-camera emulator and a synthetic detection dataset in the Prophesee Gen1 layout.

The talk's DVS slide made concrete: a dynamic vision sensor pixel is a level-crossing
(Lebesgue) sampler of its log intensity (Lichtsteiner, Posch & Delbruck, IEEE JSSC 43:566, 2008).
Pixel (x, y) with log intensity L(t) = ln(I(t) + ε) emits

    ON  (p = 1) when L(t) − L_ref ≥ +C_xy,   OFF (p = 0) when L(t) − L_ref ≤ −C_xy,
    then L_ref ← L_ref ± C_xy, and it stays blind for a refractory period τ_ref,

with a contrast threshold that differs from pixel to pixel (fixed-pattern mismatch):
C_xy = C · max(0.25, 1 + σ_C ξ_xy), ξ_xy ~ N(0, 1). Background-activity noise (leakage /
shot noise) adds events at random pixels, times and polarities, a Poisson process of rate
r_noise per pixel. The per-pixel crossing itself is :func:`neurobench.data.level_crossing.encode`
(compiled), applied to all H·W pixels at once; timestamps are rounded to µs as in Gen1 files.

Scenes: a static textured background (Gaussian-smoothed noise) and moving objects of several
classes (rectangle, ellipse, triangle), each with its own size, aspect ratio, speed, direction,
brightness and a sinusoidal grating texture that moves with it; objects are drawn far to near,
so nearer objects occlude farther ones, and static vertical occluder bars hide objects passing
behind them. Edges are anti-aliased (coverage from a signed distance), so intensities change
smoothly as an edge sweeps over a pixel. Objects bounce off the frame borders.

Ground truth at every label time: the box of the *visible* pixels of each object (coverage
after occlusion > ½), kept when at least ``min_visible_fraction`` of its area is visible.
Everything is drawn from one ``numpy.random.Generator`` seeded per sequence: the same seed gives
the same events and boxes. :func:`write_dataset` writes ``<stem>_td.dat`` + ``<stem>_bbox.npy``
pairs (:mod:`neurobench.data.gen1`), so the Gen1 reader loads synthetic and real data alike.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter

from neurobench.data import gen1
from neurobench.data.level_crossing import encode
from neurobench.errors import DatasetError

log = logging.getLogger("neurobench")

CLASSES = ("rectangle", "ellipse", "triangle")


@dataclass(frozen=True)
class DVSParameters:
    """Pixel model.

    contrast_threshold : nominal log-intensity step C (dimensionless; DVS128: ~0.15)
    threshold_mismatch : relative standard deviation σ_C of C across pixels
    refractory_us : refractory period τ_ref (µs)
    noise_rate_hz : background-activity events per pixel per second
    log_eps : ε in ln(I + ε) (intensity units, I ∈ [0, 1])
    """

    contrast_threshold: float = 0.15
    threshold_mismatch: float = 0.03
    refractory_us: float = 100.0
    noise_rate_hz: float = 0.1
    log_eps: float = 0.01

    def __post_init__(self):
        _check(self.contrast_threshold > 0, "contrast_threshold", self.contrast_threshold, "> 0")
        _check(self.threshold_mismatch >= 0, "threshold_mismatch", self.threshold_mismatch, "≥ 0")
        _check(self.refractory_us >= 0, "refractory_us", self.refractory_us, "≥ 0")
        _check(self.noise_rate_hz >= 0, "noise_rate_hz", self.noise_rate_hz, "≥ 0")
        _check(self.log_eps > 0, "log_eps", self.log_eps, "> 0")


@dataclass(frozen=True)
class SceneParameters:
    """Scene and labelling.

    width_px, height_px : sensor size
    duration_s : length of one sequence
    frame_rate_hz : rendering rate (events are interpolated between rendered frames)
    n_objects : (min, max) moving objects per sequence
    size_px : (min, max) object height in px (the width follows from the class aspect ratio)
    speed_px_s : (min, max) object speed
    n_occluders : static vertical occluder bars
    label_period_ms : time between two label times; first_label_ms : the first one
    min_visible_fraction : an object is labelled when this fraction of its area is visible
    """

    width_px: int = 64
    height_px: int = 48
    duration_s: float = 1.0
    frame_rate_hz: float = 1000.0
    n_objects: tuple = (1, 3)
    size_px: tuple = (8.0, 16.0)
    speed_px_s: tuple = (40.0, 120.0)
    n_occluders: int = 1
    label_period_ms: float = 50.0
    first_label_ms: float = 100.0
    min_visible_fraction: float = 0.4

    def __post_init__(self):
        _check(self.width_px >= 8 and self.height_px >= 8, "width_px/height_px",
               (self.width_px, self.height_px), "≥ 8")
        _check(self.duration_s > 0, "duration_s", self.duration_s, "> 0")
        _check(self.frame_rate_hz > 0, "frame_rate_hz", self.frame_rate_hz, "> 0")
        _range(self.n_objects, "n_objects", 0)
        _range(self.size_px, "size_px", 1e-9)
        _range(self.speed_px_s, "speed_px_s", 0)
        _check(max(self.size_px) * 1.6 < min(self.width_px, self.height_px), "size_px",
               self.size_px, "small enough for objects to fit in the frame")
        _check(self.n_occluders >= 0, "n_occluders", self.n_occluders, "≥ 0")
        _check(self.label_period_ms > 0, "label_period_ms", self.label_period_ms, "> 0")
        _check(0 <= self.first_label_ms < self.duration_s * 1e3, "first_label_ms",
               self.first_label_ms, "within the sequence")
        _check(0 < self.min_visible_fraction <= 1, "min_visible_fraction",
               self.min_visible_fraction, "in (0, 1]")


def _check(ok, key, value, rule):
    if not ok:
        raise ValueError(f"{key}: must be {rule}, got {value!r}")


def _range(pair, key, lowest):
    if len(pair) != 2 or not (lowest <= pair[0] <= pair[1]):
        raise ValueError(f"{key}: expected (min, max) with {lowest} ≤ min ≤ max, got {pair!r}")


def from_config(d: dict) -> tuple[SceneParameters, DVSParameters]:
    """Split a flat config mapping into (SceneParameters, DVSParameters); other keys are
    ignored (split sizes, seed); list values become tuples."""
    def pick(cls):
        names = {f.name for f in fields(cls)}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items() if k in names})
    return pick(SceneParameters), pick(DVSParameters)


# -- rendering --------------------------------------------------------------------------------
_ASPECT = {"rectangle": 1.8, "ellipse": 0.5, "triangle": 1.0}     # width / height per class


def _coverage(kind: str, u: np.ndarray, v: np.ndarray, a: float, b: float) -> np.ndarray:
    """Anti-aliased coverage in [0, 1] of a shape with half-width a, half-height b, centred at
    the origin of local coordinates (u, v) in px: clip(½ − signed distance, 0, 1)."""
    if kind == "rectangle":
        d = np.maximum(np.abs(u) - a, np.abs(v) - b)
    elif kind == "ellipse":
        d = (np.sqrt((u / a) ** 2 + (v / b) ** 2) - 1.0) * min(a, b)
    elif kind == "triangle":            # apex at (0, −b), base from (−a, b) to (a, b)
        norm = np.hypot(2 * b, a)
        side = (np.abs(u) * 2 * b - (v + b) * a) / norm
        d = np.maximum(v - b, side)
    else:
        raise ValueError(f"unknown object class {kind!r}")
    return np.clip(0.5 - d, 0.0, 1.0)


def _area(kind: str, a: float, b: float) -> float:
    return {"rectangle": 4 * a * b, "ellipse": np.pi * a * b, "triangle": 2 * a * b}[kind]


def _fold(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Bounce between lo and hi: reflect the free path x at the walls."""
    span = hi - lo
    if span <= 0:
        return np.full_like(x, lo)
    y = np.mod(x - lo, 2 * span)
    return lo + span - np.abs(y - span)


@dataclass
class Sequence:
    """One rendered and encoded sequence.

    events : structured array (t µs, x, y, p), sorted by time
    boxes : Gen1 box records (t µs, x, y, w, h, class_id, track_id, class_confidence)
    frames : [T, H, W] intensity (only kept when asked for)
    n_signal_events, n_noise_events : events from level crossings / from background noise
    """

    events: np.ndarray
    boxes: np.ndarray
    height: int
    width: int
    frames: np.ndarray | None = None
    n_signal_events: int = 0
    n_noise_events: int = 0


def render(scene: SceneParameters, rng: np.random.Generator):
    """Render intensity frames and the ground-truth boxes.

    Returns (times_s [T], frames [T, H, W] float64 in (0, 1], boxes [BBOX_DTYPE]).
    """
    H, W = scene.height_px, scene.width_px
    n_frames = int(round(scene.duration_s * scene.frame_rate_hz)) + 1
    times = np.arange(n_frames) / scene.frame_rate_hz
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64) + 0.5

    noise = gaussian_filter(rng.standard_normal((H, W)), sigma=2.0)
    background = np.clip(0.35 + 0.12 * noise / (noise.std() + 1e-12), 0.05, 1.0)
    frames = np.broadcast_to(background, (n_frames, H, W)).copy()

    n_obj = int(rng.integers(scene.n_objects[0], scene.n_objects[1] + 1))
    label_idx = _label_frames(scene, times)
    visible_cov = []        # per object [n_labels, H, W] coverage before occlusion by nearer ones
    objects = []
    for k in range(n_obj):  # drawn far (k = 0) to near
        kind = CLASSES[int(rng.integers(len(CLASSES)))]
        height = rng.uniform(*scene.size_px)
        b = height / 2
        a = b * _ASPECT[kind] * rng.uniform(0.85, 1.15)
        speed = rng.uniform(*scene.speed_px_s)
        angle = rng.uniform(0, 2 * np.pi)
        x0 = rng.uniform(a + 1, W - a - 1)
        y0 = rng.uniform(b + 1, H - b - 1)
        cx = _fold(x0 + speed * np.cos(angle) * times, a + 1, W - a - 1)
        cy = _fold(y0 + speed * np.sin(angle) * times, b + 1, H - b - 1)
        level = rng.uniform(0.55, 0.95) if rng.random() < 0.5 else rng.uniform(0.05, 0.2)
        freq = rng.uniform(0.08, 0.2)
        theta = rng.uniform(0, np.pi)
        phase = rng.uniform(0, 2 * np.pi)
        # Draw in a patch that follows the object (its box plus a margin, kept inside the frame).
        ph, pw = min(H, int(np.ceil(2 * b)) + 4), min(W, int(np.ceil(2 * a)) + 4)
        r0 = np.clip(np.floor(cy - b).astype(int) - 2, 0, H - ph)
        c0 = np.clip(np.floor(cx - a).astype(int) - 2, 0, W - pw)
        rows = r0[:, None, None] + np.arange(ph)[None, :, None]
        cols = c0[:, None, None] + np.arange(pw)[None, None, :]
        u = cols + 0.5 - cx[:, None, None]
        v = rows + 0.5 - cy[:, None, None]
        cov = _coverage(kind, u, v, a, b)
        texture = level * (1 + 0.3 * np.sin(2 * np.pi * freq * (u * np.cos(theta) + v * np.sin(theta))
                                             + phase))
        tidx = np.arange(n_frames)[:, None, None]
        frames[tidx, rows, cols] = (frames[tidx, rows, cols] * (1 - cov)
                                    + np.clip(texture, 0.02, 1.0) * cov)
        full = np.zeros((len(label_idx), H, W))
        full[np.arange(len(label_idx))[:, None, None], rows[label_idx], cols[label_idx]] = cov[label_idx]
        for prev in visible_cov:                 # this object hides the farther ones
            prev *= 1 - full
        visible_cov.append(full)
        objects.append((kind, _area(kind, a, b)))

    for _ in range(scene.n_occluders):          # static bars in front of everything
        half = rng.uniform(1.5, 3.0)
        xc = rng.uniform(0.2 * W, 0.8 * W)
        bar = np.clip(0.5 - (np.abs(xx - xc) - half), 0, 1)
        frames = frames * (1 - bar) + rng.uniform(0.2, 0.5) * bar
        for prev in visible_cov:
            prev *= 1 - bar

    boxes = []
    for k, ((kind, area), vis) in enumerate(zip(objects, visible_cov)):
        for j, fi in enumerate(label_idx):
            mask = vis[j] > 0.5
            n_vis = int(mask.sum())
            if n_vis == 0 or n_vis < scene.min_visible_fraction * area:
                continue
            ys, xs = np.nonzero(mask)
            boxes.append((int(round(times[fi] * 1e6)), xs.min(), ys.min(), xs.max() - xs.min() + 1,
                          ys.max() - ys.min() + 1, CLASSES.index(kind), k, 1.0))
    box_arr = np.array(boxes, dtype=gen1.BBOX_DTYPE) if boxes else np.zeros(0, gen1.BBOX_DTYPE)
    box_arr = box_arr[np.lexsort((box_arr["track_id"], box_arr["t"]))]
    return times, frames, box_arr


def _label_frames(scene: SceneParameters, times: np.ndarray) -> np.ndarray:
    label_t = np.arange(scene.first_label_ms * 1e-3, scene.duration_s + 1e-12,
                        scene.label_period_ms * 1e-3)
    return np.unique(np.searchsorted(times, label_t - 1e-9))


def to_events(times_s: np.ndarray, frames: np.ndarray, dvs: DVSParameters,
              rng: np.random.Generator) -> tuple[np.ndarray, int, int]:
    """DVS events of intensity frames [T, H, W] sampled at ``times_s``.

    Returns (events sorted by time [gen1.EVENT_DTYPE], n_signal, n_noise).
    """
    T, H, W = frames.shape
    n_px = H * W
    thresholds = dvs.contrast_threshold * np.maximum(
        0.25, 1 + dvs.threshold_mismatch * rng.standard_normal(n_px))
    log_i = np.log(frames.reshape(T, n_px) + dvs.log_eps)
    lc = encode(log_i, thresholds, t=times_s, refractory=dvs.refractory_us * 1e-6)
    duration = times_s[-1] - times_s[0]
    n_noise = int(rng.poisson(dvs.noise_rate_hz * n_px * duration))
    noise_t = times_s[0] + rng.uniform(0, duration, n_noise)
    noise_c = rng.integers(0, n_px, n_noise)
    noise_p = rng.integers(0, 2, n_noise)

    t_us = np.round(np.concatenate([lc.t, noise_t]) * 1e6).astype(np.int64)
    ch = np.concatenate([lc.channel, noise_c])
    pol = np.concatenate([(lc.polarity > 0).astype(np.uint8), noise_p.astype(np.uint8)])
    order = np.argsort(t_us, kind="stable")
    ev = np.empty(t_us.size, dtype=gen1.EVENT_DTYPE)
    ev["t"] = t_us[order]
    ev["x"] = ch[order] % W
    ev["y"] = ch[order] // W
    ev["p"] = pol[order]
    return ev, int(lc.t.size), n_noise


def simulate(scene: SceneParameters, dvs: DVSParameters, seed: int,
             keep_frames: bool = False) -> Sequence:
    """Render one sequence and encode it; deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    times, frames, boxes = render(scene, rng)
    events, n_sig, n_noise = to_events(times, frames, dvs, rng)
    return Sequence(events, boxes, scene.height_px, scene.width_px,
                    frames if keep_frames else None, n_sig, n_noise)


def write_dataset(root, splits: dict, scene: SceneParameters, dvs: DVSParameters,
                  seed: int) -> dict:
    """Write ``root/<split>/seq_<i>_td.dat`` + ``_bbox.npy`` for each split.

    ``splits`` maps split name → number of sequences. Sequence i of split s is seeded from
    (seed, index of s, i), so splits never share a sequence. Writes ``root/manifest.json``
    (parameters, counts of events and boxes) and returns it.
    """
    root = Path(root)
    manifest = {"scene": asdict(scene), "dvs": asdict(dvs), "seed": seed, "classes": list(CLASSES),
                "height": scene.height_px, "width": scene.width_px, "splits": {}}
    for si, (split, n) in enumerate(splits.items()):
        if int(n) < 1:
            raise ValueError(f"split {split!r}: needs ≥ 1 sequence, got {n}")
        d = root / split
        d.mkdir(parents=True, exist_ok=True)
        for stale in list(d.glob("seq_*_td.dat")) + list(d.glob("seq_*_bbox.npy")):
            stale.unlink()                      # a smaller rerun must not keep old sequences
        stats = {"sequences": int(n), "signal_events": 0, "noise_events": 0, "boxes": 0}
        for i in range(int(n)):
            seq = simulate(scene, dvs, int(np.random.SeedSequence([seed, si, i]).generate_state(1)[0]))
            stem = d / f"seq_{i:04d}"
            gen1.write_dat(f"{stem}_td.dat", seq.events, seq.height, seq.width)
            gen1.write_bbox(f"{stem}_bbox.npy", seq.boxes)
            stats["signal_events"] += seq.n_signal_events
            stats["noise_events"] += seq.n_noise_events
            stats["boxes"] += int(seq.boxes.size)
        manifest["splits"][split] = stats
        log.info("event camera: %s: %d sequences, %d events, %d boxes", split, n,
                 stats["signal_events"] + stats["noise_events"], stats["boxes"])
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def read_manifest(root) -> dict:
    """The ``manifest.json`` of a dataset written by :func:`write_dataset`, checked: a mapping
    with its class names, sensor size and, for each split, a folder of recordings. Any problem
    raises :class:`~neurobench.errors.DatasetError` naming the file and the field."""
    root = Path(root)
    f = root / "manifest.json"
    if not f.is_file():
        raise DatasetError(f"{f} is missing: not a dataset written by the detection_dataset rule "
                           "(`snakemake --cores 2 detection_dataset`)")
    try:
        manifest = json.loads(f.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DatasetError(f, None, f"not readable JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise DatasetError(f, None, f"expected a mapping, got {type(manifest).__name__}")
    classes = manifest.get("classes")
    if not isinstance(classes, list) or not classes or not all(isinstance(c, str) for c in classes):
        raise DatasetError(f, "classes", f"must be a non-empty list of names, got {classes!r}")
    for key in ("height", "width"):
        v = manifest.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise DatasetError(f, key, f"must be a positive integer (px), got {v!r}")
    splits = manifest.get("splits")
    if not isinstance(splits, dict) or not splits:
        raise DatasetError(f, "splits", f"must map split names to their counts, got {splits!r}")
    for split in splits:
        if not (root / str(split)).is_dir():
            raise DatasetError(f, f"splits.{split}", f"names the folder {root / str(split)}, "
                               "which is missing")
    return manifest


def write_dataset_from_config(cfg: dict, root, seed: int) -> dict:
    """:func:`write_dataset` for a config mapping: scene and pixel keys (:func:`from_config`),
    ``n_train`` and ``n_val`` sequences, ``seed`` unless the mapping has its own."""
    scene, dvs = from_config(cfg)
    return write_dataset(root, {"train": cfg["n_train"], "val": cfg["n_val"]}, scene, dvs,
                         cfg.get("seed", seed))

"""Reader and writer of the Prophesee Gen1 Automotive Detection Dataset layout.

The Gen1 dataset (de Tournemire et al., "A Large Scale Event-based Detection Dataset for
Automotive", 2020, cited by Perot et al., NeurIPS 2020; arXiv id 2001.08499 unverified; ATIS
sensor, 304 × 240 px (unverified here; the toolbox calls it "qvga"), classes 0 = car,
1 = pedestrian) stores every recording as a pair of files sharing one stem:

``<stem>_td.dat`` — events, "Event2D" ``.dat`` format of Prophesee's toolbox
(prophesee-automotive-dataset-toolbox, ``src/io/dat_events_tools.py``):

- an ASCII header of lines starting with ``"% "`` (``% Height 240``, ``% Width 304``, ...);
- then one byte event type (0 = Event2D) and one byte event size (8);
- then little-endian records of 8 bytes: ``uint32 t`` (µs) and ``int32 data`` with
  ``x = data & 0x3FFF`` (bits 0–13), ``y = (data >> 14) & 0x3FFF`` (bits 14–27),
  ``p = (data >> 28) & 1`` (bit 28; 1 = ON, brightness increase).
  A file without header lines is read as type 0, size 8 (as the toolbox does).

``<stem>_bbox.npy`` — a numpy structured array of boxes (toolbox ``src/io/box_loading.py``):
``t`` (µs, int64), ``x, y, w, h`` (px, float32, top-left corner and size), ``class_id`` (uint32),
``track_id`` (uint32), ``class_confidence`` (float32). Older files name the time ``ts`` and the
confidence ``confidence``; both spellings are accepted.

For comparison with published Gen1 results the toolbox's README asks to drop boxes with a
diagonal under 30 px and boxes before 0.5 s of each recording (:func:`filter_boxes`).

Every malformed, truncated or out-of-range file raises :class:`~neurobench.errors.DatasetError`
(a ``ValueError``) naming the file and the field; nothing is repaired silently (a box with a
non-finite or negative size is an error, not a box to drop).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neurobench.data.files import load_npy
from neurobench.errors import DatasetError

EVENT_DTYPE = np.dtype([("t", "<i8"), ("x", "<u2"), ("y", "<u2"), ("p", "u1")])
"""In-memory events: t (µs), x, y (px), p (1 = ON, 0 = OFF)."""

BBOX_DTYPE = np.dtype({"names": ["t", "x", "y", "w", "h", "class_id", "track_id", "class_confidence"],
                       "formats": ["<i8", "<f4", "<f4", "<f4", "<f4", "<u4", "<u4", "<f4"],
                       "offsets": [0, 8, 12, 16, 20, 24, 28, 32], "itemsize": 40})
"""Gen1 / 1 Mpx box records as written by Prophesee's toolbox."""

GEN1_CLASSES = ("car", "pedestrian")
GEN1_SIZE = (240, 304)            # (height, width) of the ATIS sensor
_RAW_DTYPE = np.dtype([("t", "<u4"), ("data", "<i4")])
_COORD_MAX = 2 ** 14 - 1
_EVENT2D = 0


# -- events -----------------------------------------------------------------------------------
def write_dat(path, events: np.ndarray, height: int, width: int,
              date: str = "1970-01-01 00:00:00") -> Path:
    """Write events (fields t, x, y, p) as a Gen1 ``.dat`` file; returns the path.

    ``date`` goes into the header verbatim (fixed by default so that files are reproducible).
    """
    path = Path(path)
    height, width = int(height), int(width)
    if not (0 < height <= _COORD_MAX and 0 < width <= _COORD_MAX):
        raise ValueError(f"{path}: height and width must lie in 1..{_COORD_MAX}, got {height}×{width}")
    ev = _as_events(events, str(path))
    if ev.size:
        if ev["x"].max() >= width or ev["y"].max() >= height:
            raise ValueError(f"{path}: event coordinates exceed the {width}×{height} sensor")
        if ev["t"].min() < 0 or ev["t"].max() > np.iinfo(np.uint32).max:
            raise ValueError(f"{path}: timestamps must lie in 0..2^32−1 µs")
        if np.any(np.diff(ev["t"]) < 0):
            raise ValueError(f"{path}: events must be sorted by time")
    raw = np.empty(ev.size, dtype=_RAW_DTYPE)
    raw["t"] = ev["t"].astype(np.uint32)
    raw["data"] = (ev["x"].astype(np.int32) | (ev["y"].astype(np.int32) << 14)
                   | ((ev["p"] > 0).astype(np.int32) << 28))
    header = ("% Data file containing Event2D events.\n% Version 2\n"
              f"% Date {date}\n% Height {height}\n% Width {width}\n")
    with open(path, "wb") as fh:
        fh.write(header.encode("latin-1"))
        fh.write(bytes([_EVENT2D, _RAW_DTYPE.itemsize]))
        raw.tofile(fh)
    return path


@dataclass(frozen=True)
class DatHeader:
    """What the header of a ``.dat`` file says."""

    height: int | None
    width: int | None
    event_type: int
    event_size: int
    data_offset: int


def read_dat_header(path) -> DatHeader:
    """Parse the ASCII header, event type and event size of a ``.dat`` file."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(path, None, "no such event file")
    size = {"Height": None, "Width": None}
    n_lines = 0
    with open(path, "rb") as fh:
        while True:
            pos = fh.tell()
            line = fh.readline()
            if line[:2] != b"% ":
                break
            n_lines += 1
            words = line.decode("latin-1").split()
            if len(words) >= 3 and words[1] in size:
                try:
                    size[words[1]] = int(words[2])
                except ValueError:
                    raise DatasetError(path, words[1], f"bad header line {line!r}") from None
                if not 0 < size[words[1]] <= _COORD_MAX + 1:
                    raise DatasetError(path, words[1], f"{size[words[1]]} px is outside "
                                       f"1..{_COORD_MAX + 1}")
        fh.seek(pos)
        if n_lines:
            tb = fh.read(2)
            if len(tb) < 2:
                raise DatasetError(path, "event type/size", "truncated header (the two bytes "
                                   "after the header lines are missing)")
            ev_type, ev_size = tb[0], tb[1]
        else:
            ev_type, ev_size = _EVENT2D, _RAW_DTYPE.itemsize
        offset = fh.tell()
    if ev_type != _EVENT2D or ev_size != _RAW_DTYPE.itemsize:
        raise DatasetError(path, "event type/size", f"unsupported event type {ev_type} / size "
                           f"{ev_size} (expected Event2D: type 0, size 8)")
    return DatHeader(size["Height"], size["Width"], int(ev_type), int(ev_size), int(offset))


def read_dat(path, height: int | None = None, width: int | None = None) -> tuple[np.ndarray, int, int]:
    """Read a Gen1 ``.dat`` file → (events [EVENT_DTYPE], height, width).

    The sensor size comes from the header; without one, give ``height``/``width``
    (default: the Gen1 ATIS, 240 × 304).
    """
    path = Path(path)
    hdr = read_dat_header(path)
    payload = os.path.getsize(path) - hdr.data_offset
    if payload % hdr.event_size:
        raise DatasetError(path, "events", f"{payload} bytes of events is not a multiple of the "
                           f"{hdr.event_size}-byte record (truncated file?)")
    h = hdr.height if hdr.height is not None else height or GEN1_SIZE[0]
    w = hdr.width if hdr.width is not None else width or GEN1_SIZE[1]
    with open(path, "rb") as fh:
        fh.seek(hdr.data_offset)
        raw = np.fromfile(fh, dtype=_RAW_DTYPE)
    ev = np.empty(raw.size, dtype=EVENT_DTYPE)
    ev["t"] = raw["t"]
    ev["x"] = raw["data"] & 0x3FFF
    ev["y"] = (raw["data"] >> 14) & 0x3FFF
    ev["p"] = (raw["data"] >> 28) & 1
    if ev.size:
        if ev["x"].max() >= w or ev["y"].max() >= h:
            bad = int(np.argmax((ev["x"] >= w) | (ev["y"] >= h)))
            raise DatasetError(path, f"event {bad}", f"coordinates ({ev['x'][bad]}, {ev['y'][bad]}) "
                               f"exceed the {w}×{h} sensor of the header")
        if np.any(np.diff(ev["t"]) < 0):
            bad = int(np.argmax(np.diff(ev["t"]) < 0)) + 1
            raise DatasetError(path, f"event {bad}", "timestamps are not sorted")
    return ev, int(h), int(w)


def _as_events(events, where: str) -> np.ndarray:
    names = getattr(getattr(events, "dtype", None), "names", None) or ()
    missing = [f for f in ("t", "x", "y", "p") if f not in names]
    if missing:
        raise ValueError(f"{where}: events need the fields t, x, y, p (missing {missing})")
    ev = np.empty(len(events), dtype=EVENT_DTYPE)
    for f in ("t", "x", "y", "p"):
        ev[f] = events[f]
    return ev


# -- boxes ------------------------------------------------------------------------------------
def write_bbox(path, boxes: np.ndarray) -> Path:
    """Write boxes (BBOX_DTYPE or any array with its fields) as ``_bbox.npy``."""
    path = Path(path)
    np.save(path, normalise_boxes(boxes, str(path)))
    return path


def normalise_boxes(boxes: np.ndarray, where: str = "boxes") -> np.ndarray:
    """Boxes with the fields of BBOX_DTYPE (``ts``→``t``, ``confidence``→``class_confidence``).

    Refuses (DatasetError naming ``where`` and the field) anything that is not a 1-D structured
    array with the box fields, and boxes with a non-finite or negative size, a non-finite
    position or a negative time."""
    names = getattr(getattr(boxes, "dtype", None), "names", None)
    if not names:
        raise DatasetError(where, None, f"expected a structured array of boxes, got dtype "
                           f"{getattr(boxes, 'dtype', type(boxes))}")
    if boxes.ndim != 1:
        raise DatasetError(where, None, f"expected a 1-D array of boxes, got shape {boxes.shape}")
    alias = {"ts": "t", "confidence": "class_confidence"}
    out = np.zeros(len(boxes), dtype=BBOX_DTYPE)
    present = set()
    for n in names:
        target = alias.get(n, n)
        if target in BBOX_DTYPE.names:
            try:
                out[target] = boxes[n]
            except (TypeError, ValueError) as exc:
                raise DatasetError(where, n, f"cannot be read as {BBOX_DTYPE[target]} ({exc})") from None
            present.add(target)
    missing = [f for f in ("t", "x", "y", "w", "h", "class_id") if f not in present]
    if missing:
        raise DatasetError(where, ", ".join(missing), f"field(s) missing from the box array "
                           f"(has {list(names)})")
    if "class_confidence" not in present:
        out["class_confidence"] = 1.0
    for f in ("x", "y", "w", "h", "class_confidence"):
        bad = ~np.isfinite(out[f])
        if f in ("w", "h"):
            bad |= out[f] < 0
        if bad.any():
            i = int(np.argmax(bad))
            raise DatasetError(where, f"{f} of box {i}", f"{out[f][i]} (must be finite"
                               f"{' and ≥ 0' if f in ('w', 'h') else ''})")
    if len(out) and out["t"].min() < 0:
        i = int(np.argmin(out["t"]))
        raise DatasetError(where, f"t of box {i}", f"{out['t'][i]} µs is negative")
    return out


def read_bbox(path) -> np.ndarray:
    """Read a ``_bbox.npy`` file → boxes [BBOX_DTYPE], sorted by time."""
    path = Path(path)
    boxes = normalise_boxes(load_npy(path, "box file"), str(path))
    return boxes[np.argsort(boxes["t"], kind="stable")]


def filter_boxes(boxes: np.ndarray, min_diag_px: float = 30.0, skip_us: int = 500_000) -> np.ndarray:
    """Drop boxes with a diagonal < ``min_diag_px`` or a time < ``skip_us`` (toolbox README:
    30 px for the Gen1 QVGA sensor, 60 px for the 1 Mpx one, and the first 0.5 s)."""
    diag = np.hypot(boxes["w"], boxes["h"])
    return boxes[(diag >= min_diag_px) & (boxes["t"] >= skip_us)]


# -- recordings -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recording:
    """One recording: its ``_td.dat`` and ``_bbox.npy`` files."""

    stem: str
    events_path: Path
    boxes_path: Path

    def load(self):
        """→ (events, boxes, height, width)."""
        ev, h, w = read_dat(self.events_path)
        return ev, read_bbox(self.boxes_path), h, w


def find_recordings(root) -> list[Recording]:
    """Every ``<stem>_td.dat`` + ``<stem>_bbox.npy`` pair under ``root`` (recursively), sorted.

    Raises DatasetError when ``root`` does not exist, holds no recording, or an event file has no
    box file (or the reverse).
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(root, None, "Gen1 directory does not exist")
    dats = {str(p)[: -len("_td.dat")]: p for p in root.rglob("*_td.dat")}
    bboxes = {str(p)[: -len("_bbox.npy")]: p for p in root.rglob("*_bbox.npy")}
    lone = sorted(set(dats) ^ set(bboxes))
    if lone:
        raise DatasetError(f"{root}: unpaired Gen1 files (each _td.dat needs a _bbox.npy): "
                         + ", ".join(Path(s).name for s in lone[:5]))
    if not dats:
        raise DatasetError(f"{root}: no Gen1 recordings (*_td.dat + *_bbox.npy) found")
    return [Recording(Path(s).name, dats[s], bboxes[s]) for s in sorted(dats)]

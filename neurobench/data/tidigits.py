"""TIDIGITS (LDC93S10) isolated digits from NIST SPHERE files, for users who have the corpus.

Layout (as distributed; e.g. ``tidigits/train/man/ae/7a.wav``)::

    <root>/{train,test}/{man,woman,boy,girl}/<speaker>/<digits><a|b>.wav

where ``<digits>`` spells the digit string with 1–9, ``z`` (zero) and ``o`` (oh), and ``a``/``b``
is the repetition. Isolated digits are the files whose digit string has one character; they give
the 11-word vocabulary of Nilsson et al. (arXiv 2301.09962). The train/test split is the corpus's
own (its speakers are disjoint).

The files are NIST SPHERE: a 1024-byte (or larger, as the header says) ASCII header
``NIST_1A\\n   1024\\n`` followed by ``name -type value`` lines up to ``end_head``, then the samples.
Only uncompressed PCM is read; LDC's shorten-compressed files (``sample_coding`` containing
``shorten``) must first be converted, e.g. with ``sph2pipe -f wav`` — the error says so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from neurobench.data.speech import DatasetError, SpeechCorpus, fit_clip, resample

DIGIT_CODES = {"z": "zero", "o": "oh", "1": "one", "2": "two", "3": "three", "4": "four",
               "5": "five", "6": "six", "7": "seven", "8": "eight", "9": "nine"}
GROUPS = ("man", "woman", "boy", "girl")


def parse_sphere_header(raw: bytes, name: str = "<bytes>") -> tuple[dict, int]:
    """(fields, header size in bytes) of a SPHERE file's leading bytes."""
    if not raw.startswith(b"NIST_1A"):
        raise DatasetError(f"{name}: not a NIST SPHERE file (no 'NIST_1A' magic)")
    lines = raw.split(b"\n")
    try:
        size = int(lines[1].strip())
    except (IndexError, ValueError) as exc:
        raise DatasetError(f"{name}: malformed SPHERE header size line") from exc
    fields = {}
    for line in raw[:size].split(b"\n")[2:]:
        line = line.strip().decode("ascii", errors="replace")
        if line == "end_head":
            return fields, size
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1].startswith("-"):
            key, kind, value = parts
            fields[key] = int(value) if kind == "-i" else float(value) if kind == "-r" else value
    raise DatasetError(f"{name}: SPHERE header has no 'end_head' within {size} bytes")


def read_sphere(path) -> tuple[np.ndarray, int]:
    """Samples (float32 in [−1, 1], first channel) and sample rate of a PCM SPHERE file."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"SPHERE file not found: {path}")
    raw = path.read_bytes()
    h, size = parse_sphere_header(raw[:4096], str(path))
    for key in ("sample_rate", "sample_n_bytes"):
        if key not in h:
            raise DatasetError(f"{path}: SPHERE header lacks '{key}'")
    coding = str(h.get("sample_coding", "pcm"))
    if "shorten" in coding:
        raise DatasetError(f"{path}: shorten-compressed SPHERE ('{coding}'); convert it first "
                           "(e.g. `sph2pipe -f wav in.wav out.wav`)")
    if not coding.startswith("pcm") or h["sample_n_bytes"] != 2:
        raise DatasetError(f"{path}: only 16-bit PCM SPHERE is supported, got coding "
                           f"'{coding}', {h['sample_n_bytes']} bytes per sample")
    order = str(h.get("sample_byte_format", "01"))
    dtype = {"01": "<i2", "10": ">i2"}.get(order)
    if dtype is None:
        raise DatasetError(f"{path}: unsupported sample_byte_format '{order}'")
    n_ch = int(h.get("channel_count", 1))
    data = np.frombuffer(raw[size:], dtype=dtype)
    expected = int(h.get("sample_count", data.size // n_ch)) * n_ch
    if data.size < expected:
        raise DatasetError(f"{path}: truncated: header says {expected} samples, file has {data.size}")
    x = data[:expected].reshape(-1, n_ch)[:, 0].astype(np.float32) / 32768.0
    return x, int(h["sample_rate"])


def load_tidigits(root, sample_rate: int = 16000, clip_s: float = 1.0) -> SpeechCorpus:
    """Isolated digits of TIDIGITS under ``root`` as fixed-length clips at ``sample_rate``."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"TIDIGITS root not found: {root} (config key kws.data_path)")
    rows, clips = [], []
    length = int(round(clip_s * sample_rate))
    for split in ("train", "test"):
        if not (root / split).is_dir():
            raise DatasetError(f"TIDIGITS: {root / split} is missing (expected train/ and test/)")
        for f in sorted((root / split).glob("*/*/*.wav")):
            group, speaker, stem = f.parent.parent.name, f.parent.name, f.stem.lower()
            if group not in GROUPS or len(stem) != 2 or stem[0] not in DIGIT_CODES:
                continue
            x, rate = read_sphere(f)
            clips.append(fit_clip(resample(x, rate, sample_rate), length))
            rows.append(dict(utterance=f"{split}/{group}/{speaker}/{stem}", word=DIGIT_CODES[stem[0]],
                             speaker=f"{group}/{speaker}", split=split, group=group))
    if not rows:
        raise DatasetError(f"TIDIGITS: no isolated-digit files (<root>/<split>/<group>/<speaker>/"
                           f"<d><a|b>.wav) under {root}")
    return SpeechCorpus(np.stack(clips), sample_rate, pd.DataFrame(rows))

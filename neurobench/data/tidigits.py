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


_SPHERE_MAGIC = b"NIST_1A\n"


def parse_sphere_header(raw: bytes, name: str = "<bytes>") -> tuple[dict, int]:
    """(fields, header size in bytes) of a SPHERE file's leading bytes (at least the header).

    ``-i`` fields are integers, ``-r`` reals, ``-sN`` strings; a value that does not parse as
    its type raises :class:`DatasetError` naming the field.
    """
    if not raw.startswith(_SPHERE_MAGIC):
        raise DatasetError(name, None, "not a NIST SPHERE file (no 'NIST_1A' magic line)")
    lines = raw.split(b"\n")
    try:
        size = int(lines[1].strip())
    except (IndexError, ValueError):
        raise DatasetError(name, "header size", "the second line is not a byte count") from None
    if size < len(_SPHERE_MAGIC) + len(lines[1]) + 1:
        raise DatasetError(name, "header size", f"{size} bytes is smaller than the header lines")
    if len(raw) < size:
        raise DatasetError(name, "header size", f"{size} bytes, but the file holds {len(raw)}")
    fields = {}
    for line in raw[:size].split(b"\n")[2:]:
        line = line.strip().decode("ascii", errors="replace")
        if line == "end_head":
            return fields, size
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1].startswith("-"):
            key, kind, value = parts
            try:
                fields[key] = int(value) if kind == "-i" else float(value) if kind == "-r" else value
            except ValueError:
                what = "an integer" if kind == "-i" else "a number"
                raise DatasetError(name, key, f"{value!r} is not {what} (type {kind})") from None
    raise DatasetError(name, "end_head", f"missing within the {size}-byte header")


def _int_field(h: dict, key: str, name, default=None, minimum: int = 0) -> int:
    v = h.get(key, default)
    if v is None:
        raise DatasetError(name, key, "missing from the SPHERE header")
    if not isinstance(v, int) or v < minimum:
        raise DatasetError(name, key, f"must be an integer ≥ {minimum}, got {v!r}")
    return v


def read_sphere(path) -> tuple[np.ndarray, int]:
    """Samples (float32 in [−1, 1], first channel) and sample rate of a PCM SPHERE file.

    Every field the samples depend on is checked (rate and channel count ≥ 1, 16-bit PCM, a
    known byte order, as many samples as ``sample_count`` says, at least one); a problem raises
    :class:`DatasetError` naming the file and the field.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(path, None, "SPHERE file not found")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(path, None, f"cannot read ({exc.strerror})") from None
    h, size = parse_sphere_header(raw, str(path))
    rate = _int_field(h, "sample_rate", path, minimum=1)
    n_bytes = _int_field(h, "sample_n_bytes", path, minimum=1)
    coding = str(h.get("sample_coding", "pcm"))
    if "shorten" in coding:
        raise DatasetError(path, "sample_coding", f"shorten-compressed SPHERE ('{coding}'); "
                           "convert it first (e.g. `sph2pipe -f wav in.wav out.wav`)")
    if not coding.startswith("pcm") or n_bytes != 2:
        raise DatasetError(path, "sample_coding", f"only 16-bit PCM SPHERE is supported, got "
                           f"'{coding}', {n_bytes} bytes per sample")
    order = str(h.get("sample_byte_format", "01"))
    dtype = {"01": "<i2", "10": ">i2"}.get(order)
    if dtype is None:
        raise DatasetError(path, "sample_byte_format", f"unsupported byte order '{order}'")
    n_ch = _int_field(h, "channel_count", path, default=1, minimum=1)
    payload = raw[size:]
    available = len(payload) // (2 * n_ch)
    n = _int_field(h, "sample_count", path, default=available, minimum=0)
    if n > available:
        raise DatasetError(path, "sample_count", f"truncated: the header says {n} samples per "
                           f"channel, the file holds {available}")
    if n == 0:
        raise DatasetError(path, "sample_count", "no samples")
    data = np.frombuffer(payload[: n * n_ch * 2], dtype=dtype)
    x = data.reshape(-1, n_ch)[:, 0].astype(np.float32) / 32768.0
    return x, rate


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
            x, rate = read_sphere(f)  # every file the corpus layout names must be usable
            clips.append(fit_clip(resample(x, rate, sample_rate), length))
            rows.append(dict(utterance=f"{split}/{group}/{speaker}/{stem}", word=DIGIT_CODES[stem[0]],
                             speaker=f"{group}/{speaker}", split=split, group=group))
    if not rows:
        raise DatasetError(f"TIDIGITS: no isolated-digit files (<root>/<split>/<group>/<speaker>/"
                           f"<d><a|b>.wav) under {root}")
    return SpeechCorpus(np.stack(clips), sample_rate, pd.DataFrame(rows))

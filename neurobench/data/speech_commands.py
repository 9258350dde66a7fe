"""Google Speech Commands v2 (Warden 2018, arXiv 1804.03209) from its folder layout, for users
who have the download.

Layout::

    <root>/<word>/<speaker>_nohash_<n>.wav       16-bit PCM WAV, 16 kHz, ≤ 1 s
    <root>/validation_list.txt, <root>/testing_list.txt   one '<word>/<file>.wav' per line
    <root>/_background_noise_/*.wav              (not words; skipped)

A file listed in ``testing_list.txt`` is test, in ``validation_list.txt`` validation, any other
file is train (the dataset's own rule; its lists keep each speaker in one split). The speaker id is
the part of the file name before ``_nohash_``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from neurobench.data.speech import DatasetError, SpeechCorpus, fit_clip, read_wav, resample


def read_split_list(path: Path) -> set[str]:
    """The entries of ``validation_list.txt`` / ``testing_list.txt``, each ``<word>/<file>.wav``."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path} is missing (part of the Speech Commands v2 release)")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise DatasetError(path, None, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DatasetError(path, None, f"cannot read ({exc.strerror})") from None
    for i, ln in enumerate(lines, 1):
        e = ln.strip()
        if e and (e.count("/") != 1 or not e.endswith(".wav") or e.startswith("/")
                  or e.split("/")[0] in ("", ".", "..")):
            raise DatasetError(path, f"malformed line {i}", f"{e!r} (expected '<word>/<file>.wav')")
    return {ln.strip() for ln in lines if ln.strip()}


def load_speech_commands(root, words=None, sample_rate: int = 16000, clip_s: float = 1.0,
                         max_per_word: int | None = None) -> SpeechCorpus:
    """Clips of ``words`` (default: every word folder) with their official split."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"Speech Commands root not found: {root} (config key kws.data_path)")
    validation = read_split_list(root / "validation_list.txt")
    testing = read_split_list(root / "testing_list.txt")
    folders = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("_"))
    words = folders if words is None else list(words)
    missing = [w for w in words if w not in folders]
    if missing:
        raise DatasetError(f"Speech Commands: no folder for word(s) {missing} under {root}")
    rows, clips = [], []
    length = int(round(clip_s * sample_rate))
    for w in words:
        files = sorted((root / w).glob("*.wav"))[:max_per_word]
        for f in files:
            rel = f"{w}/{f.name}"
            if "_nohash_" not in f.name:
                raise DatasetError(f"{root / rel}: file name lacks '_nohash_' (not the v2 layout)")
            x, rate = read_wav(f)
            clips.append(fit_clip(resample(x, rate, sample_rate), length))
            split = "test" if rel in testing else "validation" if rel in validation else "train"
            rows.append(dict(utterance=rel, word=w, speaker=f.name.split("_nohash_")[0], split=split))
    if not rows:
        raise DatasetError(f"Speech Commands: no .wav files for {words} under {root}")
    return SpeechCorpus(np.stack(clips), sample_rate, pd.DataFrame(rows))

"""An offline spoken-word corpus synthesised with espeak-ng, and the corpus container that the
real-data loaders (:mod:`neurobench.data.speech_commands`, :mod:`neurobench.data.tidigits`) share.

Why synthetic: TIDIGITS (LDC93S10) is licensed and Google Speech Commands is a download; neither
can be fetched on an offline machine, so the keyword-spotting study (Nilsson et al., "A Comparison
of Temporal Encoders for Neuromorphic Keyword Spotting with Few Neurons", arXiv 2301.09962) runs
on words spoken by espeak-ng (a formant synthesiser, Debian package ``espeak-ng``), with:

- vocabulary: the TIDIGITS words (zero … nine, "oh") and the ten Google Speech Commands keywords
  (yes, no, up, down, left, right, on, off, stop, go; Warden 2018, arXiv 1804.03209);
- speakers: an English accent (espeak-ng voice, e.g. ``en-us``, ``en-gb-scotland``) × a voice
  variant (``+m3``, ``+f2``, ``+croak`` …), each with its own base speaking rate (words/min) and
  base pitch (espeak-ng's 0–99 scale); every utterance jitters rate and pitch around the base;
- background noise (white or pink) at an SNR drawn from a list (``None`` = clean);
- each word is trimmed of silence and placed at a random offset in a fixed-length clip
  (1 s at 16 kHz, like Speech Commands);
- three splits by speaker, no speaker in two of them: ``train`` (the only clips trained on),
  ``validation`` (speakers held out of training whose scores were looked at while the study's
  hyperparameters were chosen) and ``test`` (speakers that no one trained or tuned on, scored by
  every claim).

The train and validation speakers are every accent × variant of the config; their split and
utterances come from ``numpy.random.default_rng(seed)``. The test speakers are every accent × one of
``test_variants``, espeak-ng voice variants outside ``variants`` (every accent × variant of the
config is already a train or validation voice, so a test speaker drawn from the same lists would be
one of them at another base pitch and rate); their base rate and pitch come from the same ranges
and their utterances from the same jitter, SNR and noise lists, all drawn from
``numpy.random.default_rng(test_seed)``, a stream never used while the study was developed. Each
utterance's noise comes from its own child generator (``SeedSequence(seed or test_seed).spawn``),
so the corpus does not depend on the order in which the parallel synthesis jobs finish, and the
train and validation clips are the same with or without the test speakers.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import struct
import subprocess
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from neurobench.data.files import load_npy
from neurobench.errors import DatasetError

log = logging.getLogger("neurobench")

TIDIGITS_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "oh")
GSC_KEYWORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
VOCABULARY = TIDIGITS_WORDS + GSC_KEYWORDS
ESPEAK_RATE_HZ = 22050            # espeak-ng's output sample rate
NOISE_KINDS = ("white", "pink")
MANIFEST_COLUMNS = ["utterance", "word", "speaker", "split"]
SPLITS = ("train", "validation", "test")


__all__ = ["DatasetError"]  # re-exported: the loaders' error type lives in neurobench.errors


# -- the corpus container -------------------------------------------------------------------
@dataclass
class SpeechCorpus:
    """Fixed-length clips of spoken words.

    audio : float32 [N, L], samples in [−1, 1]
    sample_rate : Hz
    meta : DataFrame with at least ``utterance, word, speaker, split`` (split: train, validation or
        test; validation may be absent, as in TIDIGITS), one row per clip, in the order of ``audio``
    """

    audio: np.ndarray
    sample_rate: int
    meta: pd.DataFrame

    def __post_init__(self):
        if self.audio.ndim != 2 or self.audio.shape[0] != len(self.meta):
            raise DatasetError(f"corpus: audio shape {self.audio.shape} does not match "
                               f"{len(self.meta)} manifest rows")
        missing = [c for c in MANIFEST_COLUMNS if c not in self.meta.columns]
        if missing:
            raise DatasetError(f"corpus manifest lacks column(s) {missing}")

    def subset(self, mask) -> "SpeechCorpus":
        mask = np.asarray(mask, bool)
        return SpeechCorpus(self.audio[mask], self.sample_rate, self.meta[mask].reset_index(drop=True))


def fit_clip(x: np.ndarray, length: int, offset: int | None = None) -> np.ndarray:
    """Place ``x`` in a zero clip of ``length`` samples starting at ``offset`` (centred when
    None); a longer ``x`` is cropped around its centre."""
    x = np.asarray(x, np.float32)
    if x.size >= length:
        start = (x.size - length) // 2
        return x[start:start + length].copy()
    out = np.zeros(length, np.float32)
    free = length - x.size
    off = free // 2 if offset is None else int(np.clip(offset, 0, free))
    out[off:off + x.size] = x
    return out


def read_wav(data, name: str | None = None) -> tuple[np.ndarray, int]:
    """16-bit PCM WAV (path or bytes) → (float32 mono samples in [−1, 1], sample rate).

    A file that is missing, not WAV, not 16-bit PCM, truncated (fewer frames than its header
    says) or empty (no frames) raises :class:`DatasetError` naming the file and the field.
    """
    is_path = isinstance(data, (str, Path))
    name = name or (str(data) if is_path else "<bytes>")
    if is_path and not Path(data).is_file():
        raise DatasetError(name, None, "WAV file not found")
    try:
        with wave.open(str(data) if is_path else io.BytesIO(data)) as w:
            width, n_ch, rate, n_frames = (w.getsampwidth(), w.getnchannels(), w.getframerate(),
                                           w.getnframes())
            if width != 2:
                raise DatasetError(name, "sample width", f"only 16-bit PCM WAV is supported, got "
                                   f"{8 * width}-bit")
            raw = w.readframes(n_frames)
    # wave raises RuntimeError for a chunk size beyond the file, struct.error for a short chunk
    except (wave.Error, EOFError, struct.error, ValueError, OverflowError, RuntimeError) as exc:
        if isinstance(exc, DatasetError):
            raise
        raise DatasetError(name, None, f"not a readable WAV file ({exc})") from None
    except OSError as exc:
        raise DatasetError(name, None, f"cannot read ({exc.strerror or exc})") from None
    if n_ch < 1:
        raise DatasetError(name, "channels", f"{n_ch} channels")
    if rate <= 0:
        raise DatasetError(name, "sample rate", f"{rate} Hz")
    if n_frames == 0:
        raise DatasetError(name, "frames", "no samples (0 frames): not a clip")
    if len(raw) < n_frames * n_ch * 2:
        raise DatasetError(name, "frames", f"truncated: the header says {n_frames} frames, the "
                           f"data holds {len(raw) // (2 * n_ch)}")
    x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if n_ch > 1:
        x = x.reshape(-1, n_ch).mean(axis=1)
    return x, rate


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Polyphase resampling (scipy.signal.resample_poly) of x [..., L] along the last axis by the
    exact rational factor rate_out/rate_in."""
    if rate_in == rate_out:
        return x.astype(np.float32)
    from scipy.signal import resample_poly

    f = Fraction(int(rate_out), int(rate_in))
    return resample_poly(x, f.numerator, f.denominator, axis=-1).astype(np.float32)


# -- noise ------------------------------------------------------------------------------------
def noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS noise: ``white`` (flat spectrum) or ``pink`` (power ∝ 1/f, shaped in frequency)."""
    w = rng.standard_normal(n)
    if kind == "pink":
        spec = np.fft.rfft(w)
        f = np.arange(spec.size, dtype=float)
        f[0] = 1.0
        w = np.fft.irfft(spec / np.sqrt(f), n)
    elif kind != "white":
        raise ValueError(f"noise kind must be one of {NOISE_KINDS}, got {kind!r}")
    return (w / np.sqrt(np.mean(w ** 2))).astype(np.float32)


def add_noise(x: np.ndarray, snr_db: float, kind: str, rng: np.random.Generator) -> np.ndarray:
    """x + noise scaled so that 10·log10(P_signal/P_noise) = snr_db, P over the non-silent part."""
    voiced = np.abs(x) > 1e-4
    p_sig = float(np.mean(x[voiced] ** 2)) if voiced.any() else 0.0
    if p_sig == 0.0:
        raise ValueError("add_noise: the signal is silent; the SNR is undefined")
    scale = np.sqrt(p_sig / 10 ** (snr_db / 10))
    return (x + scale * noise(kind, x.size, rng)).astype(np.float32)


# -- espeak-ng ------------------------------------------------------------------------------
def espeak_binary() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng not found: install the Debian package 'espeak-ng' "
                           "(listed in requirements/apt.txt; `make env` installs it as root)")
    return exe


def espeak_version() -> str:
    out = subprocess.run([espeak_binary(), "--version"], capture_output=True, text=True)
    return out.stdout.strip()


def speak(word: str, voice: str, rate_wpm: int, pitch: int) -> tuple[np.ndarray, int]:
    """One word from espeak-ng: (float32 samples, 22050 Hz)."""
    if not 80 <= rate_wpm <= 450:
        raise ValueError(f"rate_wpm must lie in [80, 450] (espeak-ng -s), got {rate_wpm}")
    if not 0 <= pitch <= 99:
        raise ValueError(f"pitch must lie in [0, 99] (espeak-ng -p), got {pitch}")
    cmd = [espeak_binary(), "-v", voice, "-s", str(int(rate_wpm)), "-p", str(int(pitch)),
           "--stdout", word]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0 or not proc.stdout:
        raise RuntimeError(f"espeak-ng failed for voice {voice!r}, word {word!r}: "
                           f"{proc.stderr.decode(errors='replace').strip()}")
    return parse_espeak_wav(proc.stdout, f"espeak-ng output (voice {voice!r}, word {word!r})")


def parse_espeak_wav(out: bytes, name: str = "espeak-ng output") -> tuple[np.ndarray, int]:
    """Samples of the WAV that ``espeak-ng --stdout`` writes. Its header is unfinished (RIFF and
    data sizes 0x7fffffff, the stream cannot be rewound); they are set from the bytes received,
    after checking that this is the canonical 44-byte PCM header espeak-ng writes."""
    buf = bytearray(out)
    if len(buf) < 44 or buf[:4] != b"RIFF" or buf[8:16] != b"WAVEfmt " or buf[36:40] != b"data":
        raise DatasetError(name, "header", f"not the 44-byte WAV header espeak-ng writes "
                           f"({len(buf)} bytes, starting {bytes(buf[:16])!r})")
    buf[4:8] = (len(buf) - 8).to_bytes(4, "little")
    buf[40:44] = (len(buf) - 44).to_bytes(4, "little")
    return read_wav(bytes(buf), name)


def trim_silence(x: np.ndarray, rate: int, threshold: float = 0.02, pad_ms: float = 10.0) -> np.ndarray:
    """Cut leading and trailing samples whose |x| stays below threshold·max|x|."""
    loud = np.flatnonzero(np.abs(x) > threshold * np.abs(x).max(initial=0.0))
    if loud.size == 0:
        raise ValueError("trim_silence: the signal is silent")
    pad = int(pad_ms * 1e-3 * rate)
    return x[max(loud[0] - pad, 0):loud[-1] + pad + 1]


@dataclass(frozen=True)
class Speaker:
    """A synthetic speaker: espeak-ng voice ``accent+variant`` with a base rate and pitch."""

    speaker: str
    accent: str
    variant: str
    rate_wpm: float
    pitch: float

    @property
    def voice(self) -> str:
        return f"{self.accent}+{self.variant}" if self.variant else self.accent


def make_speakers(accents, variants, p: dict, rng: np.random.Generator) -> list[Speaker]:
    """Every accent × variant, with base rate and pitch drawn uniformly from the config ranges."""
    out = []
    for a in accents:
        for v in variants:
            out.append(Speaker(f"{a}+{v}", a, v, float(rng.uniform(*p["rate_wpm"])),
                               float(rng.uniform(*p["pitch"]))))
    return out


def split_speakers(speakers: list[str], held_out_fraction: float, rng: np.random.Generator,
                   held_out: str = "validation") -> dict:
    """speaker → 'train' or ``held_out`` (at least one speaker each)."""
    if len(speakers) < 2:
        raise ValueError(f"a speaker split needs ≥ 2 speakers, got {len(speakers)}")
    if not 0.0 < held_out_fraction < 1.0:
        raise ValueError(f"the held-out fraction must lie in (0, 1), got {held_out_fraction}")
    order = rng.permutation(len(speakers))
    n_out = int(np.clip(round(held_out_fraction * len(speakers)), 1, len(speakers) - 1))
    out = {speakers[i] for i in order[:n_out]}
    return {s: (held_out if s in out else "train") for s in speakers}


def _utterances(speakers: list[Speaker], split: dict, p: dict, rng: np.random.Generator) -> list[dict]:
    """One manifest row per speaker, word and repetition, with its drawn rate, pitch and noise."""
    rows = []
    for spk in speakers:
        for word in p["words"]:
            for rep in range(p["repetitions"]):
                j = p["rate_jitter"]
                rate = spk.rate_wpm * (1 + rng.uniform(-j, j))
                snr = p["snr_db"][rng.integers(len(p["snr_db"]))]
                rows.append(dict(
                    utterance=f"{word}_{spk.speaker}_{rep}", word=word, speaker=spk.speaker,
                    split=split[spk.speaker], accent=spk.accent, variant=spk.variant,
                    rate_wpm=int(np.clip(round(rate), 80, 450)),
                    pitch=int(np.clip(round(spk.pitch + rng.uniform(-1, 1) * p["pitch_jitter"]), 0, 99)),
                    snr_db=np.nan if snr is None else float(snr),
                    noise=p["noise"][rng.integers(len(p["noise"]))],
                    offset=float(rng.uniform(0, 1))))
    return rows


def plan_corpus(p: dict, seed: int) -> pd.DataFrame:
    """The manifest of the synthetic corpus: one row per utterance, with every drawn setting; the
    train and validation rows (from ``seed``) first, then the test rows (from ``p['test_seed']``)."""
    for w in p["words"]:
        if w not in VOCABULARY:
            raise ValueError(f"corpus.words: {w!r} is not in the vocabulary {VOCABULARY}")
    shared = sorted(set(p["test_variants"]) & set(p["variants"]))
    if shared:
        raise ValueError(f"corpus.test_variants {shared} are also in corpus.variants: a test speaker "
                         "would share its voice with a train or validation speaker")
    if p["test_seed"] == seed:
        raise ValueError("corpus.test_seed must differ from the seed of the train and validation speakers")
    rng = np.random.default_rng(seed)
    speakers = make_speakers(p["accents"], p["variants"], p, rng)
    split = split_speakers([s.speaker for s in speakers], p["validation_fraction"], rng)
    rows = _utterances(speakers, split, p, rng)
    test_rng = np.random.default_rng(p["test_seed"])
    test = make_speakers(p["accents"], p["test_variants"], p, test_rng)
    rows += _utterances(test, {s.speaker: "test" for s in test}, p, test_rng)
    return pd.DataFrame(rows)


def render(row, p: dict, seed_seq: np.random.SeedSequence) -> np.ndarray:
    """Synthesise one manifest row into a clip (float32 [L])."""
    rng = np.random.default_rng(seed_seq)
    voice = f"{row.accent}+{row.variant}" if row.variant else row.accent
    x, rate = speak(row.word, voice, row.rate_wpm, row.pitch)
    x = trim_silence(x, rate)
    x = resample(x, rate, p["sample_rate_hz"])
    x = 0.5 * x / max(float(np.abs(x).max()), 1e-9)
    length = int(round(p["clip_s"] * p["sample_rate_hz"]))
    x = fit_clip(x, length, int(row.offset * max(length - x.size, 0)))
    if np.isfinite(row.snr_db):
        x = add_noise(x, row.snr_db, row.noise, rng)
    return np.clip(x, -1.0, 1.0)


def build_corpus(p: dict, seed: int, outdir, threads: int = 1, progress: bool = True) -> SpeechCorpus:
    """Synthesise the corpus described by the config section ``p`` into ``outdir``:
    ``audio.npy`` (int16 [N, L]), ``manifest.csv`` and ``corpus.json`` (settings, espeak-ng
    version). Runs ``threads`` espeak-ng processes at once, with a progress bar."""
    from tqdm.auto import tqdm

    outdir = Path(outdir)
    meta = plan_corpus(p, seed)
    n_test = int((meta.split == "test").sum())
    children = (np.random.SeedSequence(seed).spawn(len(meta) - n_test)
                + np.random.SeedSequence(p["test_seed"]).spawn(n_test))
    rows = list(meta.itertuples(index=False))
    log.info("kws corpus: %d utterances, %d speakers, %d words", len(meta),
             meta.speaker.nunique(), meta.word.nunique())
    with ThreadPoolExecutor(max_workers=max(1, int(threads))) as pool:
        clips = list(tqdm(pool.map(lambda a: render(a[0], p, a[1]), zip(rows, children)),
                          total=len(rows), desc="espeak-ng", disable=not progress, mininterval=1.0))
    audio = np.stack(clips)
    outdir.mkdir(parents=True, exist_ok=True)
    tmp = outdir / "audio.tmp.npy"
    np.save(tmp, np.round(audio * 32767).astype(np.int16))
    tmp.replace(outdir / "audio.npy")
    (outdir / "corpus.json").write_text(json.dumps(
        {"sample_rate_hz": p["sample_rate_hz"], "seed": seed, "test_seed": p["test_seed"],
         "espeak_ng": espeak_version(),
         "settings": p}, indent=2, default=str))
    meta.to_csv(outdir / "manifest.csv", index=False)
    return SpeechCorpus(audio.astype(np.float32), p["sample_rate_hz"], meta)


CORPUS_FILES = ("audio.npy", "manifest.csv", "corpus.json")


def read_corpus_info(directory, files=CORPUS_FILES) -> dict:
    """``corpus.json`` of a corpus written by :func:`build_corpus`, with its ``files`` checked
    present and its sample rate a positive integer (DatasetError naming the file otherwise)."""
    d = Path(directory)
    for name in files:
        if not (d / name).is_file():
            raise DatasetError(f"{d / name} is missing from the synthetic corpus (build it with "
                               "`snakemake --cores 2 kws_corpus`)")
    f = d / "corpus.json"
    try:
        info = json.loads(f.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DatasetError(f, None, f"not readable JSON ({exc})") from None
    rate = info.get("sample_rate_hz") if isinstance(info, dict) else None
    if isinstance(rate, bool) or not isinstance(rate, int) or rate <= 0:
        raise DatasetError(f, "sample_rate_hz", f"must be a positive integer, got {rate!r}")
    return info


def read_clips(directory, files=CORPUS_FILES) -> tuple[np.ndarray, int]:
    """The clips of a corpus written by :func:`build_corpus` (``audio.npy``, int16 [N, L]) and
    their sample rate (``corpus.json``); ``files`` must be present. A missing or malformed file
    raises :class:`DatasetError` naming it and the field."""
    d = Path(directory)
    rate = read_corpus_info(d, files)["sample_rate_hz"]
    f = d / "audio.npy"
    audio = load_npy(f, "numpy array of clips")
    if audio.dtype != np.int16 or audio.ndim != 2:
        raise DatasetError(f, "samples", f"expected int16 clips [N, L], got "
                           f"{getattr(audio, 'dtype', type(audio))} {getattr(audio, 'shape', '')}")
    return audio, rate


def load_corpus(directory) -> SpeechCorpus:
    """Read a corpus written by :func:`build_corpus`; any missing, malformed or inconsistent file
    raises :class:`DatasetError` naming it."""
    d = Path(directory)
    files = {n: d / n for n in CORPUS_FILES}
    audio, rate = read_clips(d)
    f = files["manifest.csv"]
    try:
        meta = pd.read_csv(f)
    except (ValueError, OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DatasetError(f, None, f"not a readable CSV table ({str(exc).splitlines()[0]})") from None
    missing = [c for c in MANIFEST_COLUMNS if c not in meta.columns]
    if missing:
        raise DatasetError(f, ", ".join(missing), "column(s) missing")
    if len(meta) != len(audio):
        raise DatasetError(f, "rows", f"{len(meta)} rows but {files['audio.npy'].name} holds "
                           f"{len(audio)} clips")
    return SpeechCorpus(audio.astype(np.float32) / 32767.0, rate, meta)

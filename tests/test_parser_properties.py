"""Property-based tests of every file parser: damaged files are refused, never crash.

For each parser a valid file is written, then hypothesis damages it — truncation at any byte, up
to four bytes overwritten (often in the header, where a parser's decisions are), or both — and the
parser must either return a result that satisfies the format's invariants or raise the suite's own
error type (:class:`~neurobench.errors.DatasetError` for data files,
:class:`~neurobench.errors.ConfigError` for configuration), never another exception. Example
counts are small and the runs derandomised, so ``make test`` stays fast and repeatable; raise
``NEUROBENCH_FUZZ_EXAMPLES`` to search longer.
"""

from __future__ import annotations

import io
import json
import os
import struct
import wave
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurobench.errors import ConfigError, DatasetError, NeurobenchError

REPO = Path(__file__).resolve().parent.parent
FUZZ = settings(max_examples=int(os.environ.get("NEUROBENCH_FUZZ_EXAMPLES", 60)), deadline=None,
                derandomize="NEUROBENCH_FUZZ_EXAMPLES" not in os.environ, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@st.composite
def damaged(draw, valid: bytes, header: int = 64) -> bytes:
    """``valid`` truncated, with bytes overwritten, or both."""
    data = bytearray(valid)
    how = draw(st.sampled_from(["truncate", "overwrite", "both"]))
    if how != "overwrite":
        data = data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if how != "truncate" and data:
        for _ in range(draw(st.integers(1, 4))):
            hi = len(data) - 1 if draw(st.booleans()) else min(header, len(data)) - 1
            data[draw(st.integers(0, hi))] = draw(st.integers(0, 255))
    return bytes(data)


def _wav_bytes(n_frames=200, rate=16000, channels=1) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.sin(np.arange(n_frames * channels) / 5) * 20000).astype("<i2").tobytes())
    return buf.getvalue()


def _parsed(parser, path: Path, data: bytes):
    """``parser(path)`` of ``data`` written to ``path``; None when refused with DatasetError (any
    other exception fails the test)."""
    path.write_bytes(data)
    try:
        return parser(path)
    except DatasetError as exc:
        assert path.name in str(exc), f"the error does not name the file: {exc}"
        return None


def _audio_ok(x, rate):
    assert x.ndim == 1 and x.size > 0 and x.dtype == np.float32
    assert np.all(np.abs(x) <= 1.0) and rate > 0


# -- WAV and espeak-ng output -----------------------------------------------------------------
WAV = _wav_bytes()


@FUZZ
@given(damaged(WAV, header=44))
def test_wav_damage_is_refused_or_read(data):
    from neurobench.data.speech import read_wav

    try:
        x, rate = read_wav(data)
    except DatasetError:
        return
    _audio_ok(x, rate)


ESPEAK = bytearray(_wav_bytes(rate=22050))
ESPEAK[4:8] = ESPEAK[40:44] = struct.pack("<I", 0x7FFFFFFF)   # as espeak-ng --stdout writes it


@FUZZ
@given(damaged(bytes(ESPEAK), header=44))
def test_espeak_output_damage_is_refused_or_read(data):
    from neurobench.data.speech import parse_espeak_wav

    try:
        x, rate = parse_espeak_wav(data)
    except DatasetError as exc:
        assert "espeak-ng" in str(exc)
        return
    _audio_ok(x, rate)


# -- SPHERE -----------------------------------------------------------------------------------
def _sphere_bytes(n=200) -> bytes:
    fields = ("sample_rate -i 16000\nchannel_count -i 1\nsample_n_bytes -i 2\n"
              f"sample_count -i {n}\nsample_coding -s3 pcm\nsample_byte_format -s2 01\nend_head\n")
    head = f"NIST_1A\n   1024\n{fields}".encode().ljust(1024, b" ")
    return head + (np.arange(n) * 50).astype("<i2").tobytes()


@FUZZ
@given(damaged(_sphere_bytes(), header=200))
def test_sphere_damage_is_refused_or_read(tmp_path, data):
    from neurobench.data.tidigits import read_sphere

    got = _parsed(read_sphere, tmp_path / "7a.wav", data)
    if got is not None:
        _audio_ok(*got)


# -- Gen1 events and boxes --------------------------------------------------------------------
def _gen1_files(tmp: Path):
    from neurobench.data import gen1

    ev = np.zeros(20, dtype=gen1.EVENT_DTYPE)
    ev["t"] = np.arange(20) * 1000
    ev["x"], ev["y"], ev["p"] = np.arange(20) % 30, np.arange(20) % 20, np.arange(20) % 2
    boxes = np.zeros(3, dtype=gen1.BBOX_DTYPE)
    boxes["t"], boxes["x"], boxes["y"] = [0, 1000, 2000], [1, 2, 3], [4, 5, 6]
    boxes["w"], boxes["h"], boxes["class_id"] = [10, 20, 30], [5, 6, 7], [0, 1, 0]
    dat = gen1.write_dat(tmp / "a_td.dat", ev, height=24, width=32).read_bytes()
    bbox = gen1.write_bbox(tmp / "a_bbox.npy", boxes).read_bytes()
    return dat, bbox


def _valid_gen1():
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        return _gen1_files(Path(d))


DAT, BBOX = _valid_gen1()


@FUZZ
@given(damaged(DAT, header=120))
def test_gen1_events_damage_is_refused_or_read(tmp_path, data):
    from neurobench.data.gen1 import read_dat

    got = _parsed(read_dat, tmp_path / "a_td.dat", data)
    if got is None:
        return
    ev, h, w = got
    assert h > 0 and w > 0
    if ev.size:
        assert ev["x"].max() < w and ev["y"].max() < h and np.all(np.diff(ev["t"]) >= 0)


@FUZZ
@given(damaged(BBOX, header=128))
def test_gen1_boxes_damage_is_refused_or_read(tmp_path, data):
    from neurobench.data.gen1 import read_bbox

    b = _parsed(read_bbox, tmp_path / "a_bbox.npy", data)
    if b is None:
        return
    for k in ("x", "y", "w", "h"):
        assert np.all(np.isfinite(b[k]))
    assert np.all(b["w"] >= 0) and np.all(b["h"] >= 0) and np.all(np.diff(b["t"]) >= 0)


# -- bias files -------------------------------------------------------------------------------
def _bias_text(suffix: str) -> bytes:
    import tempfile

    from neurobench.dynapse.biases import BiasSet

    with tempfile.TemporaryDirectory() as d:
        return BiasSet.default().save(Path(d) / f"b{suffix}").read_bytes()


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@FUZZ
@given(data=st.data())
def test_bias_file_damage_is_refused_or_read(tmp_path, suffix, data):
    from neurobench.dynapse.biases import BIAS_NAMES, FINE_MAX, BiasSet

    b = _parsed(BiasSet.load, tmp_path / f"core{suffix}",
                data.draw(damaged(_bias_text(suffix), header=400)))
    if b is None:
        return
    assert list(b) == list(BIAS_NAMES)
    assert all(0 <= c <= 7 and 0 <= v <= FINE_MAX for c, v in b.values)


def _board_bias_file() -> bytes:
    import tempfile

    from neurobench.dynapse import Board

    with tempfile.TemporaryDirectory() as d:
        return Board(n_chips=1).save_biases(Path(d) / "board.json").read_bytes()


BOARD_BIASES = _board_bias_file()


@FUZZ
@given(damaged(BOARD_BIASES, header=200))
def test_board_bias_file_damage_is_refused_or_read(tmp_path, data):
    from neurobench.dynapse import Board

    f = tmp_path / "board.json"
    f.write_bytes(data)
    board = Board(n_chips=1)
    before = [board.biases(0, k) for k in range(4)]
    try:
        board.load_biases(f)
    except DatasetError:
        assert [board.biases(0, k) for k in range(4)] == before  # all cores or none
        return


# -- the synthetic speech corpus and Speech Commands' split lists ------------------------------
def _corpus_files() -> dict[str, bytes]:
    buf = io.BytesIO()
    np.save(buf, (np.arange(3 * 50).reshape(3, 50) * 100).astype(np.int16))
    meta = pd.DataFrame({"utterance": ["a", "b", "c"], "word": ["yes", "no", "yes"],
                         "speaker": ["s1", "s2", "s1"], "split": ["train", "test", "train"]})
    return {"audio.npy": buf.getvalue(), "manifest.csv": meta.to_csv(index=False).encode(),
            "corpus.json": json.dumps({"sample_rate_hz": 16000, "seed": 1}).encode()}


CORPUS = _corpus_files()


@FUZZ
@given(st.sampled_from(sorted(CORPUS)), st.data())
def test_corpus_damage_is_refused_or_read(tmp_path, name, data):
    from neurobench.data.speech import load_corpus

    for n, b in CORPUS.items():
        (tmp_path / n).write_bytes(data.draw(damaged(b, header=128)) if n == name else b)
    try:
        c = load_corpus(tmp_path)
    except DatasetError:
        return
    assert c.audio.shape[0] == len(c.meta) and c.sample_rate > 0


MANIFEST = json.dumps({"classes": ["rectangle", "ellipse"], "height": 48, "width": 64, "seed": 1,
                       "splits": {"train": {"sequences": 2}, "val": {"sequences": 1}}}).encode()


@FUZZ
@given(damaged(MANIFEST, header=len(MANIFEST)))
def test_dataset_manifest_damage_is_refused_or_read(tmp_path, data):
    from neurobench.data.event_camera import read_manifest

    for split in ("train", "val"):
        (tmp_path / split).mkdir(exist_ok=True)
    m = _parsed(lambda f: read_manifest(f.parent), tmp_path / "manifest.json", data)
    assert m is None or (m["classes"] and m["height"] > 0 and m["width"] > 0)


SPLIT_LIST = b"yes/0a7c2a8d_nohash_0.wav\nno/0b09edd3_nohash_1.wav\n"


@FUZZ
@given(damaged(SPLIT_LIST, header=40))
def test_split_list_damage_is_refused_or_read(tmp_path, data):
    from neurobench.data.speech_commands import read_split_list

    entries = _parsed(read_split_list, tmp_path / "testing_list.txt", data)
    assert entries is None or all(e.count("/") == 1 and e.endswith(".wav") for e in entries)


# -- configuration ----------------------------------------------------------------------------
QUICK = (REPO / "config" / "quick.yaml").read_bytes()


@FUZZ
@given(damaged(QUICK, header=len(QUICK)))
def test_config_override_damage_is_refused_or_loaded(tmp_path, data):
    from neurobench.config import load_config

    f = tmp_path / "my.yaml"
    f.write_bytes(data)
    try:
        load_config(REPO / "config" / "config.yaml", f)
    except ConfigError:
        return


def _full_config():
    from neurobench.config import load_config

    return load_config(REPO / "config" / "config.yaml")


FULL_CONFIG = _full_config()


@FUZZ
@given(st.sampled_from(["lif_fi", "synapses", "pair_selectivity", "detection", "kws"]),
       st.data())
def test_config_values_are_refused_or_valid(study, data):
    """Any value in place of any key of a study: refused naming the key, or a valid config."""
    import copy

    from neurobench.config import validate

    cfg = copy.deepcopy(FULL_CONFIG)
    key = data.draw(st.sampled_from(sorted(cfg[study])))
    value = data.draw(st.one_of(
        st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
        st.text(max_size=5), st.lists(st.floats(allow_nan=True), max_size=4),
        st.lists(st.integers(-5, 500), max_size=4)))
    cfg[study][key] = value
    try:
        validate(cfg)
    except ConfigError as exc:
        assert f"{study}." in str(exc)


# -- results trees read by the CLI -----------------------------------------------------------
def _results_tree(root: Path, comparison: bytes | None = None, summary: bytes | None = None):
    d = root / "toy"
    d.mkdir(parents=True)
    (d / "comparison.csv").write_bytes(comparison if comparison is not None else COMPARISON)
    (d / "summary.json").write_bytes(summary if summary is not None else SUMMARY)
    return root


COMPARISON = (b"claim_id,claim,quantity,reference,reproduced,tolerance,unit,status,kind,source\n"
              b"c1,x,q,1.0,1.01,<= 5 %,Hz,PASS,closed_form,formula\n")
SUMMARY = json.dumps({"rate_hz": [1.0, 2.5], "n": 3}).encode()


@FUZZ
@given(st.booleans(), st.data())
def test_results_tree_damage_is_refused_or_compared(tmp_path, csv, data):
    import shutil

    from neurobench.cli import read_comparison
    from neurobench.report.manifest import compare_trees

    shutil.rmtree(tmp_path / "a", ignore_errors=True)
    shutil.rmtree(tmp_path / "b", ignore_errors=True)
    a = _results_tree(tmp_path / "a")
    bad = data.draw(damaged(COMPARISON if csv else SUMMARY, header=100))
    b = _results_tree(tmp_path / "b", **({"comparison": bad} if csv else {"summary": bad}))
    try:
        diff = compare_trees(a, b)
        read_comparison(b / "toy" / "comparison.csv")
    except DatasetError:
        return
    assert set(diff.columns) >= {"file", "what"}


def test_every_parser_has_a_property_test():
    """The parsers of the suite's file formats, each exercised above (a new parser needs one)."""
    names = {n for n in globals() if n.startswith("test_") and n.endswith(("_read", "_loaded",
                                                                            "_compared", "_valid"))}
    assert len(names) >= 12, sorted(names)
    assert issubclass(DatasetError, NeurobenchError) and issubclass(ConfigError, NeurobenchError)

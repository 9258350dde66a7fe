"""Gen1 `.dat` / `_bbox.npy` reader and writer on format fixtures written here."""

import numpy as np
import pytest

from neurobench.data import gen1


def _events(n=50, h=240, w=304, seed=0):
    rng = np.random.default_rng(seed)
    ev = np.zeros(n, dtype=gen1.EVENT_DTYPE)
    ev["t"] = np.sort(rng.integers(0, 10**6, n))
    ev["x"] = rng.integers(0, w, n)
    ev["y"] = rng.integers(0, h, n)
    ev["p"] = rng.integers(0, 2, n)
    return ev


def test_dat_round_trip_and_header(tmp_path):
    ev = _events()
    path = gen1.write_dat(tmp_path / "a_td.dat", ev, 240, 304)
    hdr = gen1.read_dat_header(path)
    assert (hdr.height, hdr.width, hdr.event_type, hdr.event_size) == (240, 304, 0, 8)
    back, h, w = gen1.read_dat(path)
    assert (h, w) == (240, 304)
    for f in ("t", "x", "y", "p"):
        np.testing.assert_array_equal(back[f], ev[f])
    assert path.stat().st_size == hdr.data_offset + 8 * len(ev)


def test_dat_bit_layout_written_by_hand(tmp_path):
    # One Event2D record: t = 1234 µs, x = 300 (bits 0–13), y = 239 (bits 14–27), p = 1 (bit 28)
    data = 300 | (239 << 14) | (1 << 28)
    raw = np.array([(1234, data), (1300, 5 | (7 << 14))], dtype=[("t", "<u4"), ("d", "<i4")])
    path = tmp_path / "hand_td.dat"
    with open(path, "wb") as fh:
        fh.write(b"% Data file containing Event2D events.\n% Height 240\n% Width 304\n")
        fh.write(bytes([0, 8]))
        raw.tofile(fh)
    ev, h, w = gen1.read_dat(path)
    assert ev.tolist() == [(1234, 300, 239, 1), (1300, 5, 7, 0)]


def test_headerless_dat_is_event2d(tmp_path):
    raw = np.array([(10, 3 | (4 << 14))], dtype=[("t", "<u4"), ("d", "<i4")])
    path = tmp_path / "old_td.dat"
    raw.tofile(path)
    ev, h, w = gen1.read_dat(path)
    assert (h, w) == gen1.GEN1_SIZE
    assert ev.tolist() == [(10, 3, 4, 0)]


def test_bad_dat_files_raise_clear_errors(tmp_path):
    good = gen1.write_dat(tmp_path / "g_td.dat", _events(5), 240, 304)
    trunc = tmp_path / "t_td.dat"
    trunc.write_bytes(good.read_bytes()[:-3])
    with pytest.raises(ValueError, match="multiple of the 8-byte record"):
        gen1.read_dat(trunc)
    wrong = tmp_path / "w_td.dat"
    wrong.write_bytes(b"% Height 240\n% Width 304\n" + bytes([12, 16]) + b"\0" * 16)
    with pytest.raises(ValueError, match="unsupported event type 12"):
        gen1.read_dat(wrong)
    small = tmp_path / "s_td.dat"
    small.write_bytes(good.read_bytes().replace(b"% Height 240", b"% Height 2  "))
    with pytest.raises(ValueError, match="exceed"):
        gen1.read_dat(small)
    unsorted = _events(5)
    unsorted["t"] = unsorted["t"][::-1]
    with pytest.raises(ValueError, match="sorted"):
        gen1.write_dat(tmp_path / "u_td.dat", unsorted, 240, 304)
    with pytest.raises(ValueError, match="no such event file"):
        gen1.read_dat(tmp_path / "missing_td.dat")
    with pytest.raises(ValueError, match="exceed"):
        gen1.write_dat(tmp_path / "x_td.dat", _events(5, h=240, w=304), 10, 10)


def _boxes():
    b = np.zeros(3, dtype=gen1.BBOX_DTYPE)
    b["t"] = [600_000, 500_000, 700_000]
    b["x"], b["y"], b["w"], b["h"] = [1, 2, 3], [4, 5, 6], [40, 10, 30], [30, 10, 30]
    b["class_id"] = [0, 1, 0]
    b["track_id"] = [1, 2, 1]
    return b


def test_bbox_round_trip_sorted_and_old_field_names(tmp_path):
    path = gen1.write_bbox(tmp_path / "a_bbox.npy", _boxes())
    back = gen1.read_bbox(path)
    assert back.dtype == gen1.BBOX_DTYPE
    assert list(back["t"]) == [500_000, 600_000, 700_000]
    old = np.zeros(2, dtype=[("ts", "<u8"), ("x", "<f4"), ("y", "<f4"), ("w", "<f4"), ("h", "<f4"),
                             ("class_id", "u1"), ("confidence", "<f4"), ("track_id", "<u4")])
    old["ts"] = [7, 3]
    old["confidence"] = [0.5, 0.25]
    np.save(tmp_path / "old_bbox.npy", old)
    back = gen1.read_bbox(tmp_path / "old_bbox.npy")
    assert list(back["t"]) == [3, 7] and list(back["class_confidence"]) == [0.25, 0.5]


def test_bad_bbox_files_raise_clear_errors(tmp_path):
    np.save(tmp_path / "plain_bbox.npy", np.zeros((3, 5)))
    with pytest.raises(ValueError, match="structured array"):
        gen1.read_bbox(tmp_path / "plain_bbox.npy")
    np.save(tmp_path / "nocls_bbox.npy", np.zeros(2, dtype=[("t", "<i8"), ("x", "<f4"), ("y", "<f4"),
                                                           ("w", "<f4"), ("h", "<f4")]))
    with pytest.raises(ValueError, match="class_id"):
        gen1.read_bbox(tmp_path / "nocls_bbox.npy")
    (tmp_path / "junk_bbox.npy").write_bytes(b"not numpy")
    with pytest.raises(ValueError, match="junk_bbox.npy"):
        gen1.read_bbox(tmp_path / "junk_bbox.npy")


def test_filter_boxes_toolbox_rule():
    kept = gen1.filter_boxes(_boxes(), min_diag_px=30, skip_us=500_000)
    # diagonals 50, 14.1, 42.4 px; the 10×10 box goes, the others are at t ≥ 0.5 s
    assert list(kept["t"]) == [600_000, 700_000]
    assert len(gen1.filter_boxes(_boxes(), 30, 650_000)) == 1


def test_find_recordings_pairs_and_errors(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "empty").mkdir()
    for name in ("b", "a"):
        gen1.write_dat(tmp_path / "train" / f"{name}_td.dat", _events(3), 240, 304)
        gen1.write_bbox(tmp_path / "train" / f"{name}_bbox.npy", _boxes())
    recs = gen1.find_recordings(tmp_path)
    assert [r.stem for r in recs] == ["a", "b"]
    ev, boxes, h, w = recs[0].load()
    assert len(ev) == 3 and len(boxes) == 3 and (h, w) == (240, 304)
    (tmp_path / "train" / "a_bbox.npy").unlink()
    with pytest.raises(ValueError, match="unpaired"):
        gen1.find_recordings(tmp_path)
    with pytest.raises(ValueError, match="no Gen1 recordings"):
        gen1.find_recordings(tmp_path / "empty")
    with pytest.raises(ValueError, match="does not exist"):
        gen1.find_recordings(tmp_path / "nowhere")

"""Event-camera emulator: determinism, level-crossing physics, noise, boxes, Gen1 round trip."""

import numpy as np
import pytest

from neurobench.data import event_camera as ec
from neurobench.data import gen1

SMALL = ec.SceneParameters(width_px=32, height_px=24, duration_s=0.3, size_px=(6.0, 8.0),
                           first_label_ms=50.0)


def test_same_seed_same_recording_other_seed_differs():
    a = ec.simulate(SMALL, ec.DVSParameters(), seed=3)
    b = ec.simulate(SMALL, ec.DVSParameters(), seed=3)
    c = ec.simulate(SMALL, ec.DVSParameters(), seed=4)
    np.testing.assert_array_equal(a.events, b.events)
    np.testing.assert_array_equal(a.boxes, b.boxes)
    assert len(a.events) != len(c.events) or not np.array_equal(a.events, c.events)


def test_events_are_well_formed():
    s = ec.simulate(SMALL, ec.DVSParameters(), seed=1)
    ev = s.events
    assert ev.dtype == gen1.EVENT_DTYPE and len(ev) > 100
    assert np.all(np.diff(ev["t"]) >= 0)
    assert ev["t"].min() >= 0 and ev["t"].max() <= SMALL.duration_s * 1e6
    assert ev["x"].max() < SMALL.width_px and ev["y"].max() < SMALL.height_px
    assert set(np.unique(ev["p"])) <= {0, 1}
    assert len(ev) == s.n_signal_events + s.n_noise_events


def test_level_crossing_tracks_log_intensity_within_one_threshold():
    # No mismatch, refractory or noise: per pixel, C·(ON − OFF) follows ln(I + ε) to within C
    # (the send-on-delta bound of the talk's DVS / Lebesgue-sampling slide).
    dvs = ec.DVSParameters(threshold_mismatch=0.0, refractory_us=0.0, noise_rate_hz=0.0)
    s = ec.simulate(SMALL, dvs, seed=2, keep_frames=True)
    H, W = SMALL.height_px, SMALL.width_px
    log_i = np.log(s.frames + dvs.log_eps)
    change = (log_i[-1] - log_i[0]).ravel()
    signed = np.where(s.events["p"] == 1, 1, -1)
    net = np.bincount(s.events["y"].astype(int) * W + s.events["x"], weights=signed,
                      minlength=H * W)
    assert np.max(np.abs(dvs.contrast_threshold * net - change)) < dvs.contrast_threshold
    assert s.n_noise_events == 0 and np.abs(change).max() > 3 * dvs.contrast_threshold


def test_static_scene_gives_only_poisson_noise():
    static = ec.SceneParameters(width_px=32, height_px=24, duration_s=1.0, n_objects=(0, 0),
                                n_occluders=1, size_px=(6.0, 8.0))
    rate = 5.0
    s = ec.simulate(static, ec.DVSParameters(noise_rate_hz=rate), seed=5)
    assert s.n_signal_events == 0 and len(s.boxes) == 0
    expected = rate * 32 * 24 * static.duration_s
    assert abs(s.n_noise_events - expected) < 4 * np.sqrt(expected)
    assert abs(np.mean(s.events["p"]) - 0.5) < 4 * 0.5 / np.sqrt(len(s.events))


def test_refractory_period_separates_events_of_a_pixel():
    dvs = ec.DVSParameters(refractory_us=2000.0, noise_rate_hz=0.0, contrast_threshold=0.05)
    ev = ec.simulate(SMALL, dvs, seed=6).events
    pix = ev["y"].astype(np.int64) * SMALL.width_px + ev["x"]
    order = np.lexsort((ev["t"], pix))
    same = np.diff(pix[order]) == 0
    gaps = np.diff(ev["t"][order])[same]
    assert gaps.size > 0 and gaps.min() >= 2000 - 1      # µs rounding


def test_boxes_at_label_times_inside_frame():
    s = ec.simulate(SMALL, ec.DVSParameters(), seed=7)
    b = s.boxes
    assert len(b) > 0
    period_us = SMALL.label_period_ms * 1e3
    assert np.all((b["t"] - SMALL.first_label_ms * 1e3) % period_us == 0)
    assert np.all(b["x"] >= 0) and np.all(b["x"] + b["w"] <= SMALL.width_px)
    assert np.all(b["y"] >= 0) and np.all(b["y"] + b["h"] <= SMALL.height_px)
    assert np.all(b["w"] >= 1) and set(np.unique(b["class_id"])) <= {0, 1, 2}
    # the objects' height lies in size_px (a box may be cut by an occluder, never taller)
    assert b["h"].max() <= SMALL.size_px[1] + 2


def test_a_lone_object_has_one_box_per_label_time_matching_its_size():
    one = ec.SceneParameters(width_px=40, height_px=32, duration_s=0.3, n_objects=(1, 1),
                             n_occluders=0, size_px=(10.0, 10.0), first_label_ms=50.0)
    s = ec.simulate(one, ec.DVSParameters(), seed=11)
    n_labels = len(np.arange(50.0, 300.0 + 1e-9, one.label_period_ms))
    assert len(s.boxes) == n_labels and len(np.unique(s.boxes["track_id"])) == 1
    assert np.all(np.abs(s.boxes["h"] - 10) <= 1)            # visible height = 2b = 10 px


def test_write_dataset_reads_back_through_the_gen1_reader(tmp_path):
    manifest = ec.write_dataset(tmp_path, {"train": 2, "val": 1}, SMALL, ec.DVSParameters(), seed=9)
    recs = gen1.find_recordings(tmp_path / "train")
    assert [r.stem for r in recs] == ["seq_0000", "seq_0001"]
    ev, boxes, h, w = recs[1].load()
    assert (h, w) == (SMALL.height_px, SMALL.width_px)
    assert manifest["splits"]["train"]["boxes"] == len(boxes) + len(recs[0].load()[1])
    first = recs[0].load()[0]
    # a rerun with fewer sequences leaves no stale files and rewrites the same recordings
    ec.write_dataset(tmp_path, {"train": 1, "val": 1}, SMALL, ec.DVSParameters(), seed=9)
    recs = gen1.find_recordings(tmp_path / "train")
    assert len(recs) == 1
    np.testing.assert_array_equal(recs[0].load()[0], first)
    val = gen1.find_recordings(tmp_path / "val")[0].load()[0]
    assert len(val) != len(first) or not np.array_equal(val, first)     # splits differ


def test_bad_parameters_name_the_key():
    with pytest.raises(ValueError, match="contrast_threshold"):
        ec.DVSParameters(contrast_threshold=0.0)
    with pytest.raises(ValueError, match="size_px"):
        ec.SceneParameters(size_px=(10.0, 5.0))
    with pytest.raises(ValueError, match="size_px"):
        ec.SceneParameters(width_px=16, height_px=16, size_px=(8.0, 14.0))
    with pytest.raises(ValueError, match="first_label_ms"):
        ec.SceneParameters(duration_s=0.1, first_label_ms=200.0)
    with pytest.raises(ValueError, match="split 'val'"):
        ec.write_dataset("/tmp/unused", {"val": 0}, SMALL, ec.DVSParameters(), seed=0)
    scene, dvs = ec.from_config({"width_px": 32, "height_px": 24, "size_px": [6, 8],
                                 "refractory_us": 5.0, "n_train": 3})
    assert scene.size_px == (6, 8) and dvs.refractory_us == 5.0

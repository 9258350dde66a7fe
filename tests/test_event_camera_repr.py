"""Event representations: histogram, voxel grid, labelled windows (hand-made events)."""

import numpy as np
import pytest

from neurobench.data import gen1
from neurobench.data.event_repr import histogram, labelled_windows, voxel_grid


def _ev(rows):
    ev = np.zeros(len(rows), dtype=gen1.EVENT_DTYPE)
    for k, r in enumerate(rows):
        ev[k] = r
    return ev


EV = _ev([(0, 1, 2, 1), (10, 1, 2, 1), (10, 1, 2, 1), (49, 3, 0, 0), (50, 0, 0, 1), (99, 2, 1, 0),
          (100, 0, 0, 1)])


def test_histogram_counts_per_bin_polarity_pixel():
    h = histogram(EV, 0, 100, 2, height=3, width=4)
    assert h.shape == (2, 2, 3, 4) and h.dtype == np.float32
    assert h[0, 1, 2, 1] == 3            # three ON events at (x=1, y=2) in [0, 50)
    assert h[0, 0, 0, 3] == 1            # OFF at t = 49 still in bin 0
    assert h[1, 1, 0, 0] == 1            # t = 50 opens bin 1
    assert h[1, 0, 1, 2] == 1            # t = 99
    assert h.sum() == 6                  # t = 100 is outside [0, 100)
    hb = histogram(EV, 0, 100, 2, 3, 4, binary=True)
    assert hb.max() == 1 and hb.sum() == 4


def test_voxel_grid_interpolates_between_bins():
    ev = _ev([(25, 0, 0, 1), (0, 1, 0, 0)])[::-1].copy()       # sorted: t = 0, 25
    v = voxel_grid(ev, 0, 100, 3, height=1, width=2)
    # t* = 2·t/100: t = 25 → 0.5, split half/half between bins 0 and 1; t = 0 → bin 0 (OFF: −1)
    np.testing.assert_allclose(v[:, 0, 0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(v[:, 0, 1], [-1.0, 0.0, 0.0])
    np.testing.assert_allclose(v.sum(), 1 - 1)


def test_bad_windows_raise():
    with pytest.raises(ValueError, match="n_bins"):
        histogram(EV, 0, 100, 0, 3, 4)
    with pytest.raises(ValueError, match="t_end > t_start"):
        histogram(EV, 100, 100, 2, 3, 4)
    with pytest.raises(ValueError, match="exceed"):
        histogram(EV, 0, 100, 2, 2, 2)


def test_labelled_windows_skip_early_labels_and_collect_boxes():
    boxes = np.zeros(3, dtype=gen1.BBOX_DTYPE)
    boxes["t"] = [40, 100, 100]
    boxes["x"], boxes["w"], boxes["class_id"] = [0, 1, 2], [2, 2, 1], [0, 1, 2]
    X, targets, times = labelled_windows(EV, boxes, window_us=50, n_bins=5, height=3, width=4)
    assert list(times) == [100] and X.shape == (1, 5, 2, 3, 4)
    assert targets[0][:, 4].tolist() == [1, 2]
    assert X.sum() == 2                  # events at t = 50 and t = 99 in [50, 100)


def test_labelled_windows_keep_evenly_spaced_label_times():
    boxes = np.zeros(5, dtype=gen1.BBOX_DTYPE)
    boxes["t"] = [50, 60, 70, 80, 90]
    boxes["w"] = 1
    _, _, times = labelled_windows(EV, boxes, 50, 2, 3, 4, max_windows=3)
    assert list(times) == [50, 70, 90]
    _, _, times = labelled_windows(EV, boxes, 50, 2, 3, 4, max_windows=10)
    assert len(times) == 5

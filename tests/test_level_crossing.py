"""The shared send-on-delta encoder (neurobench.data.level_crossing): exact events on signals
whose crossings are known in closed form, the δ bound of the reconstruction, refractory
spacing, per-channel parameters, and a pure-Python reference on random multi-channel input."""

from __future__ import annotations

import numpy as np
import pytest

from neurobench.data.level_crossing import LevelCrossingEvents, encode, reconstruct


def reference_encode(x, delta, t, refractory=0.0, x0=None):
    """One channel, written from the definition, slowly (independent of the kernel's loop order)."""
    r_idx, t_last, out = 0, -np.inf, []
    x0 = x[0] if x0 is None else x0
    for k in range(len(x)):
        while True:
            up, down = x0 + (r_idx + 1) * delta, x0 + (r_idx - 1) * delta
            if x[k] >= up:
                pol, lvl = 1, up
            elif x[k] <= down:
                pol, lvl = -1, down
            else:
                break
            if k == 0 or (x[k - 1] - lvl) * pol >= 0:
                tc = t[max(k - 1, 0)]
            else:
                tc = t[k - 1] + (lvl - x[k - 1]) / (x[k] - x[k - 1]) * (t[k] - t[k - 1])
            te = max(tc, t_last + refractory)
            if te > t[k]:
                break
            out.append((te, pol))
            r_idx += pol
            t_last = te
    return out


def test_ramp_crossing_times_are_interpolated():
    # x(t) = 0.37 t sampled at integers: level n·0.1 is crossed at t = n·0.1/0.37.
    t = np.arange(11.0)
    ev = encode(0.37 * t, 0.1, t=t)
    n = np.arange(1, ev.t.size + 1)
    assert ev.t.size == int(np.floor(3.7 / 0.1 + 1e-9))
    np.testing.assert_allclose(ev.t, n * 0.1 / 0.37, rtol=0, atol=1e-12)
    assert np.all(ev.polarity == 1) and np.all(ev.channel == 0)
    assert ev.polarity.dtype == np.int8 and isinstance(ev, LevelCrossingEvents)


def test_step_of_several_deltas_gives_several_events():
    x = np.array([0.0, 0.0, 0.35, 0.35, -0.05])
    ev = encode(x, 0.1)
    assert list(ev.polarity) == [1, 1, 1, -1, -1, -1]
    # the up-step from 0 to 0.35 between t=1 and t=2 crosses 0.1, 0.2, 0.3 at 1 + l/0.35
    np.testing.assert_allclose(ev.t[:3], 1 + np.array([0.1, 0.2, 0.3]) / 0.35, atol=1e-12)
    # the way down from reference 0.3: levels 0.2, 0.1, 0.0 (−0.05 does not reach −0.1)
    np.testing.assert_allclose(ev.t[3:], 3 + np.array([0.15, 0.25, 0.35]) / 0.4, atol=1e-12)


def test_sine_event_count_matches_total_variation():
    # Without refractoriness, the number of events is the total variation / δ up to one per
    # monotone stretch: a sine of amplitude A over k periods has variation 4kA.
    t = np.linspace(0, 5, 50001)
    x = 2.0 * np.sin(2 * np.pi * t)
    ev = encode(x, 0.05, t=t)
    assert abs(ev.t.size - 4 * 5 * 2.0 / 0.05) <= 2 * 5 + 1


def test_reconstruction_within_delta_and_exact_at_events():
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.normal(size=(2000, 3)), axis=0)
    delta = np.array([0.5, 1.0, 2.0])
    t = np.arange(2000) * 1e-3
    ev = encode(x, delta, t=t)
    xhat = reconstruct(ev, t, x[0], delta, n_channels=3)
    assert xhat.shape == (2000, 3)
    err = np.abs(xhat - x)
    assert np.all(err < delta + 1e-12)
    # the reconstruction only takes the levels x0 + m·δ
    assert np.all(np.abs((xhat - x[0]) / delta - np.round((xhat - x[0]) / delta)) < 1e-9)


def test_multichannel_matches_reference_with_refractory():
    rng = np.random.default_rng(7)
    T, C = 400, 5
    t = np.cumsum(rng.uniform(0.5, 1.5, size=T))
    x = np.cumsum(rng.normal(scale=0.6, size=(T, C)), axis=0)
    delta = rng.uniform(0.2, 0.8, size=C)
    x0 = x[0] + rng.normal(size=C)
    for refractory in (0.0, 0.7, 3.0):
        ev = encode(x, delta, t=t, refractory=refractory, x0=x0)
        assert np.all(np.diff(ev.t) >= 0)
        same_t = np.diff(ev.t) == 0
        assert np.all(np.diff(ev.channel)[same_t] >= 0)
        for c in range(C):
            ref = reference_encode(x[:, c], delta[c], t, refractory, x0[c])
            mine = ev.channel == c
            np.testing.assert_allclose(ev.t[mine], [e[0] for e in ref], atol=1e-12)
            np.testing.assert_array_equal(ev.polarity[mine], [e[1] for e in ref])
            if refractory > 0 and mine.sum() > 1:
                assert np.diff(ev.t[mine]).min() >= refractory - 1e-12


def test_refractory_limits_rate_and_reference_catches_up():
    # A fast ramp 0 → 1 with δ = 0.1 and refractory 2: one event per 2 time units.
    t = np.arange(0, 40.0)
    x = np.clip(t / 5.0, 0, 1)
    ev = encode(x, 0.1, t=t, refractory=2.0)
    assert ev.t.size == 10                       # all ten levels reached eventually
    np.testing.assert_allclose(np.diff(ev.t), 2.0)
    xhat = reconstruct(ev, t, 0.0, 0.1)
    assert xhat[-1, 0] == pytest.approx(1.0)


def test_initial_reference_and_default():
    ev = encode(np.array([1.0, 1.0]), 0.25, x0=0.0)
    assert ev.t.size == 4 and np.all(ev.t == 0)
    assert encode(np.ones(5), 0.1).t.size == 0


def test_bad_input_raises_named_value_errors():
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="delta"):
        encode(x, 0.0)
    with pytest.raises(ValueError, match="delta"):
        encode(x, [0.1, -1])
    with pytest.raises(ValueError, match="delta"):
        encode(x, [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="t:"):
        encode(x, 0.1, t=np.zeros(10))
    with pytest.raises(ValueError, match="refractory"):
        encode(x, 0.1, refractory=-1)
    with pytest.raises(ValueError, match="x:"):
        encode(np.full(4, np.nan), 0.1)
    with pytest.raises(ValueError, match="x0"):
        encode(x, 0.1, x0=[0.0])
    ev = encode(np.arange(5.0), 1.0)
    with pytest.raises(ValueError, match="channel"):
        reconstruct(ev._replace(channel=ev.channel + 1), np.arange(5.0), 0.0, 1.0)

"""Stimuli for temporal feature detectors: spike pairs and triplets, pulse trains, chirps, jitter.

Times are in ms throughout. A *pattern* is a set of (time, input channel) events; a *pulse
train* is a sequence of sound-pulse onsets of fixed duration, as in the calling song of the
field cricket (Gryllus bimaculatus: pulses of about 20 ms repeated at a pulse period of about
40 ms and grouped into chirps of a few pulses; Schöneich, Kostarakos & Hedwig, Sci. Adv. 2015,
as summarised in the project's reference notes). A pulse reaches the detector as a burst of
spikes of the auditory neuron AN1 (:func:`pulses_to_spikes`), at a fixed intra-burst interval.

Every random draw comes from the ``numpy.random.Generator`` the caller passes in. Bad input
raises ValueError naming the argument.
"""

from __future__ import annotations

import numpy as np


def _positive(name, value, allow_zero=False):
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = "≥ 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return v


def _count(name, value, minimum=1):
    if int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


# -- spike patterns ------------------------------------------------------------------------
def spike_pattern(intervals_ms, t0_ms: float = 0.0) -> np.ndarray:
    """Spike times of a pattern whose consecutive spikes (one per input channel, channel k at
    position k) are separated by ``intervals_ms``: a pair for one interval, a triplet for two.

    Returns times of shape (len(intervals) + 1,), channel k's spike at index k.
    """
    iv = np.atleast_1d(np.asarray(intervals_ms, dtype=float))
    if iv.ndim != 1 or iv.size < 1 or not np.all(np.isfinite(iv)):
        raise ValueError(f"intervals_ms must be a 1-D list of finite intervals, got {intervals_ms!r}")
    t0 = _positive("t0_ms", t0_ms, allow_zero=True)
    return t0 + np.concatenate([[0.0], np.cumsum(iv)])


def random_patterns(n_patterns: int, n_inputs: int, window_ms: float, rng) -> np.ndarray:
    """Uniformly sampled spike patterns: one spike per input at a time uniform on [0, window).

    Returns shape (n_patterns, n_inputs), in ms (the receptive-field mapping of the
    balanced-synapse follow-up, which samples input patterns uniformly).
    """
    n = _count("n_patterns", n_patterns)
    k = _count("n_inputs", n_inputs)
    w = _positive("window_ms", window_ms)
    return rng.uniform(0.0, w, size=(n, k))


# -- pulse trains --------------------------------------------------------------------------
def pulse_train(period_ms: float, n_pulses: int, t0_ms: float = 0.0) -> np.ndarray:
    """Onsets (ms) of ``n_pulses`` pulses at a constant pulse period."""
    p = _positive("period_ms", period_ms)
    n = _count("n_pulses", n_pulses)
    return _positive("t0_ms", t0_ms, allow_zero=True) + p * np.arange(n)


def chirp_train(period_ms: float, pulses_per_chirp: int, chirp_period_ms: float, n_chirps: int,
                t0_ms: float = 0.0) -> np.ndarray:
    """Onsets of ``n_chirps`` chirps of ``pulses_per_chirp`` pulses each (pulse period
    ``period_ms`` inside a chirp, chirps repeating every ``chirp_period_ms``)."""
    p = _positive("period_ms", period_ms)
    k = _count("pulses_per_chirp", pulses_per_chirp)
    cp = _positive("chirp_period_ms", chirp_period_ms)
    if cp < k * p:
        raise ValueError(f"chirp_period_ms ({cp}) must be ≥ pulses_per_chirp × period_ms ({k * p})")
    n = _count("n_chirps", n_chirps)
    t0 = _positive("t0_ms", t0_ms, allow_zero=True)
    return t0 + (cp * np.arange(n)[:, None] + p * np.arange(k)[None, :]).ravel()


def irregular_train(period_ms: float, n_pulses: int, cv: float, rng, min_gap_ms: float = 0.0,
                    t0_ms: float = 0.0) -> np.ndarray:
    """A pulse train with the same mean period but independent gamma-distributed periods of
    coefficient of variation ``cv`` (each period at least ``min_gap_ms``)."""
    p = _positive("period_ms", period_ms)
    n = _count("n_pulses", n_pulses)
    c = _positive("cv", cv)
    gap = _positive("min_gap_ms", min_gap_ms, allow_zero=True)
    if gap >= p:
        raise ValueError(f"min_gap_ms ({gap}) must be below period_ms ({p})")
    shape = 1.0 / (c * c)
    # gamma on the part of the period above the minimum gap keeps the mean period exact
    periods = gap + rng.gamma(shape, (p - gap) / shape, size=n - 1)
    return _positive("t0_ms", t0_ms, allow_zero=True) + np.concatenate([[0.0], np.cumsum(periods)])


def reversed_train(onsets_ms) -> np.ndarray:
    """The same pulses played backwards in time (the interval sequence reversed), from the
    first onset on: reversal tests whether a detector reads the order of intervals."""
    t = np.sort(np.asarray(onsets_ms, dtype=float))
    if t.size == 0:
        return t
    return t[0] + (t[-1] - t[::-1])


def pulses_to_spikes(onsets_ms, pulse_ms: float, spike_interval_ms: float) -> np.ndarray:
    """AN1-like bursts: spikes every ``spike_interval_ms`` from each onset while the pulse lasts
    (``pulse_ms``), i.e. ceil(pulse/interval) spikes per pulse. Returns sorted times (ms)."""
    t = np.atleast_1d(np.asarray(onsets_ms, dtype=float))
    d = _positive("pulse_ms", pulse_ms)
    isi = _positive("spike_interval_ms", spike_interval_ms)
    offsets = np.arange(0.0, d - 1e-9, isi)
    return np.sort((t[:, None] + offsets[None, :]).ravel())


def jitter(times_ms, sigma_ms: float, rng) -> np.ndarray:
    """Independent Gaussian jitter N(0, σ²) on every time, clipped at 0 (σ = 0: a copy)."""
    t = np.asarray(times_ms, dtype=float)
    s = _positive("sigma_ms", sigma_ms, allow_zero=True)
    if s == 0:
        return t.copy()
    return np.maximum(t + rng.normal(0.0, s, size=t.shape), 0.0)

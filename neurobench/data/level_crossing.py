"""Level-crossing (send-on-delta, Lebesgue) sampling of sampled signals, and its reconstruction.

A level-crossing ADC does not sample on a clock: it emits an event when the signal has moved by
δ from the level of its last event (Sandin's talk, "event-triggered sampling"; Åström &
Bernhardsson 2002 call it Lebesgue sampling, as opposed to periodic Riemann sampling; the
same principle drives the pixels of an event camera and the delta modulators of spiking audio
front ends). For a channel with initial reference r₀ = x0 and threshold δ > 0::

    event (+1) when x(t) ≥ r + δ,   then r ← r + δ
    event (−1) when x(t) ≤ r − δ,   then r ← r − δ

A step of several δ within one sample interval gives several events. Event times are the
linear interpolation of the crossing of each level between the two samples. With a refractory
period τ_ref, events of one channel are at least τ_ref apart: a crossing during the refractory
period is emitted when it ends (at the first sample after it where the signal is still beyond
the level), so the reference then lags the signal, as in a rate-limited converter.

The zero-order-hold reconstruction is x̂(t) = x0 + δ·Σ_{events e of the channel, t_e ≤ t} p_e;
without refractory period it stays within δ of the samples: |x̂(t_k) − x(t_k)| < δ.

The loop is compiled (``_level_crossing.pyx``, one ``nogil`` pass over samples × channels).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from neurobench.data._level_crossing import encode_kernel

__all__ = ["LevelCrossingEvents", "encode", "reconstruct"]


class LevelCrossingEvents(NamedTuple):
    """Events sorted by time, then channel.

    t : float64 [N], event times (unit of the sample times)
    channel : int64 [N], channel index (column of the encoded signal)
    polarity : int8 [N], +1 (signal went up by δ) or −1 (down by δ)
    """

    t: np.ndarray
    channel: np.ndarray
    polarity: np.ndarray


def _per_channel(name: str, value, n_channels: int, *, positive: bool = False) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n_channels, float(arr))
    elif arr.shape != (n_channels,):
        raise ValueError(f"{name}: expected a scalar or an array of {n_channels} channel values, "
                         f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: values must be finite")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name}: must be > 0, got {arr[arr <= 0][0]!r}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _sample_times(t, n_samples: int) -> np.ndarray:
    if t is None:
        return np.arange(n_samples, dtype=np.float64)
    t = np.ascontiguousarray(t, dtype=np.float64)
    if t.shape != (n_samples,):
        raise ValueError(f"t: expected {n_samples} sample times, got shape {t.shape}")
    if not np.all(np.isfinite(t)):
        raise ValueError("t: sample times must be finite")
    if np.any(np.diff(t) <= 0):
        raise ValueError("t: sample times must be strictly increasing")
    return t


def encode(x, delta, t=None, refractory=0.0, x0=None) -> LevelCrossingEvents:
    """Send-on-delta events of a sampled signal.

    Parameters
    ----------
    x : array [T] or [T, C]
        Samples; channels in columns.
    delta : float or array [C]
        Level spacing δ per channel (> 0), in the unit of x.
    t : array [T], optional
        Strictly increasing sample times (default 0 … T−1).
    refractory : float
        Minimum time between two events of one channel (unit of t), ≥ 0.
    x0 : float or array [C], optional
        Initial reference levels (default x[0]); events at t[0] if x[0] is already ≥ δ away.

    Returns
    -------
    LevelCrossingEvents sorted by time, then channel.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"x: expected an array [T] or [T, C], got shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError("x: no samples")
    if not np.all(np.isfinite(x)):
        raise ValueError("x: samples must be finite (got NaN or inf)")
    n_samples, n_channels = x.shape
    delta = _per_channel("delta", delta, n_channels, positive=True)
    times = _sample_times(t, n_samples)
    refractory = float(refractory)
    if not (np.isfinite(refractory) and refractory >= 0):
        raise ValueError(f"refractory: must be finite and ≥ 0, got {refractory!r}")
    x0 = x[0].copy() if x0 is None else _per_channel("x0", x0, n_channels)
    ev_t, ev_c, ev_p = encode_kernel(np.ascontiguousarray(x), times, delta, x0, refractory)
    # The kernel emits sample by sample, channels ascending within a sample. Equal event times
    # only arise within one sample step, so a stable sort on time alone gives (time, channel)
    # order and keeps the emission order of one channel's events (half the cost of a lexsort).
    order = np.argsort(ev_t, kind="stable")
    return LevelCrossingEvents(ev_t[order], ev_c[order], ev_p[order])


def reconstruct(events: LevelCrossingEvents, t, x0, delta, n_channels: int = 1) -> np.ndarray:
    """Zero-order-hold reconstruction x̂ [len(t), C] from events: x0 + δ·(sum of polarities of
    the channel's events at times ≤ t)."""
    n_channels = int(n_channels)
    if n_channels < 1:
        raise ValueError(f"n_channels: must be ≥ 1, got {n_channels}")
    t = np.asarray(t, dtype=np.float64)
    if t.ndim != 1:
        raise ValueError(f"t: expected a 1-D array of times, got shape {t.shape}")
    if np.any(np.diff(t) < 0):
        raise ValueError("t: reconstruction times must be non-decreasing")
    x0 = _per_channel("x0", x0, n_channels)
    delta = _per_channel("delta", delta, n_channels, positive=True)
    ev_t = np.asarray(events.t, dtype=np.float64)
    ev_c = np.asarray(events.channel, dtype=np.int64)
    ev_p = np.asarray(events.polarity, dtype=np.int64)
    if not (ev_t.shape == ev_c.shape == ev_p.shape):
        raise ValueError("events: t, channel and polarity must have the same length")
    if ev_c.size and (ev_c.min() < 0 or ev_c.max() >= n_channels):
        raise ValueError(f"events: channel index out of range for n_channels={n_channels}")
    # An event at time e counts from the first reconstruction time ≥ e on.
    first = np.searchsorted(t, ev_t, side="left")
    steps = np.bincount(first * n_channels + ev_c, weights=ev_p,
                        minlength=(t.size + 1) * n_channels)
    level = np.cumsum(steps.reshape(t.size + 1, n_channels)[:-1], axis=0)
    return x0 + delta * level

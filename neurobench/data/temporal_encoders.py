"""Temporal encoders of spike pairs with one neuron each: the time-difference encoder (TDE) and the
disynaptic excitatory–inhibitory (E–I) element, as compared by Nilsson et al. (arXiv 2301.09962)
for keyword spotting on formant spikes.

Both receive two spike trains, a *first* input a (facilitatory / delayed) and a *second* input b
(trigger / direct), and fire most when b follows a after a preferred interval. Time runs on a
grid of step dt; every trace decays exactly over a step (x ← x·e^{−dt/τ}); the output neuron is a
LIF unit with unit threshold and reset to 0::

    v[t+1] = α_m v[t] + (1 − α_m) I[t+1],   α_m = e^{−dt/τ_m},   spike and v ← 0 when v ≥ 1

TDE (Milde et al., Front. Neurorobot. 12:28, 2018; the spiking TDE of Gutierrez-Galan et al.):
a spike of a sets a facilitation gain that decays with τ_fac; a spike of b injects a current
step equal to the present gain, which decays with τ_trg::

    g ← g + w_fac at a-spikes,  g decays with τ_fac;    I ← I + g at b-spikes, I decays with τ_trg

so the output spike count falls monotonically with the delay from a to b, and b without a
preceding a gives nothing.

Disynaptic E–I element (Sandin & Nilsson, Front. Neurosci. 14:150, 2020): a spike of a drives an
inhibitory and an excitatory synapse with different time constants (τ_i < τ_e, A_i > A_e), whose
sum I_a(t) = A_e e^{−t/τ_e} − A_i e^{−t/τ_i} is first inhibitory and then excitatory, turning
positive at t* = τ_i τ_e/(τ_e − τ_i)·ln(A_i/A_e) (delayed excitation); b excites directly
(A_d, τ_d). The neuron crosses threshold when b arrives while a's excitation is delayed-positive,
i.e. it is selective to the interval a → b near and after t*.

All functions are vectorised over samples and pairs (one numpy time loop, no Python per event).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TDEParameters:
    """Time-difference encoder. Times in ms; weights dimensionless (threshold 1)."""

    tau_fac_ms: float = 20.0
    tau_trg_ms: float = 10.0
    tau_mem_ms: float = 10.0
    w_fac: float = 4.0


@dataclass(frozen=True)
class DisynapticParameters:
    """Disynaptic E–I element. Times in ms; amplitudes dimensionless (threshold 1)."""

    tau_e_ms: float = 40.0
    tau_i_ms: float = 10.0
    a_e: float = 1.5
    a_i: float = 3.0
    a_direct: float = 1.5
    tau_direct_ms: float = 10.0
    tau_mem_ms: float = 10.0

    def __post_init__(self):
        if not (self.tau_i_ms < self.tau_e_ms and self.a_i > self.a_e > 0):
            raise ValueError("disynaptic element needs τ_i < τ_e and A_i > A_e > 0 "
                             f"(got τ_i={self.tau_i_ms}, τ_e={self.tau_e_ms}, A_i={self.a_i}, A_e={self.a_e})")

    @property
    def crossover_ms(self) -> float:
        """t* where the disynaptic current turns from inhibitory to excitatory."""
        return (self.tau_i_ms * self.tau_e_ms / (self.tau_e_ms - self.tau_i_ms)
                * np.log(self.a_i / self.a_e))


def channel_pairs(n_channels: int, groups: list[list[int]] | None = None) -> np.ndarray:
    """Ordered pairs (a, b), a ≠ b, within each group of channels (all channels: one group)."""
    groups = [list(range(n_channels))] if groups is None else groups
    pairs = [(a, b) for g in groups for a, b in itertools.permutations(g, 2)]
    if not pairs:
        raise ValueError("no channel pairs: each group needs ≥ 2 channels")
    arr = np.asarray(pairs, np.int64)
    if arr.min() < 0 or arr.max() >= n_channels:
        raise ValueError(f"channel index out of range for {n_channels} channels")
    return arr


def _check(spikes: np.ndarray, pairs: np.ndarray, dt_ms: float) -> np.ndarray:
    spikes = np.asarray(spikes, float)
    if spikes.ndim != 3:
        raise ValueError(f"spikes must be [samples, steps, channels], got shape {spikes.shape}")
    if dt_ms <= 0:
        raise ValueError(f"dt_ms must be > 0, got {dt_ms}")
    pairs = np.asarray(pairs)
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        raise ValueError(f"pairs must be [P, 2], got shape {pairs.shape}")
    return spikes


def _lif_out(current: np.ndarray, v: np.ndarray, a_m: float) -> tuple[np.ndarray, np.ndarray]:
    v = a_m * v + (1.0 - a_m) * current
    s = v >= 1.0
    v[s] = 0.0
    return s, v


def tde(spikes: np.ndarray, pairs: np.ndarray, p: TDEParameters, dt_ms: float) -> np.ndarray:
    """Output spikes [samples, steps, P] of one TDE per pair (a = facilitatory, b = trigger)
    for input spike counts ``spikes`` [samples, steps, channels]."""
    x = _check(spikes, pairs, dt_ms)
    fac, trg = x[:, :, pairs[:, 0]], x[:, :, pairs[:, 1]]
    a_f, a_t, a_m = (np.exp(-dt_ms / tau) for tau in (p.tau_fac_ms, p.tau_trg_ms, p.tau_mem_ms))
    N, T, P = fac.shape
    g = np.zeros((N, P))
    i = np.zeros((N, P))
    v = np.zeros((N, P))
    out = np.zeros((N, T, P), np.float32)
    for t in range(T):
        g = a_f * g + p.w_fac * fac[:, t]
        i = a_t * i + g * trg[:, t]
        out[:, t], v = _lif_out(i, v, a_m)
    return out


def disynaptic(spikes: np.ndarray, pairs: np.ndarray, p: DisynapticParameters, dt_ms: float) -> np.ndarray:
    """Output spikes [samples, steps, P] of one E–I element per pair (a = disynaptic input,
    b = direct input)."""
    x = _check(spikes, pairs, dt_ms)
    pre, direct = x[:, :, pairs[:, 0]], x[:, :, pairs[:, 1]]
    a_e, a_i, a_d, a_m = (np.exp(-dt_ms / tau) for tau in
                          (p.tau_e_ms, p.tau_i_ms, p.tau_direct_ms, p.tau_mem_ms))
    N, T, P = pre.shape
    ie = np.zeros((N, P))
    ii = np.zeros((N, P))
    idir = np.zeros((N, P))
    v = np.zeros((N, P))
    out = np.zeros((N, T, P), np.float32)
    for t in range(T):
        ie = a_e * ie + p.a_e * pre[:, t]
        ii = a_i * ii + p.a_i * pre[:, t]
        idir = a_d * idir + p.a_direct * direct[:, t]
        out[:, t], v = _lif_out(ie - ii + idir, v, a_m)
    return out

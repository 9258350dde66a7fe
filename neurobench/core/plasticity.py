"""Synaptic plasticity rules of the engine: pair-based STDP and Tsodyks–Markram short-term plasticity.

Both are parameter records (units in the field names) validated once in Python; the kernel
(``neurobench.core._engine``) applies them event by event.

STDP, pair based (Gerstner, Kistler, Naud & Paninski, *Neuronal Dynamics*, 2014, eq. 19.10)::

    Δw₊ = A₊(w) · exp(−|Δt|/τ₊)   at t_post, for t_pre ≤ t_post     (potentiation)
    Δw₋ = −A₋(w) · exp(−|Δt|/τ₋)  at t_pre,  for t_pre > t_post     (depression)

implemented with a presynaptic trace x (τ₊) and a postsynaptic trace y (τ₋). A pre and a post
spike in the same time step (Δt = 0) potentiate by A₊(w): within a step the kernel first
delivers the presynaptic spikes (depression from the postsynaptic trace of earlier steps, then
x ← x + 1) and then applies the postsynaptic spikes (potentiation from x, then y ← y + 1), the
order Brian2 uses for its ``on_pre`` and ``on_post`` pathways. ``pairing="all"``
sums over all earlier spikes (x ← x + 1 at a spike); ``pairing="nearest"`` pairs each spike with
the nearest earlier spike of the other side only (x ← 1). Weight dependence:

    bounds="hard":  A₊(w) = a_plus, A₋(w) = a_minus (additive), then w is clipped to [w_min, w_max]
    bounds="soft":  A₊(w) = a_plus · ((w_max − w)/(w_max − w_min))^μ,
                    A₋(w) = a_minus · ((w − w_min)/(w_max − w_min))^μ   (μ = 1: multiplicative)

Short-term plasticity (Tsodyks & Markram 1997 PNAS 94:719; Tsodyks, Pawelzik & Markram 1998
Neural Comput. 10:821), per synapse, with utilisation u and available resources x::

    du/dt = −u/τ_F,   dx/dt = (1 − x)/τ_D                 between presynaptic spikes
    u ← u + U(1 − u);  the synapse transmits w·u·x;  x ← x − u·x   at a presynaptic spike

Depression dominates for τ_D ≫ τ_F and large U, facilitation for τ_F ≫ τ_D and small U.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PAIRINGS = ("all", "nearest")
BOUNDS = ("hard", "soft")


def _positive(name, value):
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return value


def _nonneg(name, value):
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0, got {value}")
    return value


@dataclass(frozen=True)
class STDP:
    """Pair-based STDP rule of a projection.

    Attributes
    ----------
    tau_plus_ms : decay time τ₊ of the presynaptic trace (potentiation window), ms
    tau_minus_ms : decay time τ₋ of the postsynaptic trace (depression window), ms
    a_plus : potentiation amplitude A₊ ≥ 0 (weight units of the projection)
    a_minus : depression amplitude A₋ ≥ 0 (weight units; the change is −A₋·…)
    w_min, w_max : bounds of the weight (w_min < w_max)
    pairing : "all" (all-to-all) or "nearest" (nearest spike)
    bounds : "hard" (additive, clipped) or "soft" (weight dependent, exponent ``mu``)
    mu : exponent of the soft-bound weight dependence (1 = multiplicative), ≥ 0
    """

    tau_plus_ms: float = 20.0
    tau_minus_ms: float = 20.0
    a_plus: float = 0.01
    a_minus: float = 0.0105
    w_min: float = 0.0
    w_max: float = 1.0
    pairing: str = "all"
    bounds: str = "hard"
    mu: float = 1.0

    def __post_init__(self):
        _positive("tau_plus_ms", self.tau_plus_ms)
        _positive("tau_minus_ms", self.tau_minus_ms)
        _nonneg("a_plus", self.a_plus)
        _nonneg("a_minus", self.a_minus)
        _nonneg("mu", self.mu)
        for name in ("w_min", "w_max"):
            if not math.isfinite(float(getattr(self, name))):
                raise ValueError(f"{name} must be finite, got {getattr(self, name)}")
        if not self.w_min < self.w_max:
            raise ValueError(f"w_min must be < w_max, got w_min={self.w_min}, w_max={self.w_max}")
        if self.pairing not in PAIRINGS:
            raise ValueError(f"pairing must be one of {PAIRINGS}, got {self.pairing!r}")
        if self.bounds not in BOUNDS:
            raise ValueError(f"bounds must be one of {BOUNDS}, got {self.bounds!r}")

    def window(self, dt_ms, w=None):
        """Weight change of one isolated pair with Δt = t_post − t_pre (ms), eq. 19.10.

        Δt = 0 (both spikes in the same time step) potentiates by A₊(w), as the kernel does.

        ``w`` is the weight before the change (needed for soft bounds; default w_min for
        potentiation and w_max for depression is *not* assumed: give it when bounds="soft").
        """
        import numpy as np

        dt_ms = np.asarray(dt_ms, dtype=float)
        f_plus = f_minus = 1.0
        if self.bounds == "soft":
            if w is None:
                raise ValueError("window(): give w for soft bounds")
            span = self.w_max - self.w_min
            f_plus = ((self.w_max - np.asarray(w)) / span) ** self.mu
            f_minus = ((np.asarray(w) - self.w_min) / span) ** self.mu
        return np.where(dt_ms >= 0, self.a_plus * f_plus * np.exp(-np.abs(dt_ms) / self.tau_plus_ms),
                        np.where(dt_ms < 0,
                                 -self.a_minus * f_minus * np.exp(-np.abs(dt_ms) / self.tau_minus_ms),
                                 0.0))


@dataclass(frozen=True)
class TsodyksMarkram:
    """Short-term plasticity of a projection (Tsodyks–Markram).

    Attributes
    ----------
    U : utilisation increment per spike, 0 < U ≤ 1 (release fraction of the first spike)
    tau_f_ms : facilitation time constant τ_F (decay of u to 0), ms
    tau_d_ms : depression (recovery) time constant τ_D (recovery of x to 1), ms
    """

    U: float = 0.5
    tau_f_ms: float = 50.0
    tau_d_ms: float = 200.0

    def __post_init__(self):
        u = float(self.U)
        if not (math.isfinite(u) and 0.0 < u <= 1.0):
            raise ValueError(f"U must lie in (0, 1], got {self.U}")
        _positive("tau_f_ms", self.tau_f_ms)
        _positive("tau_d_ms", self.tau_d_ms)

    def steady_state(self, rate_hz):
        """Stationary (u⁺, x⁻, u⁺x⁻) for a regular presynaptic train at ``rate_hz``.

        Closed form of the recursion at interval Δ = 1/rate:
        u⁺ = U / (1 − (1 − U)·e^{−Δ/τ_F}) just after the spike,
        x⁻ = (1 − e^{−Δ/τ_D}) / (1 − (1 − u⁺)·e^{−Δ/τ_D}) just before it; the transmitted
        fraction is u⁺·x⁻ (Tsodyks, Pawelzik & Markram 1998).
        """
        import numpy as np

        rate = np.asarray(rate_hz, dtype=float)
        if np.any(rate <= 0):
            raise ValueError("rate_hz must be > 0")
        delta_ms = 1e3 / rate
        ef = np.exp(-delta_ms / self.tau_f_ms)
        ed = np.exp(-delta_ms / self.tau_d_ms)
        u = self.U / (1.0 - (1.0 - self.U) * ef)
        x = (1.0 - ed) / (1.0 - (1.0 - u) * ed)
        return u, x, u * x

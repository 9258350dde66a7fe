"""Pure step functions of the discretised LIF neuron (state in, state out).

The talk's form ("a time-discretised feed-forward SNN is a recurrent ANN")::

    i[t+1] = α_syn i[t] + x[t]                 (optional current filter, CuBa-LIF; α_syn = 0: none)
    u[t+1] = α u[t] + β i[t+1] + μ
    S[t+1] = H(u[t+1] − u_thr)
    u[t+1] ← u_reset            where S = 1    (reset="zero")
    u[t+1] ← u[t+1] − u_thr     where S = 1    (reset="subtract")

With α = exp(−dt/τ_m) and β = 1 − α this is the exact step of τ dv/dt = −v + R·I for I constant
over the step (v, u dimensionless: v/θ); with α = 1 − dt/τ it is the forward-Euler step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch

from neurobench.nn.surrogate import spike


def alpha_from_tau(tau: float, dt: float, method: str = "exact") -> float:
    """Decay per step: exp(−dt/τ) ("exact") or 1 − dt/τ ("euler"); τ and dt in the same unit."""
    if tau <= 0 or dt <= 0:
        raise ValueError(f"tau and dt must be > 0, got tau={tau}, dt={dt}")
    if method == "exact":
        return math.exp(-dt / tau)
    if method == "euler":
        if dt > tau:
            raise ValueError(f"euler step unstable for dt={dt} > tau={tau}")
        return 1.0 - dt / tau
    raise ValueError(f"method must be 'exact' or 'euler', got {method!r}")


@dataclass(frozen=True)
class LIFParameters:
    """Parameters of the discrete LIF step (dimensionless; per step).

    alpha : membrane decay per step α (0 ≤ α ≤ 1)
    beta : input gain β
    mu : constant bias μ added every step
    u_thr : threshold
    u_reset : reset value (reset="zero")
    reset : "zero" (u ← u_reset) or "subtract" (u ← u − u_thr)
    alpha_syn : synaptic current decay per step (0: no current filter)
    surrogate : name of the surrogate gradient ("atan", "fast_sigmoid")
    surrogate_alpha : its sharpness (None: the surrogate's default)
    detach_reset : stop the gradient through the reset term (common practice; Zenke & Vogels 2021)
    """

    alpha: float = 0.9
    beta: float = 1.0
    mu: float = 0.0
    u_thr: float = 1.0
    u_reset: float = 0.0
    reset: str = "zero"
    alpha_syn: float = 0.0
    surrogate: str = "atan"
    surrogate_alpha: float | None = None
    detach_reset: bool = True

    def __post_init__(self):
        if self.reset not in ("zero", "subtract"):
            raise ValueError(f"reset must be 'zero' or 'subtract', got {self.reset!r}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"alpha must lie in [0, 1], got {self.alpha}")
        if not 0.0 <= self.alpha_syn <= 1.0:
            raise ValueError(f"alpha_syn must lie in [0, 1], got {self.alpha_syn}")


class LIFState(NamedTuple):
    """Membrane u and synaptic current i, shape [batch, neurons]."""

    u: torch.Tensor
    i: torch.Tensor


def lif_step(x: torch.Tensor, state: LIFState, p: LIFParameters):
    """One step: input x[t] (already weighted), state → (spikes S[t+1], new state)."""
    i = p.alpha_syn * state.i + x if p.alpha_syn > 0 else x
    u = p.alpha * state.u + p.beta * i + p.mu
    s = spike(u - p.u_thr, p.surrogate, p.surrogate_alpha)
    s_r = s.detach() if p.detach_reset else s
    if p.reset == "zero":
        u = u * (1 - s_r) + p.u_reset * s_r
    else:
        u = u - p.u_thr * s_r
    return s, LIFState(u, i)


def leaky_integrate(drive: torch.Tensor, alpha: float) -> torch.Tensor:
    """y[t] = α y[t−1] + drive[t] from y[−1] = 0 over the leading (time) axis of ``drive``; any
    trailing shape (element-wise, so stacked networks compute what each computes alone)."""
    y = torch.zeros_like(drive[0])
    ys = []
    for d_t in drive.unbind(0):
        y = alpha * y + d_t
        ys.append(y)
    return torch.stack(ys)


def lif_scan(drive: torch.Tensor, p: LIFParameters, recurrent=None, return_u: bool = False):
    """LIF neurons over the leading (time) axis of ``drive`` [T, ...] from rest (u = u_reset, no
    spike): s[t], state = lif_step(drive[t] + recurrent(s[t−1]), state) with s[−1] = 0;
    ``recurrent`` (spikes → their input, same shape) is None for none. Returns the spikes [T, ...]
    and, with ``return_u``, the membrane potentials. Any trailing shape (element-wise but for
    ``recurrent``), so stacked networks compute what each computes alone."""
    z = torch.zeros_like(drive[0])
    state = LIFState(z + p.u_reset, z.clone())
    s = torch.zeros_like(drive[0])
    spikes, us = [], []
    for d_t in drive.unbind(0):
        s, state = lif_step(d_t + (recurrent(s) if recurrent is not None else 0.0), state, p)
        spikes.append(s)
        if return_u:
            us.append(state.u)
    out = torch.stack(spikes)
    return (out, torch.stack(us)) if return_u else out


def initial_state(batch: int, n: int, p: LIFParameters, like: torch.Tensor) -> LIFState:
    z = torch.zeros(batch, n, dtype=like.dtype, device=like.device)
    return LIFState(z + p.u_reset, z.clone())

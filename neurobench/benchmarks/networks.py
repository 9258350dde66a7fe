"""The benchmark networks, specified once and built identically for every engine.

Brette et al. 2007, "Simulation of networks of spiking neurons: a review of tools and
strategies", J. Comput. Neurosci. 23:349 (benchmarks 1 and 2), with the parameters of
Brian2's ``examples/CUBA.py`` for the current-based network:

    N neurons, 80 % excitatory / 20 % inhibitory, each pair connected with probability p
    τ_m = 20 ms, θ = −50 mV, v_reset = −60 mV, t_ref = 5 ms, τ_e = 5 ms, τ_i = 10 ms, dt = 0.1 ms
    CUBA:  τ_m dv/dt = (E_L − v) + I_e + I_i,  E_L = −49 mV,  w_e = +1.62 mV,  w_i = −9 mV
    COBA:  C dv/dt = g_L (E_L − v) + g_e (E_e − v) + g_i (E_i − v),  E_L = −60 mV,
           E_e = 0, E_i = −80 mV, g_L = 10 nS, C = 200 pF, Δg_e = 6 nS, Δg_i = 67 nS
    initial v uniform in [v_reset, θ]; COBA initial g_e ~ N(4, 1.5²) nS, g_i ~ N(20, 12²) nS
    (clipped at 0; the initial conditions of Brian's COBA benchmark script, unverified)

Song, Miller & Abbott 2000 (Nat. Neurosci. 3:919) as in Brian2's ``examples/synapses/STDP.py``:
1000 Poisson inputs at 15 Hz onto one conductance-based LIF (τ_m 10 ms, E_L −74 mV,
θ −54 mV, v_reset −60 mV, E_e 0 mV, τ_e 5 ms, no refractory period), additive all-to-all STDP
with τ± = 20 ms, A₊ = 0.01·g_max, A₋ = 1.05·A₊, weights in [0, g_max], g_max = 0.01 (units of
g_L), initial weights uniform in [0, g_max].

Every engine receives the same connectivity (explicit pre/post lists drawn here from a seeded
``numpy`` generator), the same initial state and a one-step (0.1 ms) synaptic delay, and records
the spikes of every neuron. The scaling series keeps the in-degree of the 4000-neuron network
(80 excitatory + 20 inhibitory inputs on average): p = 0.02 · 4000 / N.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DT_MS = 0.1
BRETTE = dict(tau_m_ms=20.0, v_th_mV=-50.0, v_reset_mV=-60.0, t_ref_ms=5.0, tau_e_ms=5.0,
              tau_i_ms=10.0, exc_fraction=0.8)
CUBA = dict(v_rest_mV=-49.0, w_e_mV=1.62, w_i_mV=-9.0)
COBA = dict(v_rest_mV=-60.0, e_e_mV=0.0, e_i_mV=-80.0, g_l_nS=10.0, c_pF=200.0,
            w_e_nS=6.0, w_i_nS=67.0, ge0_nS=(4.0, 1.5), gi0_nS=(20.0, 12.0))
SONG = dict(n_inputs=1000, rate_hz=15.0, tau_m_ms=10.0, v_rest_mV=-74.0, v_th_mV=-54.0,
            v_reset_mV=-60.0, e_e_mV=0.0, tau_e_ms=5.0, tau_pre_ms=20.0, tau_post_ms=20.0,
            g_max=0.01, a_plus_rel=0.01, depression_ratio=1.05)
KINDS = ("cuba", "coba", "stdp")


@dataclass
class BrettNetwork:
    """A CUBA or COBA network: sizes, explicit connectivity and initial state."""

    kind: str
    n: int
    n_exc: int
    p: float
    pre_e: np.ndarray
    post_e: np.ndarray
    pre_i: np.ndarray
    post_i: np.ndarray
    v0_mV: np.ndarray
    ge0: np.ndarray            # CUBA: mV (0); COBA: nS
    gi0: np.ndarray
    params: dict = field(default_factory=dict)

    @property
    def n_synapses(self) -> int:
        return int(self.pre_e.size + self.pre_i.size)


def _pairs(rng, n_pre, n_post, p, pre_offset=0):
    """Every (pre, post) pair with probability p, no autapses (geometric skipping)."""
    total = n_pre * n_post
    mean = total * p
    pos = np.cumsum(rng.geometric(p, size=int(mean + 8 * np.sqrt(mean) + 64))) - 1
    while pos[-1] < total:
        pos = np.concatenate([pos, pos[-1] + np.cumsum(rng.geometric(p, size=int(mean) + 64))])
    pos = pos[pos < total]
    pre, post = pos // n_post + pre_offset, pos % n_post
    keep = pre != post
    return pre[keep].astype(np.int64), post[keep].astype(np.int64)


def brette(kind: str, n: int, seed: int, p: float | None = None) -> BrettNetwork:
    """The CUBA or COBA network of ``n`` neurons (p defaults to the fixed in-degree rule)."""
    if kind not in ("cuba", "coba"):
        raise ValueError(f"kind must be 'cuba' or 'coba', got {kind!r}")
    n = int(n)
    if n < 10:
        raise ValueError(f"n must be ≥ 10, got {n}")
    p = 0.02 * 4000 / n if p is None else float(p)
    if not 0 < p <= 1:
        raise ValueError(f"p must lie in (0, 1], got {p} (n = {n} too small for the in-degree)")
    rng = np.random.default_rng(seed)
    n_exc = int(round(BRETTE["exc_fraction"] * n))
    pre_e, post_e = _pairs(rng, n_exc, n, p)
    pre_i, post_i = _pairs(rng, n - n_exc, n, p, pre_offset=n_exc)
    v0 = rng.uniform(BRETTE["v_reset_mV"], BRETTE["v_th_mV"], n)
    if kind == "coba":
        ge0 = np.clip(rng.normal(*COBA["ge0_nS"], n), 0, None)
        gi0 = np.clip(rng.normal(*COBA["gi0_nS"], n), 0, None)
    else:
        ge0 = gi0 = np.zeros(n)
    params = dict(BRETTE, **(CUBA if kind == "cuba" else COBA))
    return BrettNetwork(kind, n, n_exc, p, pre_e, post_e, pre_i, post_i, v0, ge0, gi0, params)


@dataclass
class SongNetwork:
    """Song et al. 2000: Poisson inputs onto one neuron through plastic synapses."""

    n_inputs: int
    w0: np.ndarray             # initial weights (units of g_L)
    params: dict = field(default_factory=dict)


def song(seed: int, n_inputs: int | None = None) -> SongNetwork:
    p = dict(SONG)
    if n_inputs is not None:
        if int(n_inputs) < 1:
            raise ValueError(f"n_inputs must be ≥ 1, got {n_inputs}")
        p["n_inputs"] = int(n_inputs)
    rng = np.random.default_rng(seed)
    return SongNetwork(p["n_inputs"], rng.uniform(0, p["g_max"], p["n_inputs"]), p)


def spike_statistics(times_ms: np.ndarray, ids: np.ndarray, n: int, duration_ms: float,
                     skip_ms: float = 0.0) -> dict:
    """Mean firing rate (Hz) over all neurons and mean CV of the interspike intervals over the
    neurons with at least 3 spikes, both after a transient of ``skip_ms``."""
    times_ms = np.asarray(times_ms, float)
    ids = np.asarray(ids, np.int64)
    keep = times_ms >= skip_ms
    t, i = times_ms[keep], ids[keep]
    span_s = (duration_ms - skip_ms) * 1e-3
    rate = t.size / n / span_s if span_s > 0 else float("nan")
    order = np.lexsort((t, i))
    t, i = t[order], i[order]
    counts = np.bincount(i, minlength=n)
    cvs = []
    starts = np.concatenate([[0], np.cumsum(counts)])
    for k in np.flatnonzero(counts >= 3):
        isi = np.diff(t[starts[k]:starts[k + 1]])
        if isi.mean() > 0:
            cvs.append(isi.std() / isi.mean())
    return dict(rate_hz=float(rate), cv_isi=float(np.mean(cvs)) if cvs else float("nan"),
                n_spikes=int(t.size))

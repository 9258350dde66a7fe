"""Object API of the LIF engine: build a network, validate it once, run it in one compiled call.

Model of a population (per neuron, all parameters may differ between neurons)::

    current-based:     τ_m dv/dt = (E_L − v) + R·I(t) + I_e + I_i
                       τ_e dI_e/dt = −I_e,  τ_i dI_i/dt = −I_i,   on a spike: I_x ← I_x + w  [mV]
    conductance-based: τ_m dv/dt = (E_L − v) + R·I(t) + g_e (E_e − v) + g_i (E_i − v)
                       τ_e dg_e/dt = −g_e,  τ_i dg_i/dt = −g_i,   on a spike: g_x ← g_x + w  [g_L]
    spike:             v > θ  →  v ← v_reset, v clamped for t_ref (synapses keep integrating)

Integration is exact for the current-based model (the linear system's propagator, as Brian2's
``method='exact'``/``'linear'`` and NEST's ``iaf_psc_exp``); the conductance-based membrane uses
the exponential-Euler step (exact for conductances frozen over one step, as Brian2's
``exponential_euler``), the conductances decay exactly.

Units: time ms, potentials mV, resistance MΩ, current pA (R·I in mV = R[MΩ]·I[pA]·1e-3),
current-based weights mV (the synaptic current expressed as the voltage R·I_syn it drives),
conductance-based weights in units of the leak conductance g_L (dimensionless).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

from neurobench.core import _engine

RECEPTORS = {"exc": 0, "inh": 1}
SYNAPSE_MODELS = {"current": 0, "conductance": 1}


def _check_finite(name, arr):
    arr = np.asarray(arr, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: values must be finite (got NaN or inf)")
    return arr


def _per_neuron(name, value, n):
    arr = _check_finite(name, value)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name}: expected a scalar or an array of length {n}, got shape {arr.shape}")
    return arr.astype(float).copy()


def _steps(name, t_ms, dt_ms):
    """Convert a time to whole steps (Brian2's rounding: int(t/dt + 1e-3))."""
    return np.floor(np.asarray(t_ms, dtype=float) / dt_ms + 1e-3).astype(np.int64)


@dataclass(frozen=True)
class LIFParameters:
    """Parameters of a LIF population; each field is a scalar or an array of one value per neuron.

    Attributes
    ----------
    tau_m_ms : membrane time constant τ_m (ms), > 0
    v_rest_mV : leak reversal / resting potential E_L (mV)
    v_th_mV : firing threshold θ (mV); a spike when v > θ
    v_reset_mV : reset potential (mV)
    t_ref_ms : absolute refractory period (ms), ≥ 0; v is clamped meanwhile
    r_mohm : membrane resistance R (MΩ) that converts input current to voltage drive
    tau_e_ms : excitatory synaptic time constant τ_e (ms), > 0
    tau_i_ms : inhibitory synaptic time constant τ_i (ms), > 0
    e_e_mV : excitatory reversal potential (mV), conductance-based synapses only
    e_i_mV : inhibitory reversal potential (mV), conductance-based synapses only
    """

    tau_m_ms: float | np.ndarray = 20.0
    v_rest_mV: float | np.ndarray = -65.0
    v_th_mV: float | np.ndarray = -50.0
    v_reset_mV: float | np.ndarray = -65.0
    t_ref_ms: float | np.ndarray = 2.0
    r_mohm: float | np.ndarray = 100.0
    tau_e_ms: float | np.ndarray = 5.0
    tau_i_ms: float | np.ndarray = 10.0
    e_e_mV: float | np.ndarray = 0.0
    e_i_mV: float | np.ndarray = -80.0


@dataclass
class Population:
    """A group of LIF neurons with contiguous global ids ``start … start + n − 1``.

    ``i_const_pA`` (constant input current per neuron, pA) may be edited between runs.
    """

    name: str
    start: int
    n: int
    synapse: str
    params: dict
    i_const_pA: np.ndarray
    v_init_mV: np.ndarray

    @property
    def stop(self) -> int:
        return self.start + self.n


@dataclass
class SpikeSource:
    """External spike sources (spike generator or Poisson), source ids ``start … start + n − 1``."""

    name: str
    start: int
    n: int
    kind: str                       # "generator" or "poisson"
    steps: np.ndarray | None = None  # generator: spike steps (sorted)
    ids: np.ndarray | None = None    # generator: local source index of each spike
    rates_hz: np.ndarray | None = None

    @property
    def stop(self) -> int:
        return self.start + self.n


@dataclass
class Projection:
    """Synapses from a population/source to a population (one receptor type)."""

    source: object
    target: Population
    receptor: str
    pre: np.ndarray       # local indices in source
    post: np.ndarray      # local indices in target
    weight: np.ndarray
    delay_steps: np.ndarray
    _net: object = field(repr=False, default=None)
    _offset: int = 0

    @property
    def n_synapses(self) -> int:
        return int(self.pre.size)

    @property
    def weights(self) -> np.ndarray:
        """Current weights in the order of ``pre``/``post`` (a copy)."""
        net = self._net
        if net is None or net._compiled is None:
            return self.weight.copy()
        pos = net._compiled["inv_perm"][self._offset:self._offset + self.n_synapses]
        return net._compiled["syn_w"][pos].copy()


@dataclass
class SpikeRecord:
    """Spikes of one population: times (ms) and local neuron indices, in time order."""

    population: Population
    neurons: np.ndarray
    times_ms: list = field(default_factory=list)
    indices: list = field(default_factory=list)

    def t(self) -> np.ndarray:
        return np.concatenate(self.times_ms) if self.times_ms else np.empty(0)

    def i(self) -> np.ndarray:
        return np.concatenate(self.indices) if self.indices else np.empty(0, dtype=np.int32)

    def counts(self) -> np.ndarray:
        """Spike count per neuron of the population."""
        return np.bincount(self.i(), minlength=self.population.n)


@dataclass
class StateRecord:
    """Sampled state of selected neurons: rows are samples, columns the recorded neurons."""

    population: Population
    neurons: np.ndarray
    every_steps: int
    t_ms: list = field(default_factory=list)
    v_mV: list = field(default_factory=list)
    g_e: list = field(default_factory=list)
    g_i: list = field(default_factory=list)

    def _cat(self, name):
        parts = getattr(self, name)
        return np.concatenate(parts) if parts else np.empty((0, self.neurons.size))

    @property
    def t(self):
        return np.concatenate(self.t_ms) if self.t_ms else np.empty(0)

    @property
    def v(self):
        return self._cat("v_mV")

    @property
    def ge(self):
        return self._cat("g_e")

    @property
    def gi(self):
        return self._cat("g_i")


class Network:
    """A network of LIF populations, external sources and projections at a fixed time step.

    Parameters
    ----------
    dt_ms : float
        Integration step (ms), > 0.
    seed : int
        Seed of the ``numpy.random.Generator`` used for connectivity and Poisson sources.
    """

    def __init__(self, dt_ms: float = 0.1, seed: int = 0):
        dt_ms = float(dt_ms)
        if not math.isfinite(dt_ms) or dt_ms <= 0:
            raise ValueError(f"dt_ms must be a positive finite number, got {dt_ms}")
        self.dt_ms = dt_ms
        self.rng = np.random.default_rng(seed)
        self.populations: list[Population] = []
        self.sources: list[SpikeSource] = []
        self.projections: list[Projection] = []
        self.spike_records: list[SpikeRecord] = []
        self.state_records: list[StateRecord] = []
        self.currents: list[tuple[Population, np.ndarray, np.ndarray, int]] = []
        self.step = 0
        self._compiled = None
        self._names = set()

    # -- building -------------------------------------------------------------------------
    def _check_mutable(self):
        if self._compiled is not None:
            raise RuntimeError("the network topology is frozen after the first run()")

    def _name(self, name, kind):
        name = name or f"{kind}{len(self.populations) + len(self.sources)}"
        if name in self._names:
            raise ValueError(f"name {name!r} is already used in this network")
        self._names.add(name)
        return name

    @property
    def n_neurons(self) -> int:
        return sum(p.n for p in self.populations)

    def add_lif(self, n: int, params: LIFParameters | None = None, synapse: str = "current",
                v_init_mV=None, name: str | None = None) -> Population:
        """Add ``n`` LIF neurons. ``synapse`` is ``"current"`` or ``"conductance"``."""
        self._check_mutable()
        if self.sources:
            raise RuntimeError("add every LIF population before the external sources")
        n = int(n)
        if n < 1:
            raise ValueError(f"n must be ≥ 1, got {n}")
        if synapse not in SYNAPSE_MODELS:
            raise ValueError(f"synapse must be one of {list(SYNAPSE_MODELS)}, got {synapse!r}")
        params = params or LIFParameters()
        arrays = {f.name: _per_neuron(f.name, getattr(params, f.name), n) for f in fields(params)}
        for key in ("tau_m_ms", "tau_e_ms", "tau_i_ms"):
            if np.any(arrays[key] <= 0):
                raise ValueError(f"{key} must be > 0, got min {arrays[key].min():g}")
        if np.any(arrays["t_ref_ms"] < 0):
            raise ValueError(f"t_ref_ms must be ≥ 0, got min {arrays['t_ref_ms'].min():g}")
        if np.any(arrays["r_mohm"] < 0):
            raise ValueError("r_mohm must be ≥ 0")
        v0 = arrays["v_rest_mV"] if v_init_mV is None else _per_neuron("v_init_mV", v_init_mV, n)
        pop = Population(self._name(name, "lif"), self.n_neurons, n, synapse, arrays,
                         np.zeros(n), v0.copy())
        self.populations.append(pop)
        return pop

    def add_spike_generator(self, n: int, indices, times_ms, name: str | None = None) -> SpikeSource:
        """External source of ``n`` channels firing at given times (ms) on given channels."""
        self._check_mutable()
        n = int(n)
        if n < 1:
            raise ValueError(f"n must be ≥ 1, got {n}")
        indices = np.asarray(indices)
        times = _check_finite("times_ms", times_ms)
        if indices.shape != times.shape or indices.ndim != 1:
            raise ValueError(f"indices and times_ms must be 1-D of equal length, got "
                             f"{indices.shape} and {times.shape}")
        if indices.size and (indices.min() < 0 or indices.max() >= n):
            raise ValueError(f"indices out of range [0, {n}): min {indices.min()}, max {indices.max()}")
        if times.size and times.min() < 0:
            raise ValueError(f"times_ms must be ≥ 0, got {times.min():g}")
        steps = _steps("times_ms", times, self.dt_ms)
        order = np.argsort(steps, kind="stable")
        src = SpikeSource(self._name(name, "gen"), self._n_sources_total(), n, "generator",
                          steps=steps[order], ids=indices[order].astype(np.int64))
        self.sources.append(src)
        return src

    def add_poisson(self, n: int, rates_hz, name: str | None = None) -> SpikeSource:
        """``n`` independent Poisson sources (Bernoulli per step with p = rate·dt, as Brian2)."""
        self._check_mutable()
        n = int(n)
        if n < 1:
            raise ValueError(f"n must be ≥ 1, got {n}")
        rates = _per_neuron("rates_hz", rates_hz, n)
        if np.any(rates < 0) or np.any(rates * self.dt_ms * 1e-3 > 1):
            raise ValueError("rates_hz must lie in [0, 1/dt]")
        src = SpikeSource(self._name(name, "poisson"), self._n_sources_total(), n, "poisson",
                          rates_hz=rates)
        self.sources.append(src)
        return src

    def _n_sources_total(self) -> int:
        return self.n_neurons + sum(s.n for s in self.sources)

    def connect(self, source, target: Population, receptor: str = "exc", weight=1.0,
                delay_ms=None, p: float | None = None, pre=None, post=None,
                allow_autapses: bool = False) -> Projection:
        """Connect ``source`` → ``target`` with fixed probability ``p`` or explicit (pre, post) pairs.

        ``weight`` (mV for current-based, g_L units for conductance-based targets) and
        ``delay_ms`` (default: one step; must round to ≥ 1 step) are scalars or one value per synapse.
        """
        self._check_mutable()
        if receptor not in RECEPTORS:
            raise ValueError(f"receptor must be one of {list(RECEPTORS)}, got {receptor!r}")
        if not isinstance(target, Population) or target not in self.populations:
            raise ValueError("target must be a Population of this network")
        if not (source in self.populations or source in self.sources):
            raise ValueError("source must be a Population or SpikeSource of this network")
        if (p is None) == (pre is None and post is None):
            raise ValueError("give either p (fixed probability) or pre and post (explicit pairs)")
        if p is not None:
            p = float(p)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"p must lie in [0, 1], got {p}")
            pre, post = self._fixed_probability(source.n, target.n, p)
            if source is target and not allow_autapses:
                keep = pre != post
                pre, post = pre[keep], post[keep]
        else:
            if pre is None or post is None:
                raise ValueError("explicit connectivity needs both pre and post")
            pre = np.asarray(pre, dtype=np.int64)
            post = np.asarray(post, dtype=np.int64)
            if pre.shape != post.shape or pre.ndim != 1:
                raise ValueError(f"pre and post must be 1-D of equal length, got {pre.shape} and {post.shape}")
            if pre.size and (pre.min() < 0 or pre.max() >= source.n):
                raise ValueError(f"pre indices out of range [0, {source.n})")
            if post.size and (post.min() < 0 or post.max() >= target.n):
                raise ValueError(f"post indices out of range [0, {target.n})")
        m = pre.size
        w = np.asarray(_check_finite("weight", weight), dtype=float)
        w = np.full(m, float(w)) if w.ndim == 0 else w.copy()
        if w.shape != (m,):
            raise ValueError(f"weight: expected a scalar or {m} values, got shape {w.shape}")
        if target.synapse == "conductance" and np.any(w < 0):
            raise ValueError("weight: conductance-based synapses need weights ≥ 0 "
                             "(use receptor='inh' for inhibition)")
        d = self.dt_ms if delay_ms is None else delay_ms
        d = _check_finite("delay_ms", d)
        d_steps = np.rint(d / self.dt_ms).astype(np.int64)
        d_steps = np.full(m, int(d_steps)) if d_steps.ndim == 0 else d_steps
        if d_steps.shape != (m,):
            raise ValueError(f"delay_ms: expected a scalar or {m} values, got shape {d_steps.shape}")
        if m and d_steps.min() < 1:
            raise ValueError(f"delay_ms must be at least one step ({self.dt_ms} ms), got "
                             f"{float(np.min(d)):g} ms")
        proj = Projection(source, target, receptor, pre, post, w, d_steps, _net=self)
        self.projections.append(proj)
        return proj

    def _fixed_probability(self, n_pre, n_post, p):
        """Every (pre, post) pair exists independently with probability p (geometric skipping)."""
        total = n_pre * n_post
        if p == 0.0 or total == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        if p == 1.0:
            pos = np.arange(total, dtype=np.int64)
        else:
            chunks, last = [], -1
            size = int(total * p + 6 * math.sqrt(total * p) + 16)
            while True:
                gaps = self.rng.geometric(p, size=size).astype(np.int64)
                pos = last + np.cumsum(gaps)
                chunks.append(pos[pos < total])
                if pos[-1] >= total:
                    break
                last = int(pos[-1])
            pos = np.concatenate(chunks)
        return pos // n_post, pos % n_post

    def set_current(self, population: Population, values_pA, neurons=None):
        """Time-varying input current: ``values_pA[k, j]`` is applied during step k (from the
        network's t = 0) to neuron ``neurons[j]``; after the array ends the current is 0.
        ``values_pA`` may be 1-D (one neuron or the same for all selected)."""
        self._check_mutable()
        if population not in self.populations:
            raise ValueError("population must belong to this network")
        neurons = np.arange(population.n) if neurons is None else np.asarray(neurons, dtype=np.int64)
        if neurons.size and (neurons.min() < 0 or neurons.max() >= population.n):
            raise ValueError(f"neurons out of range [0, {population.n})")
        vals = _check_finite("values_pA", values_pA)
        if vals.ndim == 1:
            vals = np.repeat(vals[:, None], neurons.size, axis=1)
        if vals.ndim != 2 or vals.shape[1] != neurons.size:
            raise ValueError(f"values_pA: expected shape (n_steps, {neurons.size}), got {vals.shape}")
        if any(set(neurons.tolist()) & set(c[1].tolist()) for c in self.currents if c[0] is population):
            raise ValueError("a neuron may receive only one time-varying current")
        self.currents.append((population, neurons, vals, 0))

    def record_spikes(self, population: Population, neurons=None) -> SpikeRecord:
        """Record the spikes of a population (all neurons, or the given local indices)."""
        self._check_mutable()
        if population not in self.populations:
            raise ValueError("population must belong to this network")
        neurons = np.arange(population.n) if neurons is None else np.asarray(neurons, dtype=np.int64)
        if neurons.size and (neurons.min() < 0 or neurons.max() >= population.n):
            raise ValueError(f"neurons out of range [0, {population.n})")
        rec = SpikeRecord(population, neurons)
        self.spike_records.append(rec)
        return rec

    def record_state(self, population: Population, neurons, every_ms: float | None = None) -> StateRecord:
        """Record v and both synaptic variables of selected neurons every ``every_ms`` (default dt)."""
        self._check_mutable()
        if population not in self.populations:
            raise ValueError("population must belong to this network")
        neurons = np.atleast_1d(np.asarray(neurons, dtype=np.int64))
        if neurons.size == 0 or neurons.min() < 0 or neurons.max() >= population.n:
            raise ValueError(f"neurons out of range [0, {population.n})")
        every = 1 if every_ms is None else int(round(float(every_ms) / self.dt_ms))
        if every < 1:
            raise ValueError(f"every_ms must be ≥ dt ({self.dt_ms} ms)")
        if any(r.every_steps != every for r in self.state_records):
            raise ValueError("all state monitors of a network share one sampling interval")
        rec = StateRecord(population, neurons, every)
        self.state_records.append(rec)
        return rec

    # -- compiling ------------------------------------------------------------------------
    def _gid(self, obj, local):
        return obj.start + np.asarray(local, dtype=np.int64)

    def _compile(self):
        if not self.populations:
            raise ValueError("the network has no LIF population")
        dt = self.dt_ms
        P = {k: np.concatenate([p.params[k] for p in self.populations]) for k in self.populations[0].params}
        mode = np.concatenate([np.full(p.n, SYNAPSE_MODELS[p.synapse]) for p in self.populations])
        tau_m, tau_e, tau_i = P["tau_m_ms"], P["tau_e_ms"], P["tau_i_ms"]
        p_mem = np.exp(-dt / tau_m)

        def psc_coef(tau_s):
            # voltage at dt due to a unit exponential current starting at 0 (exact solution)
            same = np.isclose(tau_s, tau_m, rtol=1e-9, atol=0)
            with np.errstate(divide="ignore", invalid="ignore"):
                c = tau_s / (tau_s - tau_m) * (np.exp(-dt / tau_s) - np.exp(-dt / tau_m))
            return np.where(same, dt / tau_m * np.exp(-dt / tau_m), c)

        n_src = self._n_sources_total()
        pres, posts, ws, ds, chs = [], [], [], [], []
        offset = 0
        for proj in self.projections:
            pres.append(self._gid(proj.source, proj.pre))
            posts.append(self._gid(proj.target, proj.post))
            ws.append(proj.weight)
            ds.append(proj.delay_steps)
            chs.append(np.full(proj.n_synapses, RECEPTORS[proj.receptor]))
            proj._offset = offset
            offset += proj.n_synapses
        cat = (lambda xs, dtype: np.concatenate(xs).astype(dtype) if xs else np.empty(0, dtype))
        pre = cat(pres, np.int64)
        perm = np.argsort(pre, kind="stable")
        inv_perm = np.empty_like(perm)
        inv_perm[perm] = np.arange(perm.size)
        syn_ptr = np.zeros(n_src + 1, dtype=np.int64)
        np.cumsum(np.bincount(pre, minlength=n_src), out=syn_ptr[1:])
        syn_delay = cat(ds, np.int32)[perm]
        ring_len = int(syn_delay.max()) + 1 if syn_delay.size else 2
        n = self.n_neurons
        self._compiled = dict(
            pop_start=np.array([p.start for p in self.populations], dtype=np.int32),
            pop_stop=np.array([p.stop for p in self.populations], dtype=np.int32),
            pop_mode=np.array([SYNAPSE_MODELS[p.synapse] for p in self.populations], dtype=np.int8),
            el=P["v_rest_mV"], vth=P["v_th_mV"], vreset=P["v_reset_mV"],
            ref_steps=_steps("t_ref_ms", P["t_ref_ms"], dt).astype(np.int32),
            p_mem=p_mem, p_e=np.where(mode == 0, psc_coef(tau_e), 0.0),
            p_i=np.where(mode == 0, psc_coef(tau_i), 0.0),
            d_e=np.exp(-dt / tau_e), d_i=np.exp(-dt / tau_i), dt_over_tau=dt / tau_m,
            e_e=P["e_e_mV"], e_i=P["e_i_mV"], r_mohm=P["r_mohm"],
            syn_ptr=syn_ptr, syn_tgt=cat(posts, np.int32)[perm], syn_w=cat(ws, np.float64)[perm],
            syn_delay=syn_delay, syn_ch=cat(chs, np.int32)[perm], inv_perm=inv_perm,
            ring=np.zeros(2 * ring_len * n), ring_len=ring_len,
            v=np.concatenate([p.v_init_mV for p in self.populations]),
            ge=np.zeros(n), gi=np.zeros(n), refrac=np.zeros(n, dtype=np.int32),
        )
        mask = np.zeros(n, dtype=np.uint8)
        for rec in self.spike_records:
            mask[self._gid(rec.population, rec.neurons)] = 1
        self._compiled["spike_mask"] = mask
        rec_idx = [self._gid(r.population, r.neurons) for r in self.state_records]
        self._compiled["rec_idx"] = (np.concatenate(rec_idx).astype(np.int32) if rec_idx
                                     else np.empty(0, np.int32))
        self._compiled["rec_every"] = self.state_records[0].every_steps if self.state_records else 1

    def _external_events(self, n_steps):
        """CSR (by step of this segment) of external source ids firing in [step, step + n_steps)."""
        s0, s1 = self.step, self.step + n_steps
        all_steps, all_ids = [], []
        p_dt = self.dt_ms * 1e-3
        for src in self.sources:
            if src.kind == "generator":
                lo, hi = np.searchsorted(src.steps, [s0, s1])
                all_steps.append(src.steps[lo:hi] - s0)
                all_ids.append(src.start + src.ids[lo:hi])
            else:
                prob = src.rates_hz * p_dt
                for j in np.flatnonzero(prob > 0):
                    st = self._bernoulli_steps(prob[j], n_steps)
                    all_steps.append(st)
                    all_ids.append(np.full(st.size, src.start + j, dtype=np.int64))
        steps = np.concatenate(all_steps) if all_steps else np.empty(0, np.int64)
        ids = np.concatenate(all_ids) if all_ids else np.empty(0, np.int64)
        order = np.argsort(steps, kind="stable")
        ptr = np.zeros(n_steps + 1, dtype=np.int64)
        np.cumsum(np.bincount(steps, minlength=n_steps), out=ptr[1:])
        return ptr, ids[order].astype(np.int32)

    def _bernoulli_steps(self, prob, n_steps):
        """Steps in [0, n_steps) at which a Bernoulli(prob) process fires (geometric gaps)."""
        if prob >= 1.0:
            return np.arange(n_steps, dtype=np.int64)
        out, last = [], -1
        size = int(n_steps * prob + 6 * math.sqrt(n_steps * prob) + 8)
        while True:
            pos = last + np.cumsum(self.rng.geometric(prob, size=size).astype(np.int64))
            out.append(pos[pos < n_steps])
            if pos[-1] >= n_steps:
                return np.concatenate(out)
            last = int(pos[-1])

    # -- running --------------------------------------------------------------------------
    def run(self, duration_ms: float, progress: bool = False, chunk_ms: float | None = None):
        """Advance the network by ``duration_ms``; monitors accumulate across runs."""
        duration_ms = float(duration_ms)
        if not math.isfinite(duration_ms) or duration_ms < 0:
            raise ValueError(f"duration_ms must be ≥ 0, got {duration_ms}")
        if self._compiled is None:
            self._compile()
        total = int(round(duration_ms / self.dt_ms))
        chunk = total if chunk_ms is None else max(1, int(round(chunk_ms / self.dt_ms)))
        if progress and chunk_ms is None:
            chunk = max(1, total // 50)
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=total, unit="step", desc="core", mininterval=1.0)
        done = 0
        while done < total:
            n = min(chunk, total - done)
            self._run_segment(n)
            done += n
            if bar is not None:
                bar.update(n)
        if bar is not None:
            bar.close()
        return self

    def _run_segment(self, n_steps):
        C = self._compiled
        n = self.n_neurons
        # constant drive R·I (mV) and time-varying drive for this segment
        ri = C["r_mohm"] * np.concatenate([p.i_const_pA for p in self.populations]) * 1e-3
        if not np.all(np.isfinite(ri)):
            raise ValueError("i_const_pA must be finite")
        dyn_idx, dyn_cols = [], []
        for pop, neurons, vals, _ in self.currents:
            gid = self._gid(pop, neurons)
            seg = np.zeros((n_steps, neurons.size))
            lo, hi = self.step, min(self.step + n_steps, vals.shape[0])
            if hi > lo:
                seg[: hi - lo] = vals[lo:hi]
            dyn_idx.append(gid)
            dyn_cols.append(seg * C["r_mohm"][gid][None, :] * 1e-3)
        dyn_idx = np.concatenate(dyn_idx).astype(np.int32) if dyn_idx else np.empty(0, np.int32)
        dyn_vals = (np.ascontiguousarray(np.concatenate(dyn_cols, axis=1)) if dyn_cols
                    else np.empty((n_steps, 0)))
        ext_ptr, ext_ids = self._external_events(n_steps)
        every = C["rec_every"]
        n_rows = 0
        if C["rec_idx"].size:
            first = (-self.step) % every
            n_rows = 0 if first >= n_steps else (n_steps - 1 - first) // every + 1
        k = C["rec_idx"].size
        rec_v, rec_ge, rec_gi = (np.empty((n_rows, k)) for _ in range(3))
        steps, ids, rows = _engine.run_kernel(
            self.step, n_steps, C["v"], C["ge"], C["gi"], C["refrac"],
            C["pop_start"], C["pop_stop"], C["pop_mode"],
            C["el"], C["vth"], C["vreset"], C["ref_steps"], ri,
            C["p_mem"], C["p_e"], C["p_i"], C["d_e"], C["d_i"],
            C["dt_over_tau"], C["e_e"], C["e_i"],
            dyn_idx, dyn_vals, ext_ptr, ext_ids,
            C["syn_ptr"], C["syn_tgt"], C["syn_w"], C["syn_delay"], C["syn_ch"],
            C["ring"], C["ring_len"], C["spike_mask"],
            C["rec_idx"], every, rec_v, rec_ge, rec_gi)
        assert rows == n_rows, (rows, n_rows)
        for rec in self.spike_records:
            gids = self._gid(rec.population, rec.neurons)
            sel = np.isin(ids, gids)
            rec.times_ms.append(steps[sel] * self.dt_ms)
            rec.indices.append((ids[sel] - rec.population.start).astype(np.int32))
        if n_rows:
            first = (-self.step) % every
            t = (self.step + first + every * np.arange(n_rows)) * self.dt_ms
            col = 0
            for rec in self.state_records:
                sl = slice(col, col + rec.neurons.size)
                rec.t_ms.append(t)
                rec.v_mV.append(rec_v[:, sl])
                rec.g_e.append(rec_ge[:, sl])
                rec.g_i.append(rec_gi[:, sl])
                col += rec.neurons.size
        self.step += n_steps

    # -- state access ---------------------------------------------------------------------
    @property
    def t_ms(self) -> float:
        return self.step * self.dt_ms

    def v(self, population: Population) -> np.ndarray:
        """Membrane potentials (mV) of a population now (a copy)."""
        if self._compiled is None:
            return population.v_init_mV.copy()
        return self._compiled["v"][population.start:population.stop].copy()

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

Projections may carry pair-based STDP and Tsodyks–Markram short-term plasticity
(``neurobench.core.plasticity``); plastic weights are readable at any time
(``Projection.weights``) and recordable (``Network.record_weights``). With ``n_threads > 1``
the membrane updates run on OpenMP threads; results are identical for any thread count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

from neurobench.core import _engine
from neurobench.core.events import events_by_step, runs_by_step
from neurobench.core.plasticity import STDP, TsodyksMarkram
from neurobench.memory import check_memory

RECEPTORS = {"exc": 0, "inh": 1}
SYNAPSE_MODELS = {"current": 0, "conductance": 1}
def _staggered(*arrays):
    """Copies of equal-length float64 arrays as views into one buffer, the first at the start of
    a 4 KiB page and each next 1 KiB further modulo 4 KiB. The membrane update streams them
    together; arrays that start at the same offset within a 4 KiB page make the processor's
    loads wait on unrelated stores ("4K aliasing"), which costs up to 1.5× in the update. The
    page start fixes the rest of the placement, which the allocator would otherwise choose
    (it moved the conductance-based update's time by about 10 % between builds)."""
    n = arrays[0].size
    stride = -(-n // 512) * 512 + 128          # doubles: a multiple of 4 KiB plus 1 KiB
    raw = np.zeros(stride * len(arrays) + 8 + 512)
    buf = raw[(-raw.ctypes.data % 4096) // raw.itemsize:]
    out = []
    for k, a in enumerate(arrays):
        view = buf[k * stride:k * stride + n]
        view[:] = a
        out.append(view)
    return out


CHUNK_NEURONS = 1024   # neurons per work unit of the membrane update (fixed: thread-independent)


def _check_finite(name, arr):
    arr = np.asarray(arr, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: values must be finite (got NaN or inf)")
    return arr


def _count(name, n) -> int:
    """A size: an integer ≥ 1 (a float such as 2.5 is refused, not truncated)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {n!r}")
    if n < 1:
        raise ValueError(f"{name} must be ≥ 1, got {n}")
    return int(n)


def _index_array(name, values) -> np.ndarray:
    """Indices as int64; a float array (e.g. 1.7) is refused, not truncated."""
    arr = np.asarray(values)
    if arr.size and (arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name}: indices must be integers, got {arr.dtype} values")
    return arr.astype(np.int64)


def _synapse_indices(name, values, size) -> np.ndarray:
    """Local indices of a projection's synapses (``pre`` or ``post``) in [0, size), stored as
    int32: checked on the caller's array, then copied once (a projection of millions of
    synapses keeps 4 bytes per index, not 8)."""
    arr = np.asarray(values)
    if arr.size and (arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name}: indices must be integers, got {arr.dtype} values")
    if arr.size and (arr.min() < 0 or arr.max() >= size):
        raise ValueError(f"{name} indices out of range [0, {size})")
    return arr.astype(np.int32 if size < 2**31 else np.int64)


def _per_synapse(values, m, dtype):
    """One value per synapse: an array of length m, or a scalar as a read-only broadcast view
    (no memory per synapse)."""
    return np.broadcast_to(np.asarray(values, dtype=dtype), (m,)) if np.ndim(values) == 0 \
        else np.asarray(values, dtype=dtype)


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
    ge_init: np.ndarray | None = None
    gi_init: np.ndarray | None = None

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
    pre: np.ndarray       # local indices in source (int32)
    post: np.ndarray      # local indices in target (int32)
    weight: np.ndarray    # per synapse; a scalar weight is a read-only broadcast view
    delay_steps: np.ndarray   # per synapse, the same
    _net: object = field(repr=False, default=None)
    _offset: int = 0
    stdp: STDP | None = None
    stp: TsodyksMarkram | None = None

    @property
    def n_synapses(self) -> int:
        return int(self.pre.size)

    @property
    def weights(self) -> np.ndarray:
        """Current weights in the order of ``pre``/``post`` (a copy)."""
        net = self._net
        if net is None or net._compiled is None:
            return self.weight.copy()
        return net._compiled["syn_w"][self._positions()].copy()

    def _positions(self) -> np.ndarray:
        """Positions of this projection's synapses in the compiled (source-sorted) arrays."""
        inv = self._net._compiled["inv_perm"]
        if inv is None:                       # compiled in the given order
            return np.arange(self._offset, self._offset + self.n_synapses)
        return inv[self._offset:self._offset + self.n_synapses].astype(np.int64)


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


@dataclass
class WeightRecord:
    """Sampled weights of selected synapses of a projection: rows are samples."""

    projection: Projection
    synapses: np.ndarray
    every_steps: int
    t_ms: list = field(default_factory=list)
    w_parts: list = field(default_factory=list)

    @property
    def t(self):
        return np.concatenate(self.t_ms) if self.t_ms else np.empty(0)

    @property
    def w(self):
        return (np.concatenate(self.w_parts) if self.w_parts
                else np.empty((0, self.synapses.size)))


class Network:
    """A network of LIF populations, external sources and projections at a fixed time step.

    Parameters
    ----------
    dt_ms : float
        Integration step (ms), > 0.
    seed : int
        Seed of the ``numpy.random.Generator`` used for connectivity and Poisson sources.
    n_threads : int
        OpenMP threads for the membrane updates (≥ 1); results do not depend on it.
    """

    def __init__(self, dt_ms: float = 0.1, seed: int = 0, n_threads: int = 1):
        dt_ms = float(dt_ms)
        if not math.isfinite(dt_ms) or dt_ms <= 0:
            raise ValueError(f"dt_ms must be a positive finite number, got {dt_ms}")
        self.n_threads = _threads(n_threads)
        self.dt_ms = dt_ms
        self.rng = np.random.default_rng(seed)
        self.populations: list[Population] = []
        self.sources: list[SpikeSource] = []
        self.projections: list[Projection] = []
        self.spike_records: list[SpikeRecord] = []
        self.state_records: list[StateRecord] = []
        self.weight_records: list[WeightRecord] = []
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

    def _check_own(self, argument: str, obj, kinds: tuple):
        """``obj`` must be one of this network's objects of ``kinds`` (by identity: objects of
        another network are refused by name, not compared field by field)."""
        if not isinstance(obj, kinds):
            raise ValueError(f"{argument} must be a {' or '.join(k.__name__ for k in kinds)} of this "
                             f"network, got {type(obj).__name__}")
        mine = self.projections if isinstance(obj, Projection) else [*self.populations, *self.sources]
        if not any(obj is o for o in mine):
            name = (f"{obj.source.name}→{obj.target.name}" if isinstance(obj, Projection)
                    else obj.name)
            raise ValueError(f"{argument}: {type(obj).__name__} {name!r} belongs to another network")

    @property
    def n_neurons(self) -> int:
        return sum(p.n for p in self.populations)

    def add_lif(self, n: int, params: LIFParameters | None = None, synapse: str = "current",
                v_init_mV=None, name: str | None = None, ge_init=None, gi_init=None) -> Population:
        """Add ``n`` LIF neurons. ``synapse`` is ``"current"`` or ``"conductance"``.

        ``ge_init``/``gi_init``: initial synaptic variables (mV or g_L units; default 0)."""
        self._check_mutable()
        if self.sources:
            raise RuntimeError("add every LIF population before the external sources")
        n = _count("n", n)
        check_memory(f"{n} LIF neurons", 8.0 * n * (len(fields(LIFParameters)) + 8), "n")
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
        g0 = [None if g is None else _per_neuron(key, g, n)
              for key, g in (("ge_init", ge_init), ("gi_init", gi_init))]
        if synapse == "conductance" and any(g is not None and np.any(g < 0) for g in g0):
            raise ValueError("ge_init/gi_init: conductances must be ≥ 0")
        pop = Population(self._name(name, "lif"), self.n_neurons, n, synapse, arrays,
                         np.zeros(n), v0.copy(), *g0)
        self.populations.append(pop)
        return pop

    def add_spike_generator(self, n: int, indices, times_ms, name: str | None = None) -> SpikeSource:
        """External source of ``n`` channels firing at given times (ms) on given channels."""
        self._check_mutable()
        n = _count("n", n)
        indices = _index_array("indices", indices)
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
        n = _count("n", n)
        check_memory(f"{n} Poisson sources", 16.0 * n, "n")
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
                allow_autapses: bool = False, stdp: STDP | None = None,
                stp: TsodyksMarkram | None = None) -> Projection:
        """Connect ``source`` → ``target`` with fixed probability ``p`` or explicit (pre, post) pairs.

        ``weight`` (mV for current-based, g_L units for conductance-based targets) and
        ``delay_ms`` (default: one step; must round to ≥ 1 step) are scalars or one value per synapse.
        ``stdp`` makes the weights plastic (initial weights must lie in [w_min, w_max]);
        ``stp`` scales each transmitted weight by the Tsodyks–Markram release u·x.
        """
        self._check_mutable()
        if stdp is not None and not isinstance(stdp, STDP):
            raise ValueError(f"stdp must be a neurobench.core.STDP, got {type(stdp).__name__}")
        if stp is not None and not isinstance(stp, TsodyksMarkram):
            raise ValueError(f"stp must be a neurobench.core.TsodyksMarkram, got {type(stp).__name__}")
        if receptor not in RECEPTORS:
            raise ValueError(f"receptor must be one of {list(RECEPTORS)}, got {receptor!r}")
        self._check_own("target", target, (Population,))
        self._check_own("source", source, (Population, SpikeSource))
        if (p is None) == (pre is None and post is None):
            raise ValueError("give either p (fixed probability) or pre and post (explicit pairs)")
        if p is not None:
            p = float(p)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"p must lie in [0, 1], got {p}")
            # pre, post, weight, delay per synapse, and the generator's gaps and positions
            check_memory(f"p = {p:g} between {source.n} and {target.n} neurons",
                          64.0 * source.n * target.n * p, "p")
            pre, post = self._fixed_probability(source.n, target.n, p)
            if source is target and not allow_autapses:
                keep = pre != post
                pre, post = pre[keep], post[keep]
        elif pre is None or post is None:
            raise ValueError("explicit connectivity needs both pre and post")
        elif np.shape(pre) != np.shape(post) or np.ndim(pre) != 1:
            raise ValueError(f"pre and post must be 1-D of equal length, got {np.shape(pre)} and "
                             f"{np.shape(post)}")
        pre = _synapse_indices("pre", pre, source.n)
        post = _synapse_indices("post", post, target.n)
        m = pre.size
        w = np.asarray(_check_finite("weight", weight), dtype=float)
        w = _per_synapse(w, m, float) if w.ndim == 0 else w.copy()
        if w.shape != (m,):
            raise ValueError(f"weight: expected a scalar or {m} values, got shape {w.shape}")
        if target.synapse == "conductance" and np.any(w < 0):
            raise ValueError("weight: conductance-based synapses need weights ≥ 0 "
                             "(use receptor='inh' for inhibition)")
        d = self.dt_ms if delay_ms is None else delay_ms
        d = _check_finite("delay_ms", d)
        d_steps = _per_synapse(np.rint(d / self.dt_ms).astype(np.int64), m, np.int64)
        if d_steps.shape != (m,):
            raise ValueError(f"delay_ms: expected a scalar or {m} values, got shape {d_steps.shape}")
        if m and d_steps.min() < 1:
            raise ValueError(f"delay_ms must be at least one step ({self.dt_ms} ms), got "
                             f"{float(np.min(d)):g} ms")
        if m:  # the spike ring buffer holds one slot per neuron and step of the longest delay
            check_memory(f"a delay of {float(np.max(d)):g} ms ({int(d_steps.max())} steps) for "
                          f"{self.n_neurons} neurons", 16.0 * (int(d_steps.max()) + 1) * self.n_neurons,
                          "delay_ms")
        if stdp is not None and m and (w.min() < stdp.w_min or w.max() > stdp.w_max):
            raise ValueError(f"weight: plastic weights must lie in [w_min, w_max] = "
                             f"[{stdp.w_min:g}, {stdp.w_max:g}], got [{w.min():g}, {w.max():g}]")
        if (stdp is not None and target.synapse == "conductance" and stdp.w_min < 0):
            raise ValueError("stdp.w_min: conductance-based synapses need w_min ≥ 0")
        proj = Projection(source, target, receptor, pre, post, w, d_steps, _net=self,
                          stdp=stdp, stp=stp)
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
        self._check_own("population", population, (Population,))
        neurons = np.arange(population.n) if neurons is None else _index_array("neurons", neurons)
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
        self._check_own("population", population, (Population,))
        neurons = np.arange(population.n) if neurons is None else _index_array("neurons", neurons)
        if neurons.size and (neurons.min() < 0 or neurons.max() >= population.n):
            raise ValueError(f"neurons out of range [0, {population.n})")
        rec = SpikeRecord(population, neurons)
        self.spike_records.append(rec)
        return rec

    def record_state(self, population: Population, neurons, every_ms: float | None = None) -> StateRecord:
        """Record v and both synaptic variables of selected neurons every ``every_ms`` (default dt)."""
        self._check_mutable()
        self._check_own("population", population, (Population,))
        neurons = np.atleast_1d(_index_array("neurons", neurons))
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

    def record_weights(self, projection: Projection, synapses=None,
                       every_ms: float | None = None) -> WeightRecord:
        """Record the weights of selected synapses (indices into the projection's ``pre``/
        ``post``; default all) every ``every_ms`` (default dt), sampled at the start of a step."""
        self._check_mutable()
        self._check_own("projection", projection, (Projection,))
        m = projection.n_synapses
        synapses = (np.arange(m) if synapses is None
                    else np.atleast_1d(_index_array("synapses", synapses)))
        if synapses.size == 0 or synapses.min() < 0 or synapses.max() >= m:
            raise ValueError(f"synapses out of range [0, {m})")
        every = 1 if every_ms is None else int(round(float(every_ms) / self.dt_ms))
        if every < 1:
            raise ValueError(f"every_ms must be ≥ dt ({self.dt_ms} ms)")
        if any(r.every_steps != every for r in self.weight_records):
            raise ValueError("all weight monitors of a network share one sampling interval")
        rec = WeightRecord(projection, synapses, every)
        self.weight_records.append(rec)
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
        n = self.n_neurons
        S = self._compile_synapses(n_src)
        ring_len = S.pop("ring_len")
        C = self._compiled = dict(
            el=P["v_rest_mV"], vth=P["v_th_mV"], vreset=P["v_reset_mV"],
            ref_steps=_steps("t_ref_ms", P["t_ref_ms"], dt).astype(np.float64),
            p_mem=p_mem, p_e=np.where(mode == 0, psc_coef(tau_e), 0.0),
            p_i=np.where(mode == 0, psc_coef(tau_i), 0.0),
            d_e=np.exp(-dt / tau_e), d_i=np.exp(-dt / tau_i), dt_over_tau=dt / tau_m,
            e_e=P["e_e_mV"], e_i=P["e_i_mV"], r_mohm=P["r_mohm"],
            ring=np.zeros(2 * ring_len * n), ring_len=ring_len,
            mark=np.zeros(ring_len * n, dtype=np.uint8),
            touched=np.zeros(ring_len * n, dtype=np.int32),
            n_touched=np.zeros(ring_len, dtype=np.int32),
            # sources with static synapses that spiked, per slot (used when d0 > 0)
            hist_ids=np.zeros(max(1, ring_len * n_src), dtype=np.int32),
            hist_n=np.zeros(ring_len, dtype=np.int32),
            bits=np.zeros(n, dtype=np.uint64),   # spike bits per block of 64 neurons
            **S)
        C["v"], C["ge"], C["gi"], C["ref_until"] = _staggered(
            np.concatenate([p.v_init_mV for p in self.populations]),
            np.concatenate([np.zeros(p.n) if p.ge_init is None else p.ge_init
                            for p in self.populations]),
            np.concatenate([np.zeros(p.n) if p.gi_init is None else p.gi_init
                            for p in self.populations]),
            np.zeros(n))   # step at which the refractory period ends (active when step ≥ it)
        # per synapse: its target's g_e or g_i as an offset from g_e[0] (the arrays are views
        # into one buffer), read by the kernel's common-delay path
        C["gi_off"] = (C["gi"].ctypes.data - C["ge"].ctypes.data) // C["ge"].itemsize
        if C["gi_off"] + n >= 2**31:
            raise ValueError("g_e and g_i lie too far apart for 32-bit offsets")
        C["syn_goff"] = self._per_synapse_csr(
            lambda proj, o: np.add(proj.post, proj.target.start
                                   + (C["gi_off"] if proj.receptor == "inh" else 0),
                                   out=o, casting="unsafe"), np.int32)
        self._compile_populations(C)
        self._compile_plasticity(C, n_src)
        mask = np.zeros(n, dtype=np.uint8)
        for rec in self.spike_records:
            mask[self._gid(rec.population, rec.neurons)] = 1
        self._compiled["spike_mask"] = mask
        rec_idx = [self._gid(r.population, r.neurons) for r in self.state_records]
        self._compiled["rec_idx"] = (np.concatenate(rec_idx).astype(np.int32) if rec_idx
                                     else np.empty(0, np.int32))
        self._compiled["rec_every"] = self.state_records[0].every_steps if self.state_records else 1
        rec_syn = [proj_pos[r.synapses] for r in self.weight_records
                   for proj_pos in [r.projection._positions()]]
        self._compiled["rec_syn"] = (np.concatenate(rec_syn).astype(np.int64) if rec_syn
                                     else np.empty(0, np.int64))
        self._compiled["w_every"] = (self.weight_records[0].every_steps if self.weight_records
                                     else 1)

    def _compile_synapses(self, n_src):
        """The synapses in CSR order by global source id, built array by array with no
        per-synapse temporaries beyond the array being built (4-byte indices; a broadcast
        weight or delay costs nothing until written into its compiled array). Connectivity
        that comes sorted by source (the usual case) keeps its order; otherwise a stable sort
        by source (``perm``) orders every array, and ``inv_perm`` maps back."""
        projs, n = self.projections, self.n_neurons
        m = sum(proj.n_synapses for proj in projs)
        offset = 0
        for proj in projs:
            proj._offset = offset
            offset += proj.n_synapses
        itype = np.int32 if max(m, n_src) < 2**31 else np.int64
        pre = np.empty(m, itype)
        for proj in projs:
            np.add(proj.pre, proj.source.start, out=pre[proj._offset:proj._offset + proj.n_synapses],
                   casting="unsafe")
        perm = None
        if m > 1 and np.any(pre[1:] < pre[:-1]):
            perm = np.argsort(pre, kind="stable")
            pre = pre[perm]
        self._perm = perm
        syn_ptr = np.zeros(n_src + 1, dtype=np.int64)
        np.cumsum(np.bincount(pre, minlength=n_src), out=syn_ptr[1:])
        # delays: the longest sets the ring buffer; one common delay d0 allows the direct path
        d_lo = [int(proj.delay_steps.min()) for proj in projs if proj.n_synapses]
        d_hi = [int(proj.delay_steps.max()) for proj in projs if proj.n_synapses]
        ring_len = max(d_hi) + 1 if d_hi else 2
        d0 = d_lo[0] if d_lo and min(d_lo) == max(d_hi) else 0
        check_memory(f"the longest delay ({ring_len - 1} steps) for {n} neurons",
                     16.0 * ring_len * n, "delay_ms")
        if 2 * ring_len * n >= 2**31:
            raise ValueError(f"delay_ms: the longest delay ({ring_len - 1} steps) × {n} neurons "
                             "exceeds the ring buffer's 32-bit index; use shorter delays")
        plastic = any(proj.stdp is not None or proj.stp is not None for proj in projs)
        none = np.zeros(1, np.int32)      # an array the kernel never reads
        S = dict(syn_ptr=syn_ptr, d0=d0, ring_len=ring_len,
                 inv_perm=None if perm is None else np.empty_like(pre),
                 syn_tgt=self._per_synapse_csr(
                     lambda proj, o: np.add(proj.post, proj.target.start, out=o,
                                            casting="unsafe"), np.int32),
                 syn_w=self._per_synapse_csr(lambda proj, o: np.copyto(o, proj.weight),
                                             np.float64),
                 syn_pre=pre.astype(np.int32, copy=False) if any(proj.stdp is not None for proj in projs)
                 else none)
        if perm is not None:
            S["inv_perm"][perm] = np.arange(m, dtype=itype)
        # ring buffer [slot][neuron][receptor]: a synapse adds into slot (now + delay); read for
        # plastic synapses and where the delays differ (2·ring_len·n < 2^31: fits in int32)
        S["syn_off"] = none if d0 > 0 and not plastic else self._per_synapse_csr(
            lambda proj, o: _ring_offsets(proj, n, o), np.int32)
        return S

    def _per_synapse_csr(self, fill, dtype):
        """A per-synapse array in CSR order: ``fill(proj, out)`` writes each projection's part
        in its own order, then the sort by source (if any) is applied."""
        out = np.empty(sum(proj.n_synapses for proj in self.projections), dtype)
        for proj in self.projections:
            fill(proj, out[proj._offset:proj._offset + proj.n_synapses])
        return out if self._perm is None else out[self._perm]

    def _compile_populations(self, C):
        """Population kinds (0 current-based with uniform parameters, 1 current-based with
        per-neuron parameters, 2 conductance-based) and the chunk table of the updates."""
        kinds, ch_pop, ch_lo, ch_hi = [], [], [], []
        uniform_keys = ("p_mem", "p_e", "p_i", "d_e", "d_i", "vth", "vreset", "ref_steps")
        for k, pop in enumerate(self.populations):
            sl = slice(pop.start, pop.stop)
            if pop.synapse == "conductance":
                kinds.append(2)
            else:
                uniform = all(np.all(C[key][sl] == C[key][pop.start]) for key in uniform_keys)
                kinds.append(0 if uniform else 1)
            for lo in range(pop.start, pop.stop, CHUNK_NEURONS):
                ch_pop.append(k)
                ch_lo.append(lo)
                ch_hi.append(min(lo + CHUNK_NEURONS, pop.stop))
        C["pop_kind"] = np.array(kinds, dtype=np.int8)
        C["pop_start"] = np.array([p.start for p in self.populations], dtype=np.int32)
        C["chunk_pop"] = np.array(ch_pop, dtype=np.int32)
        C["chunk_lo"] = np.array(ch_lo, dtype=np.int32)
        C["chunk_hi"] = np.array(ch_hi, dtype=np.int32)

    def _compile_plasticity(self, C, n_src):
        """Tables of the STDP rules and STP parameter sets, per-synapse indices into them, the
        plastic synapses onto each neuron (CSC) and the initial plasticity state. Without any
        plasticity the per-synapse tables are not built (the kernel reads them only for
        sources with plastic synapses)."""
        n = self.n_neurons
        dt = self.dt_ms
        rules = list(dict.fromkeys(p.stdp for p in self.projections if p.stdp is not None))
        stps = list(dict.fromkeys(p.stp for p in self.projections if p.stp is not None))
        if rules or stps:
            syn_rule = self._per_synapse_csr(
                lambda proj, o: o.fill(-1 if proj.stdp is None else rules.index(proj.stdp)),
                np.int32)
            syn_stp_param = self._per_synapse_csr(
                lambda proj, o: o.fill(-1 if proj.stp is None else stps.index(proj.stp)),
                np.int32)
        else:
            syn_rule = syn_stp_param = np.zeros(0, np.int32)
        f = (lambda attr, dtype=float: np.array([getattr(r, attr) for r in rules], dtype=dtype))
        C.update(rule_c_plus=dt / f("tau_plus_ms"), rule_c_minus=dt / f("tau_minus_ms"),
                 rule_a_plus=f("a_plus"), rule_a_minus=f("a_minus"), rule_w_min=f("w_min"),
                 rule_w_max=f("w_max"), rule_mu=f("mu"),
                 rule_nearest=np.array([r.pairing == "nearest" for r in rules], dtype=np.int32),
                 rule_soft=np.array([r.bounds == "soft" for r in rules], dtype=np.int32))
        n_rules = len(rules)
        C.update(x_pre=np.zeros(max(1, n_rules * n_src)), x_last=np.zeros(max(1, n_rules * n_src), np.int64),
                 y_post=np.zeros(max(1, n_rules * n)), y_last=np.zeros(max(1, n_rules * n), np.int64))
        plastic = np.flatnonzero(syn_rule >= 0)
        order = plastic[np.argsort(C["syn_tgt"][plastic], kind="stable")]
        post_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(C["syn_tgt"][plastic], minlength=n), out=post_ptr[1:])
        slow = np.zeros(n_src, dtype=np.uint8)   # sources with a plastic synapse
        any_plastic = np.flatnonzero((syn_rule >= 0) | (syn_stp_param >= 0))
        slow[np.searchsorted(C["syn_ptr"], any_plastic, side="right") - 1] = 1
        m = syn_rule.size
        C.update(syn_rule=syn_rule if m else np.full(1, -1, np.int32), post_ptr=post_ptr,
                 src_slow=slow,
                 post_syn=order.astype(np.int64) if order.size else np.zeros(1, np.int64))
        has_stp = np.flatnonzero(syn_stp_param >= 0)
        syn_stp = np.full(max(1, m), -1, dtype=np.int32)
        syn_stp[has_stp] = np.arange(has_stp.size, dtype=np.int32)
        k = max(1, has_stp.size)
        C.update(syn_stp=syn_stp,
                 stp_param=(syn_stp_param[has_stp] if has_stp.size else np.zeros(1, np.int32)),
                 stp_u=np.zeros(k), stp_x=np.ones(k), stp_last=np.zeros(k, np.int64),
                 stp_U=np.array([s.U for s in stps] or [0.0]),
                 stp_c_f=np.array([dt / s.tau_f_ms for s in stps] or [0.0]),
                 stp_c_d=np.array([dt / s.tau_d_ms for s in stps] or [0.0]))

    def _ensure_history(self, C, max_external):
        """Room in each slot of the spike history for every neuron plus the most external
        events of one step (a generator may fire one channel twice in a step)."""
        L = C["ring_len"]
        need = self.n_neurons + max_external
        cap = C["hist_ids"].size // L
        if need > cap:
            old = C["hist_ids"].reshape(L, cap)
            new = np.zeros((L, need), dtype=np.int32)
            new[:, :cap] = old
            C["hist_ids"] = new.reshape(-1)

    def _external_events(self, n_steps):
        """CSR (by step of this segment) of external source ids firing in [step, step + n_steps)."""
        s0, s1 = self.step, self.step + n_steps
        all_steps, all_ids = [], []
        p_dt = self.dt_ms * 1e-3
        if len(self.sources) == 1 and self.sources[0].kind == "poisson":
            # one run of steps per process: grouped without an id per event (the same CSR)
            src = self.sources[0]
            st, counts = _engine.bernoulli_steps(self.rng, src.rates_hz * p_dt, n_steps)
            return runs_by_step(st, counts, np.arange(src.start, src.stop), n_steps)
        for src in self.sources:
            if src.kind == "generator":
                lo, hi = np.searchsorted(src.steps, [s0, s1])
                all_steps.append(src.steps[lo:hi] - s0)
                all_ids.append(src.start + src.ids[lo:hi])
            else:      # Bernoulli per step with p = rate·dt, drawn in compiled code
                st, counts = _engine.bernoulli_steps(self.rng, src.rates_hz * p_dt, n_steps)
                all_steps.append(st)
                all_ids.append(np.repeat(np.arange(src.start, src.stop, dtype=np.int64), counts))
        return events_by_step(all_steps, all_ids, n_steps)

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
        drive = C["el"] + ri
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
        self._ensure_history(C, int(np.diff(ext_ptr).max()) if n_steps else 0)
        every = C["rec_every"]
        n_rows = 0
        if C["rec_idx"].size:
            first = (-self.step) % every
            n_rows = 0 if first >= n_steps else (n_steps - 1 - first) // every + 1
        k = C["rec_idx"].size
        rec_v, rec_ge, rec_gi = (np.empty((n_rows, k)) for _ in range(3))
        w_every = C["w_every"]
        n_wrows = 0
        if C["rec_syn"].size:
            first_w = (-self.step) % w_every
            n_wrows = 0 if first_w >= n_steps else (n_steps - 1 - first_w) // w_every + 1
        rec_w = np.empty((n_wrows, C["rec_syn"].size))
        steps, ids, rows, wrows = _engine.run_kernel(
            C, self.step, n_steps, self.n_threads, drive, dyn_idx, dyn_vals, ext_ptr, ext_ids,
            rec_v, rec_ge, rec_gi, rec_w)
        assert rows == n_rows and wrows == n_wrows, (rows, n_rows, wrows, n_wrows)
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
        if n_wrows:
            t = (self.step + first_w + w_every * np.arange(n_wrows)) * self.dt_ms
            col = 0
            for wrec in self.weight_records:
                wrec.t_ms.append(t)
                wrec.w_parts.append(rec_w[:, col:col + wrec.synapses.size])
                col += wrec.synapses.size
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


def _ring_offsets(proj, n, out):
    """Ring-buffer offsets of a projection's synapses, 2·(delay·n + target) + receptor, computed
    in ``out`` (int32; the caller has checked that the ring's size fits)."""
    np.multiply(proj.delay_steps, 2 * n, out=out, casting="unsafe")
    out += 2 * proj.target.start + RECEPTORS[proj.receptor]
    out += proj.post
    out += proj.post


def _threads(n_threads) -> int:
    n = int(n_threads)
    if n != n_threads or n < 1:
        raise ValueError(f"n_threads must be an integer ≥ 1, got {n_threads!r}")
    return n

"""The DYNAP-SE1 board: 4 chips × 4 cores × 256 neurons, biases, mismatch, routing, inputs, outputs.

A neuron is addressed by (chip, core, neuron) or by its global id
``gid = (chip·4 + core)·256 + neuron`` (0 … 4095). Virtual input channels (spike generators,
Poisson generators) have source ids from 4096 on. Time: the step ``dt_us`` (µs), input
timestamps in µs, durations in ms, AER output times in µs; currents in A.

Typical use (one neuron with two inputs, as in a spike-pair selectivity experiment)::

    board = Board(dt_us=100, seed=1)                        # mismatch on (cv 0.1), 300 K
    board.set_biases(BiasSet.default().replace(NPDPIE_TAU_S_P=(0, 30)), chip=0, core=0)
    gen = board.add_spike_generator(times_us=[1000, 6000], channels=[0, 1], n_channels=2)
    board.connect(gen.ids[0], board.gid(0, 0, 7), "NMDA", multiplicity=2)
    board.connect(gen.ids[1], board.gid(0, 0, 7), "AMPA")
    probe = board.probe([board.gid(0, 0, 7)])
    board.run(50.0)                                         # ms
    ev = board.events()                                     # AER: chip, core, neuron, t_us
    board.save_biases(results_dir / "biases.yaml")          # the bias file beside the results

Integer CAM multiplicities × base weights (as in a deployed network): ``connect(pre, post,
"AMPA", multiplicity=m)`` with m ≥ 1 per pair; a neuron's entries sum to ≤ 64. A disynaptic
element (one input → NMDA on one neuron, GABA_B on another) is two ``connect`` calls from the
same source. Temperature: ``Board(temperature_K=...)`` or ``set_temperature`` between runs.
Biases may change between runs (``set_bias``), the state is kept; ``reset()`` restarts at t = 0.

Routing latency: a spike emitted within step s reaches its CAM targets from step s + 1, so the
emulated routing latency is the step ``dt_us`` (the chip's asynchronous routing is faster; a
finer step shortens it).

Rules enforced (ValueError naming the argument): ids in range; at most 64 CAM entries per
neuron (a connection of multiplicity m takes m); at most 3 target chips per source neuron in its
SRAM (4 entries, one kept for monitoring); synapse names AMPA, NMDA, GABA_A, GABA_B. Aliasing
across chips (see :mod:`neurobench.dynapse.routing`) is reproduced and reported by
:meth:`Board.aliasing`, with ``aliasing="warn"`` (a warning), ``"error"`` (ValueError at the
first run) or ``"allow"`` (silent).
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neurobench.core.events import events_by_step
from neurobench.errors import DatasetError
from neurobench.memory import check_memory
from neurobench.dynapse import _kernel
from neurobench.dynapse.biases import BIAS_NAMES, BiasSet, read_bias_file
from neurobench.dynapse.circuits import (DPI_CIRCUITS, SYNAPSE_INDEX, SYNAPSE_TYPES,
                                         CircuitConstants, core_parameters, time_constant)
from neurobench.dynapse.mismatch import MismatchConfig, mismatch_factors
from neurobench.dynapse.routing import (CAM_ENTRIES, MAX_TARGET_CHIPS, N_CHIPS, N_CORES,
                                        N_NEURONS, NEURONS_PER_CHIP, SRAM_ENTRIES,
                                        compile_routing)

#: Default step (µs), chosen by the dt-convergence study of ``neurobench.studies.dynapse``.
DEFAULT_DT_US = 100.0
ALIASING_POLICIES = ("warn", "error", "allow")
#: Largest local error of ln I_mem in one membrane sub-step (the leading error term of the
#: third-order step, see ``_dynapse_kernels.h``); chosen so that spike times over 1 s stay
#: within 0.1 ms of a reference at dt/10 and a 100× tighter tolerance (the dynapse study's
#: convergence claim, full config: 76 µs at dt = 100 µs, 91 µs at 200 µs, 66 µs at 1 ms, all the
#: bound's; at 1e-4 (with whole-step synaptic means in sub-steps): 151 µs at 100 µs, 0.84 ms at
#: 500 µs, so the bound is not looser than the criterion needs). It, not the
#: step, sets the membrane work at long steps: ~2.5 sub-steps per neuron per ms of chip time on
#: the benchmark board at dt = 1 ms. Per board: ``board.err_tol``.
ERR_TOL = 1e-5
#: Largest change of ln I_mem in one membrane sub-step (a safeguard; the error bound above
#: sets the sub-steps). Per board: ``board.max_dlog``.
MAX_DLOG = 0.5

#: The phases of a kernel step whose CPU time ``Board.kernel_phase_cpu_s`` reports: probes and
#: external input events; the DPI circuits (pulses and decay); the membrane's vector pass (the
#: neurons that need one step); its split steps in vector rounds; its scalar path (spikes, the
#: end of a refractory period, split steps past ``substep_rounds``); the delivery of the step's
#: spikes to their CAM targets.
KERNEL_PHASES = ("input", "synapses", "membrane_vector", "membrane_rounds", "membrane_scalar",
                 "spike_delivery")


class AliasingWarning(UserWarning):
    """CAM entries are driven by sources on other chips with the same (core, neuron) tag."""


@dataclass
class InputGroup:
    """Virtual input channels with source ids ``ids`` and CAM tags (core, neuron).

    ``kind`` is "generator" (fixed µs timestamps) or "poisson" (``rates_hz``, editable between
    runs)."""

    name: str
    ids: np.ndarray
    tags: np.ndarray
    kind: str
    steps: np.ndarray | None = None
    channels: np.ndarray | None = None
    rates_hz: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.ids.size)


@dataclass
class Probe:
    """Sampled I_mem and DPI currents (A) of chosen neurons; rows are samples (every_steps)."""

    gids: np.ndarray
    every_steps: int
    _t: list = field(default_factory=list)
    _data: list = field(default_factory=list)  # arrays (rows, 6, k)

    @property
    def t_us(self) -> np.ndarray:
        return np.concatenate(self._t) if self._t else np.empty(0)

    def _get(self, col):
        if not self._data:
            return np.empty((0, self.gids.size))
        return np.concatenate([d[:, col, :] for d in self._data])

    @property
    def imem(self) -> np.ndarray:
        """I_mem (A), shape (samples, neurons)."""
        return self._get(0)

    def isyn(self, circuit: str) -> np.ndarray:
        """Current (A) of one DPI circuit ('AMPA', 'NMDA', 'GABA_A', 'GABA_B', 'AHP')."""
        if circuit not in DPI_CIRCUITS:
            raise ValueError(f"circuit must be one of {DPI_CIRCUITS}, got {circuit!r}")
        return self._get(1 + DPI_CIRCUITS.index(circuit))


@dataclass
class AEREvents:
    """Output events in time order: global id, chip, core, neuron and time (µs)."""

    gid: np.ndarray
    t_us: np.ndarray

    @property
    def chip(self):
        return self.gid // NEURONS_PER_CHIP

    @property
    def core(self):
        return (self.gid // N_NEURONS) % N_CORES

    @property
    def neuron(self):
        return self.gid % N_NEURONS

    def __len__(self):
        return int(self.gid.size)

    def counts(self, n: int) -> np.ndarray:
        """Spike count per global id 0 … n − 1."""
        return np.bincount(self.gid, minlength=n)[:n]

    def of(self, gid: int) -> np.ndarray:
        """Spike times (µs) of one neuron."""
        return self.t_us[self.gid == gid]


class Board:
    """A DYNAP-SE1 board of ``n_chips`` (1–4) chips, 4 cores × 256 neurons each.

    Parameters
    ----------
    n_chips : chips on the board (4 is the SE1 board; fewer runs faster)
    dt_us : integration step (µs)
    seed : seed of the Poisson generators (``numpy.random.default_rng``)
    mismatch : :class:`MismatchConfig` (default: cv_circuit 0.1 drawn from ``seed``);
        ``MismatchConfig.off()`` for an ideal chip
    constants : :class:`CircuitConstants` (capacitances, thresholds, temperature)
    temperature_K : overrides ``constants.temperature_K``
    aliasing : "warn", "error" or "allow" (see module docstring)
    max_target_chips : SRAM target chips per neuron (3; 4 uses the monitoring entry too)
    """

    def __init__(self, n_chips: int = N_CHIPS, dt_us: float = DEFAULT_DT_US, seed: int = 0,
                 mismatch: MismatchConfig | None = None, constants: CircuitConstants | None = None,
                 temperature_K: float | None = None, aliasing: str = "warn",
                 max_target_chips: int = MAX_TARGET_CHIPS):
        if int(n_chips) != n_chips or not 1 <= n_chips <= N_CHIPS:
            raise ValueError(f"n_chips must be an integer in 1–{N_CHIPS}, got {n_chips!r}")
        dt_us = float(dt_us)
        if not math.isfinite(dt_us) or dt_us <= 0:
            raise ValueError(f"dt_us must be a positive number, got {dt_us}")
        if aliasing not in ALIASING_POLICIES:
            raise ValueError(f"aliasing must be one of {ALIASING_POLICIES}, got {aliasing!r}")
        if int(max_target_chips) != max_target_chips or not 1 <= max_target_chips <= SRAM_ENTRIES:
            raise ValueError(f"max_target_chips must be in 1–{SRAM_ENTRIES}, got {max_target_chips!r}")
        self.n_chips = int(n_chips)
        self.n_neurons = self.n_chips * NEURONS_PER_CHIP
        self.dt_us = dt_us
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.mismatch = mismatch if mismatch is not None else MismatchConfig(seed=self.seed)
        if not isinstance(self.mismatch, MismatchConfig):
            raise ValueError("mismatch must be a MismatchConfig")
        self.constants = constants or CircuitConstants()
        if temperature_K is not None:
            self.constants = self.constants.with_temperature(temperature_K)
        self.aliasing_policy = aliasing
        self.max_dlog = MAX_DLOG
        self.err_tol = ERR_TOL
        #: threads of the kernel (1–4): parts of whole chips run their decay and membrane
        #: passes in parallel, with the same results as one thread
        self.threads = 1
        #: kernel counters since the last reset: membrane steps integrated, steps held
        #: refractory, membrane sub-steps taken, steps split into several sub-steps
        self.kernel_stats = np.zeros(4, np.int64)
        #: CPU time (s) of each kernel thread since the last reset (see ``threads``; the
        #: first entry alone with one thread)
        self.kernel_thread_cpu_s = np.zeros(4)
        #: CPU time (s) of each phase of the kernel's steps since the last reset, all threads
        #: together, in the order of :data:`KERNEL_PHASES` (tick counts of each phase, scaled
        #: to the thread's CPU time)
        self.kernel_phase_cpu_s = np.zeros(len(KERNEL_PHASES))
        #: sub-steps of a split membrane step taken in the kernel's vector rounds before the
        #: scalar path redoes the step (0: the scalar path takes every split step); the results
        #: do not depend on it (the same operations in lanes), only the speed
        self.substep_rounds = 64
        self.max_target_chips = int(max_target_chips)
        self._factors = mismatch_factors(self.mismatch)[: self.n_neurons]
        n_cores_total = self.n_chips * N_CORES
        default = BiasSet.default()
        self._biases = [default] * n_cores_total
        self._leak = np.ones(self.n_neurons, np.int8)
        # routing tables
        self._cam_used = np.zeros(self.n_neurons, np.int64)
        self._cam = []                      # (target, source, type, count)
        self._sram = [dict() for _ in range(self.n_neurons)]  # chip -> core mask (int)
        self._inputs: list[InputGroup] = []
        self._input_reach: dict[int, set] = {}
        self._n_sources = self.n_neurons
        self._probes: list[Probe] = []
        # state
        self.step = 0
        self._compiled = None
        self._state = None
        self._spike_gid: list = []
        self._spike_t: list = []
        self._aliased = None

    # -- addressing -------------------------------------------------------------------------
    def gid(self, chip, core, neuron):
        """Global id(s) of (chip, core, neuron) (scalars or arrays)."""
        chip, core, neuron = (np.asarray(x) for x in (chip, core, neuron))
        for name, v, hi in (("chip", chip, self.n_chips), ("core", core, N_CORES),
                            ("neuron", neuron, N_NEURONS)):
            if v.size and (np.any(v < 0) or np.any(v >= hi) or np.any(v != np.floor(v))):
                raise ValueError(f"{name} must be an integer in 0–{hi - 1}, got {v.tolist()}")
        g = (chip.astype(np.int64) * N_CORES + core) * N_NEURONS + neuron
        return int(g) if g.ndim == 0 else g

    def address(self, gid):
        """(chip, core, neuron) of global id(s)."""
        g = self._check_gids(gid, "gid")
        a = (g // NEURONS_PER_CHIP, (g // N_NEURONS) % N_CORES, g % N_NEURONS)
        return tuple(int(x[0]) for x in a) if np.ndim(gid) == 0 else a

    def core_neurons(self, chip: int, core: int) -> np.ndarray:
        """Global ids of the 256 neurons of a core."""
        start = self.gid(chip, core, 0)
        return np.arange(start, start + N_NEURONS)

    def _check_gids(self, gids, name="gids", allow_inputs=False):
        g = np.atleast_1d(np.asarray(gids))
        if g.size and not np.issubdtype(g.dtype, np.integer):
            if np.any(g != np.floor(g)):
                raise ValueError(f"{name}: ids must be integers")
        g = g.astype(np.int64)
        hi = self._n_sources if allow_inputs else self.n_neurons
        if g.size and (g.min() < 0 or g.max() >= hi):
            what = "source ids" if allow_inputs else "neuron ids"
            raise ValueError(f"{name}: {what} must lie in 0–{hi - 1}, got min {g.min()}, max {g.max()}")
        return g

    def _check_mutable(self, what):
        if self._compiled is not None:
            raise RuntimeError(f"{what}: the routing is frozen after the first run() (call reset(routing=True))")

    # -- biases -----------------------------------------------------------------------------
    def _cores(self, chip, core):
        chips = range(self.n_chips) if chip is None else [chip]
        cores = range(N_CORES) if core is None else [core]
        out = []
        for c in chips:
            for k in cores:
                self.gid(c, k, 0)  # validates
                out.append(c * N_CORES + k)
        return out

    def set_biases(self, biases: BiasSet, chip: int | None = None, core: int | None = None):
        """Set the 25 biases of one core, of every core of a chip, or of the whole board.
        Biases may change between runs (as on the chip); the state is kept."""
        if not isinstance(biases, BiasSet):
            raise ValueError(f"biases must be a BiasSet, got {type(biases).__name__}")
        for idx in self._cores(chip, core):
            self._biases[idx] = biases

    def set_bias(self, name: str, coarse: int, fine: int, chip=None, core=None):
        """Set one bias (name, coarse, fine) on one core / chip / the board."""
        for idx in self._cores(chip, core):
            self._biases[idx] = self._biases[idx].replace(**{name: (coarse, fine)})

    def biases(self, chip: int, core: int) -> BiasSet:
        return self._biases[self._cores(chip, core)[0]]

    def save_biases(self, path) -> Path:
        """Write every core's biases to one YAML/JSON file ``{"C<chip>.<core>": {name: [c, f]}}``."""
        path = Path(path)
        data = {f"C{i // N_CORES}.{i % N_CORES}": b.to_dict() for i, b in enumerate(self._biases)}
        if path.suffix.lower() == ".json":
            path.write_text(json.dumps(data, indent=1) + "\n")
        elif path.suffix.lower() in (".yaml", ".yml"):
            import yaml
            path.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=None))
        else:
            raise ValueError(f"bias file {path}: unknown extension (use .yaml, .yml or .json)")
        return path

    def load_biases(self, path):
        """Read a file written by :meth:`save_biases` (every core it names must exist); a file
        that cannot be used raises :class:`~neurobench.errors.DatasetError` naming it and the
        core or bias."""
        path = Path(path)
        data = read_bias_file(path)
        if not isinstance(data, dict):
            raise DatasetError(path, None, "expected a mapping 'C<chip>.<core>' → biases")
        sets = {}
        for key, d in data.items():
            try:
                chip, core = (int(x) for x in str(key).lstrip("C").split("."))
                self.gid(chip, core, 0)
            except ValueError:
                raise DatasetError(path, str(key), "not a core of this board (expected "
                                   f"'C<chip>.<core>', chip 0–{self.n_chips - 1}, core 0–{N_CORES - 1})") from None
            try:
                sets[chip, core] = BiasSet.from_dict(d, f"bias file {path} [{key}]")
            except ValueError as exc:
                raise DatasetError(str(exc)) from None
        for (chip, core), b in sets.items():  # all or nothing
            self.set_biases(b, chip, core)

    def select_leak(self, gids, leak: int):
        """Select the membrane leak IF_TAU1_N (``leak=1``, default) or IF_TAU2_N (``leak=2``)."""
        if leak not in (1, 2):
            raise ValueError(f"leak must be 1 (IF_TAU1_N) or 2 (IF_TAU2_N), got {leak!r}")
        self._leak[self._check_gids(gids)] = leak

    def set_temperature(self, temperature_K: float):
        """Change the chip temperature (U_T = kT/q) from the next run on."""
        self.constants = self.constants.with_temperature(temperature_K)

    def bias_currents(self) -> np.ndarray:
        """Per-neuron bias currents (A) with mismatch, shape (n_neurons, 25)."""
        nominal = np.stack([b.currents(self.constants.dark_current_A) for b in self._biases])
        return nominal[np.arange(self.n_neurons) // N_NEURONS] * self._factors

    def parameters(self) -> dict:
        """Per-neuron circuit parameters (SI) from the biases, mismatch and temperature:
        see :func:`neurobench.dynapse.circuits.core_parameters`; adds ``leak_A`` (the selected
        leak), ``tau_mem_s`` and ``alpha`` (membrane gain I_g / I_τ)."""
        p = core_parameters(self.bias_currents(), self.constants)
        p["leak_A"] = np.where(self._leak == 1, p["leak1_A"], p["leak2_A"])
        p["tau_mem_s"] = time_constant(p["leak_A"], self.constants.c_mem_F, self.constants)
        p["alpha"] = p["gain_A"] / p["leak_A"]
        return p

    # -- routing ----------------------------------------------------------------------------
    def _source_tag(self, sid):
        if sid < self.n_neurons:
            return int(sid % (N_CORES * N_NEURONS))
        for grp in self._inputs:
            if grp.ids[0] <= sid <= grp.ids[-1]:
                return int(grp.tags[sid - grp.ids[0]])
        raise ValueError(f"unknown source id {sid}")

    def route(self, source, chip: int, cores):
        """Add SRAM destination (chip, cores) to a board neuron without a CAM entry (events
        then reach those cores; useful to set up monitoring or to demonstrate aliasing)."""
        self._check_mutable("route")
        src = int(self._check_gids(source, "source")[0])
        cores = np.atleast_1d(cores)
        mask = 0
        for k in cores:
            self.gid(chip, int(k), 0)
            mask |= 1 << int(k)
        self._add_sram(src, int(chip), mask)

    def _add_sram(self, src, chip, mask):
        table = self._sram[src]
        if chip not in table and len(table) >= self.max_target_chips:
            raise ValueError(f"SRAM of neuron {src} {self.address(src)}: more than "
                             f"{self.max_target_chips} target chips (has {sorted(table)}, "
                             f"adding chip {chip})")
        table[chip] = table.get(chip, 0) | mask

    def sram(self, gid) -> list:
        """SRAM entries of a neuron: [(target chip, core mask)]."""
        return sorted(self._sram[int(self._check_gids(gid, "gid")[0])].items())

    def cam_usage(self) -> np.ndarray:
        """CAM entries in use per neuron (0 … 64)."""
        return self._cam_used.copy()

    def connect(self, pre, post, synapse: str, multiplicity=1):
        """Connect source(s) ``pre`` (board neuron ids or input ids) to neurons ``post``.

        ``pre`` and ``post`` broadcast against each other; each pair takes ``multiplicity`` CAM
        entries of ``post`` (efficacy = multiplicity × the core's base weight of ``synapse``).
        For board-neuron sources the SRAM entry to the target chip/core is added.
        """
        self._check_mutable("connect")
        if synapse not in SYNAPSE_INDEX:
            raise ValueError(f"synapse must be one of {SYNAPSE_TYPES}, got {synapse!r}")
        if isinstance(pre, InputGroup):  # a group object: it must be one of this board's
            if not any(pre is g for g in self._inputs):
                raise ValueError(f"pre: input group {pre.name!r} belongs to another board "
                                 "(connect its .ids on the board that made it)")
            pre = pre.ids
        pre = self._check_gids(pre, "pre", allow_inputs=True)
        post = self._check_gids(post, "post")
        mult = np.atleast_1d(np.asarray(multiplicity))
        if mult.size and (np.any(mult != np.floor(mult)) or np.any(mult < 1)):
            raise ValueError(f"multiplicity must be integers ≥ 1, got {mult.tolist()[:5]}")
        try:
            pre, post, mult = np.broadcast_arrays(pre, post, mult.astype(np.int64))
        except ValueError:
            raise ValueError(f"pre ({pre.size}), post ({post.size}) and multiplicity "
                             f"({mult.size}) do not broadcast") from None
        need = np.bincount(post, weights=mult, minlength=self.n_neurons).astype(np.int64)
        over = np.flatnonzero(self._cam_used + need > CAM_ENTRIES)
        if over.size:
            g = int(over[0])
            raise ValueError(f"CAM of neuron {g} {self.address(g)} would hold "
                             f"{self._cam_used[g] + need[g]} entries; the limit is {CAM_ENTRIES}")
        # SRAM (check all before changing anything)
        tgt_chip = post // NEURONS_PER_CHIP
        tgt_core = (post // N_NEURONS) % N_CORES
        new_sram = {}
        for s, c, k in zip(pre.tolist(), tgt_chip.tolist(), tgt_core.tolist()):
            if s < self.n_neurons:
                new_sram.setdefault(s, {}).setdefault(c, 0)
                new_sram[s][c] |= 1 << k
            else:
                self._input_reach.setdefault(s, set()).add(c * N_CORES + k)
        for s, chips in new_sram.items():
            merged = set(self._sram[s]) | set(chips)
            if len(merged) > self.max_target_chips:
                raise ValueError(f"SRAM of neuron {s} {self.address(s)}: {len(merged)} target chips "
                                 f"{sorted(merged)}; at most {self.max_target_chips} allowed")
        for s, chips in new_sram.items():
            for c, mask in chips.items():
                self._add_sram(s, c, mask)
        self._cam_used += need
        self._cam.append((post.copy(), pre.copy(), np.full(post.size, SYNAPSE_INDEX[synapse]),
                          mult.copy()))

    # -- inputs -----------------------------------------------------------------------------
    def _new_group(self, n, tags, name, kind):
        self._check_mutable("adding inputs")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise ValueError(f"n_channels must be an integer, got {n!r}")
        n = int(n)
        if n < 1:
            raise ValueError(f"an input group needs ≥ 1 channel, got {n}")
        check_memory(f"an input group of {n} channels", 24.0 * n, "n_channels")
        if tags is None:
            tags = np.arange(n) % (N_CORES * N_NEURONS)
        tags = np.asarray(tags, dtype=np.int64)
        if tags.shape != (n,) or tags.min() < 0 or tags.max() >= N_CORES * N_NEURONS:
            raise ValueError(f"tags: expected {n} values in 0–{N_CORES * N_NEURONS - 1} "
                             "(core·256 + neuron)")
        ids = np.arange(self._n_sources, self._n_sources + n)
        self._n_sources += n
        grp = InputGroup(name or f"input{len(self._inputs)}", ids, tags, kind)
        self._inputs.append(grp)
        return grp

    def add_spike_generator(self, times_us, channels, n_channels: int | None = None, tags=None,
                            name: str | None = None) -> InputGroup:
        """FPGA-like spike generator: events at ``times_us`` (µs ≥ 0) on ``channels``.

        ``tags`` are the (core·256 + neuron) addresses the events carry (default: channel index)."""
        times = np.atleast_1d(np.asarray(times_us, dtype=float))
        ch = np.atleast_1d(np.asarray(channels))
        if times.shape != ch.shape or times.ndim != 1:
            raise ValueError(f"times_us and channels must be 1-D of equal length, got "
                             f"{times.shape} and {ch.shape}")
        if not np.all(np.isfinite(times)) or (times.size and times.min() < 0):
            raise ValueError("times_us must be finite and ≥ 0")
        if ch.size and (np.any(ch != np.floor(ch)) or ch.min() < 0):
            raise ValueError("channels must be non-negative integers")
        n = n_channels if n_channels is not None else (int(ch.max()) + 1 if ch.size else 1)
        if ch.size and ch.max() >= n:
            raise ValueError(f"channels must lie in 0–{n - 1}, got max {int(ch.max())}")
        grp = self._new_group(n, tags, name, "generator")
        steps = np.floor(times / self.dt_us + 1e-9).astype(np.int64)
        order = np.argsort(steps, kind="stable")
        grp.steps, grp.channels = steps[order], ch[order].astype(np.int64)
        return grp

    def add_poisson(self, rates_hz, tags=None, name: str | None = None) -> InputGroup:
        """Poisson generators, one channel per rate (Hz); ``group.rates_hz`` may change between runs."""
        rates = np.atleast_1d(np.asarray(rates_hz, dtype=float))
        if rates.ndim != 1 or not np.all(np.isfinite(rates)) or np.any(rates < 0):
            raise ValueError("rates_hz must be a 1-D array of finite rates ≥ 0")
        grp = self._new_group(rates.size, tags, name, "poisson")
        grp.rates_hz = rates.copy()
        return grp

    # -- outputs ----------------------------------------------------------------------------
    def probe(self, gids, every_us: float | None = None) -> Probe:
        """Record I_mem and the five DPI currents of ``gids`` every ``every_us`` (default dt).
        All probes of a board share one interval; add them before the first run."""
        self._check_mutable("probe")
        g = self._check_gids(gids, "gids")
        if g.size == 0:
            raise ValueError("gids: give at least one neuron to probe")
        every = 1 if every_us is None else int(round(float(every_us) / self.dt_us))
        if every < 1:
            raise ValueError(f"every_us must be ≥ dt ({self.dt_us} µs)")
        if any(p.every_steps != every for p in self._probes):
            raise ValueError("all probes of a board share one sampling interval")
        p = Probe(g, every)
        self._probes.append(p)
        return p

    def events(self) -> AEREvents:
        """Every spike of every board neuron so far (AER: chip, core, neuron, t in µs)."""
        gid = np.concatenate(self._spike_gid) if self._spike_gid else np.empty(0, np.int64)
        t = np.concatenate(self._spike_t) if self._spike_t else np.empty(0)
        order = np.argsort(t, kind="stable")
        return AEREvents(gid[order].astype(np.int64), t[order])

    def aliasing(self) -> list:
        """Aliased CAM entries (:class:`~neurobench.dynapse.routing.AliasedEntry`) of the routing."""
        if self._aliased is None:
            self._compile_routing()
        return list(self._aliased)

    # -- compile and run --------------------------------------------------------------------
    def _compile_routing(self):
        if self._cam:
            tgt, src, typ, cnt = (np.concatenate(x) for x in zip(*self._cam))
        else:
            tgt = src = typ = cnt = np.empty(0, np.int64)
        tags = np.empty(self._n_sources, np.int64)
        tags[: self.n_neurons] = np.arange(self.n_neurons) % (N_CORES * N_NEURONS)
        for grp in self._inputs:
            tags[grp.ids] = grp.tags
        rs, rc = [], []
        for s, table in enumerate(self._sram):
            for chip, mask in table.items():
                for k in range(N_CORES):
                    if mask >> k & 1:
                        rs.append(s)
                        rc.append(chip * N_CORES + k)
        for s, cc in self._input_reach.items():
            for x in cc:
                rs.append(s)
                rc.append(x)
        d = compile_routing(self._n_sources, tgt, src, typ, cnt, tags, np.array(rs, np.int64),
                            np.array(rc, np.int64), SYNAPSE_TYPES, self.n_neurons)
        self._aliased = d.aliased
        return d

    def _compile(self):
        d = self._compile_routing()
        if d.aliased:
            msg = (f"{len(d.aliased)} CAM entr{'y is' if len(d.aliased) == 1 else 'ies are'} "
                   f"aliased across chips (first: neuron {d.aliased[0].target} tag "
                   f"{d.aliased[0].tag} {d.aliased[0].synapse} also driven by sources "
                   f"{d.aliased[0].aliased[:5]}); see Board.aliasing()")
            if self.aliasing_policy == "error":
                raise ValueError(msg)
            if self.aliasing_policy == "warn":
                warnings.warn(msg, AliasingWarning, stacklevel=3)
        n = self.n_neurons
        self._compiled = d
        self._dl_j = (d.type.astype(np.int64) * n + d.target).astype(np.int32)
        self._state = dict(imem=np.full(n, self.constants.reset_A), isyn=np.zeros(5 * n),
                           prem=np.zeros(5 * n), ref_rem=np.zeros(n))
        rec = [p.gids for p in self._probes]
        self._rec_idx = np.concatenate(rec).astype(np.int32) if rec else np.empty(0, np.int32)
        self._rec_every = self._probes[0].every_steps if self._probes else 1

    def _kernel_params(self):
        p = self.parameters()
        dt = self.dt_us * 1e-6
        tau = p["syn_tau_s"]
        kp = dict(
            itau=p["leak_A"], alpha=p["alpha"], inv_itau=1.0 / p["leak_A"], igain=p["gain_A"], tau_mem=p["tau_mem_s"], idc=p["dc_A"],
            ifnmda=p["nmda_gate_A"],
            tref=p["t_ref_s"],
            decay=np.exp(-dt / tau).ravel(), gavg=(-np.expm1(-dt / tau) * tau / dt).ravel(),
            inv_tau=(1.0 / tau).ravel(), tau=tau.ravel(),
            iinf=p["syn_iinf_A"].ravel(), tpulse=p["syn_pulse_s"].ravel(),
        )
        d = self._compiled
        # per routing entry: its pulse extension m·t_pulse of the target circuit (s)
        kp["dl_pulse"] = d.count * kp["tpulse"][self._dl_j]
        return {k: np.ascontiguousarray(v) for k, v in kp.items()}

    def _external_events(self, n_steps):
        s0, s1 = self.step, self.step + n_steps
        all_steps, all_src = [], []
        dt_s = self.dt_us * 1e-6
        for grp in self._inputs:
            if grp.kind == "generator":
                lo, hi = np.searchsorted(grp.steps, [s0, s1])
                all_steps.append(grp.steps[lo:hi] - s0)
                all_src.append(grp.ids[grp.channels[lo:hi]])
            else:
                # exact Poisson process on [s0·dt, s1·dt): counts, then uniform times
                counts = self.rng.poisson(grp.rates_hz * n_steps * dt_s)
                total = int(counts.sum())
                if total:
                    all_src.append(np.repeat(grp.ids, counts))
                    all_steps.append(self.rng.integers(0, n_steps, size=total))
        return events_by_step(all_steps, all_src, n_steps)

    def run(self, duration_ms: float, progress: bool = False, chunk_ms: float | None = None):
        """Advance the board by ``duration_ms``; events and probes accumulate across runs."""
        duration_ms = float(duration_ms)
        if not math.isfinite(duration_ms) or duration_ms < 0:
            raise ValueError(f"duration_ms must be ≥ 0, got {duration_ms}")
        total = int(round(duration_ms * 1e3 / self.dt_us))
        if self._probes:  # I_mem and five DPI currents per probed neuron and sample, kept in memory
            n_rec = sum(p.gids.size for p in self._probes)
            check_memory(f"probing {n_rec} neurons for {duration_ms:g} ms",
                         48.0 * n_rec * (total // self._probes[0].every_steps + 1), "duration_ms")
        if self._compiled is None:
            self._compile()
        kp = self._kernel_params()
        chunk = total if chunk_ms is None else max(1, int(round(chunk_ms * 1e3 / self.dt_us)))
        if chunk_ms is None and total > 200_000:
            chunk = 200_000
        if progress and chunk_ms is None:
            chunk = max(1, min(chunk, total // 20))
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=total, unit="step", desc="dynapse", mininterval=1.0)
        done = 0
        while done < total:
            n = min(chunk, total - done)
            self._run_segment(n, kp)
            done += n
            if bar is not None:
                bar.update(n)
        if bar is not None:
            bar.close()
        return self

    def _run_segment(self, n_steps, kp):
        S, C, d = self._state, self.constants, self._compiled
        ext_ptr, ext_src = self._external_events(n_steps)
        every = self._rec_every
        n_rows = 0
        if self._rec_idx.size:
            first = (-self.step) % every
            n_rows = 0 if first >= n_steps else (n_steps - 1 - first) // every + 1
        rec = np.empty((n_rows, 6, self._rec_idx.size))
        steps, ids, frac, rows = _kernel.run_kernel(
            self.step, n_steps, self.dt_us * 1e-6,
            S["imem"], S["isyn"], S["prem"], S["ref_rem"],
            kp["itau"], kp["alpha"], kp["inv_itau"], kp["igain"], kp["tau_mem"], kp["idc"], kp["ifnmda"], kp["tref"],
            kp["decay"], kp["gavg"], kp["inv_tau"], kp["tau"], kp["iinf"], kp["tpulse"],
            C.dark_current_A, C.spike_threshold_A, C.reset_A,
            C.pfb_gain_A, C.pfb_threshold_A, C.pfb_norm_A, self.max_dlog, self.err_tol,
            ext_ptr, ext_src, d.src_ptr, self._dl_j, d.type, kp["dl_pulse"],
            self._rec_idx, every, rec, self.kernel_stats, int(self.threads),
            self.kernel_thread_cpu_s, self.kernel_phase_cpu_s, int(self.substep_rounds))
        assert rows == n_rows, (rows, n_rows)
        self._spike_gid.append(ids.astype(np.int64))
        self._spike_t.append((steps + frac) * self.dt_us)
        if n_rows:
            first = (-self.step) % every
            t = (self.step + first + every * np.arange(n_rows)) * self.dt_us
            col = 0
            for p in self._probes:
                k = p.gids.size
                p._t.append(t)
                p._data.append(rec[:, :, col:col + k].copy())
                col += k
        self.step += n_steps

    # -- state ------------------------------------------------------------------------------
    @property
    def t_ms(self) -> float:
        return self.step * self.dt_us * 1e-3

    def reset(self, routing: bool = False):
        """Back to t = 0 with every neuron at rest; events and probe data are cleared.
        ``routing=True`` also unfreezes the routing (connections, inputs and probes stay)."""
        self.step = 0
        self.kernel_stats[:] = 0
        self.kernel_thread_cpu_s[:] = 0.0
        self.kernel_phase_cpu_s[:] = 0.0
        self._spike_gid, self._spike_t = [], []
        for p in self._probes:
            p._t.clear()
            p._data.clear()
        if routing:
            self._compiled = None
            self._aliased = None
        elif self._compiled is not None:
            n = self.n_neurons
            self._state = dict(imem=np.full(n, self.constants.reset_A), isyn=np.zeros(5 * n),
                               prem=np.zeros(5 * n), ref_rem=np.zeros(n))
        self.rng = np.random.default_rng(self.seed)

    def imem(self) -> np.ndarray:
        """I_mem (A) of every neuron now (a copy)."""
        if self._state is None:
            return np.full(self.n_neurons, self.constants.reset_A)
        return self._state["imem"].copy()

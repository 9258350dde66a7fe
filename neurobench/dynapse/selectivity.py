"""Temporal-feature circuits on the emulated DYNAP-SE: the disynaptic delay element, trial layout
on a board, response measurement, the automatic weight/bias tuning search, and the split of
emulated chips into one tuning chip and held-out chips. The studies disynaptic,
pair_selectivity, triplet_selectivity and cricket compose these pieces.

The disynaptic delay element (Sandin & Nilsson, Front. Neurosci. 14:150, 2020): one presynaptic
spike drives a subtractive inhibitory (GABA_B) and a slow excitatory (NMDA) DPI synapse of the
same neuron. On DYNAP-SE1 each neuron has one DPI circuit per synapse type, so the *weight* of an
input is its CAM multiplicity m (efficacy m × the core's base weight) and every delay element
of a neuron shares that neuron's NMDA and GABA_B circuits (the inhibitory synapse shared by
several excitatory ones of Nilsson, Liwicki & Sandin, IJCNN 2020). With the pulse width much
shorter than the time constants the DPI responses are exponentials (``dynapse.circuits``), so
the summed current after one spike is::

    I(t) = A_e e^{−t/τ_e} − A_i e^{−t/τ_i},     A_e = m_e a_e,  A_i = m_i a_i,  τ_i < τ_e

It is negative first and turns positive (delayed excitation) at the zero crossing::

    t* = τ_i τ_e / (τ_e − τ_i) · ln(A_i / A_e)                         (needs A_i > A_e)

and peaks at t_p = τ_i τ_e/(τ_e − τ_i) · ln(A_i τ_e / (A_e τ_i)) = t* + τ_i τ_e/(τ_e − τ_i) ln(τ_e/τ_i)
with amplitude I(t_p) = A_e e^{−t_p/τ_e} (1 − τ_i/τ_e). Two elements on one neuron differ in
t* only through their m_i/m_e, and their peaks are offset by exactly the difference of their t*.

Tuning (the talk's "bias tuning & Hebbian learning protocol" to balance E/I currents, here as an
explicit search a user can rerun for a new target or a new chip instance = mismatch seed):

1. *bias stage* — the core biases fix τ_e, τ_i (leak currents, :func:`delay_biases`);
2. *delay stage* — per neuron and input, the inhibitory multiplicity m_i is found by integer
   bisection so that the measured zero crossing of the net slow current hits its target
   (:func:`bisect_multiplicity`; t* grows monotonically with m_i);
3. *balance stage* — the two slow base weights of a core are scaled together (their ratio, hence
   every t*, is unchanged) and the scale that maximises P(response | target pattern) −
   P(response | any single input) is kept (:func:`best_scale`).

The search runs on the tuning chip only (:func:`tuning_chip`); the bias file and CAM
configuration it finds are then scored on held-out chips (:func:`held_out_chips`), mismatch
seeds it never saw, as a lab uses one bias file on many chips of a design.

Units: ms for times, A for currents, multiplicities are integers (CAM entries).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from neurobench.dynapse.biases import BiasSet, bias_current, coarse_fine_for
from neurobench.chunks import read_chunks
from neurobench.dynapse.board import Board
from neurobench.dynapse.circuits import CircuitConstants, leak_for_time_constant
from neurobench.dynapse.mismatch import MismatchConfig

log = logging.getLogger("neurobench")

SANDIN2020 = "Sandin & Nilsson, Front. Neurosci. 14:150 (2020), doi 10.3389/fnins.2020.00150"
NILSSON2020 = "Nilsson, Liwicki & Sandin, IJCNN 2020, arXiv 2002.04924"
DELAY_FORMULA = "analytic zero crossing t* = τ_i τ_e/(τ_e − τ_i)·ln(A_i/A_e) of two exponential PSCs"


# -- analytic delay element -----------------------------------------------------------------
def _check_taus(tau_i_ms, tau_e_ms):
    """Validate scalar time constants (arrays, e.g. per-neuron values with mismatch, pass and
    give NaN where τ_i ≥ τ_e)."""
    ti = np.asarray(tau_i_ms, dtype=float)
    te = np.asarray(tau_e_ms, dtype=float)
    if ti.ndim or te.ndim:
        return ti, np.where(te > ti, te, np.nan)
    if not np.isfinite(ti) or ti <= 0:
        raise ValueError(f"tau_i_ms must be > 0, got {tau_i_ms!r}")
    if not np.isfinite(te) or te <= ti:
        raise ValueError(f"tau_e_ms must exceed tau_i_ms (delayed excitation needs τ_i < τ_e), "
                         f"got tau_e_ms={tau_e_ms!r}, tau_i_ms={tau_i_ms!r}")
    return ti, te


def zero_crossing_ms(tau_i_ms, tau_e_ms, a_i, a_e):
    """t* = τ_i τ_e/(τ_e − τ_i) ln(A_i/A_e) (ms); NaN where A_i ≤ A_e (no inhibitory phase)."""
    ti, te = _check_taus(tau_i_ms, tau_e_ms)
    ratio = np.asarray(a_i, dtype=float) / np.asarray(a_e, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = ti * te / (te - ti) * np.log(ratio)
    return np.where(ratio > 1, t, np.nan)


def net_peak(tau_i_ms, tau_e_ms, a_i, a_e):
    """(t_p in ms, I(t_p)) of the delayed excitation of I(t) = A_e e^{−t/τ_e} − A_i e^{−t/τ_i}."""
    ti, te = _check_taus(tau_i_ms, tau_e_ms)
    a_i = np.asarray(a_i, dtype=float)
    a_e = np.asarray(a_e, dtype=float)
    tp = ti * te / (te - ti) * np.log(a_i * te / (a_e * ti))
    tp = np.maximum(tp, 0.0)
    return tp, a_e * np.exp(-tp / te) - a_i * np.exp(-tp / ti)


def net_current(t_ms, tau_i_ms, tau_e_ms, a_i, a_e):
    """I(t) of the element for t ≥ 0 (0 before the spike)."""
    ti, te = _check_taus(tau_i_ms, tau_e_ms)
    t = np.asarray(t_ms, dtype=float)
    out = a_e * np.exp(-np.clip(t, 0, None) / te) - a_i * np.exp(-np.clip(t, 0, None) / ti)
    return np.where(t < 0, 0.0, out)


# -- biases ---------------------------------------------------------------------------------
def delay_biases(base: BiasSet, tau_e_ms: float, tau_i_ms: float, w_exc=None, w_inh=None,
                 constants: CircuitConstants | None = None) -> BiasSet:
    """``base`` with the NMDA and GABA_B leaks set for τ_e and τ_i (nominal, before mismatch)
    and, when given, the slow base weights PS_WEIGHT_EXC_S_N / PS_WEIGHT_INH_S_N = (coarse, fine).

    The leak for τ is I_τ = C U_T/(κ τ) (``dynapse.circuits.leak_for_time_constant``), rounded
    to the nearest (coarse, fine) of the bias generator."""
    _check_taus(tau_i_ms, tau_e_ms)
    c = constants or CircuitConstants()
    changes = {
        "NPDPIE_TAU_S_P": coarse_fine_for(
            "NPDPIE_TAU_S_P", float(leak_for_time_constant(tau_e_ms * 1e-3, c.c_nmda_F, c))),
        "NPDPII_TAU_S_P": coarse_fine_for(
            "NPDPII_TAU_S_P", float(leak_for_time_constant(tau_i_ms * 1e-3, c.c_gaba_b_F, c))),
    }
    if w_exc is not None:
        changes["PS_WEIGHT_EXC_S_N"] = tuple(w_exc)
    if w_inh is not None:
        changes["PS_WEIGHT_INH_S_N"] = tuple(w_inh)
    return base.replace(**changes)


def scale_weight(cf, scale: float, name: str = "PS_WEIGHT_EXC_S_N"):
    """(coarse, fine) of a bias whose current is ``scale`` × that of ``cf`` (nearest setting)."""
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be > 0, got {scale!r}")
    return coarse_fine_for(name, bias_current(name, *cf) * scale)


def biases_from_config(p: dict, prefix: str = "") -> dict:
    """The bias overrides of a study config: keys ``<prefix>biases`` {name: [coarse, fine]}."""
    raw = p.get(prefix + "biases", {}) or {}
    return {k: tuple(v) for k, v in raw.items()}


# -- the board ------------------------------------------------------------------------------
@dataclass
class Stimulus:
    """Input spikes of a spike generator: times (ms) and channel per spike."""

    times_ms: np.ndarray
    channels: np.ndarray
    n_channels: int
    tags: np.ndarray | None = None   # CAM tags (core·256 + neuron); default 1023, 1022, …

    def __post_init__(self):
        self.times_ms = np.asarray(self.times_ms, dtype=float).ravel()
        self.channels = np.asarray(self.channels, dtype=np.int64).ravel()
        if self.times_ms.shape != self.channels.shape:
            raise ValueError("Stimulus: times_ms and channels must have the same length")
        if self.times_ms.size and (self.times_ms.min() < 0 or not np.all(np.isfinite(self.times_ms))):
            raise ValueError("Stimulus: times_ms must be finite and ≥ 0")
        if self.channels.size and (self.channels.min() < 0 or self.channels.max() >= self.n_channels):
            raise ValueError(f"Stimulus: channels must lie in 0–{self.n_channels - 1}")

    @classmethod
    def concat(cls, parts, n_channels):
        t = np.concatenate([np.asarray(x[0], float).ravel() for x in parts]) if parts else np.empty(0)
        c = np.concatenate([np.asarray(x[1]).ravel() for x in parts]) if parts else np.empty(0, int)
        return cls(t, c, n_channels)


@dataclass(frozen=True)
class Connection:
    """Input channels or board neurons ``pre`` → board neurons ``post`` on ``synapse`` with
    CAM multiplicity ``m`` (broadcast). ``from_input`` marks ``pre`` as generator channels."""

    pre: np.ndarray
    post: np.ndarray
    synapse: str
    m: np.ndarray
    from_input: bool = True


def make_board(p: dict, seed: int, core_biases, n_chips: int = 1, temperature_K=None) -> Board:
    """A board with mismatch on (cv from ``p['mismatch_cv']``) and the given core biases:
    one BiasSet for every core, or a dict {(chip, core): BiasSet}."""
    mism = MismatchConfig(cv_circuit=float(p["mismatch_cv"]), seed=int(seed))
    board = Board(n_chips=n_chips, dt_us=float(p["dt_us"]), seed=int(seed), mismatch=mism,
                  temperature_K=temperature_K, aliasing="error")
    if isinstance(core_biases, BiasSet):
        board.set_biases(core_biases)
    else:
        for (chip, core), bs in core_biases.items():
            board.set_biases(bs, chip=chip, core=core)
    return board


def simulate(board: Board, stim: Stimulus, connections, duration_ms: float, probe_gids=None,
             probe_every_us=None):
    """Wire ``connections`` (inputs from one spike generator carrying ``stim``), run, and
    return (AER events, probe or None)."""
    # by default the generator's events carry CAM tags counted down from 1023 (core 3's last
    # neurons), so they never alias with the low-numbered board neurons used as sources
    tags = 1023 - np.arange(stim.n_channels) if stim.tags is None else stim.tags
    gen = board.add_spike_generator(stim.times_ms * 1e3, stim.channels, n_channels=stim.n_channels,
                                    tags=tags, name="stimulus")
    for c in connections:
        pre = gen.ids[np.asarray(c.pre)] if c.from_input else np.asarray(c.pre)
        m = np.asarray(c.m)
        post = np.asarray(c.post)
        keep = np.broadcast_to(m, np.broadcast_shapes(np.shape(pre), post.shape, m.shape)) > 0
        pre_b, post_b, m_b = np.broadcast_arrays(pre, post, m)
        if keep.any():
            board.connect(pre_b[keep], post_b[keep], c.synapse, multiplicity=m_b[keep])
    probe = None
    if probe_gids is not None:
        probe = board.probe(probe_gids, every_us=probe_every_us)
    board.run(duration_ms)
    return board.events(), probe


# -- measurement ----------------------------------------------------------------------------
def window_counts(events, gids, starts_ms, length_ms) -> np.ndarray:
    """Spike counts of each neuron in ``gids`` in windows [start, start + length) (ms).

    ``starts_ms`` has shape (n_windows,) (shared by all neurons) or (n_windows, n_gids).
    Returns shape (n_windows, n_gids)."""
    gids = np.asarray(gids)
    starts = np.asarray(starts_ms, dtype=float)
    if starts.ndim == 1:
        starts = np.broadcast_to(starts[:, None], (starts.size, gids.size))
    col = np.full(int(max(gids.max(), events.gid.max(initial=0))) + 1, -1)
    col[gids] = np.arange(gids.size)
    sel = col[np.minimum(events.gid, col.size - 1)] >= 0
    g = col[events.gid[sel]]
    t = events.t_us[sel] * 1e-3
    out = np.zeros(starts.shape, dtype=np.int64)
    for k in range(starts.shape[0]):
        lo = starts[k, g]
        inside = (t >= lo) & (t < lo + length_ms)
        out[k] = np.bincount(g[inside], minlength=gids.size)
    return out


def first_spike_ms(events, gids, start_ms: float, length_ms: float) -> np.ndarray:
    """Time of each neuron's first spike in [start, start + length) relative to start (NaN if none)."""
    gids = np.asarray(gids)
    out = np.full(gids.size, np.nan)
    t = events.t_us * 1e-3
    inside = (t >= start_ms) & (t < start_ms + length_ms)
    pos = {int(g): k for k, g in enumerate(gids)}
    for g, tt in zip(events.gid[inside], t[inside]):
        k = pos.get(int(g))
        if k is not None and np.isnan(out[k]):
            out[k] = tt - start_ms
    return out


def zero_crossings(t_ms, net, start_ms: float, length_ms: float) -> np.ndarray:
    """First upward zero crossing (ms after ``start_ms``) of each column of ``net`` (samples ×
    neurons) in [start, start + length), linearly interpolated; NaN where it stays ≤ 0 or
    starts > 0 (no inhibitory phase)."""
    t = np.asarray(t_ms, dtype=float)
    sel = (t >= start_ms) & (t < start_ms + length_ms)
    tt, x = t[sel], np.asarray(net)[sel]
    out = np.full(x.shape[1], np.nan)
    if tt.size < 2:
        return out
    neg = x < 0
    # a crossing needs an inhibitory phase first (the current is exactly 0 before the input)
    seen_neg = np.maximum.accumulate(neg, axis=0)
    up = seen_neg[:-1] & neg[:-1] & ~neg[1:]
    has = up.any(axis=0)
    k = np.argmax(up, axis=0)
    cols = np.flatnonzero(has)
    x0, x1 = x[k[cols], cols], x[k[cols] + 1, cols]
    frac = -x0 / (x1 - x0)
    out[cols] = tt[k[cols]] + frac * (tt[k[cols] + 1] - tt[k[cols]]) - start_ms
    return out


def peak_after(t_ms, x, start_ms: float, length_ms: float):
    """(time after start in ms, value) of each column's maximum in the window."""
    t = np.asarray(t_ms, dtype=float)
    sel = (t >= start_ms) & (t < start_ms + length_ms)
    tt, xx = t[sel], np.asarray(x)[sel]
    k = np.argmax(xx, axis=0)
    return tt[k] - start_ms, xx[k, np.arange(xx.shape[1])]


def selectivity_index(r_peak, r_off):
    """(R_peak − R_off)/(R_peak + R_off) ∈ [−1, 1]; 0 where both are 0."""
    r_peak = np.asarray(r_peak, dtype=float)
    r_off = np.asarray(r_off, dtype=float)
    den = r_peak + r_off
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (r_peak - r_off) / np.where(den > 0, den, 1), 0.0)


def eta_squared(y, groups) -> float:
    """Share of the variance of ``y`` explained by the means of ``groups`` (one-way η²)."""
    y = np.asarray(y, dtype=float)
    g = np.asarray(groups)
    ok = np.isfinite(y)
    y, g = y[ok], g[ok]
    total = ((y - y.mean()) ** 2).sum()
    if total == 0:
        return 0.0
    between = 0.0
    for v in np.unique(g):
        s = y[g == v]
        between += s.size * (s.mean() - y.mean()) ** 2
    return float(between / total)


# -- tuning search ---------------------------------------------------------------------------
def bisect_multiplicity(measure, targets_ms, lo, hi, max_iter: int = 8):
    """Per-element integer bisection of the inhibitory multiplicity m_i ∈ [lo, hi] (scalars or
    arrays over elements) so that the
    measured latency ``measure(m)`` (array → array, ms, increasing in m; NaN = no delayed
    excitation, treated as too short) comes closest to ``targets_ms``.

    All elements are searched in parallel (one ``measure`` call per iteration, i.e. one run of
    the board). Returns (m, measured latency at m, history list of (m, latency))."""
    targets = np.asarray(targets_ms, dtype=float)
    a = np.broadcast_to(np.asarray(lo, dtype=np.int64), targets.shape).copy()
    b = np.broadcast_to(np.asarray(hi, dtype=np.int64), targets.shape).copy()
    if np.any(a < 1) or np.any(a >= b):
        raise ValueError(f"need 1 ≤ lo < hi for the multiplicity search, got lo={lo}, hi={hi}")
    best_m = a.copy()
    best_err = np.full(targets.shape, np.inf)
    best_lat = np.full(targets.shape, np.nan)
    history = []
    for _ in range(max_iter):
        m = (a + b) // 2
        lat = np.asarray(measure(m), dtype=float)
        history.append((m.copy(), lat.copy()))
        err = np.abs(np.where(np.isfinite(lat), lat, 0.0) - targets)
        better = err < best_err
        best_m[better], best_err[better], best_lat[better] = m[better], err[better], lat[better]
        short = ~np.isfinite(lat) | (lat < targets)
        a = np.where(short, m + 1, a)
        b = np.where(short, b, m - 1)
        if np.all(a > b):
            break
        a = np.minimum(a, b)
    return best_m, best_lat, history


def bisect_threshold(fires, lo, hi, max_iter: int = 8):
    """Per-element smallest integer m ∈ [lo, hi] with ``fires(m)`` True (``fires``: array of m
    → boolean array, monotone in m), searched in parallel by bisection. Elements that do not
    fire even at ``hi`` get ``hi`` and ok = False. Returns (m, ok)."""
    a = np.asarray(lo, dtype=np.int64).copy()
    b = np.asarray(hi, dtype=np.int64).copy()
    a, b = np.broadcast_arrays(a, b)
    a, b = a.copy(), b.copy()
    if np.any(a < 1) or np.any(a > b):
        raise ValueError(f"need 1 ≤ lo ≤ hi for the threshold search, got lo={lo}, hi={hi}")
    top = b.copy()
    ok = np.zeros(a.shape, bool)
    for _ in range(max_iter):
        if np.all(a >= b):
            break
        m = (a + b) // 2
        f = np.asarray(fires(m), bool)
        ok |= f
        b = np.where(f, m, b)
        a = np.where(f, a, m + 1)
    f = np.asarray(fires(a), bool)
    return np.where(f, a, top), f


def best_scale(scales, score_fn):
    """Evaluate ``score_fn(scale)`` (→ score array per group, e.g. per core) for each scale and
    return (index of the best scale per group, score matrix scales × groups)."""
    scores = np.array([np.asarray(score_fn(s), dtype=float) for s in scales])
    return np.argmax(scores, axis=0), scores


# -- neurons with several inputs -------------------------------------------------------------
def input_channels(gids, n_inputs: int, tag0: int = 0):
    """Per-neuron input channels: channel of (neuron k, input i) = k·n_inputs + i; CAM tags
    tag0 + (neuron within its core)·n_inputs + i, unique inside each core."""
    gids = np.asarray(gids)
    ch = np.arange(gids.size)[:, None] * n_inputs + np.arange(n_inputs)[None, :]
    tags = tag0 + (gids % 256)[:, None] * n_inputs + np.arange(n_inputs)[None, :]
    if tags.size and tags.max() >= 1024:
        raise ValueError(f"{n_inputs} inputs per neuron from tag {tag0} exceed the 1024 CAM tags "
                         f"(use neurons 0–{(1024 - tag0) // n_inputs - 1} of each core)")
    return ch, tags.ravel()


def run_inputs(p, seed, biases, gids, inputs, times_ms, duration_ms, probe=False, leak=None,
               tag0=0):
    """One board run of neurons ``gids``, each with the same list of ``inputs`` (dicts with
    ``kind`` "delay" (arrays ``m_exc``, ``m_inh`` over neurons) or "direct" (``m``, AMPA)).

    ``times_ms`` has shape (neurons, inputs, trials) with NaN = no spike. Returns (board,
    events, probe or None)."""
    gids = np.asarray(gids)
    n, k = gids.size, len(inputs)
    t = np.asarray(times_ms, dtype=float)
    if t.shape[:2] != (n, k):
        raise ValueError(f"times_ms must have shape (neurons={n}, inputs={k}, trials), got {t.shape}")
    board = make_board(p, seed, biases)
    if leak is not None:
        board.select_leak(gids, leak)
    ch, tags = input_channels(gids, k, tag0)
    chan = np.broadcast_to(ch[:, :, None], t.shape)
    keep = np.isfinite(t)
    stim = Stimulus(t[keep], chan[keep], n * k, tags)
    conns = []
    for i, spec in enumerate(inputs):
        if spec["kind"] == "delay":
            conns += [Connection(ch[:, i], gids, "NMDA", np.asarray(spec["m_exc"])),
                      Connection(ch[:, i], gids, "GABA_B", np.asarray(spec["m_inh"]))]
        elif spec["kind"] == "direct":
            conns.append(Connection(ch[:, i], gids, "AMPA", np.asarray(spec["m"])))
        else:
            raise ValueError(f"input kind must be 'delay' or 'direct', got {spec['kind']!r}")
    events, pr = simulate(board, stim, conns, duration_ms, probe_gids=gids if probe else None,
                          probe_every_us=p["probe_every_us"] if probe else None)
    return board, events, pr


def lobe_peaks(probe, starts_ms, length_ms):
    """Peak time (ms after each start) of the net slow current I_NMDA − I_GABA_B of every probed
    neuron in each window, NaN where the window shows no delayed excitation. Shape (windows, n)."""
    t = probe.t_us * 1e-3
    net = probe.isyn("NMDA") - probe.isyn("GABA_B")
    out = []
    for s in np.atleast_1d(starts_ms):
        tz = zero_crossings(t, net, s, length_ms)
        tp, _ = peak_after(t, net, s, length_ms)
        out.append(np.where(np.isfinite(tz), tp, np.nan))
    return np.array(out)


# -- the tuning chip and the held-out chips ---------------------------------------------------
# A lab tunes a circuit on one chip and then uses the same bias file and CAM configuration on
# other chips of the same design, whose mismatch it has never seen. The emulator's chips are
# mismatch seeds: chip 0 (the study seed) is the tuning chip, chips 1 … held_out_chips are the
# held-out chips on which a study's claims are measured. The split is by construction disjoint.
def chip_seed(p: dict, index: int) -> int:
    """Mismatch seed of emulated chip ``index`` of a study (a seed is a chip)."""
    return int(p["seed"]) + 1000 * int(index)


def tuning_chip(p: dict) -> int:
    """Mismatch seed of the tuning chip (bias search and weight choice run here only)."""
    return chip_seed(p, 0)


def held_out_chips(p: dict) -> list[int]:
    """Chip indices 1 … ``p['held_out_chips']`` of the held-out chips (never used in tuning)."""
    n = int(p["held_out_chips"])
    if n < 1:
        raise ValueError(f"held_out_chips must be ≥ 1, got {n}")
    return list(range(1, n + 1))


def tuning_and_held_out(p: dict, tune_chip, run_chip, tuned=None, chunks=None):
    """(tuning result, list of held-out chip results) of a study whose tuning job
    ``tune_chip(p)`` and held-out jobs ``run_chip(p, index, tuned)`` ran as separate jobs
    (``tuned`` and the files ``chunks``) or, when those are None, run here one after another."""
    tuned = tune_chip(p) if tuned is None else tuned
    held = (read_chunks(chunks) if chunks is not None
            else [run_chip(p, k, tuned) for k in held_out_chips(p)])
    if tuned["chip"] in {c["chip"] for c in held}:
        raise ValueError(f"chip seed {tuned['chip']} is both the tuning chip and a held-out chip")
    return tuned, held


def chips_table(per_chip, quantities, condition_column):
    """One row per chip (columns ``chip_seed``, ``role``) from a long table with one row per chip
    and condition: each quantity becomes one column per value of ``condition_column``, named
    ``<quantity>_<value>`` (e.g. ``selectivity_index_20ms``). The tuning chip comes first."""
    wide = per_chip.set_index(["role", "chip_seed", condition_column])[list(quantities)]
    wide = wide.unstack(condition_column)
    wide.columns = [f"{q}_{c}" for q, c in wide.columns]
    wide = wide.reset_index()
    order = wide["role"].map({"tuning": 0}).fillna(1)
    return wide.assign(_o=order).sort_values(["_o", "chip_seed"]).drop(columns="_o")


def chip_rng(p: dict, index: int):
    """The stimulus generator of chip ``index`` (independent of the other chips' jobs)."""
    return np.random.default_rng([int(p["seed"]), int(index)])


def board_biases(board: Board) -> dict:
    """The bias file content of a board, as :meth:`Board.save_biases` writes it."""
    import json
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as d:
        f = board.save_biases(Path(d) / "biases.json")
        return json.loads(f.read_text())

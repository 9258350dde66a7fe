"""From a network trained within the chip's limits to DYNAP-SE1 biases, CAM connections and runs.

A trained network (:meth:`neurobench.nn.chip_aware.ChipAwareKWS.chip_network`) gives integer CAM
multiplicities of its input and recurrent connections (AMPA for excitation, GABA_B for
subtractive inhibition), one base weight per synapse type in units of the threshold charge, the
time constants of its membrane and synapses, its refractory period and an off-chip readout.

Bias fit (:func:`fit_core`, then :func:`network_biases`), against the emulator's own measured responses on an ideal chip
(mismatch off, so no chip used to score the network is ever seen here):

1. Start from the closed-form currents of :mod:`neurobench.dynapse.circuits`:
   I_τ = C U_T / (κ τ) for the membrane (leak 1) and the two DPIs, DPI gain I_g = ``syn_gain``·I_τ,
   membrane gain I_g = ``membrane_gain_A``, I_RFR = Q_ref / t_ref.
2. Measure the PSC decay of each DPI and the membrane decay after one sub-threshold event
   (log-linear fit of the probed currents) and correct each leak current by the ratio of the
   measured to the target time constant (τ ∝ 1/I_τ); ``iterations`` rounds. The membrane needs
   this most: its decay rate is (I_τ − I_0)/I_τ of the closed form, with I_0 the dark current.
3. Measure the threshold charge: the smallest AMPA weight current I_w at which one event of
   multiplicity ``calibration_multiplicity`` makes a neuron at rest spike (bisection over the
   (coarse, fine) grid). The discrete neuron reaches threshold with one event of weight 1/K
   (K its impulse peak), and the DPI's charge is linear in I_w·m (I_g I_w m t_pulse / I_τ), so a
   base weight b maps to I_w = b·K·I_w* m_cal. GABA_B follows the same DPI equation: its I_w
   is scaled by the ratio of the AMPA to the GABA_B gain/leak ratio as realised by the biases.

Inference (:func:`run_on_board`): every test clip is a spike generator (one channel per input,
one event per input bin) whose events reach copies of the network on every chip of a board;
each core holds as many copies as its 256 neurons and its 768 free CAM tags allow (the input
tags are taken from the other cores' address space so that nothing aliases; the board checks
with ``aliasing="error"``). A chip's copies differ by mismatch like any neurons of that chip.
The output is what a user reads from the chip: the AER spike counts of each copy's hidden
neurons during its clip's window; the class is the off-chip linear readout of those counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neurobench.dynapse.biases import BiasSet, bias_current, coarse_fine_for
from neurobench.dynapse.board import DEFAULT_DT_US, Board
from neurobench.dynapse.circuits import CircuitConstants, leak_for_time_constant
from neurobench.dynapse.mismatch import MismatchConfig
from neurobench.dynapse.routing import N_CORES, N_NEURONS

#: Biases of the hidden core: (leak, gain, weight) of the two DPIs the network uses.
EXC = ("NPDPIE_TAU_F_P", "NPDPIE_THR_F_P", "PS_WEIGHT_EXC_F_N")     # AMPA
INH = ("NPDPII_TAU_S_P", "NPDPII_THR_S_P", "PS_WEIGHT_INH_S_N")     # GABA_B (subtractive)
MEMBRANE_LEAK, MEMBRANE_GAIN, REFRACTORY = "IF_TAU1_N", "IF_THR_N", "IF_RFR_N"


@dataclass(frozen=True)
class FitSettings:
    """Settings of the bias fit (currents in A, times in s)."""

    membrane_gain_A: float = 2e-12
    syn_gain: float = 4.0
    calibration_multiplicity: int = 16
    iterations: int = 2
    dt_us: float = DEFAULT_DT_US


def _grid(name: str) -> np.ndarray:
    """Every distinct current (A) of a bias, sorted, with its (coarse, fine)."""
    cur = sorted({(bias_current(name, c, f), c, f) for c in range(8) for f in range(256)})
    return np.array(cur)


def _nearest(name: str, current_A: float) -> tuple[int, int]:
    return coarse_fine_for(name, float(np.clip(current_A, 0.0, bias_current(name, 7, 255))))


def _board(biases: BiasSet, constants: CircuitConstants, dt_us: float) -> Board:
    b = Board(n_chips=1, dt_us=dt_us, mismatch=MismatchConfig.off(), constants=constants)
    b.set_biases(biases)
    return b


def _decay_tau(t_s: np.ndarray, x: np.ndarray, lo: float, hi: float) -> float:
    """τ of the log-linear fit of x(t) over the samples after the peak with lo < x < hi·peak."""
    k = int(np.argmax(x))
    t, y = t_s[k:], x[k:]
    sel = (y > lo) & (y < hi * y[0])
    if sel.sum() < 3:
        return math.nan
    slope = np.polyfit(t[sel], np.log(y[sel]), 1)[0]
    return -1.0 / slope


def measure_time_constants(biases: BiasSet, constants: CircuitConstants, dt_us: float,
                           duration_s: float, membrane_multiplicity: int = 1) -> dict:
    """Measured decay time constants (s) of the AMPA and GABA_B PSCs and of the membrane after
    one event each (three neurons of one core, one run); the membrane's event has
    ``membrane_multiplicity`` (choose it to peak well below threshold and well above I_g)."""
    b = _board(biases, constants, dt_us)
    gen = b.add_spike_generator([1000.0, 1000.0, 1000.0], [0, 1, 2], n_channels=3)
    n = b.core_neurons(0, 0)[:3]
    b.connect(gen.ids[0], n[0], "AMPA")
    b.connect(gen.ids[1], n[1], "GABA_B")
    b.connect(gen.ids[2], n[2], "AMPA", membrane_multiplicity)
    pr = b.probe(n)
    b.run(duration_s * 1e3)
    t = pr.t_us * 1e-6
    i0 = constants.dark_current_A
    gain = biases.current(MEMBRANE_GAIN, constants.dark_current_A)
    return dict(
        tau_exc_s=_decay_tau(t, pr.isyn("AMPA")[:, 0], 10 * i0, 0.9),
        tau_inh_s=_decay_tau(t, pr.isyn("GABA_B")[:, 1], 10 * i0, 0.9),
        tau_mem_s=_decay_tau(t, pr.imem[:, 2], 20 * gain, 0.7),
        membrane_peak_A=float(pr.imem[:, 2].max()))


def _spikes_at_rest(biases: BiasSet, multiplicity: int, constants, dt_us, duration_ms) -> bool:
    b = _board(biases, constants, dt_us)
    gen = b.add_spike_generator([1000.0], [0], n_channels=1)
    b.connect(gen.ids[0], b.gid(0, 0, 0), "AMPA", multiplicity)
    b.run(duration_ms)
    return len(b.events()) > 0


def threshold_weight(biases: BiasSet, multiplicity: int, constants: CircuitConstants,
                     dt_us: float, duration_ms: float) -> float:
    """Smallest PS_WEIGHT_EXC_F_N current (A) at which one AMPA event of ``multiplicity`` makes a
    neuron at rest spike (bisection over the bias grid)."""
    grid = _grid(EXC[2])
    lo, hi = 0, len(grid) - 1

    def fires(i):
        c, f = int(grid[i, 1]), int(grid[i, 2])
        return _spikes_at_rest(biases.replace(**{EXC[2]: (c, f)}), multiplicity, constants, dt_us,
                               duration_ms)

    if not fires(hi):
        raise ValueError(f"no weight current makes a neuron spike with multiplicity {multiplicity}")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fires(mid):
            hi = mid
        else:
            lo = mid
    return float(grid[hi, 0])


@dataclass(frozen=True)
class CoreFit:
    """The fitted part of a core's biases shared by every network with the same time constants:
    leak, gain and refractory biases, the measured threshold current × multiplicity and the
    fit record (one row per measured quantity)."""

    biases: BiasSet
    threshold_weight_A: float
    calibration_multiplicity: int
    gain_ratio: dict
    record: list


def fit_core(tau_mem_s: float, tau_exc_s: float, tau_inh_s: float, t_ref_s: float,
             settings: FitSettings = FitSettings(),
             constants: CircuitConstants | None = None) -> CoreFit:
    """Steps 1–3 of the module docstring for the given time constants (s)."""
    c = constants or CircuitConstants()
    dt = settings.dt_us
    tau_t = dict(tau_exc_s=tau_exc_s, tau_inh_s=tau_inh_s, tau_mem_s=tau_mem_s)
    leak = {"tau_exc_s": (EXC[0], c.c_ampa_F), "tau_inh_s": (INH[0], c.c_gaba_b_F),
            "tau_mem_s": (MEMBRANE_LEAK, c.c_mem_F)}
    i_leak = {k: float(leak_for_time_constant(tau_t[k], cap, c)) for k, (_, cap) in leak.items()}

    def build(i_w=None):
        d = {name: _nearest(name, i_leak[k]) for k, (name, _) in leak.items()}
        for tau_b, gain_b, _ in (EXC, INH):
            d[gain_b] = _nearest(gain_b, settings.syn_gain * bias_current(tau_b, *d[tau_b]))
        d[MEMBRANE_GAIN] = _nearest(MEMBRANE_GAIN, settings.membrane_gain_A)
        d[REFRACTORY] = _nearest(REFRACTORY, c.refractory_charge_C / t_ref_s)
        d["IF_DC_P"] = (0, 0)
        if i_w is not None:
            d[EXC[2]] = d[INH[2]] = _nearest(EXC[2], i_w)
        return BiasSet.default().replace(**d)

    window = 8 * max(tau_t.values())
    # long enough for the membrane's peak after one event (it comes within a few τ_syn)
    thr_ms = 1e3 * (10 * max(tau_exc_s, tau_inh_s) + 0.5 * tau_mem_s)
    m_cal = settings.calibration_multiplicity
    # the membrane's test event: half the threshold charge, measured with the current leaks
    i_thr = threshold_weight(build(), m_cal, c, dt, thr_ms)
    first = measured = measure_time_constants(build(i_thr), c, dt, window, m_cal // 2)
    for _ in range(settings.iterations):
        for k in i_leak:
            if math.isfinite(measured[k]) and measured[k] > 0:
                # τ ∝ 1/(I_τ − I_0) for the membrane, 1/I_τ for a DPI (closed form)
                floor = c.dark_current_A if k == "tau_mem_s" else 0.0
                i_leak[k] = floor + (i_leak[k] - floor) * measured[k] / tau_t[k]
        i_thr = threshold_weight(build(), m_cal, c, dt, thr_ms)
        measured = measure_time_constants(build(i_thr), c, dt, window, m_cal // 2)
    bs = build()
    ratio = {k: bs.current(g, c.dark_current_A) / bs.current(t, c.dark_current_A)
             for k, (t, g, _) in (("exc", EXC), ("inh", INH))}
    rows = [dict(quantity=k.replace("_s", ""), target=tau_t[k], closed_form=first[k],
                 fitted=measured[k], unit="s", bias=leak[k][0], coarse_fine=str(tuple(bs[leak[k][0]])))
            for k in tau_t]
    rows.append(dict(quantity=f"threshold weight current (one event of multiplicity {m_cal})",
                     target=math.nan, closed_form=math.nan, fitted=i_thr, unit="A", bias=EXC[2],
                     coarse_fine="bisection"))
    return CoreFit(bs, i_thr, m_cal, ratio, rows)


def network_biases(fit: CoreFit, net: dict, constants: CircuitConstants | None = None):
    """The core's biases for a trained network: the fitted core plus the two base weights
    (I_w = b·K·I_w*·m_cal, GABA_B scaled by the gain/leak ratios). Returns (BiasSet, rows)."""
    c = constants or CircuitConstants()
    q = fit.threshold_weight_A * fit.calibration_multiplicity
    i_w = {"exc": net["base_exc"] * net["impulse_peak_exc"] * q,
           "inh": net["base_inh"] * net["impulse_peak_inh"] * q * fit.gain_ratio["exc"] / fit.gain_ratio["inh"]}
    bs = fit.biases.replace(**{EXC[2]: _nearest(EXC[2], i_w["exc"]), INH[2]: _nearest(INH[2], i_w["inh"])})
    rows = [dict(quantity=f"base weight {k} ({net['base_' + k]:.4g} threshold charges)", target=i_w[k],
                 closed_form=math.nan, fitted=bs.current(name, c.dark_current_A), unit="A", bias=name,
                 coarse_fine=str(tuple(bs[name]))) for k, name in (("exc", EXC[2]), ("inh", INH[2]))]
    return bs, rows


# -- placement and inference ------------------------------------------------------------------
def copies_per_core(n_hidden: int, n_inputs: int) -> int:
    """Copies of a network one core holds: its neurons, and input tags from the other three
    cores' 768 addresses (one tag per input channel and copy)."""
    return max(0, min(N_NEURONS // n_hidden, (N_CORES - 1) * N_NEURONS // n_inputs))


def _input_tags(core: int, slot: int, n_inputs: int) -> np.ndarray:
    """CAM tags (core·256 + neuron) of the input channels of copy ``slot`` on ``core``: addresses
    of the other cores, so that no input aliases with a hidden neuron of this core."""
    others = [k for k in range(N_CORES) if k != core]
    idx = slot * n_inputs + np.arange(n_inputs)
    return np.array([others[i // N_NEURONS] * N_NEURONS + i % N_NEURONS for i in idx])


def _connect_copy(board: Board, net: dict, chip: int, core: int, slot: int, inputs: np.ndarray):
    H = net["m_exc_in"].shape[0]
    hidden = board.core_neurons(chip, core)[slot * H:(slot + 1) * H]
    for key, pre, syn in (("m_exc_in", inputs, "AMPA"), ("m_inh_in", inputs, "GABA_B"),
                          ("m_exc_rec", hidden, "AMPA"), ("m_inh_rec", hidden, "GABA_B")):
        m = net[key]
        post_i, pre_j = np.nonzero(m)
        if post_i.size:
            board.connect(pre[pre_j], hidden[post_i], syn, m[post_i, pre_j])
    return hidden


def run_on_board(net: dict, biases: BiasSet, rasters: np.ndarray, bin_s: float, seed: int, *,
                 n_chips: int = 4, gap_s: float = 0.5, dt_us: float = DEFAULT_DT_US,
                 mismatch: MismatchConfig | None = None) -> dict:
    """Play every clip of ``rasters`` [N, T, F] (binary, bins of ``bin_s``) into copies of the
    network on each of ``n_chips`` chips of a board with mismatch ``seed``.

    Returns ``counts`` [chips, N, H] (AER spike counts of the copy that played the clip),
    ``input_events`` [N], ``synaptic_events`` [chips, N] (CAM entries the input and hidden
    events hit, counted with multiplicity), ``cam_usage`` (largest per neuron), ``board_s``
    (chip time simulated) and ``rounds``."""
    N, T, F = rasters.shape
    H = net["m_exc_in"].shape[0]
    R = copies_per_core(H, F)
    if R < 1:
        raise ValueError(f"a network of {H} neurons and {F} inputs does not fit one core")
    slots = N_CORES * R
    rounds = math.ceil(N / slots)
    window_s = T * bin_s + gap_s
    board = Board(n_chips=n_chips, dt_us=dt_us, seed=seed, aliasing="error",
                  mismatch=mismatch if mismatch is not None else MismatchConfig(seed=seed))
    board.set_biases(biases)
    # one generator channel per (slot, input); clip n plays in slot n % slots during round
    # n // slots, so a copy's CAM entries (matched by tag) serve every clip it plays
    used = min(N, slots)
    clip, step, ch = np.nonzero(rasters)
    t_us = ((clip // slots) * window_s + step * bin_s) * 1e6
    tags = np.concatenate([_input_tags(s // R, s % R, F) for s in range(used)])
    gen = board.add_spike_generator(t_us, (clip % slots) * F + ch, n_channels=used * F, tags=tags,
                                    name="clips")
    hidden = {(chip, s): _connect_copy(board, net, chip, s // R, s % R, gen.ids[s * F:(s + 1) * F])
              for chip in range(n_chips) for s in range(used)}
    board.run((rounds * window_s - gap_s) * 1e3)          # no silence after the last round
    ev = board.events()
    counts = np.zeros((n_chips, N, H), np.int64)
    rnd = np.floor(ev.t_us * 1e-6 / window_s).astype(np.int64)
    in_clip = (ev.t_us * 1e-6 - rnd * window_s) < T * bin_s
    pos = {}
    for (chip, s), gids in hidden.items():
        for j, g in enumerate(gids):
            pos[int(g)] = (chip, s, j)
    for g, r in zip(ev.gid[in_clip].tolist(), rnd[in_clip].tolist()):
        chip, s, j = pos[g]
        n = r * slots + s
        if n < N:
            counts[chip, n, j] += 1
    fan_in = (net["m_exc_in"] + net["m_inh_in"]).sum(axis=0)          # CAM entries per input
    fan_rec = (net["m_exc_rec"] + net["m_inh_rec"]).sum(axis=0)       # per hidden spike
    input_events = rasters.sum(axis=(1, 2))
    syn = (rasters.sum(axis=1) @ fan_in)[None, :] + counts @ fan_rec
    return dict(counts=counts, input_events=input_events, synaptic_events=syn,
                cam_usage=int(board.cam_usage().max()), board_s=rounds * window_s - gap_s, rounds=rounds)

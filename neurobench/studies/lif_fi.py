"""LIF f–I curve: the talk's Brian2 script, run by Brian2, by the Cython core and analytically.

Source: F. Sandin, "Temporal Dynamics in Neuromorphic Computing", slides "Leaky Integrate and
Fire (LIF) neuron model", "LIF model spike rate versus input current", "Similar to ReLU in
quasistatic regime". The script there (Brian2; Stimberg, Brette & Goodman, eLife 2019):

    τ dv/dt = E_L − v + R·I_i   (unless refractory),   v > θ → v ← E_L, refractory 5 ms
    n = 100, 2 s, R = 90 MΩ, τ = 30 ms, E_L = −65 mV, θ = −50 mV, R·I_i = 100 mV · i/(n−1)

Analytic rate of the LIF with constant input (textbook, e.g. Gerstner et al., Neuronal
Dynamics, §1.3): silent for R·I ≤ θ − E_L (rheobase I_rh = (θ − E_L)/R = 166.7 pA), otherwise
period T = t_ref + τ·ln(R·I / (R·I − (θ − E_L))) and rate 1/T.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from neurobench.core import LIFParameters, Network
from neurobench.report import StudyWriter, claim_at_least, claim_at_most, claim_within, Claim

log = logging.getLogger("neurobench")

TALK = "Sandin, talk 'Temporal Dynamics in Neuromorphic Computing' (LIF slides)"
ANALYTIC = "analytic LIF rate 1/(t_ref + τ ln(RI/(RI−(θ−E_L)))), Gerstner et al. Neuronal Dynamics §1.3"


def declared_claims(params: dict) -> dict[str, str]:
    """The claims of this study, claim_id → kind of reference (see ``neurobench.report.claims``).

    Brian2 runs the talk's script in the same job (independent simulator); the rate, the
    rheobase and silence below it are textbook closed forms; the ReLU likeness is the talk's
    finding; convergence in dt checks the core against its own discretisation.
    """
    return {
        "core_vs_brian2_counts": "independent_simulator",
        "core_vs_brian2_spike_times": "independent_simulator",
        "core_vs_brian2_vtrace": "independent_simulator",
        "core_vs_analytic": "closed_form",
        "rheobase": "closed_form",
        "silent_below_rheobase": "closed_form",
        "relu_like": "literature",
        "relu_line_intercept": "closed_form",
        "relu_fit_analytic": "closed_form",
        "dt_convergence": "verification",
    }


# -- the model ------------------------------------------------------------------------------
def drive_mV(p) -> np.ndarray:
    """R·I_i of the talk's script: 100 mV · i/(n−1)."""
    n = p["n_neurons"]
    return p["ri_max_mV"] * np.arange(n) / (n - 1)


def analytic_rate_hz(ri_mV, p) -> np.ndarray:
    """Stationary firing rate of the LIF for a constant drive R·I (mV)."""
    ri = np.asarray(ri_mV, dtype=float)
    gap = p["v_th_mV"] - p["v_rest_mV"]
    rate = np.zeros_like(ri)
    above = ri > gap
    period_ms = p["t_ref_ms"] + p["tau_m_ms"] * np.log(ri[above] / (ri[above] - gap))
    rate[above] = 1e3 / period_ms
    return rate


def run_core(p, ri_mV, dt_ms, trace_neurons=()):
    """The talk's population on the Cython core. Returns (counts, trace t, trace v, wall s)."""
    params = LIFParameters(tau_m_ms=p["tau_m_ms"], v_rest_mV=p["v_rest_mV"],
                           v_th_mV=p["v_th_mV"], v_reset_mV=p["v_rest_mV"],
                           t_ref_ms=p["t_ref_ms"], r_mohm=p["r_mohm"])
    net = Network(dt_ms=dt_ms, seed=p["seed"])
    pop = net.add_lif(len(ri_mV), params, name="lif")
    pop.i_const_pA[:] = np.asarray(ri_mV) / p["r_mohm"] * 1e3   # mV / MΩ = nA → pA
    spikes = net.record_spikes(pop)
    state = net.record_state(pop, list(trace_neurons)) if len(trace_neurons) else None
    t0 = time.perf_counter()
    net.run(p["duration_s"] * 1e3)
    wall = time.perf_counter() - t0
    trace = (state.t, state.v) if state is not None else (None, None)
    return spikes, trace, wall


def run_brian2(p, trace_neurons):
    """The talk's Brian2 script, verbatim in its model, on Brian2's ``numpy``/``cython`` target."""
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = p["brian2_target"]
    b2.defaultclock.dt = p["dt_ms"] * b2.ms
    n = p["n_neurons"]
    tau = p["tau_m_ms"] * b2.ms
    E_L = p["v_rest_mV"] * b2.mV
    v_thres = p["v_th_mV"] * b2.mV
    eqs = """
        dv/dt = (E_L - v + RI) / tau : volt (unless refractory)
        RI : volt
    """
    group = b2.NeuronGroup(n, eqs, threshold="v > v_thres", reset="v = E_L",
                           refractory=p["t_ref_ms"] * b2.ms, method="linear",
                           namespace={"E_L": E_L, "tau": tau, "v_thres": v_thres})
    group.v = E_L
    group.RI = drive_mV(p) * b2.mV
    spikes = b2.SpikeMonitor(group)
    state = b2.StateMonitor(group, "v", record=list(trace_neurons))
    net = b2.Network(group, spikes, state)
    t0 = time.perf_counter()
    net.run(p["duration_s"] * b2.second, namespace={})
    wall = time.perf_counter() - t0
    return (np.asarray(spikes.count[:]), np.asarray(spikes.t / b2.ms), np.asarray(spikes.i[:]),
            np.asarray(state.t / b2.ms), np.asarray(state.v / b2.mV).T, wall)


def relu_fit(current_pA, rate_hz, rheobase_pA):
    """ReLU fit of the supra-threshold rate: least-squares line rate = a·(I − I0) over I > I_rh.

    Returns (a [Hz/pA], I0 [pA], R² over the supra-threshold points). The ReLU is then
    rate = 0 for I ≤ I_rh and a·(I − I0) above.
    """
    current_pA = np.asarray(current_pA, float)
    rate_hz = np.asarray(rate_hz, float)
    above = current_pA > rheobase_pA
    if above.sum() < 3:
        raise ValueError("the ReLU fit needs at least 3 currents above rheobase")
    x, y = current_pA[above], rate_hz[above]
    a, b = np.polyfit(x, y, 1)
    resid = y - (a * x + b)
    r2 = 1.0 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
    return float(a), float(-b / a), r2


def discretisation_bound_hz(rate_hz, dt_ms, duration_s):
    """Largest rate error a grid of step dt can cause: each period is lengthened by < dt
    (a spike is registered at the first step after the crossing), and the count over a finite
    window may differ by one spike from duration/period."""
    return rate_hz * (dt_ms * 1e-3) * rate_hz + 1.0 / duration_s


# -- the study ------------------------------------------------------------------------------
def run(params: dict, outdir: Path) -> None:
    p = dict(params)
    ri = drive_mV(p)
    current_pA = ri / p["r_mohm"] * 1e3
    trace_neurons = list(p["trace_neurons"])
    rheobase_pA = (p["v_th_mV"] - p["v_rest_mV"]) / p["r_mohm"] * 1e3
    analytic = analytic_rate_hz(ri, p)
    dur = p["duration_s"]

    with StudyWriter(outdir, params, seed=p["seed"], claims=declared_claims(p)) as out:
        log.info("lif_fi: Cython core, %d neurons, %.1f s, dt %.3g ms", p["n_neurons"], dur, p["dt_ms"])
        spk, (t_core, v_core), wall_core = run_core(p, ri, p["dt_ms"], trace_neurons)
        counts_core = spk.counts()
        log.info("lif_fi: Brian2 (%s target)", p["brian2_target"])
        counts_b2, t_b2_spk, i_b2_spk, t_b2, v_b2, wall_b2 = run_brian2(p, trace_neurons)
        rate_core = counts_core / dur
        rate_b2 = counts_b2 / dur

        rates = pd.DataFrame({"neuron": np.arange(p["n_neurons"]), "current_pA": current_pA,
                              "drive_mV": ri, "rate_core_hz": rate_core, "rate_brian2_hz": rate_b2,
                              "rate_analytic_hz": analytic})
        out.table(rates, "rates")

        # Spike-by-spike agreement of core and Brian2 (same grid, same order of operations).
        t_core_spk, i_core_spk = spk.t(), spk.i()
        max_dt_spike = _max_spike_time_difference(t_core_spk, i_core_spk, t_b2_spk, i_b2_spk)
        max_dcount = int(np.max(np.abs(counts_core - counts_b2)))
        out.claim(claim_within(
            "core_vs_brian2_counts", "core and Brian2 give the same spike count for every neuron",
            "max |count_core − count_brian2| over neurons", 0, max_dcount, abs_tol=0,
            unit="spikes", source=f"Brian2 {_brian2_version()} run of the talk's script in the same job",
            note="identical: same grid and operation order"))
        out.claim(claim_within(
            "core_vs_brian2_spike_times", "core and Brian2 emit spikes at the same times",
            "max |t_core − t_brian2| over all spikes", 0, max_dt_spike, abs_tol=1e-9, unit="ms",
            source=f"Brian2 {_brian2_version()} run of the talk's script in the same job"))
        vmax_diff = float(np.max(np.abs(v_core - v_b2))) if v_core.shape == v_b2.shape else np.inf
        out.claim(claim_within(
            "core_vs_brian2_vtrace", "membrane traces of neurons 15 and 20 coincide",
            "max |v_core − v_brian2|", 0, vmax_diff, abs_tol=1e-6, unit="mV",
            source=f"Brian2 {_brian2_version()} run of the talk's script in the same job",
            note="floating-point rounding"))

        # Core vs the analytic rate, within the discretisation bound.
        bound = discretisation_bound_hz(analytic, p["dt_ms"], dur)
        ratio = float(np.max(np.abs(rate_core - analytic) / bound))
        out.claim(claim_at_most(
            "core_vs_analytic", "core rate equals the analytic LIF rate within the discretisation bound",
            "max over neurons of |r_core − r_analytic| / bound", 1.0, ratio,
            source=ANALYTIC, note="bound = r²·dt + 1/T_sim per neuron"))

        # Rheobase: a fine current sweep on the core, bracketing the onset of firing.
        fine = np.linspace(p["rheobase_sweep_pA"][0], p["rheobase_sweep_pA"][1], p["rheobase_sweep_n"])
        fine_spk, _, _ = run_core(p, fine * p["r_mohm"] * 1e-3, p["dt_ms"])
        fine_counts = fine_spk.counts()
        if fine_counts[0] > 0 or fine_counts[-1] == 0:
            measured_rheobase = np.nan   # the sweep does not bracket the onset
        else:
            first = int(np.argmax(fine_counts > 0))
            measured_rheobase = 0.5 * (fine[first - 1] + fine[first])
        step = fine[1] - fine[0]
        out.claim(claim_within(
            "rheobase", "rheobase current (θ − E_L)/R = 166.7 pA", "onset of firing on the core",
            rheobase_pA, measured_rheobase, abs_tol=step, unit="pA",
            source="analytic (θ − E_L)/R with the talk's θ, E_L, R", note="sweep resolution"))

        below = current_pA < rheobase_pA
        silent = float(max(rate_core[below].max(initial=0), rate_b2[below].max(initial=0)))
        out.claim(claim_within(
            "silent_below_rheobase", "silent below rheobase (core and Brian2)",
            "max rate below rheobase", 0.0, silent, abs_tol=0.0, unit="Hz", source=ANALYTIC))

        # ReLU analogy: a line through the supra-threshold rates, zero below rheobase.
        a, i0, r2 = relu_fit(current_pA, rate_core, rheobase_pA)
        a_an, i0_an, r2_an = relu_fit(current_pA, analytic, rheobase_pA)
        out.claim(claim_at_least(
            "relu_like", "above rheobase the rate grows like a ReLU (talk: 'Similar to ReLU')",
            "R² of a line fit to the rate above rheobase", p["relu_r2_min"], r2,
            source=TALK + "; bar: the line explains ≥ 95 % of the rate variance",
            note="over the talk's range up to 1.1 nA"))
        out.claim(Claim(
            "relu_line_intercept", "where the fitted line crosses zero (context: the kink of an "
            "ideal ReLU would sit at the rheobase; concavity of the LIF curve moves it)",
            "current at which the fitted line crosses 0 Hz", rheobase_pA, i0, "–", "pA", "INFO",
            "analytic rheobase (θ − E_L)/R"))
        out.claim(Claim("relu_fit_analytic", "the same line fit to the analytic curve (context)",
                        "R² of the line fit to the analytic rate", np.nan, r2_an, "–", "",
                        "INFO", ANALYTIC))
        out.table(pd.DataFrame({
            "curve": ["core", "analytic"], "slope_hz_per_pA": [a, a_an],
            "zero_crossing_pA": [i0, i0_an], "r2": [r2, r2_an]}), "relu_fit", latex=True,
            caption="Line fit rate = a·(I − I0) to the LIF f–I curve above rheobase")

        # Convergence in dt: the rate error falls towards the analytic rate.
        conv = []
        for dt in p["dt_sweep_ms"]:
            c_spk, _, wall = run_core(p, ri, dt)
            err = np.abs(c_spk.counts() / dur - analytic)
            conv.append({"dt_ms": dt, "mean_abs_error_hz": float(err.mean()),
                         "max_abs_error_hz": float(err.max()),
                         "max_bound_hz": float(discretisation_bound_hz(analytic, dt, dur).max()),
                         "wall_s": wall})
        conv = pd.DataFrame(conv)
        out.table(conv, "dt_convergence")
        errs = conv.sort_values("dt_ms")["mean_abs_error_hz"].to_numpy()
        monotone = float(np.all(np.diff(errs) >= 0))
        out.claim(claim_within(
            "dt_convergence", "the rate error shrinks as dt shrinks",
            "1 if mean |r_core − r_analytic| decreases monotonically with dt", 1.0, monotone,
            abs_tol=0, source=ANALYTIC))

        out.table(pd.DataFrame({"engine": ["core", "brian2"], "wall_s": [wall_core, wall_b2]}),
                  "timing")
        _figures(out, p, current_pA, rate_core, rate_b2, analytic, t_core, v_core, t_b2, v_b2,
                 trace_neurons, (a, i0, r2), rheobase_pA, conv)


def _max_spike_time_difference(t_a, i_a, t_b, i_b):
    if t_a.size != t_b.size:
        return np.inf
    oa = np.lexsort((t_a, i_a))
    ob = np.lexsort((t_b, i_b))
    if not np.array_equal(i_a[oa], i_b[ob]):
        return np.inf
    return float(np.max(np.abs(t_a[oa] - t_b[ob]), initial=0.0))


def _brian2_version():
    from importlib.metadata import version
    return version("brian2")


def _figures(out, p, current_pA, rate_core, rate_b2, analytic, t_core, v_core, t_b2, v_b2,
             trace_neurons, fit, rheobase_pA, conv):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    ax1.plot(current_pA, analytic, "-", color="0.6", lw=4, label="analytic")
    ax1.plot(current_pA, rate_b2, "-b", lw=1.5, label="Brian2")
    ax1.plot(current_pA, rate_core, "--r", lw=1.5, label="Cython core")
    ax1.axvline(rheobase_pA, color="k", ls=":", lw=1, label="rheobase")
    ax1.set(xlabel="Input current (pA)", ylabel="Firing rate (Hz)", title="f–I curve")
    ax1.legend(frameon=False)
    for k, nid in enumerate(trace_neurons):
        ax2.plot(t_b2, v_b2[:, k], "-", lw=1.5, label=f"Brian2 neuron {nid}")
        ax2.plot(t_core, v_core[:, k], "--k", lw=0.8, label=f"core neuron {nid}")
    ax2.axhline(p["v_th_mV"], color="k", ls=":", lw=1)
    ax2.set(xlabel="Time (ms)", ylabel="v (mV)", title="Membrane potential",
            xlim=(0, min(500, p["duration_s"] * 1e3)))
    ax2.legend(frameon=False, fontsize=8)
    out.figure(fig, "fi_curve")

    a, i0, r2 = fit
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(current_pA, rate_core, "o", ms=3, label="core")
    relu = np.where(current_pA > rheobase_pA, a * (current_pA - i0), 0.0)
    ax.plot(current_pA, relu, "-", label=f"ReLU fit above rheobase, R² = {r2:.3f}")
    ax.plot(current_pA, analytic, ":", color="0.4", label="analytic")
    ax.set(xlabel="Input current (pA)", ylabel="Firing rate (Hz)", title="Similar to ReLU")
    ax.legend(frameon=False)
    out.figure(fig, "relu_fit")

    fig, ax = plt.subplots(figsize=(5, 4))
    ax.loglog(conv["dt_ms"], conv["mean_abs_error_hz"], "o-", label="mean |error|")
    ax.loglog(conv["dt_ms"], conv["max_abs_error_hz"], "s-", label="max |error|")
    ax.loglog(conv["dt_ms"], conv["max_bound_hz"], "k--", label="max bound")
    ax.set(xlabel="dt (ms)", ylabel="rate error vs analytic (Hz)", title="Convergence in dt")
    ax.legend(frameon=False)
    out.figure(fig, "dt_convergence")

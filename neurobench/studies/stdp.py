"""Spike-timing-dependent plasticity: the pair window and Song, Miller & Abbott 2000.

Sources: Sandin's talk, slides "Synapses and learning" … "STDP"; Gerstner, Kistler, Naud &
Paninski, *Neuronal Dynamics* (2014), eq. 19.10; Song, Miller & Abbott, "Competitive Hebbian
learning through spike-timing-dependent synaptic plasticity", Nat. Neurosci. 3:919 (2000), as
reproduced by Brian2's ``examples/synapses/STDP.py``.

(a) The window. For one presynaptic spike at t_pre and one postsynaptic spike at t_post
(Δt = t_post − t_pre), eq. 19.10 with additive amplitudes gives

    Δw = A₊ · exp(−Δt/τ₊)   for Δt > 0,      Δw = −A₋ · exp(Δt/τ₋)   for Δt < 0.

Each Δt is measured on the core with its own neuron: a strong input forces the single
postsynaptic spike, a plastic synapse sees the presynaptic spike.

(b) Song et al. 2000: N Poisson inputs (15 Hz) excite one conductance-based LIF through
plastic synapses (all-to-all additive STDP, τ± = 20 ms, A₊ = 0.01·g_max, A₋ = 1.05·A₊,
w ∈ [0, g_max]); depression slightly dominates, inputs compete, and the weights end bimodal
(near 0 or near g_max). The same network (same initial weights) runs on the core and on
Brian2 in the same job; their Poisson inputs differ (independent random streams), so the final
weight distributions are compared by the two-sample Kolmogorov–Smirnov distance, and the output
rates within a bar fixed in advance from the seed-to-seed spread: the core runs the same network
with ``song_seed_runs`` further input seeds, s is the s.d. of its output rates, and two runs with
independent inputs may differ by z·√2·s (``rate_agreement_z``). The bimodal distribution
emerges over Song's learning time; runs shorter than ``song_min_duration_s`` cannot show it and
write those claims as NOT_RUN.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from neurobench.benchmarks import engines, networks
from neurobench.core import STDP, LIFParameters, Network
from neurobench.report import StudyWriter, claim_at_least, claim_at_most, claim_within

log = logging.getLogger("neurobench")

EQ_19_10 = "Gerstner et al., Neuronal Dynamics (2014) eq. 19.10 (pair-based STDP window)"
SONG = "Song, Miller & Abbott 2000, Nat. Neurosci. 3:919 (bimodal weights); Brian2 examples/synapses/STDP.py"
SONG_SHAPE = ("song_bimodal_core", "song_u_shaped_core", "song_both_modes_core")


def declared_claims(params: dict) -> dict[str, str]:
    """The claims of this study, claim_id → kind of reference (see ``neurobench.report.claims``).

    The window is compared with eq. 19.10 written out in this module (not ``STDP.window`` of the
    code under test); the weight distribution is Song et al.'s published finding; Brian2 runs
    the same network in the same job.
    """
    return {
        "window_eq_19_10": "closed_form",
        "song_bimodal_core": "literature",
        "song_u_shaped_core": "literature",
        "song_both_modes_core": "literature",
        "song_core_vs_brian2_ks": "independent_simulator",
        "song_rate_core_vs_brian2": "independent_simulator",
    }


def eq_19_10(delta_t_ms, p) -> np.ndarray:
    """Δw of one pair with Δt = t_post − t_pre (ms), additive amplitudes (eq. 19.10):
    A₊ e^{−Δt/τ₊} for Δt ≥ 0 (a same-step pair potentiates, as in Brian2), −A₋ e^{Δt/τ₋} for Δt < 0."""
    d = np.asarray(delta_t_ms, float)
    return np.where(d >= 0, p["a_plus"] * np.exp(-np.abs(d) / p["tau_plus_ms"]),
                    -p["a_minus"] * np.exp(-np.abs(d) / p["tau_minus_ms"]))


def window_on_core(p) -> pd.DataFrame:
    """Δw of one spike pair per Δt, each pair on its own neuron of one network."""
    dts = np.arange(-p["window_max_ms"], p["window_max_ms"] + 1e-9, p["window_step_ms"])
    dts = dts[np.abs(dts) > 1e-9]
    k = dts.size
    rule = STDP(tau_plus_ms=p["tau_plus_ms"], tau_minus_ms=p["tau_minus_ms"],
                a_plus=p["a_plus"], a_minus=p["a_minus"], w_min=0.0, w_max=1.0)
    net = Network(p["dt_ms"], seed=p["seed"])
    # one spike per neuron: a long refractory period after the forced spike
    lif = LIFParameters(tau_m_ms=10.0, v_rest_mV=-70.0, v_th_mV=-50.0, v_reset_mV=-70.0,
                        t_ref_ms=4 * p["window_max_ms"], r_mohm=0.0)
    post = net.add_lif(k, lif)
    t_pre = 2 * p["window_max_ms"] + 10.0
    drive = net.add_spike_generator(k, np.arange(k), t_pre + dts)
    pre = net.add_spike_generator(k, np.arange(k), np.full(k, t_pre))
    net.connect(drive, post, "exc", weight=1000.0, pre=np.arange(k), post=np.arange(k))
    w0 = 0.5
    proj = net.connect(pre, post, "exc", weight=w0, stdp=rule, pre=np.arange(k), post=np.arange(k))
    rec = net.record_spikes(post)
    net.run(t_pre + 3 * p["window_max_ms"])
    t_post = np.full(k, np.nan)
    t_post[rec.i()] = rec.t()
    measured_dt = t_post - t_pre      # the forced spike follows the drive by a few steps
    dw = proj.weights - w0
    return pd.DataFrame(dict(drive_offset_ms=dts, delta_t_ms=measured_dt, dw_core=dw,
                             dw_eq_19_10=eq_19_10(measured_dt, p)))


def run_song(p, engine: str, song_net, seed=None):
    dur = p["song_duration_s"] * 1e3
    seed = p["seed"] if seed is None else seed
    t0 = time.perf_counter()
    if engine == "core":
        res = engines.run_core(song_net, dur, seed=seed, weight_every_ms=dur / 50)
    else:
        res = engines.run_brian2(song_net, dur, seed=seed, target=p["brian2_target"])
    log.info("Song 2000 on %s (seed %d): %.1f s", engine, seed, time.perf_counter() - t0)
    return res


def tail_rate_hz(res, p) -> float:
    """Output rate over the last ``rate_window_frac`` of the run."""
    window_s = p["song_duration_s"] * p["rate_window_frac"]
    return float(np.sum(res["t_ms"] >= (p["song_duration_s"] - window_s) * 1e3) / window_s)


def seed_spread_hz(p, song_net, main_rate_hz: float) -> tuple[float, np.ndarray]:
    """S.d. of the core's output rate over the main run and ``song_seed_runs`` runs of the same
    network with other input seeds (NaN with fewer than two runs); returns (s.d., rates)."""
    rates = [main_rate_hz] + [tail_rate_hz(run_song(p, "core", song_net, seed=p["seed"] + k), p)
                              for k in range(1, p["song_seed_runs"] + 1)]
    rates = np.asarray(rates)
    return (float(np.std(rates, ddof=1)) if rates.size > 1 else float("nan")), rates


def run(params: dict, outdir: Path) -> None:
    p = dict(params)
    with StudyWriter(outdir, p, seed=p["seed"], claims=declared_claims(p)) as out:
        # (a) the window
        win = window_on_core(p)
        out.table(win, "window")
        err = np.max(np.abs(win["dw_core"] - win["dw_eq_19_10"]))
        out.claim(claim_within(
            "window_eq_19_10", "the measured STDP window follows eq. 19.10 (potentiation for "
            "pre-before-post, depression for post-before-pre, exponential in |Δt|)",
            "max |Δw_core − Δw_eq19.10| over Δt", 0.0, err, abs_tol=1e-12,
            unit="weight", source=EQ_19_10 + ", written out in this study", note="floating point"))
        # (b) Song et al. 2000
        song_net = networks.song(p["seed"], n_inputs=p["song_inputs"])
        core = run_song(p, "core", song_net)
        b2 = run_song(p, "brian2", song_net)
        g_max = song_net.params["g_max"]
        w_core, w_b2 = core["w"] / g_max, b2["w"] / g_max
        t_tr, w_tr = core["w_t_ms"] * 1e-3, core["w_trace"] / g_max
        rate_core, rate_b2 = tail_rate_hz(core, p), tail_rate_hz(b2, p)
        rate_sd, seed_rates = seed_spread_hz(p, song_net, rate_core)
        ks = stats.ks_2samp(w_core, w_b2)
        ks_crit = p["ks_c_alpha"] * np.sqrt(2.0 / w_core.size)
        summary = pd.DataFrame([
            dict(engine=name, frac_low=np.mean(w < p["low_frac"]), frac_high=np.mean(w > p["high_frac"]),
                 frac_middle=np.mean((w >= p["low_frac"]) & (w <= p["high_frac"])),
                 mean_w_over_gmax=np.mean(w), output_rate_hz=r, sim_s=res["sim_s"])
            for name, w, r, res in (("core", w_core, rate_core, core),
                                    (f"brian2 ({p['brian2_target']})", w_b2, rate_b2, b2))])
        out.table(summary, "song_summary")
        out.table(pd.DataFrame(dict(w_core=w_core, w_brian2=w_b2, w0=song_net.w0 / g_max)),
                  "song_final_weights")
        out.table(pd.DataFrame(dict(seed=p["seed"] + np.arange(seed_rates.size),
                                    output_rate_hz=seed_rates)), "song_seed_rates")
        _shape_claims(out, p, summary.iloc[0], w_core)
        out.claim(claim_at_most(
            "song_core_vs_brian2_ks", "core and Brian2 reach the same final weight distribution",
            "two-sample KS distance, core vs Brian2", ks_crit, ks.statistic, unit="",
            source=f"Brian2 2.9 ({p['brian2_target']}) run in the same job; bar = KS critical "
                   f"value c(α)·√(2/N), c = {p['ks_c_alpha']}"))
        rate_claim = ("song_rate_core_vs_brian2", "core and Brian2 fire at the same output rate "
                      "after learning", f"output rate over the last {p['rate_window_frac']:.0%} of "
                      "the run (core)")
        rate_src = f"Brian2 2.9 ({p['brian2_target']}) run in the same job"
        if np.isfinite(rate_sd):
            out.claim(claim_within(
                *rate_claim, rate_b2, rate_core, abs_tol=p["rate_agreement_z"] * np.sqrt(2) * rate_sd,
                unit="Hz", source=rate_src,
                note=f"z·√2·s, z = {p['rate_agreement_z']:g}, s = {rate_sd:.3g} Hz: s.d. of the core's "
                     f"rate over {seed_rates.size} input seeds"))
        else:
            out.not_run(*rate_claim, reference=rate_b2, unit="Hz", source=rate_src,
                        tolerance="|Δ| ≤ z·√2·s (s: s.d. of the core's rate over input seeds)",
                        reason="song_seed_runs = 0: no seed-to-seed spread to set the bar")
        _figures(out, win, w_core, w_b2, t_tr, w_tr, p)


def _shape_claims(out, p, core_summary, w_core):
    """Song et al.'s weight distribution on the core, or NOT_RUN for runs shorter than the
    learning time."""
    claims = {
        "song_bimodal_core": ("Song 2000: the final weights are bimodal (mass near 0 and near "
                              "g_max, few in between)", f"fraction of weights in [{p['low_frac']}, "
                              f"{p['high_frac']}]·g_max (core)"),
        "song_u_shaped_core": ("Song 2000: the weights pile up at both bounds (U-shaped histogram)",
                               "min(first, last decile count) / mean count of the 6 central "
                               "deciles (core)"),
        "song_both_modes_core": ("Song 2000: both modes are populated",
                                 "min(fraction near 0, fraction near g_max) (core)"),
    }
    if p["song_duration_s"] < p["song_min_duration_s"]:
        for cid in SONG_SHAPE:
            out.not_run(cid, *claims[cid], source=SONG,
                        reason=f"a {p['song_duration_s']:g} s run is shorter than the learning time "
                               f"song_min_duration_s = {p['song_min_duration_s']:g} s")
        return
    c = core_summary
    hist = np.histogram(w_core, bins=10, range=(0.0, 1.0))[0]
    out.claim(claim_at_most("song_bimodal_core", *claims["song_bimodal_core"],
                            p["middle_frac_max"], c["frac_middle"], unit="", source=SONG))
    out.claim(claim_at_least("song_u_shaped_core", *claims["song_u_shaped_core"], p["u_shape_min"],
                             min(hist[0], hist[-1]) / hist[2:8].mean(), unit="", source=SONG))
    out.claim(claim_at_least("song_both_modes_core", *claims["song_both_modes_core"],
                             p["mode_frac_min"], min(c["frac_low"], c["frac_high"]), unit="",
                             source=SONG))


def _figures(out, win, w_core, w_b2, t_tr, w_tr, p):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    x = np.linspace(win["delta_t_ms"].min(), win["delta_t_ms"].max(), 400)
    ax.plot(x, eq_19_10(x, p), "k-", lw=1, label="eq. 19.10")
    ax.plot(win["delta_t_ms"], win["dw_core"], "o", ms=4, label="core (one pair per neuron)")
    ax.axhline(0, color="0.7", lw=0.5)
    ax.set_xlabel("Δt = t_post − t_pre (ms)")
    ax.set_ylabel("Δw")
    ax.legend(fontsize=8)
    out.figure(fig, "stdp_window")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    bins = np.linspace(0, 1, 21)
    axes[0].hist(w_core, bins, alpha=0.6, label="core")
    axes[0].hist(w_b2, bins, alpha=0.6, label=f"Brian2 ({p['brian2_target']})")
    axes[0].set_xlabel("final weight / g_max")
    axes[0].set_ylabel("synapses")
    axes[0].legend(fontsize=8)
    axes[1].plot(t_tr, np.mean(w_tr < p["low_frac"], axis=1), label="near 0")
    axes[1].plot(t_tr, np.mean(w_tr > p["high_frac"], axis=1), label="near g_max")
    axes[1].plot(t_tr, w_tr.mean(axis=1), label="mean w/g_max")
    axes[1].set_xlabel("time (s)")
    axes[1].legend(fontsize=8)
    axes[1].set_title("core, weight monitor")
    out.figure(fig, "song_weights")

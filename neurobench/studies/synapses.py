"""Synapses: current- and conductance-based PSCs/PSPs, and short-term plasticity.

Sources: Sandin's talk, slides "Synapses and learning" (current-based synapse
τ_syn dI/dt = −I with I ← I + w at a presynaptic spike; conductance synapse
g(t) = Σ ḡ e^{−(t−t_f)/τ} Θ(t − t_f)) and "facilitation, depression"; Tsodyks & Markram 1997
(PNAS 94:719) and Tsodyks, Pawelzik & Markram 1998 (Neural Comput. 10:821) for short-term
plasticity (model in ``neurobench.core.plasticity``).

1. Current-based: after one spike of weight w at t = 0 (from rest, τ_s ≠ τ_m)
       I(t) = w e^{−t/τ_s},   v(t) − E_L = w·τ_s/(τ_s − τ_m)·(e^{−t/τ_s} − e^{−t/τ_m}).
   The core integrates this linear system exactly, so the traces must agree to rounding.
2. Conductance-based: g(t) = ḡ e^{−t/τ} exactly; the PSP τ_m dv/dt = (E_L − v) + g(t)(E_e − v)
   has no elementary closed form, so the reference is an independent high-accuracy ODE solution
   (scipy ``solve_ivp``, DOP853, rtol 1e-10). The core's exponential-Euler step is first order:
   the error must shrink ~2× when dt halves.
3. Short-term plasticity: PSC amplitudes of regular trains (a facilitating and a depressing
   synapse) vs the Tsodyks–Markram recursion, and the steady-state amplitude u⁺x⁻ vs presynaptic
   rate vs the closed form.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.integrate import solve_ivp

from neurobench.core import LIFParameters, Network, TsodyksMarkram
from neurobench.report import StudyWriter, claim_at_least, claim_at_most, claim_within

log = logging.getLogger("neurobench")

TALK = "Sandin, talk 'Temporal Dynamics in Neuromorphic Computing', synapse slides"
PSP_FORM = "closed form v − E_L = w τ_s/(τ_s − τ_m)(e^{−t/τ_s} − e^{−t/τ_m}) (linear ODE)"
TM = "Tsodyks, Pawelzik & Markram 1998, Neural Comput. 10:821 (steady state of the recursion)"
ODE_REF = "scipy solve_ivp DOP853 (rtol 1e-10), independent solution of the same ODE"
TM_SS = ("Tsodyks, Pawelzik & Markram 1998, Neural Comput. 10:821: stationary u⁺, x⁻ of a regular "
         "train, written out in this study (not the core's TsodyksMarkram.steady_state)")


def declared_claims(params: dict) -> dict[str, str]:
    """The claims of this study, claim_id → kind of reference (see ``neurobench.report.claims``).

    PSC/PSP shapes and the Tsodyks–Markram recursion and steady state are closed forms written
    out here; the conductance PSP is checked against scipy's ODE solver. The first-order
    convergence is the core's scheme against its own specification, and facilitation and
    depression follow from parameters chosen to facilitate and to depress (verification).
    """
    return {
        "cuba_psc_exact": "closed_form",
        "cuba_psp_exact": "closed_form",
        "coba_conductance_exact": "closed_form",
        "coba_psp_accuracy": "independent_simulator",
        "coba_first_order": "verification",
        "stp_recursion": "closed_form",
        "stp_steady_state": "closed_form",
        "facilitation": "verification",
        "depression": "verification",
    }


def _neuron(p, synapse, dt_ms):
    net = Network(dt_ms, seed=p["seed"])
    lif = LIFParameters(tau_m_ms=p["tau_m_ms"], v_rest_mV=p["v_rest_mV"], v_th_mV=1e9,
                        v_reset_mV=p["v_rest_mV"], t_ref_ms=0.0, r_mohm=0.0,
                        tau_e_ms=p["tau_syn_ms"], e_e_mV=p["e_e_mV"])
    pop = net.add_lif(1, lif, synapse=synapse)
    return net, pop


def psc_psp(p, synapse: str, weight: float, dt_ms: float):
    """Traces after one input spike at t_spike; times are relative to the arrival of the event."""
    net, pop = _neuron(p, synapse, dt_ms)
    gen = net.add_spike_generator(1, [0], [p["t_spike_ms"]])
    net.connect(gen, pop, "exc", weight=weight, p=1.0)
    st = net.record_state(pop, [0])
    net.run(p["t_spike_ms"] + p["trace_ms"])
    # the event is queued at the spike's step and added to I at the end of the next step
    # (one-step delay); monitors sample at the start of a step, so I first shows w, and v
    # starts to rise, two steps after the spike
    t0 = p["t_spike_ms"] + 2 * dt_ms
    keep = st.t > t0 - 1e-9
    return st.t[keep] - t0, st.ge[keep, 0], st.v[keep, 0]


def psp_closed_form(t_ms, w, tau_m, tau_s):
    return w * tau_s / (tau_s - tau_m) * (np.exp(-t_ms / tau_s) - np.exp(-t_ms / tau_m))


def coba_reference(t_ms, g0, p):
    """High-accuracy solution of τ_m dv/dt = (E_L − v) + g0 e^{−t/τ}(E_e − v), v(0) = E_L."""
    tau_m, tau_s, el, ee = p["tau_m_ms"], p["tau_syn_ms"], p["v_rest_mV"], p["e_e_mV"]
    rhs = lambda t, v: ((el - v) + g0 * np.exp(-t / tau_s) * (ee - v)) / tau_m  # noqa: E731
    sol = solve_ivp(rhs, (0, t_ms[-1]), [el], method="DOP853", t_eval=t_ms, rtol=1e-10, atol=1e-12)
    return sol.y[0]


def stp_amplitudes(p, stp: TsodyksMarkram, rates_hz, n_spikes: int, dt_ms: float):
    """Transmitted amplitude (jump of I at arrival, weight 1) of each spike of a regular train,
    one neuron per rate; returns an array [rates, spikes]."""
    net = Network(dt_ms, seed=p["seed"])
    lif = LIFParameters(tau_m_ms=p["tau_m_ms"], v_rest_mV=p["v_rest_mV"], v_th_mV=1e9,
                        v_reset_mV=p["v_rest_mV"], t_ref_ms=0.0, r_mohm=0.0,
                        tau_e_ms=p["tau_syn_ms"])
    k = len(rates_hz)
    pop = net.add_lif(k, lif)
    ids, times, arrival = [], [], []
    for j, rate in enumerate(rates_hz):
        t = p["t_spike_ms"] + 1e3 / rate * np.arange(n_spikes)
        t = np.round(t / dt_ms) * dt_ms               # on the grid: exact intervals
        ids.append(np.full(n_spikes, j))
        times.append(t)
        arrival.append(np.rint(t / dt_ms).astype(int) + 1)
    gen = net.add_spike_generator(k, np.concatenate(ids), np.concatenate(times))
    net.connect(gen, pop, "exc", weight=1.0, stp=stp, pre=np.arange(k), post=np.arange(k))
    st = net.record_state(pop, np.arange(k))
    net.run(max(t[-1] for t in times) + 5 * dt_ms)
    ge = st.ge
    decay = np.exp(-dt_ms / p["tau_syn_ms"])
    return np.array([ge[a + 1, j] - ge[a, j] * decay for j, a in enumerate(arrival)])


def tm_recursion(stp: TsodyksMarkram, rate_hz: float, n_spikes: int) -> np.ndarray:
    """u·x of each spike of a regular train, by the model's update rules (hand recursion)."""
    delta = 1e3 / rate_hz
    u, x, out = 0.0, 1.0, []
    for k in range(n_spikes):
        if k:
            u *= np.exp(-delta / stp.tau_f_ms)
            x = 1.0 - (1.0 - x) * np.exp(-delta / stp.tau_d_ms)
        u += stp.U * (1.0 - u)
        out.append(u * x)
        x -= u * x
    return np.array(out)


def tm_steady_state(stp: TsodyksMarkram, rate_hz: float) -> float:
    """Transmitted fraction u⁺x⁻ of a regular train in its stationary state: the fixed point of
    the recursion of ``tm_recursion`` over one interval Δ = 1/rate.

    u⁺ = u⁺e^{−Δ/τ_F} + U(1 − u⁺e^{−Δ/τ_F})  ⇒  u⁺ = U / (1 − (1 − U) e^{−Δ/τ_F});
    x⁻ = 1 − (1 − x⁻(1 − u⁺)) e^{−Δ/τ_D}     ⇒  x⁻ = (1 − e^{−Δ/τ_D}) / (1 − (1 − u⁺) e^{−Δ/τ_D}).
    """
    delta = 1e3 / rate_hz
    decay_f, decay_d = math.exp(-delta / stp.tau_f_ms), math.exp(-delta / stp.tau_d_ms)
    u_plus = stp.U / (1.0 - (1.0 - stp.U) * decay_f)
    x_minus = (1.0 - decay_d) / (1.0 - (1.0 - u_plus) * decay_d)
    return u_plus * x_minus


def run(params: dict, outdir: Path) -> None:
    p = dict(params)
    dt = p["dt_ms"]
    with StudyWriter(outdir, p, seed=p["seed"], claims=declared_claims(p)) as out:
        # 1. current-based
        t, i_syn, v = psc_psp(p, "current", p["w_current_mV"], dt)
        i_ref = p["w_current_mV"] * np.exp(-t / p["tau_syn_ms"])
        v_ref = p["v_rest_mV"] + psp_closed_form(t, p["w_current_mV"], p["tau_m_ms"], p["tau_syn_ms"])
        out.claim(claim_within(
            "cuba_psc_exact", "current-based PSC decays as w e^{−t/τ_syn}", "max |I_core − I_ref|",
            0.0, np.max(np.abs(i_syn - i_ref)), abs_tol=1e-9, unit="mV", source=TALK,
            note="rounding"))
        out.claim(claim_within(
            "cuba_psp_exact", "current-based PSP equals the closed form (exact integration)",
            "max |v_core − v_ref|", 0.0, np.max(np.abs(v - v_ref)), abs_tol=1e-9, unit="mV",
            source=PSP_FORM, note="rounding"))
        # 2. conductance-based, two step sizes
        rows, traces = [], {}
        for step in (dt, dt / 2):
            tc, g, vc = psc_psp(p, "conductance", p["w_conductance"], step)
            v_ode = coba_reference(tc, p["w_conductance"], p)
            g_ref = p["w_conductance"] * np.exp(-tc / p["tau_syn_ms"])
            rows.append(dict(dt_ms=step, max_g_err=np.max(np.abs(g - g_ref)),
                             max_v_err_mV=np.max(np.abs(vc - v_ode)),
                             psp_peak_mV=np.max(vc) - p["v_rest_mV"]))
            traces[step] = (tc, vc, v_ode)
        coba = pd.DataFrame(rows)
        out.table(coba, "conductance_psp")
        out.claim(claim_within(
            "coba_conductance_exact", "conductance decays as ḡ e^{−t/τ} (talk's g(t))",
            "max |g_core − g_ref| (g_L units)", 0.0, coba["max_g_err"].iloc[0], abs_tol=1e-12,
            unit="g_L", source=TALK, note="rounding"))
        out.claim(claim_at_most(
            "coba_psp_accuracy", "conductance-based PSP agrees with an accurate ODE solution",
            f"max |v_core − v_ODE| / PSP peak at dt = {dt:g} ms", p["coba_rel_err_max"],
            coba["max_v_err_mV"].iloc[0] / coba["psp_peak_mV"].iloc[0], unit="", source=ODE_REF))
        order = np.log2(coba["max_v_err_mV"].iloc[0] / coba["max_v_err_mV"].iloc[1])
        out.claim(claim_within(
            "coba_first_order", "the exponential-Euler membrane step is first order in dt",
            "log2(error at dt / error at dt/2)", 1.0, order, abs_tol=p["order_tol"], unit="",
            source=ODE_REF))
        # 3. short-term plasticity
        stps = {"facilitating": TsodyksMarkram(p["fac_U"], p["fac_tau_f_ms"], p["fac_tau_d_ms"]),
                "depressing": TsodyksMarkram(p["dep_U"], p["dep_tau_f_ms"], p["dep_tau_d_ms"])}
        rates = np.asarray(p["stp_rates_hz"], float)
        ss_rows, train_rows = [], []
        for name, stp in stps.items():
            amps = stp_amplitudes(p, stp, rates, p["stp_n_spikes"], dt)
            for j, rate in enumerate(rates):
                rec = tm_recursion(stp, rate, p["stp_n_spikes"])
                ss = tm_steady_state(stp, rate)
                ss_rows.append(dict(synapse=name, rate_hz=rate, first=amps[j, 0], last=amps[j, -1],
                                    steady_state_formula=ss, last_over_first=amps[j, -1] / amps[j, 0],
                                    max_err_vs_recursion=np.max(np.abs(amps[j] - rec))))
                if j == p["stp_trace_rate_index"]:
                    train_rows.append((name, rate, amps[j], rec))
        ss = pd.DataFrame(ss_rows)
        out.table(ss, "stp_steady_state")
        out.claim(claim_within(
            "stp_recursion", "every PSC amplitude of the trains follows the Tsodyks–Markram update",
            "max |amplitude − u·x by hand|", 0.0, ss["max_err_vs_recursion"].max(), abs_tol=1e-9,
            unit="w", source=TM, note="rounding"))
        rel = np.abs(ss["last"] / ss["steady_state_formula"] - 1)
        out.claim(claim_at_most(
            "stp_steady_state", "the steady-state amplitude vs presynaptic rate follows the "
            "Tsodyks–Markram formula u⁺x⁻", "max relative |last amplitude − formula|",
            p["ss_rel_tol"], rel.max(), unit="", source=TM_SS))
        fac = ss[(ss["synapse"] == "facilitating")]
        dep = ss[(ss["synapse"] == "depressing")]
        out.claim(claim_at_least(
            "facilitation", "a facilitating synapse grows during a train (talk: facilitation)",
            f"max over rates of steady/first amplitude (facilitating)", 1.0,
            fac["last_over_first"].max(), unit="",
            source=TALK + "; parameters chosen to facilitate (small U, τ_F ≫ τ_D)"))
        out.claim(claim_at_most(
            "depression", "a depressing synapse weakens during a train (talk: depression)",
            f"max over rates of steady/first amplitude (depressing)", 1.0,
            dep["last_over_first"].max(), unit="",
            source=TALK + "; parameters chosen to depress (large U, τ_D ≫ τ_F)"))
        _figures(out, p, t, v, v_ref, traces, train_rows, ss)


def _figures(out, p, t, v, v_ref, traces, train_rows, ss):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    axes[0].plot(t, v - p["v_rest_mV"], label="core")
    axes[0].plot(t, v_ref - p["v_rest_mV"], "k--", lw=0.8, label="closed form")
    axes[0].set_title("current-based PSP")
    step = min(traces)
    tc, vc, v_ode = traces[step]
    axes[1].plot(tc, vc - p["v_rest_mV"], label=f"core (dt = {step:g} ms)")
    axes[1].plot(tc, v_ode - p["v_rest_mV"], "k--", lw=0.8, label="ODE reference")
    axes[1].set_title("conductance-based PSP")
    for ax in axes:
        ax.set_xlabel("time after arrival (ms)")
        ax.set_ylabel("v − E_L (mV)")
        ax.legend(fontsize=8)
    out.figure(fig, "psp")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for name, rate, amps, rec in train_rows:
        axes[0].plot(amps, "o", ms=3, label=f"{name}, {rate:g} Hz (core)")
        axes[0].plot(rec, "k-", lw=0.6)
    axes[0].set_xlabel("spike number")
    axes[0].set_ylabel("PSC amplitude / w")
    axes[0].legend(fontsize=8)
    for name, g in ss.groupby("synapse"):
        axes[1].semilogx(g["rate_hz"], g["last"], "o", label=f"{name} (core)")
        axes[1].semilogx(g["rate_hz"], g["steady_state_formula"], "k-", lw=0.6)
    axes[1].set_xlabel("presynaptic rate (Hz)")
    axes[1].set_ylabel("steady-state amplitude / w")
    axes[1].legend(fontsize=8)
    out.figure(fig, "stp")

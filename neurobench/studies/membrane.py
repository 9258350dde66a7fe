"""The membrane: Nernst and resting potentials, the action potential, and the spike approximation.

Source: F. Sandin, "Temporal Dynamics in Neuromorphic Computing", slides "Nernst potential"
(Δu = (kT/q) ln(n₂/n₁) and the ion table, from Purves et al., Neuroscience, Table 2.1),
"Action potentials" ("about −65 mV resting potential", "positive Na⁺ feedback process if
threshold voltage reached") and "Action potentials and 'spike' approximation" ("~100 mV
fluctuation for ~1 ms").

1. Nernst potentials E_X = (kT/(z q)) ln([X]_out/[X]_in) of K⁺, Na⁺, Cl⁻ and Ca²⁺ for the talk's
   squid and mammalian concentrations (a range in the table gives a range of potentials), with
   k and q the exact SI constants.
2. Goldman–Hodgkin–Katz resting potential
       V = (kT/q) ln((P_K[K]_o + P_Na[Na]_o + P_Cl[Cl]_i) / (P_K[K]_i + P_Na[Na]_i + P_Cl[Cl]_o))
   V is monotone in each concentration and each permeability ratio, so its range over the
   published ranges is spanned by their corners: the talk's concentration ranges and the
   published resting ratios P_Na/P_K ∈ [0.01, 0.04] and P_Cl/P_K ∈ [0, 0.45] (config
   ``ghk_pna_over_pk``, ``ghk_pcl_over_pk``; sources in ``config/README.md``). The claim is
   that the talk's "about −65 mV" lies inside that range, with no further allowance. The
   mid-range context value uses 1 : 0.04 : 0.45, the ratios GHK calculators quote for the
   resting squid axon (attributed to Hodgkin & Katz 1949, J. Physiol. 108:37).
3. The action potential: the Hodgkin–Huxley model (Hodgkin & Huxley 1952, J. Physiol. 117:500;
   voltages shifted so that rest is near −65 mV, E_Na = 50, E_K = −77, E_L = −54.387 mV,
   ḡ_Na = 120, ḡ_K = 36, g_L = 0.3 mS/cm², C = 1 µF/cm², 6.3 °C) in Brian2 on its ``numpy``
   target (no compilation): resting potential, spike amplitude and width at half height, and
   the threshold (all-or-none) behaviour under 1-ms current pulses of increasing strength.
4. The spike approximation: a LIF neuron on the Cython core with the HH membrane's resting
   potential, time constant C/g_rest and resistance 1/g_rest, and the HH voltage threshold, under
   the same current step; its spikes are drawn over the HH action potentials.

Units: mV, ms, mM, µA/cm² (HH); the LIF core takes R·I in mV.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from neurobench.core import LIFParameters, Network
from neurobench.report import Claim, StudyWriter, claim_at_least, claim_info, claim_within

log = logging.getLogger("neurobench")

K_B = 1.380649e-23          # J/K, exact (SI 2019)
Q_E = 1.602176634e-19       # C, exact (SI 2019)
TALK = "Sandin, talk 'Temporal Dynamics in Neuromorphic Computing' (action potential slides)"
TABLE = "talk's ion table = Purves et al., Neuroscience, Table 2.1"
GHK_RANGES = ("P_Na/P_K 0.04, P_Cl/P_K 0.45: Hodgkin & Katz 1949 squid axon as quoted by GHK "
              "calculators (superglobalcalculator.com) and physiology notes (jkoolstr.home.xs4all.nl, "
              "bioelectriciteit 1.26, P_Cl ≈ 0); P_Na/P_K 0.01: Guyton & Hall, Textbook of Medical "
              "Physiology ch. 5 ('about 100 times as permeable' to K⁺)")

# The talk's ion table (mM): (intracellular, extracellular); a tuple is a range.
ION_TABLE = {
    "squid": {"K": (400, 20), "Na": (50, 440), "Cl": ((40, 150), 560), "Ca": (0.0001, 10)},
    "mammal": {"K": (140, 5), "Na": ((5, 15), 145), "Cl": ((4, 30), 110), "Ca": (0.0001, (1, 2))},
}
VALENCE = {"K": 1, "Na": 1, "Cl": -1, "Ca": 2}
GHK_PERMEABILITY = {"K": 1.0, "Na": 0.04, "Cl": 0.45}   # resting ratios as commonly quoted (see docstring)


def declared_claims(params: dict) -> dict[str, str]:
    """The claims of this study, claim_id → kind of reference (see ``neurobench.report.claims``).

    Published numbers (textbook Nernst potentials, the talk's resting potential, spike size and
    width, the all-or-none threshold) are literature; kT/q is a closed form. The HH model rests
    at −65 mV because Hodgkin & Huxley chose E_L to make it so, and the Brian2 run resting at the
    fixed point of its own equations is self-consistency: both are verification, as are the
    context rows computed by the study itself.
    """
    claims = {"thermal_voltage_37C": "closed_form", "mammal_E_K": "literature",
              "mammal_E_Na": "literature"}
    for cell, ions in ION_TABLE.items():
        for ion in ions:
            if cell == "squid" or ion in ("Cl", "Ca"):
                claims[f"{cell}_E_{ion}"] = "verification"
    for cell in ION_TABLE:
        claims[f"ghk_rest_{cell}"] = "literature"
        claims[f"ghk_mid_{cell}"] = "literature"
    claims.update({
        "hh_rest_vs_fixed_point": "verification", "hh_rest_talk": "verification",
        "all_or_none": "literature", "pulse_threshold": "verification",
        "ap_amplitude": "literature", "ap_width": "literature",
        "lif_rate_vs_hh": "verification", "lif_first_spike_shift": "verification",
    })
    return claims


# -- Nernst and GHK -------------------------------------------------------------------------------
def thermal_voltage_mV(temp_C: float) -> float:
    """kT/q in mV."""
    if temp_C <= -273.15:
        raise ValueError(f"temperature must be above absolute zero, got {temp_C} °C")
    return K_B * (temp_C + 273.15) / Q_E * 1e3


def nernst_mV(c_in, c_out, valence: int, temp_C: float):
    """E = (kT/(z q)) ln(c_out/c_in) in mV (arrays broadcast)."""
    c_in, c_out = np.asarray(c_in, float), np.asarray(c_out, float)
    if np.any(c_in <= 0) or np.any(c_out <= 0):
        raise ValueError("concentrations must be > 0 mM")
    if valence == 0:
        raise ValueError("valence must be non-zero")
    return thermal_voltage_mV(temp_C) / valence * np.log(c_out / c_in)


def ghk_mV(conc: dict, perm: dict, temp_C: float) -> float:
    """Goldman–Hodgkin–Katz voltage for K⁺, Na⁺ (cations) and Cl⁻ (anion); conc[ion] = (in, out)."""
    num = perm["K"] * conc["K"][1] + perm["Na"] * conc["Na"][1] + perm["Cl"] * conc["Cl"][0]
    den = perm["K"] * conc["K"][0] + perm["Na"] * conc["Na"][0] + perm["Cl"] * conc["Cl"][1]
    return float(thermal_voltage_mV(temp_C) * math.log(num / den))


def _span(v):
    return (float(v), float(v)) if np.isscalar(v) else (float(v[0]), float(v[1]))


def nernst_table(temps: dict) -> pd.DataFrame:
    rows = []
    for cell, ions in ION_TABLE.items():
        for ion, (cin, cout) in ions.items():
            (i_lo, i_hi), (o_lo, o_hi) = _span(cin), _span(cout)
            z = VALENCE[ion]
            ends = nernst_mV(np.array([i_lo, i_lo, i_hi, i_hi]), np.array([o_lo, o_hi, o_lo, o_hi]),
                             z, temps[cell])
            rows.append({"cell": cell, "ion": ion, "valence": z, "temp_C": temps[cell],
                         "c_in_mM": f"{i_lo:g}" if i_lo == i_hi else f"{i_lo:g}–{i_hi:g}",
                         "c_out_mM": f"{o_lo:g}" if o_lo == o_hi else f"{o_lo:g}–{o_hi:g}",
                         "E_min_mV": float(ends.min()), "E_max_mV": float(ends.max())})
    return pd.DataFrame(rows)


def ghk_range(cell: str, temp_C: float, pna_over_pk=(0.04, 0.04),
              pcl_over_pk=(0.45, 0.45)) -> tuple[float, float, float]:
    """(min, mid, max) GHK potential over the table's concentration ranges and the given ranges
    of the permeability ratios P_Na/P_K and P_Cl/P_K (V is monotone in each, so the corners
    span its range); mid: range midpoints of the concentrations with 1 : 0.04 : 0.45."""
    ions = {k: v for k, v in ION_TABLE[cell].items() if k in GHK_PERMEABILITY}
    spans = {k: (_span(v[0]), _span(v[1])) for k, v in ions.items()}
    corners = []
    for ki, ni, ci, pna, pcl in itertools.product((0, 1), (0, 1), (0, 1), pna_over_pk, pcl_over_pk):
        conc = {"K": (spans["K"][0][ki], spans["K"][1][ki]),
                "Na": (spans["Na"][0][ni], spans["Na"][1][ni]),
                "Cl": (spans["Cl"][0][ci], spans["Cl"][1][ci])}
        corners.append(ghk_mV(conc, {"K": 1.0, "Na": pna, "Cl": pcl}, temp_C))
    mid = {k: (sum(s[0]) / 2, sum(s[1]) / 2) for k, s in spans.items()}
    return min(corners), ghk_mV(mid, GHK_PERMEABILITY, temp_C), max(corners)


# -- Hodgkin–Huxley ---------------------------------------------------------------------------------
HH = dict(C=1.0, g_na=120.0, g_k=36.0, g_l=0.3, e_na=50.0, e_k=-77.0, e_l=-54.387)


def _rates(v):
    """HH opening/closing rates (1/ms) at membrane potential v (mV, rest ≈ −65)."""
    v = np.asarray(v, float)
    x_m, x_n = -(v + 40.0) / 10.0, -(v + 55.0) / 10.0
    with np.errstate(divide="ignore", invalid="ignore"):   # the removable 0/0 at x = 0 is masked
        a_m = np.where(np.abs(x_m) < 1e-9, 1.0, x_m / np.expm1(x_m))       # = 1/exprel(x_m)
        a_n = 0.1 * np.where(np.abs(x_n) < 1e-9, 1.0, x_n / np.expm1(x_n))
    b_m = 4.0 * np.exp(-(v + 65.0) / 18.0)
    a_h = 0.07 * np.exp(-(v + 65.0) / 20.0)
    b_h = 1.0 / (1.0 + np.exp(-(v + 35.0) / 10.0))
    b_n = 0.125 * np.exp(-(v + 65.0) / 80.0)
    return a_m, b_m, a_h, b_h, a_n, b_n


def hh_steady_state(v):
    a_m, b_m, a_h, b_h, a_n, b_n = _rates(v)
    return a_m / (a_m + b_m), a_h / (a_h + b_h), a_n / (a_n + b_n)


def hh_resting_potential() -> float:
    """The zero of the steady-state ionic current (the resting potential), by root finding."""
    def i_ion(v):
        m, h, n = hh_steady_state(v)
        return float(HH["g_na"] * m**3 * h * (v - HH["e_na"]) + HH["g_k"] * n**4 * (v - HH["e_k"])
                     + HH["g_l"] * (v - HH["e_l"]))
    return brentq(i_ion, -80.0, -55.0, xtol=1e-12)


def hh_resting_conductance(v_rest: float) -> float:
    """Chord conductance of the membrane at rest (mS/cm²)."""
    m, h, n = hh_steady_state(v_rest)
    return float(HH["g_l"] + HH["g_na"] * m**3 * h + HH["g_k"] * n**4)


@contextlib.contextmanager
def _brian2_numpy_functions_unchecked(names=("exprel", "int")):
    """Brian2's numpy target calls each default function through a unit check that formats the
    result array into its error message before checking (about a millisecond per call, most of
    the HH run's time). The HH equations pass these functions dimensionless values only, so the
    plain functions (Brian2's own, registered through its implementation API) give identical
    numbers; the checked ones are restored afterwards."""
    from brian2.core.functions import DEFAULT_FUNCTIONS

    impls = {n: DEFAULT_FUNCTIONS[n].implementations for n in names}
    saved = {n: c._implementations.get("numpy") for n, c in impls.items()}
    try:
        for n, c in impls.items():
            pyfunc = DEFAULT_FUNCTIONS[n].pyfunc
            c.add_implementation("numpy", code=getattr(pyfunc, "_orig_func", pyfunc))
        yield
    finally:
        for n, c in impls.items():
            if saved[n] is None:
                c._implementations.pop("numpy", None)
            else:
                c._implementations["numpy"] = saved[n]


def run_hh_brian2(p, amplitudes, pulse_ms, t_pulse_ms, duration_ms, step_uA=None):
    """Brian2 (numpy target) HH neurons, one per pulse amplitude (µA/cm²), plus an optional last
    neuron with a constant step current from t_pulse. Returns (t ms, v [T, N] mV, wall s)."""
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = p["brian2_target"]
    b2.defaultclock.dt = p["hh_dt_ms"] * b2.ms
    eqs = """
    dv/dt = (I_stim - g_na*m**3*h*(v - e_na) - g_k*n**4*(v - e_k) - g_l*(v - e_l)) / C : volt
    I_stim = i_amp * int(t >= t_on) * int(t < t_off) : amp/meter**2
    i_amp : amp/meter**2
    t_off : second
    dm/dt = alpha_m*(1 - m) - beta_m*m : 1
    dh/dt = alpha_h*(1 - h) - beta_h*h : 1
    dn/dt = alpha_n*(1 - n) - beta_n*n : 1
    alpha_m = 1/exprel(-(v + 40*mV)/(10*mV)) / ms : Hz
    beta_m = 4*exp(-(v + 65*mV)/(18*mV)) / ms : Hz
    alpha_h = 0.07*exp(-(v + 65*mV)/(20*mV)) / ms : Hz
    beta_h = 1/(1 + exp(-(v + 35*mV)/(10*mV))) / ms : Hz
    alpha_n = 0.1/exprel(-(v + 55*mV)/(10*mV)) / ms : Hz
    beta_n = 0.125*exp(-(v + 65*mV)/(80*mV)) / ms : Hz
    """
    ua_cm2 = b2.uA / b2.cm**2
    ms_cm2 = b2.msiemens / b2.cm**2
    ns = {"C": HH["C"] * b2.uF / b2.cm**2, "g_na": HH["g_na"] * ms_cm2, "g_k": HH["g_k"] * ms_cm2,
          "g_l": HH["g_l"] * ms_cm2, "e_na": HH["e_na"] * b2.mV, "e_k": HH["e_k"] * b2.mV,
          "e_l": HH["e_l"] * b2.mV, "t_on": t_pulse_ms * b2.ms}
    n = len(amplitudes) + (step_uA is not None)
    group = b2.NeuronGroup(n, eqs, method="exponential_euler", namespace=ns)
    v0 = hh_resting_potential()
    m0, h0, n0 = hh_steady_state(v0)
    group.v = v0 * b2.mV
    group.m, group.h, group.n = float(m0), float(h0), float(n0)
    amps = list(amplitudes) + ([step_uA] if step_uA is not None else [])
    group.i_amp = np.asarray(amps, float) * ua_cm2
    t_off = np.full(n, t_pulse_ms + pulse_ms)
    if step_uA is not None:
        t_off[-1] = 1e9
    group.t_off = t_off * b2.ms
    mon = b2.StateMonitor(group, "v", record=True)
    net = b2.Network(group, mon)
    unchecked = (_brian2_numpy_functions_unchecked() if p["brian2_target"] == "numpy"
                 else contextlib.nullcontext())
    t0 = time.perf_counter()
    with unchecked:
        net.run(duration_ms * b2.ms, namespace={})
    wall = time.perf_counter() - t0
    return np.asarray(mon.t / b2.ms), np.asarray(mon.v / b2.mV).T, wall


def spike_shape(t, v, v_rest):
    """Amplitude (peak − rest, mV) and width at half height (ms) of the first action potential."""
    k = int(np.argmax(v))
    half = v_rest + 0.5 * (v[k] - v_rest)
    above = v >= half
    i0 = k
    while i0 > 0 and above[i0 - 1]:
        i0 -= 1
    i1 = k
    while i1 < v.size - 1 and above[i1 + 1]:
        i1 += 1
    if i0 == 0 or i1 == v.size - 1:
        return float(v[k] - v_rest), np.nan

    def cross(a, b):      # linear interpolation of the half-height crossing between samples a, b
        return t[a] + (half - v[a]) / (v[b] - v[a]) * (t[b] - t[a])
    return float(v[k] - v_rest), float(cross(i1, i1 + 1) - cross(i0 - 1, i0))


def spike_times(t, v, level=0.0):
    up = np.flatnonzero((v[:-1] < level) & (v[1:] >= level))
    return t[up]


def run_lif_core(p, v_rest, tau_ms, drive_mV, v_th, t_on_ms, duration_ms):
    """The LIF spike approximation of the HH membrane on the Cython core (R = 1 MΩ, so the
    constant current in pA is 1000 × the drive R·I in mV)."""
    net = Network(dt_ms=p["hh_dt_ms"], seed=p["seed"])
    pop = net.add_lif(1, LIFParameters(tau_m_ms=tau_ms, v_rest_mV=v_rest, v_th_mV=v_th,
                                       v_reset_mV=p["lif_reset_mV"], t_ref_ms=p["lif_t_ref_ms"],
                                       r_mohm=1.0), name="lif")
    spikes = net.record_spikes(pop)
    state = net.record_state(pop, [0])
    net.run(t_on_ms)
    pop.i_const_pA[:] = drive_mV * 1e3
    net.run(duration_ms - t_on_ms)
    return spikes.t(), state.t, state.v[:, 0]


# -- the study ------------------------------------------------------------------------------------
def run(params: dict, outdir: Path) -> None:
    p = dict(params)
    if p["stim_on_ms"] + max(p["overlay_ms"], p["pulse_ms"] + 10.0) > p["hh_duration_ms"]:
        raise ValueError("hh_duration_ms must cover stim_on_ms + overlay_ms (and the pulse + 10 ms), "
                         f"got {p['hh_duration_ms']} < {p['stim_on_ms']} + {p['overlay_ms']}")
    temps = {"squid": p["temp_squid_C"], "mammal": p["temp_mammal_C"]}
    with StudyWriter(outdir, params, seed=p["seed"], claims=declared_claims(p)) as out:
        # 1–2. Nernst and GHK
        nt = nernst_table(temps)
        out.table(nt, "nernst", latex=True, caption="Nernst potentials of the talk's ion table")
        vt37 = thermal_voltage_mV(37.0)
        out.claim(claim_within(
            "thermal_voltage_37C", "kT/q at 37 °C", "kT/q", 26.73, vt37, abs_tol=0.01, unit="mV",
            source="RT/F = 26.73 mV at 37 °C as quoted by GHK calculators (superglobalcalculator.com); k, q exact SI"))
        ek = nt[(nt.cell == "mammal") & (nt.ion == "K")].iloc[0]
        out.claim(claim_within(
            "mammal_E_K", "mammalian E_K is near −90 mV", "E_K (K⁺ 140 in / 5 out mM, 37 °C)",
            -90.0, ek.E_min_mV, abs_tol=p["nernst_abs_tol_mV"], unit="mV",
            source="textbook summary table (knowt.com note 'Action Potentials': E_K ≈ −90 mV at 37 °C, 140/5 mM); " + TABLE))
        ena = nt[(nt.cell == "mammal") & (nt.ion == "Na")].iloc[0]
        out.claim(claim_within(
            "mammal_E_Na", "mammalian E_Na ≈ +61 mV with 15 mM inside", "E_Na (15 in / 145 out mM, 37 °C)",
            61.0, ena.E_min_mV, abs_tol=p["nernst_abs_tol_mV"], unit="mV",
            source="textbook summary table (knowt.com note 'Action Potentials': E_Na ≈ +61 mV at 37 °C, 15/145 mM); " + TABLE))
        for r in nt.itertuples():
            if r.cell == "squid" or r.ion in ("Cl", "Ca"):
                out.claim(Claim(
                    f"{r.cell}_E_{r.ion}", f"{r.cell} E_{r.ion} over the table's range (context)",
                    f"E_{r.ion} at {r.temp_C:g} °C (min; max in tables/nernst)", np.nan, r.E_min_mV,
                    "–", "mV", "INFO", TABLE))
        ghk_rows = []
        pna, pcl = tuple(p["ghk_pna_over_pk"]), tuple(p["ghk_pcl_over_pk"])
        for cell in ("squid", "mammal"):
            lo, mid, hi = ghk_range(cell, temps[cell], pna, pcl)
            ghk_rows.append({"cell": cell, "temp_C": temps[cell], "V_min_mV": lo, "V_mid_mV": mid,
                             "V_max_mV": hi, "P_Na/P_K": f"{pna[0]:g}–{pna[1]:g}",
                             "P_Cl/P_K": f"{pcl[0]:g}–{pcl[1]:g}", "V_mid at": "1:0.04:0.45"})
            # published ranges of concentrations and permeabilities give a range of potentials;
            # the claim holds if −65 mV lies in it (distance 0), with no further allowance
            gap = max(lo - (-65.0), (-65.0) - hi, 0.0)
            out.claim(claim_within(
                f"ghk_rest_{cell}", f"{cell}: the GHK resting potential over the published ranges "
                "of concentrations and permeability ratios includes the talk's −65 mV",
                f"distance of −65 mV from the GHK range [{lo:.1f}, {hi:.1f}] mV", 0.0, gap,
                abs_tol=0.0, unit="mV", source=f"{TALK}; {TABLE}; {GHK_RANGES}",
                note="the range is the uncertainty"))
            out.claim(Claim(
                f"ghk_mid_{cell}", f"{cell}: GHK potential at mid-range concentrations (context)",
                "GHK V", -65.0, mid, "–", "mV", "INFO", TALK))
        out.table(pd.DataFrame(ghk_rows), "ghk", latex=True,
                  caption="Goldman–Hodgkin–Katz resting potential over the table's ranges")

        # 3. Hodgkin–Huxley in Brian2
        v_rest_ref = hh_resting_potential()
        amps = np.linspace(0.0, p["pulse_max_uA_cm2"], p["pulse_n"])
        log.info("membrane: Brian2 HH (%s target), %d pulse amplitudes + a current step",
                 p["brian2_target"], amps.size)
        t, v, wall_b2 = run_hh_brian2(p, amps, p["pulse_ms"], p["stim_on_ms"], p["hh_duration_ms"],
                                      step_uA=p["step_uA_cm2"])
        v_rest_sim = float(v[int(p["stim_on_ms"] / p["hh_dt_ms"]) - 1, 0])
        out.claim(claim_within(
            "hh_rest_vs_fixed_point", "the Brian2 HH neuron rests at the fixed point of its equations",
            "V before the stimulus", v_rest_ref, v_rest_sim, abs_tol=1e-3, unit="mV",
            source="root of the steady-state ionic current (scipy brentq)"))
        out.claim(claim_within(
            "hh_rest_talk", "the HH model rests at −65 mV, as its leak reversal E_L = −54.387 mV "
            "was chosen to make it (by construction, not a prediction)", "HH resting potential",
            -65.0, v_rest_sim, abs_tol=p["hh_rest_tol_mV"], unit="mV",
            source="Hodgkin & Huxley 1952: E_L set for zero ionic current at rest (−65 mV here)",
            note="E_L and the rate constants are rounded"))

        peaks = v[:, :amps.size].max(axis=0)
        fired = peaks > 0.0
        if not fired.any():      # (the sweep starts at 0 µA/cm², which never fires)
            raise ValueError(f"pulse_max_uA_cm2: no pulse up to {p['pulse_max_uA_cm2']:g} µA/cm² "
                             "fires the HH neuron; the threshold sweep must reach its threshold")
        k = int(np.argmax(fired))
        thr_amp = 0.5 * (amps[k - 1] + amps[k])
        jump = float(peaks[k] - peaks[k - 1])
        v_th = float(peaks[k - 1])        # highest subthreshold excursion ≈ the voltage threshold
        out.table(pd.DataFrame({"pulse_uA_cm2": amps, "peak_mV": peaks, "spike": fired}),
                  "pulse_responses")
        out.claim(claim_at_least(
            "all_or_none", "threshold behaviour: a small increase of the pulse turns a small "
            "depolarisation into a full action potential (positive Na⁺ feedback)",
            f"peak jump between neighbouring pulse amplitudes (step {amps[1] - amps[0]:.3g} µA/cm²)",
            p["all_or_none_jump_mV"], jump, unit="mV", source=TALK + " ('if threshold voltage reached')"))
        out.claim(claim_info("pulse_threshold", f"current threshold of a {p['pulse_ms']:g}-ms pulse "
                             "(context)", "pulse amplitude at the onset of spiking", np.nan, thr_amp,
                             unit="µA/cm²", source="Brian2 HH run"))
        # the action potential of the first suprathreshold pulse
        amp_mV, width_ms = spike_shape(t, v[:, k], v_rest_sim)
        out.claim(claim_within(
            "ap_amplitude", "~100 mV fluctuation", "peak − rest of the action potential", 100.0,
            amp_mV, abs_tol=p["amplitude_abs_tol_mV"], unit="mV", source=TALK, note="'~100 mV'"))
        out.claim(claim_within(
            "ap_width", "for ~1 ms", "width at half height", 1.0, width_ms,
            abs_tol=p["width_abs_tol_ms"], unit="ms", source=TALK, note="'~1 ms'"))

        # 4. the spike approximation: LIF with the HH membrane's passive properties
        g_rest = hh_resting_conductance(v_rest_sim)
        tau_ms = HH["C"] / g_rest
        drive_mV = p["step_uA_cm2"] / g_rest
        t0 = time.perf_counter()
        lif_spk, lif_t, lif_v = run_lif_core(p, v_rest_sim, tau_ms, drive_mV, v_th,
                                             p["stim_on_ms"], p["hh_duration_ms"])
        wall_core = time.perf_counter() - t0
        hh_spk = spike_times(t, v[:, -1])
        window_s = (p["hh_duration_ms"] - p["stim_on_ms"]) * 1e-3
        rate_hh, rate_lif = hh_spk.size / window_s, lif_spk.size / window_s
        out.claim(Claim("lif_rate_vs_hh", f"the LIF spike approximation under the same "
                        f"{p['step_uA_cm2']:g} µA/cm² step fires at (context)", "rate",
                        rate_hh, rate_lif, "–", "Hz", "INFO", "Brian2 HH run (reference column)"))
        shift = ("lif_first_spike_shift", "first LIF spike − first HH spike (context)",
                 "latency difference")
        if lif_spk.size and hh_spk.size:
            out.claim(claim_info(*shift, 0.0, float(lif_spk[0] - hh_spk[0]), unit="ms",
                                 source="Brian2 HH run"))
        else:
            out.not_run(*shift, unit="ms", source="Brian2 HH run",
                        reason=f"no spike under the {p['step_uA_cm2']:g} µA/cm² step "
                               f"(HH: {hh_spk.size}, LIF: {lif_spk.size})")
        out.table(pd.DataFrame({
            "quantity": ["v_rest_mV", "g_rest_mS_cm2", "tau_m_ms", "v_th_mV", "drive_mV",
                         "rate_hh_hz", "rate_lif_hz", "wall_brian2_s", "wall_core_s"],
            "value": [v_rest_sim, g_rest, tau_ms, v_th, drive_mV, rate_hh, rate_lif, wall_b2,
                      wall_core]}), "spike_approximation")
        _figures(out, p, t, v, amps, peaks, k, lif_t, lif_v, lif_spk, v_th, nt)


def _figures(out, p, t, v, amps, peaks, k, lif_t, lif_v, lif_spk, v_th, nt):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    ax = axes[0]
    on = p["stim_on_ms"]
    win = (t >= on - 1) & (t <= on + 12)
    for j in range(max(0, k - 3), min(amps.size, k + 3)):
        ax.plot(t[win] - on, v[win, j], lw=1, label=f"{amps[j]:.2f} µA/cm²")
    ax.set(xlabel="time after pulse onset (ms)", ylabel="V (mV)",
           title=f"HH (Brian2): {p['pulse_ms']:g}-ms pulses around threshold")
    ax.legend(frameon=False, fontsize=7)
    ax = axes[1]
    ax.plot(amps, peaks, "o-", ms=3)
    ax.set(xlabel="pulse amplitude (µA/cm²)", ylabel="peak V (mV)", title="All or none")
    ax = axes[2]
    win = (t >= on - 5) & (t <= on + p["overlay_ms"])
    ax.plot(t[win], v[win, -1], lw=1.2, label="Hodgkin–Huxley (Brian2)")
    lw = (lif_t >= on - 5) & (lif_t <= on + p["overlay_ms"])
    ax.plot(lif_t[lw], lif_v[lw], lw=1.2, label="LIF (Cython core)")
    s = lif_spk[(lif_spk >= on - 5) & (lif_spk <= on + p["overlay_ms"])]
    ax.vlines(s, v_th, 40.0, color="C1", lw=1, ls="--", label="LIF spikes (spike approximation)")
    ax.axhline(v_th, color="k", ls=":", lw=1)
    ax.set(xlabel="time (ms)", ylabel="V (mV)",
           title=f"Spike approximation, {p['step_uA_cm2']:g} µA/cm² step")
    ax.legend(frameon=False, fontsize=7)
    out.figure(fig, "action_potential")

    fig, ax = plt.subplots(figsize=(7, 4))
    labels = [f"{r.cell} {r.ion}" for r in nt.itertuples()]
    y = np.arange(len(labels))
    ax.barh(y, nt.E_max_mV - nt.E_min_mV, left=nt.E_min_mV, height=0.5, color="C0")
    ax.plot(nt.E_min_mV, y, "|k")
    ax.axvline(-65, color="k", ls=":", lw=1, label="−65 mV (talk: resting potential)")
    ax.set(yticks=y, yticklabels=labels, xlabel="Nernst potential (mV)",
           title="Nernst potentials of the talk's ion table")
    ax.legend(frameon=False, fontsize=8)
    out.figure(fig, "nernst")

"""Disynaptic delay elements on the DYNAP-SE emulator: latency and amplitude of the delayed
excitation over weights and time constants, mismatch, temperature and input noise.

Source: Sandin & Nilsson, "Synaptic Delays for Insect-Inspired Temporal Feature Detection in
Dynamic Neuromorphic Processors", Front. Neurosci. 14:150 (2020), doi 10.3389/fnins.2020.00150:
a presynaptic spike drives a subtractive inhibitory (GABA_B) and a slow excitatory (NMDA)
synapse of one neuron; the summed current is first inhibitory, then excitatory (delayed
excitation); "the timing and magnitude of the delayed excitation depend mainly on the efficacy
of the inhibitory and excitatory synapses, respectively", delays up to about 100 ms; device
mismatch spreads the delays (Nilsson, Liwicki & Sandin, IJCNN 2020: variability of order 10 ms).

Model (``neurobench.dynapse.selectivity``): I(t) = A_e e^{−t/τ_e} − A_i e^{−t/τ_i}, zero
crossing t* = τ_i τ_e/(τ_e − τ_i)·ln(A_i/A_e), A = m × (one-spike DPI peak), m the CAM
multiplicity. Everything runs on the emulator (``neurobench.dynapse``) with mismatch on; every
condition is one board run in which each of the 1024 neurons of a chip is one delay element
(its own mismatch), read out through the probe of its NMDA, GABA_B and membrane currents.

Parameters (config ``disynaptic``): dt_us (µs step), mismatch_cv (per-circuit CV), tau_e_ms /
tau_i_ms (NMDA / GABA_B time constants set through their leak biases), w_exc / w_inh (slow base
weights, (coarse, fine)), m_exc_grid / m_inh_grid (multiplicities of the weight map), tau_e_grid_ms /
tau_i_grid_ms (time-constant map: one core per pair), m_exc / m_inh (fixed element of the
mismatch, temperature and noise sweeps), held_out_chips (chips besides the design chip), temperatures_C, noise_rates_hz (Poisson
spikes added to the input), trial_ms, probe_every_us and the claim bars. The published delay range
and spread are those of ``neurobench.dynapse.silicon.DELAYS``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from neurobench.dynapse import BiasSet, silicon
from neurobench.report import StudyWriter, claim_at_least, claim_at_most, claim_info, claim_within
from neurobench.report.held_out import claim_over_instances
from neurobench.dynapse import selectivity as sel

log = logging.getLogger("neurobench")

T0_MS = 5.0        # the input spike, after a short settling time
ZERO_C_K = 273.15


SOURCE = sel.SANDIN2020
DELAY_RANGE = silicon.DELAYS["disynaptic_delay_range"]       # 10–100 ms, in words only
DELAY_SPREAD = silicon.DELAYS["epsp_delay_variability"]      # of order 10 ms per neuron
RANGE_SOURCE = (f"{DELAY_RANGE.source}: delays of order {DELAY_RANGE.low:g}–{DELAY_RANGE.high:g} "
                "ms, given in words (no figure or table value found); the bars and their "
                "reasoning are in the config")


def declared_claims(params: dict) -> dict[str, str]:
    """Claim id → kind. Published findings reproduced on held-out chips (literature): the
    amplitude follows the excitatory weight, the delay range, the mismatch spread. The emulator
    against its own laws (verification): the zero-crossing formula, U_T ∝ T, and the latency
    split between the weights, which the swept ranges fix (t* ∝ ln(m_inh/m_exc))."""
    return {"latency_mainly_inhibitory": "verification",
            "amplitude_mainly_excitatory": "literature",
            "latency_range_low": "literature", "latency_range_high": "literature",
            "zero_crossing_formula": "verification", "zero_crossing_coverage": "verification",
            "zero_crossing_formula_taus": "verification",
            "mismatch_spread_order": "literature", "mismatch_between_chips": "verification",
            "temperature_scaling": "verification", "noise_spread": "verification"}


# -- one condition ----------------------------------------------------------------------------
def element_biases(p, tau_e_ms=None, tau_i_ms=None) -> BiasSet:
    base = BiasSet.default().replace(**sel.biases_from_config(p))
    return sel.delay_biases(base, tau_e_ms or p["tau_e_ms"], tau_i_ms or p["tau_i_ms"],
                            p["w_exc"], p["w_inh"])


def measure_elements(p, seed, biases, m_exc, m_inh, n_chips=1, temperature_K=None,
                     noise_rate_hz=0.0, rng=None):
    """One run: neuron k is a delay element with multiplicities (m_exc[k], m_inh[k]) driven by
    one input spike at T0 (plus Poisson noise spikes on the same input when noise_rate_hz > 0).

    Returns (DataFrame per neuron, board, probe)."""
    board = sel.make_board(p, seed, biases, n_chips=n_chips, temperature_K=temperature_K)
    n = board.n_neurons
    gids = np.arange(n)
    m_exc = np.broadcast_to(np.asarray(m_exc), (n,))
    m_inh = np.broadcast_to(np.asarray(m_inh), (n,))
    if noise_rate_hz > 0:
        # each neuron has its own input channel carrying the spike at T0 and its own noise
        counts = rng.poisson(noise_rate_hz * p["trial_ms"] * 1e-3, size=n)
        ch_noise = np.repeat(gids, counts)
        t_noise = rng.uniform(0, p["trial_ms"], size=ch_noise.size)
        stim = sel.Stimulus(np.concatenate([np.full(n, T0_MS), t_noise]),
                            np.concatenate([gids, ch_noise]), n)
        pre = gids
    else:
        stim = sel.Stimulus([T0_MS], [0], 1)
        pre = np.zeros(n, np.int64)
    conns = [sel.Connection(pre, gids, "NMDA", m_exc), sel.Connection(pre, gids, "GABA_B", m_inh)]
    events, probe = sel.simulate(board, stim, conns, p["trial_ms"], probe_gids=gids,
                                 probe_every_us=p["probe_every_us"])
    t = probe.t_us * 1e-3
    i_e, i_i, i_mem = probe.isyn("NMDA"), probe.isyn("GABA_B"), probe.imem
    net = i_e - i_i
    window = p["trial_ms"] - T0_MS
    t_star = sel.zero_crossings(t, net, T0_MS, window)
    t_peak, a_peak = sel.peak_after(t, net, T0_MS, window)
    t_mem, a_mem = sel.peak_after(t, i_mem, T0_MS, window)
    par = board.parameters()
    tau_e = par["syn_tau_s"][1] * 1e3
    tau_i = par["syn_tau_s"][3] * 1e3
    # one-spike amplitudes from the neuron's own (mismatched) circuit parameters: the DPI peak
    # after a pulse of m·t_pulse, I_∞ (1 − e^{−m t_pulse/τ}) (dynapse.circuits.dpi_psc)
    a_e = par["syn_iinf_A"][1] * -np.expm1(-m_exc * par["syn_pulse_s"][1] / par["syn_tau_s"][1])
    a_i = par["syn_iinf_A"][3] * -np.expm1(-m_inh * par["syn_pulse_s"][3] / par["syn_tau_s"][3])
    df = pd.DataFrame({
        "gid": gids, "m_exc": m_exc, "m_inh": m_inh, "tau_e_ms": tau_e, "tau_i_ms": tau_i,
        "a_exc_pA": a_e * 1e12, "a_inh_pA": a_i * 1e12,
        "t_star_ms": t_star, "t_star_analytic_ms": sel.zero_crossing_ms(tau_i, tau_e, a_i, a_e),
        "t_peak_ms": np.where(np.isfinite(t_star), t_peak, np.nan),
        "net_peak_pA": np.where(np.isfinite(t_star), a_peak * 1e12, np.nan),
        "epsp_peak_ms": t_mem, "epsp_peak_pA": a_mem * 1e12,
        "spikes": events.counts(n),
    })
    return df, board, probe


# -- the study --------------------------------------------------------------------------------
def run(params: dict, outdir: Path) -> None:
    """Methods: a weight map on the design chip checked against the closed-form delay; the
    same weight map and one fixed element on held-out chips for the published findings; a
    time-constant map; a temperature sweep; input noise."""
    p = dict(params)
    seed = sel.tuning_chip(p)
    rng = np.random.default_rng(seed)
    with StudyWriter(outdir, params, seed=int(p["seed"]), claims=declared_claims(p)) as out:
        bs = element_biases(p)
        grid, summary, probe = weight_map(out, p, seed, bs)
        zero_crossing_claims(out, p, grid)
        fixed = held_out_chips(out, p, bs, grid)
        tau_sum = time_constant_map(out, p, seed)
        temps = temperature_sweep(out, p, seed, bs)
        noise = input_noise(out, p, seed, bs, rng)
        _figures(out, p, grid, summary, tau_sum, fixed, temps, noise, probe)


def weight_grid(p):
    """(m_exc, m_inh) of each of a chip's 1024 neurons: neuron k gets grid point k mod size."""
    me_grid = np.asarray(p["m_exc_grid"], int)
    mi_grid = np.asarray(p["m_inh_grid"], int)
    if (me_grid.max() + mi_grid.max()) > 64:
        raise ValueError("disynaptic: m_exc_grid max + m_inh_grid max exceeds the 64 CAM entries")
    ge, gi = np.meshgrid(me_grid, mi_grid, indexing="ij")
    k = np.arange(1024) % ge.size
    return ge.ravel()[k], gi.ravel()[k]


def weight_map_summary(grid):
    """Median delay and amplitude per grid point, and the one-way η² of each weight."""
    summary = grid.groupby(["m_exc", "m_inh"]).agg(
        t_star_ms=("t_star_ms", "median"), t_star_sd_ms=("t_star_ms", "std"),
        net_peak_pA=("net_peak_pA", "median"), epsp_peak_ms=("epsp_peak_ms", "median"),
        n=("gid", "size")).reset_index()
    ok = np.isfinite(grid["t_star_ms"])
    eta = {(q, w): sel.eta_squared(grid.loc[ok, q], grid.loc[ok, w])
           for q in ("t_star_ms", "net_peak_pA") for w in ("m_inh", "m_exc")}
    return summary, eta


def weight_map(out, p, seed, bs):
    """The weight map on the design chip: tables, the bias file and the log-linear
    sensitivities of latency and amplitude to each weight."""
    m_exc, m_inh = weight_grid(p)
    log.info("disynaptic: weight map %d × %d, design chip seed %d", len(p["m_exc_grid"]),
             len(p["m_inh_grid"]), seed)
    grid, board, probe = measure_elements(p, seed, bs, m_exc, m_inh)
    board.save_biases(out.path / "biases.json")       # the chip's bias file (every core)
    out.table(grid, "weight_map_neurons")
    summary, eta = weight_map_summary(grid)
    out.table(summary, "weight_map", latex=True,
              caption="Delayed excitation over the CAM multiplicities (median over neurons)")
    ok = np.isfinite(grid["t_star_ms"])
    # log-linear fit: partial sensitivities d ln(y) / d ln(m)
    X = np.column_stack([np.log(grid.loc[ok, "m_inh"]), np.log(grid.loc[ok, "m_exc"]),
                         np.ones(ok.sum())])
    s_lat = np.linalg.lstsq(X, np.log(grid.loc[ok, "t_star_ms"].clip(lower=1e-3)), rcond=None)[0]
    s_amp = np.linalg.lstsq(X, np.log(grid.loc[ok, "net_peak_pA"].clip(lower=1e-6)), rcond=None)[0]
    out.table(pd.DataFrame({
        "quantity": ["latency t*", "amplitude (net peak)"],
        "eta2_inhibitory_weight": [eta[("t_star_ms", "m_inh")], eta[("net_peak_pA", "m_inh")]],
        "eta2_excitatory_weight": [eta[("t_star_ms", "m_exc")], eta[("net_peak_pA", "m_exc")]],
        "dln_dln_m_inh": [s_lat[0], s_amp[0]], "dln_dln_m_exc": [s_lat[1], s_amp[1]]}),
        "variance_explained", latex=True,
        caption="Variance of latency and amplitude explained by each weight (one-way η², design chip)")
    return grid, summary, probe


def zero_crossing_claims(out, p, grid):
    """The emulator's zero crossing against the closed form, per neuron of the design chip."""
    err = (grid["t_star_ms"] - grid["t_star_analytic_ms"]).abs()
    both = np.isfinite(err)
    out.claim(claim_at_most(
        "zero_crossing_formula",
        "the zero crossing follows t* = τ_i τ_e/(τ_e − τ_i)·ln(A_i/A_e) (linear regime)",
        "max over neurons |t*_emulator − t*_formula| (per-neuron τ, measured peaks A)",
        p["formula_tol_ms"], float(err[both].max()) if both.any() else np.nan, unit="ms",
        source=sel.DELAY_FORMULA + " (the emulator's own exponential DPI law)",
        note="probe sampling and the finite pulse width"))
    out.claim(claim_info("zero_crossing_coverage", "share of weight-map neurons with a delayed "
                         "excitation (A_i > A_e)", "fraction", np.nan, float(both.mean()),
                         source=sel.DELAY_FORMULA))


def chip_measures(p, chip, bs, grid=None) -> tuple[dict, pd.DataFrame]:
    """The weight map (``grid``, measured here when None) and one fixed element (m_exc, m_inh)
    on every neuron of chip ``chip``: the numbers the published findings are checked on."""
    if grid is None:
        grid, _, _ = measure_elements(p, chip, bs, *weight_grid(p))
    summary, eta = weight_map_summary(grid)
    one, _, _ = measure_elements(p, chip, bs, p["m_exc"], p["m_inh"])
    lat = summary["t_star_ms"].dropna()
    return {
        "chip_seed": chip,
        "shortest_median_t_star_ms": lat.min(), "longest_median_t_star_ms": lat.max(),
        "eta2_latency_inh_minus_exc": eta[("t_star_ms", "m_inh")] - eta[("t_star_ms", "m_exc")],
        "eta2_amplitude_exc_minus_inh": eta[("net_peak_pA", "m_exc")] - eta[("net_peak_pA", "m_inh")],
        "delayed_excitation_fraction": float(np.isfinite(grid["t_star_ms"]).mean()),
        "fixed_t_star_mean_ms": one["t_star_ms"].mean(), "fixed_t_star_sd_ms": one["t_star_ms"].std(),
        "fixed_t_star_min_ms": one["t_star_ms"].min(), "fixed_t_star_max_ms": one["t_star_ms"].max(),
        "fixed_epsp_peak_sd_ms": one["epsp_peak_ms"].std()}, one.assign(chip_seed=chip)


def held_out_chips(out, p, bs, design_grid):
    """The weight map and the fixed element on each held-out chip (the design chip's row is
    reported beside them, never scored): the published findings are stated on the mean over
    the held-out chips with the spread. Returns the fixed-element table of the held-out chips."""
    design, _ = chip_measures(p, sel.tuning_chip(p), bs, design_grid)
    rows, fixed = [dict(design, role="tuning")], []
    for k in sel.held_out_chips(p):
        log.info("disynaptic: held-out chip seed %d", sel.chip_seed(p, k))
        row, one = chip_measures(p, sel.chip_seed(p, k), bs)
        rows.append(dict(row, role="held_out"))
        fixed.append(one)
    chips = pd.DataFrame(rows)
    out.table(chips[["role"] + [c for c in chips if c != "role"]], "held_out_chips", latex=True,
              caption="Weight map and fixed element on each chip (1024 neurons each)")
    chips = chips[chips["role"] == "held_out"]
    src = " (measured on held-out chips, not the design chip)"
    out.claim(claim_over_instances(
        claim_at_least, "latency_mainly_inhibitory",
        "the latency of the delayed excitation depends mainly on the inhibitory weight",
        "η²(t*; m_inh) − η²(t*; m_exc) over the weight map", 0.0,
        chips["eta2_latency_inh_minus_exc"], source=SOURCE + src,
        note="fixed by the swept ranges: t* ∝ ln(m_inh/m_exc), so the split follows the "
             "ln-ranges of m_inh_grid and m_exc_grid"))
    out.claim(claim_over_instances(
        claim_at_least, "amplitude_mainly_excitatory",
        "the amplitude of the delayed excitation depends mainly on the excitatory weight",
        "η²(peak; m_exc) − η²(peak; m_inh) over the weight map", 0.0,
        chips["eta2_amplitude_exc_minus_inh"], source=SOURCE + " (abstract)" + src))
    out.claim(claim_over_instances(
        claim_at_most, "latency_range_low", "delays are configurable from about 10 ms",
        "shortest median t* on the weight map", p["latency_low_bar_ms"],
        chips["shortest_median_t_star_ms"], unit="ms", source=RANGE_SOURCE + src))
    out.claim(claim_over_instances(
        claim_at_least, "latency_range_high", "… up to about 100 ms",
        "longest median t* on the weight map", p["latency_high_bar_ms"],
        chips["longest_median_t_star_ms"], unit="ms", source=RANGE_SOURCE + src))
    sd = chips["fixed_t_star_sd_ms"].to_numpy()
    out.claim(claim_over_instances(
        claim_within, "mismatch_spread_order",
        "device mismatch spreads the delays by the order of 10 ms per neuron",
        f"log10(SD of t* over neurons / {DELAY_SPREAD.value:g} ms)", 0.0,
        np.log10(sd / DELAY_SPREAD.value), abs_tol=0.5,
        source=f"{DELAY_SPREAD.source}: variability of order {DELAY_SPREAD.value:g} ms" + src,
        note=f"mean SD {np.mean(sd):.2f} ms at cv {p['mismatch_cv']}, "
             f"m = ({p['m_exc']}, {p['m_inh']})"))
    means = chips["fixed_t_star_mean_ms"]
    out.claim(claim_info("mismatch_between_chips", "spread of the chip means of t* (context)",
                         "SD over held-out chips of mean t*", np.nan,
                         float(means.std()) if len(means) > 1 else np.nan, unit="ms",
                         source="emulator mismatch model (per-circuit cv only)"))
    return pd.concat(fixed, ignore_index=True)


def time_constant_map(out, p, seed):
    """One (τ_e, τ_i) pair per core over up to 4 chips of one board, against the closed form."""
    te_grid = np.asarray(p["tau_e_grid_ms"], float)
    ti_grid = np.asarray(p["tau_i_grid_ms"], float)
    pairs = [(te, ti) for te in te_grid for ti in ti_grid if ti < te]
    n_chips = int(np.ceil(len(pairs) / 4))
    if n_chips > 4:
        raise ValueError("disynaptic: tau_e_grid_ms × tau_i_grid_ms needs more than 16 cores")
    core_biases = {(i // 4, i % 4): element_biases(p, te, ti) for i, (te, ti) in enumerate(pairs)}
    log.info("disynaptic: time-constant map, %d cores", len(pairs))
    taus, tboard, _ = measure_elements(p, seed, core_biases, p["m_exc"], p["m_inh"],
                                       n_chips=n_chips)
    taus["core_index"] = taus["gid"] // 256
    taus = taus[taus["core_index"] < len(pairs)].copy()
    taus["tau_e_nominal_ms"] = [pairs[i][0] for i in taus["core_index"]]
    taus["tau_i_nominal_ms"] = [pairs[i][1] for i in taus["core_index"]]
    tau_sum = taus.groupby(["tau_e_nominal_ms", "tau_i_nominal_ms"]).agg(
        t_star_ms=("t_star_ms", "median"), t_star_sd_ms=("t_star_ms", "std"),
        t_star_analytic_ms=("t_star_analytic_ms", "median"),
        net_peak_pA=("net_peak_pA", "median")).reset_index()
    out.table(tau_sum, "tau_map", latex=True,
              caption="Delayed excitation over the synaptic time constants (median over 256 neurons)")
    tboard.save_biases(out.path / "biases_tau_map.json")
    err_tau = (taus["t_star_ms"] - taus["t_star_analytic_ms"]).abs()
    out.claim(claim_at_most(
        "zero_crossing_formula_taus", "t* follows the formula over the time constants too",
        "max over neurons and cores |t*_emulator − t*_formula|", p["formula_tol_ms"],
        float(err_tau.max()), unit="ms", source=sel.DELAY_FORMULA + " (the emulator's own law)"))
    return tau_sum


def temperature_sweep(out, p, seed, bs):
    """The fixed element at each temperature (U_T = kT/q sets every time constant)."""
    temps = []
    for tc in p["temperatures_C"]:
        df, _, _ = measure_elements(p, seed, bs, p["m_exc"], p["m_inh"], temperature_K=tc + ZERO_C_K)
        temps.append({"temperature_C": tc, "t_star_median_ms": df["t_star_ms"].median(),
                      "t_star_sd_ms": df["t_star_ms"].std(),
                      "net_peak_median_pA": df["net_peak_pA"].median(),
                      "spiking_fraction": float((df["spikes"] > 0).mean())})
    temps = pd.DataFrame(temps)
    out.table(temps, "temperature")
    t_lo, t_hi = temps.iloc[0], temps.iloc[-1]
    rel = t_hi["t_star_median_ms"] / t_lo["t_star_median_ms"] - 1
    rel_ref = (t_hi["temperature_C"] + ZERO_C_K) / (t_lo["temperature_C"] + ZERO_C_K) - 1
    out.claim(claim_within(
        "temperature_scaling", "delays lengthen with temperature in proportion to U_T = kT/q",
        f"relative change of median t* from {t_lo['temperature_C']:g} to "
        f"{t_hi['temperature_C']:g} °C", rel_ref, rel, abs_tol=p["temperature_tol"],
        source="the emulator's own law: τ = C U_T/(κ I_τ) ∝ T with A_i/A_e unchanged ⇒ t* ∝ T"))
    return temps


def input_noise(out, p, seed, bs, rng):
    """The fixed element with Poisson noise spikes added to its input."""
    noise = []
    for r in p["noise_rates_hz"]:
        df, _, _ = measure_elements(p, seed, bs, p["m_exc"], p["m_inh"], noise_rate_hz=r, rng=rng)
        noise.append({"noise_rate_hz": r, "t_star_median_ms": df["t_star_ms"].median(),
                      "t_star_sd_ms": df["t_star_ms"].std(),
                      "no_crossing_fraction": float(df["t_star_ms"].isna().mean())})
    noise = pd.DataFrame(noise)
    out.table(noise, "input_noise")
    out.claim(claim_info("noise_spread", "input noise (Poisson spikes on the input) widens the "
                         "delay distribution (context)", "SD of t* at the highest noise rate",
                         float(noise["t_star_sd_ms"].iloc[0]), float(noise["t_star_sd_ms"].iloc[-1]),
                         unit="ms", source="same run without noise (reference column)"))
    return noise


def _figures(out, p, grid, summary, tau_sum, mism, temps, noise, probe):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for ax, col, title in ((axes[0], "t_star_ms", "latency t* (ms)"),
                           (axes[1], "net_peak_pA", "delayed excitation peak (pA)")):
        piv = summary.pivot(index="m_inh", columns="m_exc", values=col)
        im = ax.imshow(piv.values, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(piv.shape[1]), piv.columns)
        ax.set_yticks(range(piv.shape[0]), piv.index)
        ax.set(xlabel="excitatory multiplicity m_exc (NMDA)", ylabel="inhibitory multiplicity m_inh (GABA_B)",
               title=title)
        fig.colorbar(im, ax=ax)
    ok = np.isfinite(grid["t_star_ms"])
    axes[2].plot(grid.loc[ok, "t_star_analytic_ms"], grid.loc[ok, "t_star_ms"], ".", ms=2)
    lim = [0, np.nanmax(grid["t_star_ms"]) * 1.05]
    axes[2].plot(lim, lim, "k--", lw=1)
    axes[2].set(xlabel="formula t* (ms)", ylabel="emulator t* (ms)", title="zero crossing vs formula")
    out.figure(fig, "delay_maps")

    fig, ax = plt.subplots(figsize=(6, 4))
    for te, g in tau_sum.groupby("tau_e_nominal_ms"):
        ax.plot(g["tau_i_nominal_ms"], g["t_star_ms"], "o-", label=f"τ_e = {te:g} ms")
        ax.plot(g["tau_i_nominal_ms"], g["t_star_analytic_ms"], "k:", lw=1)
    ax.set(xlabel="τ_i (GABA_B, ms)", ylabel="median t* (ms)",
           title=f"time constants (m = {p['m_exc']}, {p['m_inh']}); dotted: formula")
    ax.legend(frameon=False)
    out.figure(fig, "tau_map")

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for s, g in mism.groupby("chip_seed"):
        axes[0].hist(g["t_star_ms"].dropna(), bins=40, histtype="step", label=f"chip seed {s}")
    axes[0].set(xlabel="t* (ms)", ylabel="neurons", title="mismatch: delays over neurons")
    axes[0].legend(frameon=False, fontsize=7)
    axes[1].errorbar(temps["temperature_C"], temps["t_star_median_ms"], temps["t_star_sd_ms"], fmt="o-")
    axes[1].set(xlabel="temperature (°C)", ylabel="t* (ms), median ± SD", title="temperature")
    axes[2].errorbar(noise["noise_rate_hz"], noise["t_star_median_ms"], noise["t_star_sd_ms"], fmt="o-")
    axes[2].set(xlabel="input noise rate (Hz)", ylabel="t* (ms), median ± SD", title="input noise")
    out.figure(fig, "mismatch_temperature_noise")

    fig, axes = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    t = probe.t_us * 1e-3 - T0_MS
    for g in np.unique(np.linspace(0, probe.gids.size - 1, 4).astype(int)):
        axes[0].plot(t, (probe.isyn("NMDA")[:, g] - probe.isyn("GABA_B")[:, g]) * 1e12,
                     label=f"m = ({grid['m_exc'][g]}, {grid['m_inh'][g]})")
        axes[1].plot(t, probe.imem[:, g] * 1e12)
    axes[0].axhline(0, color="k", lw=0.5)
    axes[0].set(ylabel="I_NMDA − I_GABA_B (pA)", title="delay elements after one input spike")
    axes[0].legend(frameon=False, fontsize=8)
    axes[1].set(xlabel="time after the input spike (ms)", ylabel="I_mem (pA)")
    out.figure(fig, "traces")

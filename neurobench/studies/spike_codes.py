"""Representational capacity of spike codes, and how much of it survives spike-time jitter.

Source: F. Sandin, "Temporal Dynamics in Neuromorphic Computing", slide "Representational power
of spike coding schemes?": for n neurons in a time window,

    population rate code   C_rate   = log₂(n + 1)        bits (how many neurons fired)
    binary code            C_binary = n                  bits (which neurons fired)
    timing code            C_timing = n · log₂(T/Δt)     bits (in which of K = T/Δt bins each fired)
    ordering (rank) code   C_rank   = log₂(n!) ≈ n·log₂ n bits (in which order the n neurons fired)

and the question "Neural coding in biology?".

1. The formulas are checked by exhaustive enumeration for small n: every raster in which each
   neuron is silent or fires once in one of K bins is generated ((K + 1)ⁿ rasters), each code's
   read-out is applied, and the distinct read-outs are counted (log₂ of the count = capacity).
2. Decoding under jitter: symbols of each code are written as spike times, every spike is
   displaced by Gaussian jitter N(0, σ²), the spikes drive relay LIF neurons on the Cython core
   (``neurobench.core.Network``; one input spike → one output spike after a fixed latency), and
   the symbol is decoded from the relay's output spikes. The information recovered is the
   mutual information I(sent; decoded) of the empirical confusion matrix (symbols sent equally
   often; Miller–Madow bias correction). References: the capacity at σ = 0; for the timing code the
   closed-form Gaussian confusion P(ĵ | i) = Φ((ĵ + 1 − i − ½)Δt/σ) − Φ((ĵ − i − ½)Δt/σ) (edge
   bins open); for the rank code an independent numpy Monte Carlo of the same jitter model.
   The rate and binary codes are read, like the timing code, in the window [0, T): jitter cannot
   change a count or a set, but it pushes spikes out of the window. A spike at a uniformly
   chosen bin centre stays inside with probability q̄ = (1/K) Σ_b [Φ((K − b − ½)Δt/σ) − Φ(−(b + ½)Δt/σ)],
   independently for each neuron, so the rate code is the channel m → Binomial(m, q̄) and each
   bit of the binary code a Z-channel, I = n·(h(q̄/2) − h(q̄)/2) (closed forms, ``window_loss_mi_bits``).

Units: times in ms, information in bits.
"""

from __future__ import annotations

import itertools
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binom, norm

from neurobench.core import LIFParameters, Network
from neurobench.report import Claim, StudyWriter, claim_at_least, claim_at_most, claim_info, claim_within

log = logging.getLogger("neurobench")

TALK = "Sandin, talk 'Temporal Dynamics in Neuromorphic Computing', slide 'Representational power of spike coding schemes?'"
CODES = ("rate", "binary", "timing", "rank")
WINDOW_LOSS = "closed-form window loss under Gaussian jitter (binomial count / Z-channel per neuron)"


def declared_claims(params: dict) -> dict[str, str]:
    """The claims of this study, claim_id → kind of reference (see ``neurobench.report.claims``).

    Capacities and the jitter channels of the rate, binary and timing codes are closed forms;
    the rank code's reference is a separate numpy Monte Carlo of the jitter model (no core).
    The relay's latency is measured on the core itself (context, verification).
    """
    claims = {}
    for code in CODES:
        claims[f"enumeration_{code}"] = "closed_form"
        claims[f"noiseless_{code}"] = "closed_form"
    for code in CODES:
        claims[f"jitter_{code}_vs_reference"] = ("independent_simulator" if code == "rank"
                                                 else "closed_form")
    claims.update({
        "timing_at_one_bin_jitter": "closed_form",
        "timing_beats_rate_at_one_bin_jitter": "closed_form",
        "rank_at_one_bin_jitter": "independent_simulator",
        "relay_latency": "verification",
    })
    return claims


# -- capacity: closed forms and enumeration ----------------------------------------------------
def capacity_bits(code: str, n, time_bins=None) -> np.ndarray:
    """Closed-form capacity (bits) of ``code`` for n neurons (K = time_bins for the timing code)."""
    n = np.asarray(n, dtype=float)
    if code == "rate":
        return np.log2(n + 1)
    if code == "binary":
        return n.copy()
    if code == "timing":
        if time_bins is None or time_bins < 1:
            raise ValueError(f"time_bins: the timing code needs K ≥ 1 bins, got {time_bins!r}")
        return n * np.log2(time_bins)
    if code == "rank":
        return np.vectorize(lambda k: math.lgamma(k + 1) / math.log(2))(n)
    raise ValueError(f"code: unknown spike code {code!r}; expected one of {CODES}")


def enumerate_patterns(code: str, n: int, time_bins: int) -> int:
    """Number of distinguishable read-outs of ``code`` over all rasters of n neurons, K bins.

    A raster gives each neuron a bin in {−1 (silent), 0 … K−1}. The read-outs: rate = number of
    neurons that fired; binary = the set that fired; timing = the bins, over rasters where all
    fired; rank = the firing order, over rasters where all fired in distinct bins (K ≥ n).
    """
    if n < 1 or time_bins < 1:
        raise ValueError(f"n and time_bins must be ≥ 1, got n={n}, time_bins={time_bins}")
    rasters = np.array(list(itertools.product(range(-1, time_bins), repeat=n)), dtype=np.int64)
    fired = rasters >= 0
    if code == "rate":
        readout = fired.sum(axis=1)[:, None]
    elif code == "binary":
        readout = fired
    elif code == "timing":
        readout = rasters[fired.all(axis=1)]
    elif code == "rank":
        if time_bins < n:
            raise ValueError(f"time_bins: the rank code needs K ≥ n distinct bins, got K={time_bins} < n={n}")
        r = rasters[fired.all(axis=1)]
        distinct = np.array([np.unique(row).size == n for row in r], dtype=bool)
        readout = np.argsort(r[distinct], axis=1, kind="stable")
    else:
        raise ValueError(f"code: unknown spike code {code!r}; expected one of {CODES}")
    return int(np.unique(readout, axis=0).shape[0])


# -- information from a confusion matrix -------------------------------------------------------
def mutual_information_bits(sent: np.ndarray, decoded: np.ndarray, bias_correct: bool = True) -> float:
    """Plug-in I(sent; decoded) in bits with the Miller–Madow correction (optional)."""
    sent = np.asarray(sent)
    decoded = np.asarray(decoded)
    if sent.shape != decoded.shape or sent.ndim != 1 or sent.size == 0:
        raise ValueError("sent and decoded must be 1-D arrays of equal, non-zero length")
    _, s = np.unique(sent, return_inverse=True)
    _, d = np.unique(decoded, return_inverse=True)
    joint = np.zeros((s.max() + 1, d.max() + 1))
    np.add.at(joint, (s, d), 1.0)
    n = joint.sum()
    p = joint / n
    ps, pd_ = p.sum(axis=1), p.sum(axis=0)
    nz = p > 0
    mi = float(np.sum(p[nz] * np.log2(p[nz] / np.outer(ps, pd_)[nz])))
    if bias_correct:
        # Miller–Madow: each plug-in entropy is raised by (occupied cells − 1)/(2N ln 2)
        k_joint, k_s, k_d = nz.sum(), (ps > 0).sum(), (pd_ > 0).sum()
        mi += (k_s + k_d - k_joint - 1) / (2 * n * math.log(2))
    h_s = -float(np.sum(ps[ps > 0] * np.log2(ps[ps > 0])))
    h_d = -float(np.sum(pd_[pd_ > 0] * np.log2(pd_[pd_ > 0])))
    return float(np.clip(mi, 0.0, min(h_s, h_d)))      # I ≤ min(H(sent), H(decoded))


def timing_mi_gaussian_bits(time_bins: int, jitter_over_bin: float) -> float:
    """Closed-form I(bin; decoded bin) for one neuron: uniform bin, spike at the bin centre,
    Gaussian jitter of σ = jitter_over_bin·Δt, decoding by the bin the spike falls in (edge
    bins extend to ±∞)."""
    k = int(time_bins)
    if jitter_over_bin <= 0:
        return math.log2(k)
    edges = np.arange(k + 1, dtype=float)
    edges[0], edges[-1] = -np.inf, np.inf
    centres = np.arange(k) + 0.5
    cdf = norm.cdf((edges[None, :] - centres[:, None]) / jitter_over_bin)
    cond = np.diff(cdf, axis=1)                      # P(decoded j | sent i)
    pj = cond.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(cond > 0, cond * np.log2(cond / pj[None, :]), 0.0)
    return float(terms.sum() / k)


def window_survival(time_bins: int, jitter_over_bin: float) -> float:
    """q̄: probability that a spike at the centre of a uniformly chosen bin of the window [0, K)
    stays inside it after Gaussian jitter of σ = jitter_over_bin·Δt."""
    if jitter_over_bin <= 0:
        return 1.0
    centres = np.arange(int(time_bins)) + 0.5
    stay = norm.cdf((time_bins - centres) / jitter_over_bin) - norm.cdf(-centres / jitter_over_bin)
    return float(stay.mean())


def _binary_entropy_bits(x: float) -> float:
    return 0.0 if x <= 0.0 or x >= 1.0 else float(-x * math.log2(x) - (1 - x) * math.log2(1 - x))


def window_loss_mi_bits(code: str, n: int, survival: float) -> float:
    """I(sent; decoded) of the rate or binary code read in the window when each spike survives
    independently with probability q̄: rate, m uniform on 0…n → Binomial(m, q̄); binary, n
    Z-channels with uniform input, I = n·(h(q̄/2) − h(q̄)/2)."""
    q = float(survival)
    if code == "binary":
        return n * (_binary_entropy_bits(q / 2) - 0.5 * _binary_entropy_bits(q))
    if code != "rate":
        raise ValueError(f"code: the window-loss channel is defined for rate and binary, got {code!r}")
    m = np.arange(n + 1)
    cond = binom.pmf(m[None, :], m[:, None], q)        # P(decoded k | sent m), rows sum to 1
    pk = cond.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(cond > 0, cond * np.log2(cond / pk[None, :]), 0.0)
    return float(terms.sum() / (n + 1))


# -- encoding symbols as spike times -----------------------------------------------------------
def encode_symbols(code: str, n: int, time_bins: int, repeats: int, rng) -> tuple:
    """Spike times of every trial: returns (symbols [trials] or [trials, n], times [trials, n]
    in units of Δt within the window [0, K), NaN = silent)."""
    if code == "rate":
        sym = np.repeat(np.arange(n + 1), repeats)
        order = rng.permuted(np.tile(np.arange(n), (sym.size, 1)), axis=1)
        active = np.argsort(order, axis=1) < sym[:, None]
        t = rng.integers(0, time_bins, size=(sym.size, n)) + 0.5
        return sym, np.where(active, t, np.nan)
    if code == "binary":
        sym = np.repeat(np.arange(2 ** n), repeats)
        active = (sym[:, None] >> np.arange(n)[None, :]) & 1 == 1
        t = rng.integers(0, time_bins, size=(sym.size, n)) + 0.5
        return sym, np.where(active, t, np.nan)
    if code == "timing":
        # every bin sent equally often on every neuron (a Latin arrangement across neurons)
        base = np.repeat(np.arange(time_bins), repeats)
        sym = np.stack([rng.permutation(base) for _ in range(n)], axis=1)
        return sym, sym + 0.5
    if code == "rank":
        perms = np.array(list(itertools.permutations(range(n))))
        idx = np.repeat(np.arange(len(perms)), repeats)
        ranks = perms[idx]                               # rank of each neuron
        start = (time_bins - n) / 2.0                    # centre the sequence in the window
        return idx, start + ranks + 0.5
    raise ValueError(f"code: unknown spike code {code!r}")


def decode(code: str, out_t: np.ndarray, time_bins: int) -> np.ndarray:
    """Decode from output spike times [trials, n] in units of Δt (NaN = silent). The rate and
    binary codes count the spikes inside the window [0, K); the timing code assigns spikes
    outside it to the edge bins; the rank code reads the order only."""
    fired = np.isfinite(out_t)
    in_window = fired & (np.nan_to_num(out_t, nan=-1.0) >= 0) & (np.nan_to_num(out_t, nan=-1.0) < time_bins)
    if code == "rate":
        return in_window.sum(axis=1)
    if code == "binary":
        return (in_window * (1 << np.arange(out_t.shape[1]))[None, :]).sum(axis=1)
    if code == "timing":
        return np.clip(np.floor(np.nan_to_num(out_t, nan=-1.0)), 0, time_bins - 1).astype(int)
    if code == "rank":
        ranks = np.argsort(np.argsort(np.nan_to_num(out_t, nan=np.inf), axis=1, kind="stable"),
                           axis=1, kind="stable")
        perms = {p: i for i, p in enumerate(itertools.permutations(range(out_t.shape[1])))}
        return np.array([perms[tuple(r)] for r in ranks])
    raise ValueError(f"code: unknown spike code {code!r}")


def bias_scale_bits(code: str, n: int, time_bins: int, trials: int) -> float:
    """First-order bias scale of the plug-in MI, (symbols² cells)/(2N ln 2), summed over the
    tables scored (one per neuron for the timing code): the tolerance of a finite-sample estimate."""
    cells = {"rate": (n + 1) ** 2, "binary": 4 ** n, "timing": time_bins ** 2,
             "rank": math.factorial(n) ** 2}[code]
    tables = n if code == "timing" else 1
    return tables * cells / (2 * trials * math.log(2))


def information_of(code: str, sym, decoded) -> float:
    """Bits recovered; the timing code is scored neuron by neuron (independent symbols and
    independent jitter: I(joint) = Σ_i I_i)."""
    if code == "timing":
        return float(sum(mutual_information_bits(sym[:, i], decoded[:, i]) for i in range(sym.shape[1])))
    return mutual_information_bits(sym, decoded)


# -- the relay on the Cython core ---------------------------------------------------------------
def relay_through_core(in_t_ms: np.ndarray, p: dict) -> np.ndarray:
    """Drive one relay LIF neuron per (trial, neuron) with the given spike (NaN = none) and return
    the first output spike time per relay neuron (NaN if it stayed silent)."""
    shape = in_t_ms.shape
    flat = in_t_ms.ravel()
    has = np.isfinite(flat)
    net = Network(dt_ms=p["dt_ms"], seed=p["seed"])
    relay = net.add_lif(flat.size, LIFParameters(
        tau_m_ms=p["relay_tau_m_ms"], v_rest_mV=-65.0, v_th_mV=-50.0, v_reset_mV=-65.0,
        t_ref_ms=p["relay_t_ref_ms"], tau_e_ms=p["relay_tau_syn_ms"]), name="relay")
    ids = np.flatnonzero(has)
    gen = net.add_spike_generator(flat.size, ids, flat[has], name="input")
    net.connect(gen, relay, "exc", weight=p["relay_weight_mV"], pre=np.arange(flat.size),
                post=np.arange(flat.size), delay_ms=p["dt_ms"])
    spikes = net.record_spikes(relay)
    net.run(float(np.nanmax(flat, initial=0.0)) + p["window_margin_ms"])
    t, i = spikes.t(), spikes.i()
    first = np.full(flat.size, np.nan)
    order = np.argsort(t, kind="stable")[::-1]          # earliest spike written last
    first[i[order]] = t[order]
    return first.reshape(shape)


def run_code_under_jitter(code, p, jitter_ms, rng, latency_ms):
    """One code at one jitter level through the core. Returns (symbols, decoded, n lost spikes)."""
    n, k, dt_bin = p["n_neurons"], p["time_bins"], p["bin_ms"]
    sym, t_bins = encode_symbols(code, n, k, p["repeats_per_symbol"], rng)
    t_ms = p["window_margin_ms"] + t_bins * dt_bin
    t_ms = t_ms + rng.normal(0.0, jitter_ms, size=t_ms.shape) if jitter_ms > 0 else t_ms
    out = relay_through_core(np.clip(t_ms, 0.0, None), p)
    lost = int(np.sum(np.isfinite(t_ms) & ~np.isfinite(out)))
    out_bins = (out - latency_ms - p["window_margin_ms"]) / dt_bin
    return sym, decode(code, out_bins, k), lost


def relay_latency_ms(p) -> float:
    """Latency of the relay (input spike → output spike), measured on the core."""
    out = relay_through_core(np.array([[p["window_margin_ms"]]]), p)
    if not np.isfinite(out[0, 0]):
        raise ValueError("relay_weight_mV: the relay neuron does not fire on one input spike; "
                         "raise the weight")
    return float(out[0, 0] - p["window_margin_ms"])


def jitter_model_bits(code, p, jitter_ms, repeats, rng) -> float:
    """Bits recovered by the pure jitter model (numpy, no simulator): symbols encoded, every
    spike displaced by N(0, σ²), decoded as from the relay."""
    n, k = p["n_neurons"], p["time_bins"]
    sym, t_bins = encode_symbols(code, n, k, repeats, rng)
    noisy = t_bins + rng.normal(0.0, jitter_ms / p["bin_ms"], size=t_bins.shape)
    return information_of(code, sym, decode(code, noisy, k))


def rank_mi_monte_carlo(p, jitter_ms, rng) -> float:
    """Independent numpy Monte Carlo of the rank code under Gaussian jitter (no simulator)."""
    return jitter_model_bits("rank", p, jitter_ms, p["reference_repeats"], rng)


def estimator_spread_bits(code, p, jitter_ms, rng) -> float:
    """S.d. of the plug-in estimate at the study's trial count: the jitter model run
    ``mi_spread_runs`` times with ``repeats_per_symbol`` trials per symbol."""
    if jitter_ms <= 0 or p["mi_spread_runs"] < 2:
        return 0.0
    runs = [jitter_model_bits(code, p, jitter_ms, p["repeats_per_symbol"], rng)
            for _ in range(p["mi_spread_runs"])]
    return float(np.std(runs, ddof=1))


# -- the study --------------------------------------------------------------------------------
def check_params(p: dict) -> None:
    """Relations between keys that the schema cannot express."""
    if p["enumeration_time_bins"] < p["enumeration_n_max"]:
        raise ValueError("enumeration_time_bins must be ≥ enumeration_n_max (the rank code needs "
                         f"distinct bins), got {p['enumeration_time_bins']} < {p['enumeration_n_max']}")
    if p["time_bins"] < p["n_neurons"]:
        raise ValueError(f"time_bins must be ≥ n_neurons, got {p['time_bins']} < {p['n_neurons']}")
    if p["window_margin_ms"] < 5 * max(p["jitter_ms"]):
        raise ValueError("window_margin_ms must be ≥ 5 × the largest jitter_ms so jittered spikes "
                         f"stay in the run, got {p['window_margin_ms']} < 5 × {max(p['jitter_ms'])}")
    if 0.0 not in p["jitter_ms"]:
        raise ValueError("jitter_ms must include 0 (the noiseless reference point)")


def run(params: dict, outdir: Path) -> None:
    p = dict(params)
    check_params(p)
    rng = np.random.default_rng(p["seed"])
    n, k = p["n_neurons"], p["time_bins"]
    with StudyWriter(outdir, params, seed=p["seed"], claims=declared_claims(p)) as out:
        # 1. enumeration vs closed form
        rows = []
        for code in CODES:
            for m in range(1, p["enumeration_n_max"] + 1):
                kb = p["enumeration_time_bins"]
                count = enumerate_patterns(code, m, kb)
                rows.append({"code": code, "n": m, "time_bins": kb, "patterns": count,
                             "bits_enumerated": math.log2(count),
                             "bits_formula": float(capacity_bits(code, m, kb))})
        enum = pd.DataFrame(rows)
        out.table(enum, "enumeration")
        for code in CODES:
            sub = enum[enum.code == code]
            err = float(np.max(np.abs(sub.bits_enumerated - sub.bits_formula)))
            out.claim(claim_within(
                f"enumeration_{code}", f"{code} code: distinguishable patterns = closed form "
                f"(n = 1…{p['enumeration_n_max']}, K = {p['enumeration_time_bins']})",
                "max |log₂(count) − formula|", 0.0, err, abs_tol=1e-9, unit="bits",
                source=f"closed form of the talk ({TALK})"))

        # talk's examples
        ex = []
        for m in p["example_n"]:
            ex.append({"n": m, "rate_bits": float(capacity_bits("rate", m)),
                       "binary_bits": float(capacity_bits("binary", m)),
                       f"timing_bits_K{p['example_time_bins']}": float(
                           capacity_bits("timing", m, p["example_time_bins"])),
                       "rank_bits_exact": float(capacity_bits("rank", m)),
                       "rank_bits_nlog2n": m * math.log2(m)})
        out.table(pd.DataFrame(ex), "capacity_examples", latex=True,
                  caption="Capacity (bits) of n neurons per window, the talk's four codes")

        # 2. decoding under jitter on the core
        latency = relay_latency_ms(p)
        log.info("spike_codes: relay latency %.3f ms; %d jitter levels", latency, len(p["jitter_ms"]))
        res = []
        spread_rng = np.random.default_rng([p["seed"], 1])   # apart from the main stream
        for sigma in p["jitter_ms"]:
            for code in CODES:
                sym, dec, lost = run_code_under_jitter(code, p, sigma, rng, latency)
                cap = float(capacity_bits(code, n, k))
                if code == "timing":
                    ref = n * timing_mi_gaussian_bits(k, sigma / p["bin_ms"])
                    ref_src = "closed-form Gaussian-jitter confusion"
                elif code == "rank":
                    ref = rank_mi_monte_carlo(p, sigma, rng) if sigma > 0 else cap
                    ref_src = "numpy Monte Carlo of the jitter model" if sigma > 0 else "capacity"
                else:
                    ref = window_loss_mi_bits(code, n, window_survival(k, sigma / p["bin_ms"]))
                    ref_src = WINDOW_LOSS
                bias = bias_scale_bits(code, n, k, len(sym))
                spread = estimator_spread_bits(code, p, sigma, spread_rng)
                res.append({"jitter_ms": sigma, "code": code, "capacity_bits": cap,
                            "recovered_bits": information_of(code, sym, dec),
                            "reference_bits": ref, "reference": ref_src, "lost_spikes": lost,
                            "bias_scale_bits": bias, "estimator_sd_bits": spread,
                            "tolerance_bits": bias + p["mi_agreement_z"] * spread,
                            "trials": len(sym)})
        res = pd.DataFrame(res)
        out.table(res, "decoding_vs_jitter")

        zero = res[res.jitter_ms == 0].set_index("code")     # check_params: σ = 0 is in the sweep
        for code in CODES:
            row = zero.loc[code]
            out.claim(claim_within(
                f"noiseless_{code}", f"{code} code: without jitter the core relays the full capacity",
                f"I(sent; decoded), n = {n}, K = {k}", row.capacity_bits, row.recovered_bits,
                abs_tol=1e-9, unit="bits", source=f"closed form of the talk ({TALK})"))
        noisy = res[res.jitter_ms > 0]
        mc = "numpy Monte Carlo of the jitter model (no core)"
        for code in CODES:
            sub = noisy[noisy.code == code]
            claim = (f"jitter_{code}_vs_reference", f"{code} code: bits recovered through the core "
                     "match the jitter model at every σ > 0",
                     "max over σ of |I_core − I_reference| / (bias scale + z·s.d. of the estimate)")
            source = {"timing": "closed-form Gaussian-jitter confusion", "rank": mc}.get(code, WINDOW_LOSS)
            if sub.empty:
                out.not_run(*claim, source=source, tolerance="≤ 1",
                            reason="jitter_ms has no σ > 0")
                continue
            # deviation in units of the estimator's own error (first-order bias plus z s.d. at
            # the same trial count): ≤ 1 when the core adds no error
            dev = np.abs(sub.recovered_bits - sub.reference_bits) / sub.tolerance_bits
            out.claim(claim_at_most(*claim, 1.0, float(dev.max()), source=source,
                                    note=f"bias scale cells/(2N ln 2) + z·s.d., z = {p['mi_agreement_z']:g}, "
                                         f"s.d. over {p['mi_spread_runs']} runs of the jitter model"))
        # the talk's question: at biological jitter (≈ Δt) how much of the timing code is left?
        one_bin = res[(res.code == "timing") & np.isclose(res.jitter_ms, p["bin_ms"])]
        one_bin_claims = {
            "timing_at_one_bin_jitter": ("fraction of the timing-code capacity left when the "
                                         "jitter equals the bin width (context for 'neural coding "
                                         "in biology?')", "I / C_timing at σ = Δt",
                                         "closed-form Gaussian-jitter confusion"),
            "timing_beats_rate_at_one_bin_jitter": ("even at σ = Δt the timing code carries more "
                                                    "than the population rate code",
                                                    "I_timing − C_rate",
                                                    f"closed form C_rate = log₂(n+1) ({TALK})"),
            "rank_at_one_bin_jitter": ("rank-order bits left at σ = Δt (context)", "I_rank at σ = Δt",
                                       mc),
        }
        if one_bin.empty:
            for cid, (claim, quantity, source) in one_bin_claims.items():
                out.not_run(cid, claim, quantity, source=source,
                            reason=f"jitter_ms has no σ equal to bin_ms = {p['bin_ms']:g} ms")
        else:
            r = one_bin.iloc[0]
            rank_row = res[(res.code == "rank") & np.isclose(res.jitter_ms, p["bin_ms"])].iloc[0]
            c = one_bin_claims
            out.claim(claim_info("timing_at_one_bin_jitter", *c["timing_at_one_bin_jitter"][:2],
                                 r.reference_bits / r.capacity_bits, r.recovered_bits / r.capacity_bits,
                                 source=c["timing_at_one_bin_jitter"][2]))
            out.claim(claim_at_least(
                "timing_beats_rate_at_one_bin_jitter", *c["timing_beats_rate_at_one_bin_jitter"][:2],
                0.0, r.recovered_bits - float(capacity_bits("rate", n)), unit="bits",
                source=c["timing_beats_rate_at_one_bin_jitter"][2]))
            out.claim(claim_info("rank_at_one_bin_jitter", *c["rank_at_one_bin_jitter"][:2],
                                 rank_row.reference_bits, rank_row.recovered_bits, unit="bits",
                                 source=c["rank_at_one_bin_jitter"][2]))
        out.claim(Claim("relay_latency", "latency of the relay neuron on the core (context)",
                        "input → output spike", np.nan, latency, "–", "ms", "INFO",
                        "measured on the Cython core"))
        _figures(out, p, res)


def _figures(out, p, res):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_axis = np.arange(1, p["capacity_n_max"] + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for code, label in (("rate", "population rate log₂(n+1)"), ("binary", "binary n"),
                        ("timing", f"timing n·log₂K, K = {p['example_time_bins']}"),
                        ("rank", "rank order log₂ n!")):
        ax1.plot(n_axis, capacity_bits(code, n_axis, p["example_time_bins"]), label=label)
    ax1.plot(n_axis, n_axis * np.log2(n_axis), "k:", lw=1, label="n·log₂ n")
    ax1.set(xlabel="neurons n", ylabel="bits per window", yscale="log",
            title="Representational capacity of spike codes")
    ax1.legend(frameon=False, fontsize=8)
    for code in CODES:
        sub = res[res.code == code].sort_values("jitter_ms")
        x = sub.jitter_ms / p["bin_ms"]
        line, = ax2.plot(x, sub.recovered_bits, "o-", label=f"{code} (core)")
        ax2.plot(x, sub.reference_bits, "--", color=line.get_color(), lw=1)
    ax2.set_xscale("symlog", linthresh=0.1)
    ax2.set(xlabel="jitter σ / Δt", ylabel="bits recovered",
            title=f"Decoding under jitter, n = {p['n_neurons']}, K = {p['time_bins']} (dashed: reference)")
    ax2.legend(frameon=False, fontsize=8)
    out.figure(fig, "capacity")

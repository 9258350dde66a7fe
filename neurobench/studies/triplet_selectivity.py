"""Spike-triplet selectivity and spatiotemporal receptive fields of single DYNAP-SE neurons.

Sources: Nilsson, Liwicki & Sandin, "Synaptic Integration of Spatiotemporal Features with a
Dynamic Neuromorphic Processor", IJCNN 2020, arXiv 2002.04924 (several E–I pairs, one inhibitory
synapse shared by several excitatory ones, one neuron selective to a spatiotemporal pattern);
"Spatiotemporal Spike-Pattern Selectivity in Single Mixed-Signal Neurons with Balanced Synapses"
(2021 preprint; attribution to the talk's ICONS 2022 citation unverified): 5-dimensional receptive
fields mapped with uniformly sampled input patterns; re-tuning by activating another subset of
synapse circuits.

Triplet detector. Inputs A and B drive delay elements, input C excites directly (AMPA). On
DYNAP-SE1 both elements use the neuron's one GABA_B circuit (the shared inhibitory synapse) and
its one NMDA circuit, each with its own CAM multiplicities. For the pattern A at 0, B at Δ1,
C at Δ1 + Δ2 the delayed excitations of A and B peak together when C arrives if
t_p,A = Δ1* + Δ2* + lead and t_p,B = Δ2* + lead. Tuning (``dynapse.selectivity``): bisection of m_inh
of A and of B on their measured peaks, then bisection of the direct weight m_C for the smallest
drive that fires on the tuned triplet. The response is mapped over a grid of (Δ1, Δ2).

Receptive fields. Neurons with ``rf_inputs`` delay-element inputs whose inhibitory multiplicities
are drawn at random (a random choice of synapse circuits / CAM entries) receive uniformly sampled
patterns (one spike per input in ``rf_window_ms``). A neuron's receptive field is the mean
pattern (times relative to their mean) of the patterns it fired on minus that of the others. Distinctness: the RF distance
between different neurons vs the split-half distance of one neuron's RF (sampling noise).
Re-tuning: the same neurons (same mismatch) with a new random draw of multiplicities.

Held-out chips. The triplet search runs on the tuning chip only; the response maps and the
receptive fields are measured on ``held_out_chips`` other emulated chips (mismatch seeds) with
the tuning chip's bias file and CAM configuration, and the receptive fields with patterns drawn
for each chip; the claims are stated on the mean over these chips with the spread.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from neurobench.data import pulse_trains as pt
from neurobench.dynapse import BiasSet
from neurobench.report import StudyWriter, claim_at_least, claim_info, claim_within
from neurobench.report.held_out import claim_over_instances
from neurobench.dynapse import selectivity as sel

log = logging.getLogger("neurobench")

T0_MS = 5.0
SOURCE = sel.NILSSON2020
RF_SOURCE = ("Spatiotemporal Spike-Pattern Selectivity in Single Mixed-Signal Neurons with Balanced "
             "Synapses (2021 preprint; attribution unverified)")


def declared_claims(params: dict) -> dict[str, str]:
    """Claim id → kind. Per tuned pair: where the map peaks on held-out chips against the tuning
    chip's target (verification: the suite's own target) and the selectivity (literature: one
    neuron selective to a spatiotemporal pattern, Nilsson et al. 2020); receptive fields
    (literature, attribution of the source unverified)."""
    claims = {}
    for d1, d2 in np.asarray(params["target_pairs_ms"], float).reshape(-1, 2):
        claims[f"map_peak_{d1:g}_{d2:g}ms"] = "verification"
        claims[f"selectivity_{d1:g}_{d2:g}ms"] = "literature"
    claims.update(tuning_balanced="verification", rf_distinct="literature",
                  rf_retuning_moves="literature")
    return claims


def core_biases(p, n_cores, tau_e, tau_i) -> dict:
    base = BiasSet.default().replace(**sel.biases_from_config(p))
    return {(0, c): sel.delay_biases(base, tau_e[c], tau_i[c], p["w_exc"], p["w_inh"])
            for c in range(n_cores)}


def triplet_inputs(p, m_inh_a, m_inh_b, m_c):
    n = np.size(m_inh_a)
    return [{"kind": "delay", "m_exc": np.full(n, p["m_exc"]), "m_inh": m_inh_a},
            {"kind": "delay", "m_exc": np.full(n, p["m_exc"]), "m_inh": m_inh_b},
            {"kind": "direct", "m": m_c}]


def triplet_times(d1, d2, starts):
    """(neurons, 3, trials) spike times of A, B, C for per-neuron intervals d1, d2 (arrays
    (neurons, trials)) in trials starting at ``starts``."""
    a = starts + T0_MS
    return np.stack([a, a + d1, a + d1 + d2], axis=1)


def tune(p, seed, gids, biases, d1_t, d2_t):
    n = gids.size
    gap = p["tuning_gap_ms"]
    hi = (64 - 2 * p["m_exc"] - p["m_c_max"]) // 2
    zero = np.zeros(n, np.int64)
    nan = np.full((n, 1), np.nan)

    def peaks(m):                      # m: (2n,) = m_inh of A ; of B
        times = np.concatenate([np.full((n, 1, 1), T0_MS), np.full((n, 1, 1), T0_MS + gap),
                                nan[:, :, None]], axis=1)
        _, _, pr = sel.run_inputs(p, seed, biases, gids, triplet_inputs(p, m[:n], m[n:], zero),
                                  times, 2 * gap, probe=True, leak=p["membrane_leak"])
        lp = sel.lobe_peaks(pr, [T0_MS, T0_MS + gap], gap - T0_MS)
        return np.concatenate([lp[0], lp[1]])

    targets = np.concatenate([d1_t + d2_t + p["lead_ms"], d2_t + p["lead_ms"]])
    log.info("triplet_selectivity: delay stage, chip seed %d", seed)
    m_inh, lat, _ = sel.bisect_multiplicity(peaks, targets, 1, hi, max_iter=p["tuning_iterations"])
    m_a, m_b = m_inh[:n], m_inh[n:]

    def fires(m_c):
        times = triplet_times(d1_t[:, None], d2_t[:, None], np.zeros((n, 1)))
        _, ev, _ = sel.run_inputs(p, seed, biases, gids, triplet_inputs(p, m_a, m_b, m_c),
                                  times, gap, leak=p["membrane_leak"])
        return ev.counts(gids.max() + 1)[gids] > 0

    log.info("triplet_selectivity: balance stage (direct weight of C)")
    m_c, ok = sel.bisect_threshold(fires, np.ones(n, np.int64), np.full(n, p["m_c_max"]),
                                   max_iter=p["tuning_iterations"])
    return m_a, m_b, m_c, lat[:n], lat[n:], ok


def response_map(p, seed, gids, biases, m_a, m_b, m_c):
    grid = np.asarray(p["map_intervals_ms"], float)
    d1, d2 = np.meshgrid(grid, grid, indexing="ij")
    d1, d2 = d1.ravel(), d2.ravel()
    trial = p["trial_ms"]
    starts = np.arange(d1.size) * trial
    n = gids.size
    times = triplet_times(np.broadcast_to(d1, (n, d1.size)), np.broadcast_to(d2, (n, d1.size)),
                          np.broadcast_to(starts, (n, d1.size)))
    board, ev, _ = sel.run_inputs(p, seed, biases, gids, triplet_inputs(p, m_a, m_b, m_c), times,
                                  d1.size * trial, leak=p["membrane_leak"])
    return d1, d2, sel.window_counts(ev, gids, starts, trial), board


def receptive_fields(p, seed, rng, m_inh, patterns):
    """Responses of the RF neurons (one core) to the patterns; m_inh (neurons, inputs)."""
    n, k = m_inh.shape
    per_core = 1024 // k if k > 4 else 256          # CAM tags: k per neuron, unique per core
    gids = (np.arange(n) // per_core) * 256 + np.arange(n) % per_core
    if n > 4 * per_core:
        raise ValueError(f"triplet_selectivity: rf_neurons must be ≤ {4 * per_core} for {k} inputs")
    biases = core_biases(p, 4, [p["rf_tau_e_ms"]] * 4, [p["rf_tau_i_ms"]] * 4)
    biases = {key: b.replace(PS_WEIGHT_EXC_S_N=tuple(p["rf_w_exc"]), PS_WEIGHT_INH_S_N=tuple(p["rf_w_inh"]))
              for key, b in biases.items()}
    inputs = [{"kind": "delay", "m_exc": np.full(n, p["rf_m_exc"]), "m_inh": m_inh[:, i]}
              for i in range(k)]
    trial = p["rf_trial_ms"]
    starts = np.arange(len(patterns)) * trial
    times = np.broadcast_to((starts[:, None] + T0_MS + patterns).T[None], (n, k, len(patterns)))
    board, ev, _ = sel.run_inputs(p, seed, biases, gids, inputs, times, len(patterns) * trial,
                                  leak=p["membrane_leak"])
    return sel.window_counts(ev, gids, starts, trial), board      # (patterns, neurons)


def rf_vectors(counts, patterns, min_responses):
    """Receptive field of each neuron: mean centred pattern of the patterns it fired on minus
    that of the patterns it did not fire on (ms per input); NaN rows where either group has
    fewer than ``min_responses`` patterns (a silent or saturated neuron shows no preference)."""
    centred = patterns - patterns.mean(axis=1, keepdims=True)
    w = (counts > 0).astype(float)                       # (patterns, neurons)
    nres = w.sum(axis=0)
    nnot = w.shape[0] - nres
    mean_on = (w.T @ centred) / np.where(nres > 0, nres, 1)[:, None]
    mean_off = ((1 - w).T @ centred) / np.where(nnot > 0, nnot, 1)[:, None]
    rf = mean_on - mean_off
    rf[(nres < min_responses) | (nnot < min_responses)] = np.nan
    return rf, nres


def map_measures(p, pairs, gids, d1, d2, counts) -> pd.DataFrame:
    """Per tuned pair of one chip: the distance of the centre of the map's top (≥ 90 % of its
    maximum, as in pair_selectivity) from the tuned pair and the selectivity index (NaN where
    the tuned pair is not on the map grid)."""
    rows = []
    for c, (t1, t2) in enumerate(pairs):
        r = counts[:, gids // 256 == c].mean(axis=1)
        top = r >= 0.9 * r.max()
        dist = float(np.hypot(d1[top].mean() - t1, d2[top].mean() - t2)) if r.max() > 0 else np.nan
        at = np.isclose(d1, t1) & np.isclose(d2, t2)
        off = r[np.hypot(d1 - t1, d2 - t2) >= p["off_distance_ms"]].mean()
        si = float(sel.selectivity_index(r[at][0], off)) if at.any() else np.nan
        rows.append({"pair": f"{t1:g}_{t2:g}ms", "map_peak_distance_ms": dist, "selectivity_index": si})
    return pd.DataFrame(rows)


def rf_measures(p, cnt0, cnt1, patterns):
    """Receptive fields of one chip under two random CAM configurations; returns the two RF
    arrays, the response counts, and (distinctness ratio, re-tuning ratio): median RF distance
    between neurons, and median RF move after re-tuning, each over the median split-half
    distance within a neuron (sampling noise)."""
    half = np.arange(len(patterns)) % 2 == 0
    m_half = max(1, p["rf_min_responses"] // 2)
    rf0, n0 = rf_vectors(cnt0, patterns, p["rf_min_responses"])
    rf1, n1 = rf_vectors(cnt1, patterns, p["rf_min_responses"])
    rf_a, _ = rf_vectors(cnt0[half], patterns[half], m_half)
    rf_b, _ = rf_vectors(cnt0[~half], patterns[~half], m_half)
    split = np.linalg.norm(rf_a - rf_b, axis=1)
    good = np.isfinite(rf0).all(axis=1)
    idx = np.flatnonzero(good)
    between = [np.linalg.norm(rf0[i] - rf0[j]) for a, i in enumerate(idx) for j in idx[a + 1:]]
    sp = split[good & np.isfinite(split)]
    distinct = float(np.median(between) / np.median(sp)) if len(between) and sp.size else np.nan
    both = good & np.isfinite(rf1).all(axis=1) & np.isfinite(split)
    moved = np.linalg.norm(rf1[both] - rf0[both], axis=1)
    retune = float(np.median(moved) / np.median(split[both])) if both.any() else np.nan
    return rf0, rf1, n0, n1, both, distinct, retune


def layout(p):
    """(tuned pairs, gids, per-neuron Δ1*, Δ2*, core biases): one core per tuned pair."""
    pairs = np.asarray(p["target_pairs_ms"], float).reshape(-1, 2)
    if not 1 <= len(pairs) <= 4:
        raise ValueError("triplet_selectivity: target_pairs_ms needs 1–4 (Δ1, Δ2) pairs (one core each)")
    gids = np.arange(256 * len(pairs))
    biases = core_biases(p, len(pairs), p["tau_e_ms"], p["tau_i_ms"])
    return pairs, gids, pairs[gids // 256, 0], pairs[gids // 256, 1], biases


# -- the sweep over chips: tune on the tuning chip, evaluate on held-out chips ----------------
def tune_chip(params: dict) -> dict:
    """The triplet search on the tuning chip and the random CAM configurations of the receptive
    fields (one Snakemake job); the tuned map is measured on the tuning chip too (role
    "tuning": reported beside the held-out chips, never scored)."""
    p = dict(params)
    pairs, gids, d1_t, d2_t, biases = layout(p)
    chip = sel.tuning_chip(p)
    m_a, m_b, m_c, p_a, p_b, ok = tune(p, chip, gids, biases, d1_t, d2_t)
    tuning = pd.DataFrame({"gid": gids, "delta1_ms": d1_t, "delta2_ms": d2_t, "m_inh_a": m_a,
                           "m_inh_b": m_b, "m_direct_c": m_c, "peak_a_ms": p_a, "peak_b_ms": p_b,
                           "balanced": ok})
    rng = np.random.default_rng(int(p["seed"]))
    lo, hi = p["rf_m_inh_range"]
    m_rf = [rng.integers(lo, hi + 1, size=(int(p["rf_neurons"]), int(p["rf_inputs"])))
            for _ in range(2)]
    tuned = {"chip": chip, "m": (m_a, m_b, m_c), "m_rf": m_rf, "tuning": tuning}
    return dict(chip_map(p, 0, tuned), **tuned)


def chip_map(p, index, tuned) -> dict:
    """The (Δ1, Δ2) response map of the tuned configuration on chip ``index``."""
    pairs, gids, _, _, biases = layout(p)
    chip = sel.chip_seed(p, index)
    role = "tuning" if index == 0 else "held_out"
    log.info("triplet_selectivity: response map, chip seed %d (%s)", chip, role)
    d1, d2, counts, board = response_map(p, chip, gids, biases, *tuned["m"])
    rows = [pd.DataFrame({"role": role, "chip_seed": chip, "target_delta1_ms": t1,
                          "target_delta2_ms": t2, "delta1_ms": d1, "delta2_ms": d2,
                          "mean_spikes": counts[:, gids // 256 == c].mean(axis=1),
                          "p_spike": (counts[:, gids // 256 == c] > 0).mean(axis=1)})
            for c, (t1, t2) in enumerate(pairs)]
    return {"chip": chip, "index": index, "map": pd.concat(rows, ignore_index=True),
            "measures": map_measures(p, pairs, gids, d1, d2, counts).assign(role=role, chip_seed=chip),
            "biases": sel.board_biases(board)}


def run_chip(params: dict, index: int, tuned: dict) -> dict:
    """Held-out chip ``index``: the tuned response map, and the receptive fields of the two
    random CAM configurations under patterns drawn for this chip."""
    p = dict(params)
    result = chip_map(p, index, tuned)
    chip, k_in = result["chip"], int(p["rf_inputs"])
    crng = sel.chip_rng(p, index)
    patterns = pt.random_patterns(int(p["rf_patterns"]), k_in, p["rf_window_ms"], crng)
    log.info("triplet_selectivity: receptive fields, chip seed %d", chip)
    cnt = [receptive_fields(p, chip, crng, m, patterns)[0] for m in tuned["m_rf"]]
    rf0, rf1, n0, n1, both, distinct, retune = rf_measures(p, cnt[0], cnt[1], patterns)
    rf = pd.DataFrame({"chip_seed": chip, "neuron": np.arange(rf0.shape[0]), "responses": n0,
                       "responses_retuned": n1, **{f"rf_input{i}_ms": rf0[:, i] for i in range(k_in)},
                       **{f"rf_retuned_input{i}_ms": rf1[:, i] for i in range(k_in)}})
    return dict(result, rf=rf, rf_shown=(rf0, rf1, both),
                rf_measures={"chip_seed": chip, "rf_distinct_ratio": distinct,
                             "rf_retuning_ratio": retune, "rf_neurons_used": int(both.sum())})


def run(params: dict, outdir: Path, tuned=None, chunks=None) -> None:
    """The study; ``tuned`` is the :func:`tune_chip` result and ``chunks`` the files of the
    held-out :func:`run_chip` jobs (all computed here when None)."""
    p = dict(params)
    pairs = layout(p)[0]
    with StudyWriter(outdir, params, seed=int(p["seed"]), claims=declared_claims(p)) as out:
        tuned, held = sel.tuning_and_held_out(p, tune_chip, run_chip, tuned, chunks)
        out.json(tuned["biases"], "biases")          # the one bias file, tuned on the tuning chip
        tuning = tuned["tuning"]
        out.table(tuning, "tuning")
        rmap_all = pd.concat([c["map"] for c in [tuned] + held], ignore_index=True)
        out.table(rmap_all, "response_map")
        maps = pd.concat([c["measures"] for c in [tuned] + held], ignore_index=True)
        rf_chips = pd.DataFrame([c["rf_measures"] for c in held])
        out.table(pd.concat([c["rf"] for c in held], ignore_index=True), "receptive_fields")
        m_rf = tuned["m_rf"]
        out.table(pd.DataFrame({"neuron": np.arange(m_rf[0].shape[0]),
                                **{f"m_inh_input{i}": m_rf[0][:, i] for i in range(m_rf[0].shape[1])},
                                **{f"m_inh_retuned_input{i}": m_rf[1][:, i] for i in range(m_rf[1].shape[1])}}),
                  "receptive_field_configurations")
        chips = sel.chips_table(maps, ["map_peak_distance_ms", "selectivity_index"], "pair")
        out.table(chips.merge(rf_chips, on="chip_seed", how="left"), "held_out_chips")
        _claims(out, p, pairs, maps[maps["role"] == "held_out"], rf_chips, tuned["chip"],
                rmap_all["delta1_ms"].to_numpy())
        out.claim(claim_info("tuning_balanced", "share of neurons the balance search made fire on "
                             "their triplet (tuning chip)", "fraction", np.nan,
                             float(tuning["balanced"].mean()), source="tuning search"))
        rmap = (rmap_all[rmap_all["role"] == "held_out"]
                .groupby(["target_delta1_ms", "target_delta2_ms", "delta1_ms", "delta2_ms"])
                [["mean_spikes", "p_spike"]].mean().reset_index())
        _figures(out, p, rmap, pairs, tuning, *held[0]["rf_shown"])


def _claims(out, p, pairs, maps, rf_chips, tuning_seed, d1):
    """The scored claims, on the held-out chips (``maps``: one row per chip and pair)."""
    held = (f"tuned on chip seed {tuning_seed}, measured on held-out chips (same bias file and "
            "CAM configuration, new mismatch)")
    grid = np.unique(d1)
    grid_step = float(np.min(np.diff(grid))) if grid.size > 1 else 0.0
    for t1, t2 in pairs:
        tag = f"{t1:g}_{t2:g}ms"
        g = maps[maps["pair"] == tag]
        out.claim(claim_over_instances(
            claim_within, f"map_peak_{tag}", f"on chips it was not tuned on, the (Δ1, Δ2) response "
            f"map still peaks at the tuned pair ({t1:g}, {t2:g}) ms", "distance of the centre of "
            "the map's top (≥ 90 % of the maximum) from the tuned pair", 0.0,
            g["map_peak_distance_ms"], abs_tol=max(p["peak_tol_ms"], grid_step), unit="ms",
            source=f"{SOURCE}; {held}; reference: the tuning target of the tuning chip only"))
        claim = "the neuron is selective to its triplet (peak vs off-peak)"
        quantity = f"SI, off: ≥ {p['off_distance_ms']:g} ms from the tuned pair in (Δ1, Δ2)"
        if np.isclose(grid, t1).any() and np.isclose(grid, t2).any():
            out.claim(claim_over_instances(
                claim_at_least, f"selectivity_{tag}", claim, quantity, p["si_bar"],
                g["selectivity_index"], source=f"{SOURCE}; {held}; bar: project choice"))
        else:
            out.not_run(f"selectivity_{tag}", claim, quantity, reference=p["si_bar"],
                        reason=f"the tuned pair ({t1:g}, {t2:g}) ms is not on map_intervals_ms",
                        source=SOURCE)
    out.claim(claim_over_instances(
        claim_at_least, "rf_distinct", "randomly configured neurons have distinct receptive fields",
        "median RF distance between neurons / median split-half distance within a neuron",
        p["rf_distinct_bar"], rf_chips["rf_distinct_ratio"],
        source=RF_SOURCE + "; patterns drawn per held-out chip; bar: project choice",
        note=f"neurons with ≥ {p['rf_min_responses']} responses"))
    out.claim(claim_over_instances(
        claim_at_least, "rf_retuning_moves", "re-tuning (another random subset of CAM entries on "
        "the same neuron) moves its preferred pattern", "median |RF_retuned − RF| / median "
        "split-half distance (same neurons)", p["rf_distinct_bar"], rf_chips["rf_retuning_ratio"],
        source=RF_SOURCE + "; patterns drawn per held-out chip; bar: project choice"))


def _figures(out, p, rmap, pairs, tuning, rf0, rf1, both):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(pairs)
    fig, axes = plt.subplots(1, n, figsize=(4.5 * n, 4), squeeze=False)
    for c in range(n):
        g = rmap[(rmap["target_delta1_ms"] == pairs[c, 0]) & (rmap["target_delta2_ms"] == pairs[c, 1])]
        piv = g.pivot(index="delta2_ms", columns="delta1_ms", values="mean_spikes")
        ax = axes[0, c]
        im = ax.pcolormesh(piv.columns, piv.index, piv.values, shading="nearest", cmap="magma")
        ax.plot(pairs[c, 0], pairs[c, 1], "c+", ms=14, mew=2)
        ax.set(xlabel="Δ1 (A → B, ms)", ylabel="Δ2 (B → C, ms)",
               title=f"tuned to ({pairs[c, 0]:g}, {pairs[c, 1]:g}) ms")
        fig.colorbar(im, ax=ax, label="mean spikes")
    out.figure(fig, "triplet_map")

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    idx = np.flatnonzero(both)[:8]
    for i in idx:
        line, = axes[0].plot(rf0[i], "o-")
        axes[0].plot(rf1[i], "s--", color=line.get_color())
    axes[0].set(xlabel="input", ylabel="preferred spike time − mean (ms)",
                title="receptive fields (solid) and after re-tuning (dashed)")
    axes[1].scatter(rf0[both, 0], rf0[both, -1], s=8, label="configuration 1")
    axes[1].scatter(rf1[both, 0], rf1[both, -1], s=8, label="re-tuned")
    axes[1].set(xlabel="RF of input 0 (ms)", ylabel=f"RF of input {rf0.shape[1] - 1} (ms)",
                title="receptive fields over neurons")
    axes[1].legend(frameon=False)
    out.figure(fig, "receptive_fields")

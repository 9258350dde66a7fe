"""The cricket auditory feature detector on the DYNAP-SE emulator: delay line and coincidence
detector for the pulse period of the calling song.

Sources: Schöneich, Kostarakos & Hedwig, Sci. Adv. 1:e1500325 (2015) and Kostarakos & Hedwig,
J. Neurosci. 32:9601 (2012) (abstracts): the ascending neuron AN1 copies the song's pulse
pattern; the inhibitory LN2 drives the non-spiking LN5, whose post-inhibitory rebound is a
delayed excitation; LN3 fires when AN1's direct and LN5's delayed response coincide; LN4 is the
sparse feature detector. Sandin & Nilsson, Front. Neurosci. 14:150 (2020), built this network on
DYNAP-SE with one disynaptic delay element standing in for LN5 and its rebound (a non-spiking
neuron cannot be routed on the chip). The wiring used here (after the project notes, unverified
in detail): AN1 → LN2 (exc), LN2 → [GABA_B + NMDA delay element] → LN3, AN1 → LN3 (direct,
fast AMPA), LN3 → LN4 (exc), LN2 ⊣ LN4 (GABA_B). Reference period: Gryllus bimaculatus sings
pulses of about 20 ms at a pulse period of about 40 ms, and the detector and phonotaxis are tuned
to it (project reference notes, citing the papers above; the exact value and the behavioural
tuning curve are not verified here, so only the species period is drawn).

Layout: one chip; LN2, LN3 and LN4 of circuit instance j are neuron j of cores 0, 1 and 2 (the
core biases are those of the neuron type); instance j has its own AN1 channel, so 256 mismatch
instances run at once. AN1 spikes: a burst every ``an1_spike_interval_ms`` while a pulse lasts
(pulses of ``pulse_ms``, at most half the period).

Tuning, on the tuning chip only (``dynapse.selectivity``), from the delay element's own target
and never from the period the circuit is scored on: LN5's post-inhibitory rebound develops over
35–70 ms (Zhang & Hedwig, Front. Cell. Neurosci. 16:1010740, 2022, abstract; config
``ln5_rebound_range_ms``), so per instance the delay element's inhibitory multiplicity is found
by bisection such that LN3's net slow current after one pulse peaks at the middle of that range,
d* (52.5 ms), after the pulse onset. AN1's direct drive of a pulse peaks about ``lead_ms`` (half
a pulse) after its onset, so direct and delayed input coincide for pulses d* − lead apart; the
direct AN1 → LN3 weight is the smallest drive at which LN3 fires on the second of two pulses
that far apart, and the LN3 → LN4 weight the smallest at which LN4 fires on a chirp with that
interval. The preference for the species' period then has to emerge: it is scored, as a
literature claim, on held-out chips (other mismatch seeds with the tuning chip's bias file and
CAM configuration), with the spread over chips.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from neurobench.data import pulse_trains as pt
from neurobench.dynapse import AEREvents, BiasSet
from neurobench.report import StudyWriter, claim_at_most, claim_info, claim_within
from neurobench.report.held_out import claim_over_instances
from neurobench.dynapse import selectivity as sel

log = logging.getLogger("neurobench")

T0_MS = 10.0
LN2, LN3, LN4 = 0, 1, 2      # cores
AN1_TAG0 = 768               # AN1 channels carry core-3 tags: no board neuron of core 3 is a source
SOURCE = ("Schöneich, Kostarakos & Hedwig, Sci. Adv. 2015; Sandin & Nilsson, Front. Neurosci. "
          "14:150 (2020)")
PERIOD_SOURCE = ("G. bimaculatus pulse period ≈ 40 ms (project reference notes citing Schöneich "
                 "et al. 2015; value unverified here)")
BAND_PASS_SOURCE = ("Kostarakos & Hedwig, J. Neurosci. 32:9601 (2012): the brain neurons' temporal "
                    "tuning matches the band-pass phonotaxis; Schöneich et al. 2015")
COINCIDENCE_SOURCE = ("Schöneich, Kostarakos & Hedwig, Sci. Adv. 1:e1500325 (2015), abstract: LN3 "
                      "responds when the direct and the delayed response coincide")
LN5_SOURCE = ("LN5 rebound develops over 35–70 ms (Zhang & Hedwig, Front. Cell. Neurosci. "
              "16:1010740, 2022, abstract)")


def declared_claims(params: dict) -> dict[str, str]:
    """Claim id → kind. The period preference, band-pass and LN3's coincidence detection are
    published findings (literature); that irregular or reversed trains at the species period
    drive LN4 less follows from the circuit's construction and is cited from no measurement
    (verification), as is the tuning's coverage."""
    return {"ln4_peak_period": "literature", "ln4_band_pass": "literature",
            "ln3_coincidence": "literature", "irregular_less": "verification",
            "reversed_less": "verification", "tuning_ln3_balanced": "verification"}


def delay_target_ms(p) -> float:
    """d*: the peak of the delayed excitation after a pulse onset, the middle of LN5's rebound."""
    lo, hi = p["ln5_rebound_range_ms"]
    if not 0 < lo <= hi:
        raise ValueError(f"cricket: ln5_rebound_range_ms must be 0 < lo ≤ hi, got {[lo, hi]}")
    return 0.5 * (lo + hi)


def circuit_biases(p) -> dict:
    base = BiasSet.default().replace(**sel.biases_from_config(p))
    ln3 = sel.delay_biases(base, p["tau_e_ms"], p["tau_i_ms"], p["w_exc"], p["w_inh"])
    ln4 = base.replace(**sel.biases_from_config(p, "ln4_"))
    return {(0, LN2): base, (0, LN3): ln3, (0, LN4): ln4}


def instance_gids(n: int):
    """(LN2, LN3, LN4) global ids of instances 0 … n − 1."""
    j = np.arange(n)
    return LN2 * 256 + j, LN3 * 256 + j, LN4 * 256 + j


def build(p, seed, m, an1_times):
    """The board with n = len(an1_times) circuits wired; ``m`` maps connection → multiplicities
    (arrays over instances); ``an1_times[j]`` are the AN1 spike times (ms) of instance j."""
    n = len(an1_times)
    board = sel.make_board(p, seed, circuit_biases(p))
    ln2, ln3, ln4 = instance_gids(n)
    board.select_leak(ln3, p["ln3_leak"])
    t = np.concatenate([np.asarray(x, float) for x in an1_times]) if n else np.empty(0)
    ch = np.concatenate([np.full(len(x), j) for j, x in enumerate(an1_times)]) if n else np.empty(0, int)
    stim = sel.Stimulus(t, ch, n, AN1_TAG0 + np.arange(n))
    an1 = np.arange(n)
    conns = [sel.Connection(an1, ln2, "AMPA", m["an1_ln2"]),
             sel.Connection(an1, ln3, "AMPA", m["an1_ln3"]),
             sel.Connection(ln2, ln3, "GABA_B", m["ln2_ln3_inh"], from_input=False),
             sel.Connection(ln2, ln3, "NMDA", m["ln2_ln3_exc"], from_input=False),
             sel.Connection(ln3, ln4, "AMPA", m["ln3_ln4"], from_input=False),
             sel.Connection(ln2, ln4, "GABA_B", m["ln2_ln4"], from_input=False)]
    return board, stim, conns


def an1_spikes(p, onsets_ms, period_ms):
    """AN1 burst spikes for pulse onsets at a given (mean) period."""
    return pt.pulses_to_spikes(onsets_ms, min(p["pulse_ms"], 0.5 * period_ms), p["an1_spike_interval_ms"])


def simulate_circuit(p, seed, m, an1_times, duration_ms, probe=None):
    board, stim, conns = build(p, seed, m, an1_times)
    events, pr = sel.simulate(board, stim, conns, duration_ms, probe_gids=probe,
                              probe_every_us=p["probe_every_us"] if probe is not None else None)
    return board, events, pr


def default_multiplicities(p, n):
    return {"an1_ln2": np.full(n, p["m_an1_ln2"]), "an1_ln3": np.full(n, 1),
            "ln2_ln3_inh": np.full(n, 1), "ln2_ln3_exc": np.full(n, p["m_ln2_ln3_exc"]),
            "ln3_ln4": np.full(n, 1), "ln2_ln4": np.full(n, p["m_ln2_ln4"])}


def tune(p, seed, n):
    """The three-stage search of the module docstring; returns multiplicities and a table."""
    m = default_multiplicities(p, n)
    ln2, ln3, ln4 = instance_gids(n)
    d_star = delay_target_ms(p)
    P = d_star - p["lead_ms"]          # pulse interval at which direct and delayed input meet
    if P <= 0:
        raise ValueError(f"cricket: lead_ms must be shorter than the delay target {d_star:g} ms")
    gap = p["tuning_gap_ms"]
    one_pulse = [an1_spikes(p, [T0_MS], P)] * n

    # without the direct input and LN4 weights only the delay element acts on LN3
    def peak_time(m_inh):
        mm = dict(m, ln2_ln3_inh=m_inh, an1_ln3=np.zeros(n, int), ln3_ln4=np.zeros(n, int))
        _, _, pr = simulate_circuit(p, seed, mm, one_pulse, gap, probe=ln3)
        t = pr.t_us * 1e-3
        net = pr.isyn("NMDA") - pr.isyn("GABA_B")
        tz = sel.zero_crossings(t, net, T0_MS, gap - T0_MS)
        tp, _ = sel.peak_after(t, net, T0_MS, gap - T0_MS)
        return np.where(np.isfinite(tz), tp, np.nan)

    hi = 64 - p["m_ln2_ln3_exc"] - p["m_direct_max"]
    log.info("cricket: delay stage (LN2 → LN3 element), chip seed %d", seed)
    m["ln2_ln3_inh"], t_peak, _ = sel.bisect_multiplicity(
        peak_time, np.full(n, d_star), 1, hi, max_iter=p["tuning_iterations"])

    two = [an1_spikes(p, [T0_MS, T0_MS + P], P)] * n

    def ln3_fires(m_direct):
        mm = dict(m, an1_ln3=m_direct, ln3_ln4=np.zeros(n, int))
        _, ev, _ = simulate_circuit(p, seed, mm, two, T0_MS + 2 * P + 30)
        return ev.counts(3 * 256)[ln3] > 0

    log.info("cricket: balance stage (AN1 → LN3 direct weight)")
    m_d, ok3 = sel.bisect_threshold(ln3_fires, np.ones(n, np.int64), np.full(n, p["m_direct_max"]),
                                    max_iter=p["tuning_iterations"])
    m["an1_ln3"] = m_d

    chirp = [an1_spikes(p, pt.pulse_train(P, p["n_pulses"], T0_MS), P)] * n

    def ln4_fires(m_out):
        _, ev, _ = simulate_circuit(p, seed, dict(m, ln3_ln4=m_out), chirp,
                                    T0_MS + p["n_pulses"] * P + 50)
        return ev.counts(3 * 256)[ln4] > 0

    log.info("cricket: balance stage (LN3 → LN4 weight)")
    m_o, ok4 = sel.bisect_threshold(ln4_fires, np.ones(n, np.int64), np.full(n, p["m_ln3_ln4_max"]),
                                    max_iter=p["tuning_iterations"])
    m["ln3_ln4"] = np.minimum(m_o + p["ln4_drive_margin"], p["m_ln3_ln4_max"])
    table = pd.DataFrame({"seed": seed, "instance": np.arange(n), **{k: v for k, v in m.items()},
                          "ln3_peak_ms": t_peak, "ln3_peak_target_ms": d_star,
                          "ln3_balanced": ok3, "ln4_balanced": ok4})
    return m, table


def stimuli(p, rng, n):
    """Trials: regular trains over the pulse periods, then irregular and jittered trains at the
    species period. Returns (trial list of dicts, per-instance AN1 spike times, duration)."""
    trials, t0 = [], 0.0
    per_inst = [[] for _ in range(n)]

    def add(kind, period, onsets_fn, jitter_ms=0.0):
        nonlocal t0
        on = onsets_fn(t0 + T0_MS)
        end = on.max() + p["pulse_ms"] + p["trial_tail_ms"]
        for j in range(n):
            sp = an1_spikes(p, on, period)
            if jitter_ms > 0:
                sp = np.sort(pt.jitter(sp, jitter_ms, rng))
            per_inst[j].append(sp)
        trials.append({"kind": kind, "period_ms": period, "start_ms": t0, "length_ms": end - t0,
                       "first_onset_ms": on.min(), "second_onset_ms": np.sort(on)[1] if on.size > 1 else np.nan})
        t0 = end

    k = p["n_pulses"]
    for P in p["periods_ms"]:
        add("regular", P, lambda s, P=P: pt.pulse_train(P, k, s))
    P = p["species_period_ms"]
    for r in range(p["n_irregular"]):
        onsets = pt.irregular_train(P, k, p["irregular_cv"], rng, min_gap_ms=0.5 * P)
        add("irregular", P, lambda s, o=onsets: s + o)
        add("irregular_reversed", P, lambda s, o=onsets: s + pt.reversed_train(o))
    for sig in p["jitter_ms"]:
        add(f"jitter_{sig:g}ms", P, lambda s: pt.pulse_train(P, k, s), jitter_ms=sig)
    times = [np.concatenate(x) for x in per_inst]
    return pd.DataFrame(trials), times, t0


def tune_chip(params: dict) -> dict:
    """The tuning search on the tuning chip (one Snakemake job), then every song played to that
    chip too (role "tuning": reported beside the held-out chips, never scored)."""
    p = dict(params)
    n = n_instances(p)
    m, table = tune(p, sel.tuning_chip(p), n)
    return dict(run_chip(p, 0, {"m": m}), m=m, tuning=table)


def n_instances(p) -> int:
    n = int(p["n_instances"])
    if not 1 <= n <= 256:
        raise ValueError(f"cricket: n_instances must lie in 1–256 (one core per neuron type), got {n}")
    return n


def run_chip(params: dict, index: int, tuned: dict) -> dict:
    """Play every song to emulated chip ``index`` with the tuning chip's bias file and CAM
    configuration ``tuned['m']`` (chip 0 is the tuning chip; 1 … are held out)."""
    p = dict(params)
    n = n_instances(p)
    ln2, ln3, ln4 = instance_gids(n)
    chip = sel.chip_seed(p, index)
    trials, times, dur = stimuli(p, sel.chip_rng(p, index), n)
    log.info("cricket: %d trials, %.1f s of song, chip seed %d (%s)", len(trials), dur / 1e3, chip,
             "tuning" if index == 0 else "held out")
    board, ev, _ = simulate_circuit(p, chip, tuned["m"], times, dur)
    rows = []
    for name, g in (("LN2", ln2), ("LN3", ln3), ("LN4", ln4)):
        c = np.stack([sel.window_counts(ev, g, [r.start_ms], r.length_ms)[0]
                      for r in trials.itertuples()])
        for k, r in enumerate(trials.itertuples()):
            rows.append({"seed": chip, "neuron": name, "kind": r.kind, "period_ms": r.period_ms,
                         "mean_spikes": c[k].mean(), "p_response": (c[k] > 0).mean()})
    # LN3 per pulse of the regular trains: first pulse (no delayed partner) vs the rest
    for r in trials[trials["kind"] == "regular"].itertuples():
        P = r.period_ms
        first = sel.window_counts(ev, ln3, [r.first_onset_ms], P)[0]
        later = sel.window_counts(ev, ln3, [r.second_onset_ms], (p["n_pulses"] - 1) * P)[0]
        rows.append({"seed": chip, "neuron": "LN3_first_pulse", "kind": "regular",
                     "period_ms": P, "mean_spikes": first.mean(), "p_response": (first > 0).mean()})
        rows.append({"seed": chip, "neuron": "LN3_later_pulses", "kind": "regular",
                     "period_ms": P, "mean_spikes": later.mean() / (p["n_pulses"] - 1),
                     "p_response": (later > 0).mean()})
    return {"chip": chip, "index": index, "rows": pd.DataFrame(rows), "trials": trials,
            "events": (ev.gid, ev.t_us), "biases": sel.board_biases(board)}


def chip_measures(p, rows) -> dict:
    """The scored numbers of one chip: LN4's preferred period and band-pass ratio, LN3's
    first-pulse ratio and LN4's responses to irregular and reversed trains relative to the
    regular song (NaN where the chip gave no response to divide by)."""
    P = p["species_period_ms"]
    reg = rows[rows["kind"] == "regular"]
    ln4 = reg[reg["neuron"] == "LN4"].sort_values("period_ms")
    periods, r4 = ln4["period_ms"].to_numpy(), ln4["mean_spikes"].to_numpy()
    top = r4.max()
    at_p = r4[np.isclose(periods, P)]
    reg4 = float(at_p[0]) if at_p.size else np.nan

    def ratio(num, den):
        return float(num) / float(den) if np.isfinite(den) and den > 0 else np.nan

    def mean_of(neuron, kind, period=None):
        g = rows[(rows["neuron"] == neuron) & (rows["kind"] == kind)]
        if period is not None:
            g = g[np.isclose(g["period_ms"], period)]
        return float(g["mean_spikes"].mean()) if len(g) else np.nan

    return {"ln4_peak_period_ms": float(periods[np.argmax(r4)]) if top > 0 else np.nan,
            "ln4_band_pass_ratio": ratio(max(r4[0], r4[-1]), top),
            "ln3_first_pulse_ratio": ratio(mean_of("LN3_first_pulse", "regular", P),
                                           mean_of("LN3_later_pulses", "regular", P)),
            "ln4_irregular_ratio": ratio(mean_of("LN4", "irregular"), reg4),
            "ln4_reversed_ratio": ratio(mean_of("LN4", "irregular_reversed"), reg4),
            "ln4_regular_at_species_period": reg4}


def run(params: dict, outdir: Path, tuned=None, chunks=None) -> None:
    """The study; ``tuned`` is the :func:`tune_chip` result and ``chunks`` the files of the
    held-out :func:`run_chip` jobs (all computed here when None)."""
    p = dict(params)
    seed = int(p["seed"])
    n = n_instances(p)
    with StudyWriter(outdir, params, seed=seed, claims=declared_claims(p)) as out:
        tuned, held = sel.tuning_and_held_out(p, tune_chip, run_chip, tuned, chunks)
        out.json(tuned["biases"], "biases")           # the one bias file, tuned on the tuning chip
        tuning = tuned["tuning"]
        out.table(tuning, "tuning")
        chips = pd.DataFrame([{"role": "tuning" if c is tuned else "held_out", "chip_seed": c["chip"],
                               **chip_measures(p, c["rows"])} for c in [tuned] + held])
        out.table(chips, "held_out_chips")
        ho = chips[chips["role"] == "held_out"]
        rows = pd.concat([c["rows"] for c in held], ignore_index=True)
        resp = rows.groupby(["neuron", "kind", "period_ms"]).agg(
            mean_spikes=("mean_spikes", "mean"), p_response=("p_response", "mean")).reset_index()
        out.table(resp, "responses", latex=True,
                  caption="Mean spikes per trial of each neuron (mean over the held-out chips)")
        ln4c = resp[(resp["kind"] == "regular") & (resp["neuron"] == "LN4")].sort_values("period_ms")
        out.table(ln4c[["period_ms", "mean_spikes", "p_response"]], "ln4_tuning", latex=True,
                  caption="LN4 tuning to the pulse period (mean over the held-out chips)")
        _claims(out, p, ho, tuned["chip"])
        out.claim(claim_info("tuning_ln3_balanced", "share of instances whose LN3 could be balanced "
                             "(fires on the 2nd pulse, tuning chip)", "fraction", np.nan,
                             float(tuning["ln3_balanced"].mean()), source="tuning search"))
        _figures(out, p, resp, (AEREvents(*held[0]["events"]), held[0]["trials"]), n)


def _claims(out, p, ho, tuning_seed):
    """The scored claims, on the held-out chips ``ho`` (one row per chip)."""
    P = p["species_period_ms"]
    periods = np.asarray(p["periods_ms"], float)
    held = (f"tuned on chip seed {tuning_seed} to the LN5 delay ({LN5_SOURCE}), measured on "
            "held-out chips (same bias file and CAM configuration, new mismatch)")
    out.claim(claim_over_instances(
        claim_within, "ln4_peak_period", "LN4 responds best near the species' pulse period "
        "(not a tuning target: the circuit is set from LN5's rebound delay)",
        "pulse period of the largest mean LN4 response", P, ho["ln4_peak_period_ms"],
        abs_tol=p["peak_tol_ms"], unit="ms", source=f"{PERIOD_SOURCE}; {held}"))
    out.claim(claim_over_instances(
        claim_at_most, "ln4_band_pass", "LN4's response is band-pass in pulse period",
        f"max(R({periods.min():g} ms), R({periods.max():g} ms)) / R(peak)", p["band_pass_bar"],
        ho["ln4_band_pass_ratio"], source=f"{BAND_PASS_SOURCE}; {held}; bar: project choice"))
    claim = ("LN3 responds to coincidences of direct and delayed input: the first pulse of a "
             "chirp (no delayed partner) drives it less than the later ones")
    quantity = "LN3 spikes on pulse 1 / mean LN3 spikes per later pulse (species period)"
    if np.isclose(periods, P).any():
        out.claim(claim_over_instances(
            claim_at_most, "ln3_coincidence", claim, quantity, p["coincidence_bar"],
            ho["ln3_first_pulse_ratio"], source=f"{COINCIDENCE_SOURCE}; {held}; bar: project choice"))
    else:
        out.not_run("ln3_coincidence", claim, quantity, reference=p["coincidence_bar"],
                    reason=f"periods_ms has no regular train at the species period {P:g} ms",
                    source=COINCIDENCE_SOURCE)
    for kind, cid, col in (("irregular", "irregular_less", "ln4_irregular_ratio"),
                           ("irregular reversed", "reversed_less", "ln4_reversed_ratio")):
        claim = (f"{kind} pulse trains at the species period drive LN4 less than the regular "
                 "song (a consequence of the delay line and coincidence detector)")
        src = f"{SOURCE}; {held}; bar: project choice"
        if int(p["n_irregular"]) > 0 and np.isclose(periods, P).any():
            out.claim(claim_over_instances(claim_at_most, cid, claim, "R(pattern) / R(regular)",
                                           p["irregular_bar"], ho[col], source=src))
        else:
            out.not_run(cid, claim, "R(pattern) / R(regular)", reference=p["irregular_bar"],
                        reason="no irregular trains (n_irregular = 0) or no regular train at the "
                               "species period", source=src)


def _figures(out, p, resp, raster, n):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    # circuit diagram
    fig, ax = plt.subplots(figsize=(6, 3.5))
    pos = {"AN1": (0, 1), "LN2": (0.8, 2.2), "LN5\n(delay element:\nGABA_B + NMDA)": (2.4, 2.2),
           "LN3": (3, 1), "LN4": (4, 1)}
    for name, (x, y) in pos.items():
        ax.text(x, y, name, ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round", fc="w", ec="k"))
    names = list(pos)

    def arrow(a, b, style, color):
        ax.add_patch(FancyArrowPatch(pos[a], pos[b], arrowstyle=style, color=color, lw=1.5,
                                     shrinkA=28, shrinkB=28, mutation_scale=12))
    arrow("AN1", "LN2", "-|>", "k")
    arrow("LN2", names[2], "-[", "r")
    arrow(names[2], "LN3", "-|>", "k")
    arrow("AN1", "LN3", "-|>", "k")
    arrow("LN3", "LN4", "-|>", "k")
    arrow("LN2", "LN4", "-[", "r")
    ax.set(xlim=(-0.5, 4.5), ylim=(0.4, 2.9), title="cricket feature detector (black: exc, red: inh)")
    ax.axis("off")
    out.figure(fig, "circuit")

    ev, trials = raster
    P = p["species_period_ms"]
    row = trials[(trials["kind"] == "regular") & np.isclose(trials["period_ms"], P)]
    fig, axes = plt.subplots(4, 1, figsize=(8, 6), sharex=True)
    if len(row):
        r = row.iloc[0]
        lo, hi = r["start_ms"], r["start_ms"] + r["length_ms"]
        on = pt.pulse_train(P, p["n_pulses"], lo + T0_MS)
        for a in axes:
            for o in on:
                a.axvspan(o - lo, o - lo + min(p["pulse_ms"], P / 2), color="0.9")
        shown = min(n, 20)
        for k, (name, core) in enumerate((("LN2", LN2), ("LN3", LN3), ("LN4", LN4))):
            sel_ = (ev.gid // 256 == core) & (ev.gid % 256 < shown)
            t = ev.t_us[sel_] * 1e-3
            inside = (t >= lo) & (t < hi)
            axes[k + 1].plot(t[inside] - lo, ev.gid[sel_][inside] % 256, "|", ms=4)
            axes[k + 1].set_ylabel(f"{name}\ninstance")
        axes[0].set_ylabel("AN1 pulses")
        axes[0].set_yticks([])
    axes[-1].set_xlabel(f"time (ms), regular train at {P:g} ms")
    axes[0].set_title("rasters per neuron (first 20 circuit instances)")
    out.figure(fig, "raster")

    fig, ax = plt.subplots(figsize=(6.5, 4))
    reg = resp[resp["kind"] == "regular"]
    for name in ("LN2", "LN3", "LN4"):
        g = reg[reg["neuron"] == name].sort_values("period_ms")
        ax.plot(g["period_ms"], g["mean_spikes"] / max(g["mean_spikes"].max(), 1e-12), "o-",
                label=f"{name} (normalised)")
    ax.axvline(P, color="k", ls=":", label=f"species period {P:g} ms (reference)")
    ax.set(xlabel="pulse period (ms)", ylabel="response / max", title="tuning to the pulse period")
    ax.legend(frameon=False, fontsize=8)
    out.figure(fig, "tuning_curve")

"""Speed of the Cython core against Brian2 and NEST on the same networks, side by side.

Networks (``neurobench.benchmarks.networks``): the CUBA and COBA benchmarks of Brette et al.
2007 (J. Comput. Neurosci. 23:349; 4000 neurons, 10 s of biological time, dt = 0.1 ms), a
CUBA scaling series at fixed in-degree, and the STDP network of Song, Miller & Abbott 2000
(Nat. Neurosci. 3:919) as in Brian2's ``examples/synapses/STDP.py`` (1000 inputs, 100 s).

Engines: this core (1 and 2 OpenMP threads), Brian2 2.9 with the cython runtime target and
in C++ standalone mode (the simulation time is Brian2's own timer of the run), and NEST 3.10
(``iaf_psc_exp``, ``iaf_cond_exp``, ``stdp_synapse``; its claims NOT_RUN when not installed).
Brian2's code is generated and compiled ahead (``build``, the workflow's single-thread rule
``benchmarks_build``): one C++ standalone project per case and the cython target's extension
cache, in the study's work folder; the timed cases reuse them, so their ``compile_s`` and
``build_s`` are the code generation and the check that nothing changed, and the time spent
ahead is reported beside them (``ahead_s``). Every case runs in a fresh process, so peak memory
is per case. The cases of the speed target (core, 1 thread, vs Brian2 C++ standalone, on CUBA,
COBA and STDP) run in several rounds, each round the two engines back to back, the rounds spread
over the job (``_schedule``: ``cuba_repeats`` for CUBA, ``repeats`` for the others), and each
engine's fastest round is kept (the machine is shared: the minimum is the least disturbed
measurement; the same protocol for both engines). Times are reported as wall clock and as
processor time; the speed-up of the target compares processor times (Brian2's C++ standalone
timer is ``std::clock()``, processor time), which a shared machine disturbs least.

Statistics (mean rate, mean CV of the ISIs) must agree between engines within the stated
tolerances, otherwise a timing compares different dynamics. Peak memory
is that of the simulation: the process, and for Brian2's C++ standalone mode also its compiled
binary (not the compiler). A case that cannot run (an engine not installed, a multi-threaded case
on a machine without enough idle cores after waiting ``idle_wait_s``) leaves its claims NOT_RUN
with the reason. The hardware floor of a network is
estimated from measured per-operation costs (``neurobench.benchmarks._probe``): three streamed
read-modify-writes per neuron per step (v, I_e, I_i: the state any LIF with two exponential
synaptic currents must rewrite each step; for the single neuron of the STDP network the latency
of one dependent update per step) plus one random read-modify-write per synaptic event; the
STDP network adds the work of its inputs and its plasticity (``hardware_floor_s``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from neurobench.benchmarks import engines, networks, runner
from neurobench.report import (StudyWriter, claim_at_least, claim_at_most, claim_not_run,
                               claim_within)

log = logging.getLogger("neurobench")

BRETTE = "Brette et al. 2007, J. Comput. Neurosci. 23:349 (CUBA/COBA benchmark networks)"
SONG = "Song, Miller & Abbott 2000 as in Brian2 examples/synapses/STDP.py"
TARGET = ("the suite's speed target: the core (1 thread) against Brian2 cpp_standalone's "
          "simulation time, same network, same job")
STATE_VARIABLES = 3        # v, I_e (g_e), I_i (g_i); the refractory end is only read
NETWORKS = ("cuba", "coba", "stdp")
FLOOR_NETWORKS = ("cuba", "stdp")
PROBES = ("stream_ns", "chain_ns", "scatter_ns", "exponential_ns")
THREAD_NETWORKS = ("cuba", "coba")
BUILD_FILE = "build.json"      # in the work folder: what ``build`` compiled


def declared_claims(params: dict) -> dict[str, str]:
    """The study's claims and their kinds: engine agreement is checked against the other
    simulators run in the same job; speed and memory are the suite's own targets; the thread
    count's identity is the core against itself."""
    claims = {f"{net}_rate_agree": "independent_simulator" for net in NETWORKS}
    claims.update({f"{net}_cv_agree": "independent_simulator" for net in THREAD_NETWORKS})
    claims.update({f"{net}_speedup_vs_brian2_cpp": "design_target" for net in NETWORKS})
    claims.update({f"{net}_distance_to_floor": "design_target" for net in FLOOR_NETWORKS})
    claims.update({f"{net}_threads_same_spikes": "verification" for net in THREAD_NETWORKS})
    claims["peak_rss_vs_brian2_cpp"] = "design_target"
    return claims


def _engine_label(row) -> str:
    return f"core ({int(row['threads'])} thr)" if row["engine"] == "core" else row["engine"]


def _cases(p) -> list[dict]:
    """Every (network, size, engine, threads) case of the config, in the order they first run:
    the main series (whose speed-target cases then repeat while the rest runs), the scaling
    series."""
    seed = p["seed"]
    def variants(names, threads=p["core_threads"]):
        return [(e, t) for e in names for t in (threads if e == "core" else [1])]
    cases = []
    for net, n, dur, names in (("cuba", p["cuba_n"], p["cuba_duration_s"], p["engines"]),
                               ("coba", p["coba_n"], p["coba_duration_s"], p["engines"]),
                               ("stdp", p["stdp_inputs"], p["stdp_duration_s"], p["stdp_engines"])):
        # one neuron (STDP) has nothing to split between threads
        for e, t in variants(names, [1] if net == "stdp" else p["core_threads"]):
            cases.append(dict(network=net, n=n, duration_s=dur, engine=e, threads=t, seed=seed,
                              series="main"))
    for n in p["scaling_n"]:
        for e, t in variants(p["scaling_engines"]):
            cases.append(dict(network="cuba", n=n, duration_s=p["scaling_duration_s"], engine=e,
                              threads=t, seed=seed, series="scaling"))
    # NEST's slowest cases, shortened; every engine's statistics of that network then come from
    # the same (shorter) window, so that the rate and CV comparison stays like for like
    for c in cases:
        cap = p["nest_max_duration_s"].get(c["network"])
        if cap is not None and c["series"] == "main" and cap < c["duration_s"] \
                and "nest" in (p["stdp_engines"] if c["network"] == "stdp" else p["engines"]):
            c["stats_window_s"] = cap
            if c["engine"] == "nest":
                c["duration_s"] = cap
    return cases


def _job(case: dict, workdir: str) -> dict:
    """The runner's job of a case; Brian2's compiled code lives in ``workdir`` (``build``)."""
    job = {key: case[key] for key in runner.CASE_KEYS}
    if "stats_window_s" in case:
        job["stats_window_s"] = case["stats_window_s"]
    if case["engine"] == "brian2_cpp":      # one project per case, compiled ahead by ``build``
        job["brian2_dir"] = os.path.join(
            workdir, "brian2_cpp", f"{case['network']}_{case['n']}_{case['duration_s']:g}s")
    elif case["engine"] == "brian2_cython":
        job["cython_cache_dir"] = os.path.join(workdir, "cython")
    return job


def build(params: dict, workdir) -> list[dict]:
    """Generate and compile Brian2's code of every Brian2 case of the config into ``workdir``
    (rule ``benchmarks_build``, one thread, beside other work): a C++ standalone project per
    case (one make job) and the cython target's extensions in its cache. Nothing here is timed
    by a claim; the benchmark cases then reuse it (Brian2 rewrites only the files whose
    contents changed, make recompiles only those, the cython cache is keyed by the code), so
    their ``compile_s`` and ``build_s`` are the code generation and the check that nothing
    changed. Writes ``build.json`` (one row per case: its times, or its error) and returns the
    rows; a case that fails here is left to compile in the benchmark, which records the error."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    jobs = []
    for case in _cases(params):
        job = _job(case, str(workdir.resolve()))
        if case["engine"].startswith("brian2") and job not in jobs:
            jobs.append(job)
    rows = []
    built = {}                  # network → the first project compiled for it
    for k, job in enumerate(jobs):
        log.info("benchmark build %d/%d: %s", k + 1, len(jobs), job)
        if "brian2_dir" in job:
            # another size or duration of the same network differs in its code objects,
            # objects.cpp and main.cpp (sizes and run time are constants there), not in the
            # rest: start from a compiled project (mtimes kept), so make compiles only those
            same = built.setdefault(job["network"], job["brian2_dir"])
            if same != job["brian2_dir"] and os.path.isdir(same) \
                    and not os.path.exists(job["brian2_dir"]):
                shutil.copytree(same, job["brian2_dir"], symlinks=True)
        row = runner.run_isolated(dict(job, compile_only=True, make_jobs=1),
                                  params["case_timeout_s"])
        if "error" in row:
            log.warning("build of %s failed (the benchmark compiles it): %s", job, row["error"])
        rows.append(row)
    tmp = workdir / "build.json.tmp"
    tmp.write_text(json.dumps(rows, indent=1, default=float))
    tmp.replace(workdir / BUILD_FILE)
    return rows


def _schedule(cases: list[dict], p) -> list[tuple[dict, int]]:
    """(case, round) in the order they run. Every case once (round 0; on each main network the
    speed-target cases first, the multi-threaded core cases last); the speed-target cases (the
    core with 1 thread and Brian2 C++ on the main networks) run again, ``cuba_repeats`` rounds
    in all for CUBA and ``repeats`` for the others, each round of a network the core and Brian2
    back to back, the rounds spread evenly between the round-0 cases that follow the target
    cases: a slow spell of the host falls on a few rounds of both engines, not on all of one."""
    threaded = sorted((c for c in cases if c["engine"] == "core" and c["threads"] > 1),
                      key=lambda c: (c["threads"], c["series"] != "main"))
    single = [c for c in cases if not (c["engine"] == "core" and c["threads"] > 1)]
    # a network's target pair first within its group (the sort is stable)
    first = sorted(single, key=lambda c: (c["series"] != "main", c["series"] == "main"
                                          and NETWORKS.index(c["network"]), not _is_target(c)))
    first += threaded
    target = [c for c in first if _is_target(c)]
    start = max((first.index(c) + 1 for c in target), default=len(first))
    span = len(first) - start
    order = [(float(i), 0, k, c) for k, (i, c) in enumerate(enumerate(first))]
    for k, c in enumerate(target):
        rounds = _rounds(c, p)
        order += [(start + r * span / rounds, r, k, c) for r in range(1, rounds)]
    return [(c, r) for _, r, _, c in sorted(order, key=lambda o: o[:3])]


def _is_target(case: dict) -> bool:
    return case["series"] == "main" and ((case["engine"] == "core" and case["threads"] == 1)
                                         or case["engine"] == "brian2_cpp")


def _rounds(case: dict, p) -> int:
    return p["cuba_repeats"] if case["network"] == "cuba" else p["repeats"]


def run_all(p, workdir=None) -> pd.DataFrame:
    """Run every case (the target cases in several interleaved rounds, ``_schedule``); one row
    per run. Brian2's compiled code is taken from ``workdir`` (``build``; a temporary folder,
    compiled by the cases themselves, when None). A case that cannot run gets a row with its
    reason in ``error``. The multi-threaded core cases run last, grouped by thread count (the
    main series, whose claims need them, first): the group shares one wait of up to
    ``idle_wait_s`` for idle cores in all (a busy machine costs that wait once, not once per
    case)."""
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="nb_brian2_projects_") as tmp:
            return run_all(p, tmp)
    workdir = str(Path(workdir).resolve())
    have_nest = engines.nest_available()
    waited = {}              # per thread count: the time its group has waited for idle cores
    rows = []
    schedule = _schedule(_cases(p), p)
    for k, (case, r) in enumerate(schedule):
        log.info("benchmark %d/%d (round %d): %s", k + 1, len(schedule), r, case)
        job = _job(case, workdir)
        if r > 0:
            job["rerun"] = case["engine"] == "brian2_cpp"
        reason = None
        if case["engine"] == "nest" and not have_nest:
            reason = "NEST (pynest) is not installed"
        elif case["engine"] == "core" and case["threads"] > 1:
            t = case["threads"]
            t0 = time.monotonic()
            reason = _wait_for_idle(t, p["idle_wait_s"] - waited.get(t, 0.0), p["idle_wait_s"])
            waited[t] = waited.get(t, 0.0) + time.monotonic() - t0
        if reason:
            log.warning("skipping %s: %s", case, reason)
            rows.append(dict(job, error=reason, series=case["series"], round=r))
            continue
        rows.append(dict(runner.run_isolated(job, p["case_timeout_s"]), series=case["series"],
                         round=r))
    runs = pd.DataFrame(rows).drop(columns=["brian2_dir", "cython_cache_dir"], errors="ignore")
    return _with_first_round(runs)


def _with_first_round(runs: pd.DataFrame) -> pd.DataFrame:
    """A repeat that only ran Brian2's compiled binary again (``sim_s`` present, no spike
    statistics) takes its spike statistics from the first round (the same binary and seed:
    the same spikes) and the peak memory of the whole simulation from it as well (the repeat
    measured the binary alone; the first round the larger of the binary and the Python
    process that built it)."""
    if "rate_hz" not in runs or "sim_s" not in runs:
        return runs
    keys = ["series", "network", "n", "engine", "threads"]
    rerun = runs["rate_hz"].isna() & runs["sim_s"].notna() & (runs["round"] > 0)
    if not rerun.any():
        return runs
    first = runs[(runs["round"] == 0) & runs["rate_hz"].notna()].set_index(keys)
    fill = [c for c in ("rate_hz", "cv_isi", "n_spikes", "n_synapses", "peak_rss_mib",
                        "stats_window_s", "frac_w_low", "frac_w_high") if c in runs]
    runs = runs.copy()
    for idx in runs.index[rerun]:
        key = tuple(runs.loc[idx, keys])
        if key in first.index:
            for c in fill:
                runs.loc[idx, c] = first.loc[key, c]
    return runs


def _idle_cores(window_s: float = 1.0) -> float:
    """Idle processor cores now, measured over ``window_s`` from /proc/stat while this process
    waits (so its own finished cases do not count, as they would in the load average); the
    1-minute load average where /proc/stat is not available."""
    def sample():
        with open("/proc/stat") as f:
            vals = [float(x) for x in f.readline().split()[1:]]
        return vals[3] + vals[4], sum(vals)          # idle + iowait, total (jiffies)
    n = os.cpu_count() or 1
    try:
        i0, t0 = sample()
        time.sleep(window_s)
        i1, t1 = sample()
    except (OSError, ValueError, IndexError):
        return n - os.getloadavg()[0]
    return n * (i1 - i0) / (t1 - t0) if t1 > t0 else float(n)


def _wait_for_idle(threads: int, wait_s: float, group_wait_s: float | None = None) -> str | None:
    """Wait up to ``wait_s`` (what is left of the group's wait ``group_wait_s``; at least one
    measurement) for ``threads`` idle cores; the reason to skip when they do not come. The
    threads synchronise every step (0.1 ms), so a core taken by other work stalls all of them
    (one scheduler slice per step)."""
    deadline = time.monotonic() + wait_s
    group_wait_s = wait_s if group_wait_s is None else group_wait_s
    while True:
        free = _idle_cores()
        if free >= threads - 0.5:
            return None
        if time.monotonic() >= deadline:
            return (f"{threads} threads need {threads} idle cores; the machine has "
                    f"{os.cpu_count()}, {free:.1f} idle after the {threads}-thread cases "
                    f"waited {group_wait_s:g} s")
        time.sleep(2.0)


def best_of_rounds(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per case: the round with the smallest simulation time, with the number of
    rounds and the median and largest processor time over them (how far the host's slow
    spells spread the rounds), and the build and compile times of its first round."""
    keys = ["series", "network", "n", "engine", "threads"]
    ok = runs[runs.get("error").isna()] if "error" in runs else runs
    if ok.empty:
        return ok
    best = ok.loc[ok.groupby(keys)["cpu_s"].idxmin()].copy()
    cpu = ok.groupby(keys)["cpu_s"]
    best["rounds"] = cpu.transform("size").loc[best.index]
    best["cpu_s_median"] = cpu.transform("median").loc[best.index]
    best["cpu_s_max"] = cpu.transform("max").loc[best.index]
    if "round" in ok:   # a rerun of Brian2's binary built nothing: its case's build is round 0's
        first = ok.sort_values("round", kind="stable").groupby(keys)
        for c in ("build_s", "compile_s"):
            if c in ok:
                best[c] = first[c].transform("first").loc[best.index]
    best["label"] = best.apply(_engine_label, axis=1)
    return best.sort_values(keys).reset_index(drop=True)


def hardware_floor_s(row, probe: dict, dt_ms=0.1) -> float:
    """Floor of a network's simulation time from measured per-operation costs (``probe``: ns
    per operation, keys of ``PROBES``).

    Every network: per step, STATE_VARIABLES streamed read-modify-writes per neuron, or for
    a network too small to stream (one neuron) one dependent update (its step t + 1 needs
    step t); per synaptic event, one random read-modify-write (its delivery).
    The STDP network also (Song et al. 2000, the work its model cannot skip): per input
    spike, one exponential draw (the interval of its Poisson train) and one more random
    read-modify-write (the plastic synapse's weight and trace); per output spike, one
    streamed read-modify-write of every plastic weight (potentiation)."""
    steps = row["duration_s"] * 1e3 / dt_ms
    n = 1 if row["network"] == "stdp" else row["n"]
    step_ns = max(n * STATE_VARIABLES * probe["stream_ns"], probe["chain_ns"])
    if row["network"] == "stdp":
        events = row["n"] * networks.SONG["rate_hz"] * row["duration_s"]     # input spikes
        event_ns = 2 * probe["scatter_ns"] + probe["exponential_ns"]
        post_ns = row["n_spikes_total"] * row["n"] * probe["stream_ns"]
        return (steps * step_ns + events * event_ns + post_ns) * 1e-9
    events = row["n_spikes_total"] * row["n_synapses"] / row["n"]
    return (steps * step_ns + events * probe["scatter_ns"]) * 1e-9


def _probe_costs() -> dict:
    """Best of three of each hardware probe (ns per operation)."""
    from neurobench.benchmarks import _probe

    return {name: min(getattr(_probe, name)() for _ in range(3)) for name in PROBES}


def run(params: dict, outdir: Path, workdir: Path | None = None) -> None:
    """The study. ``workdir``: Brian2's code compiled ahead (``build``, rule
    ``benchmarks_build``); when None it is built first into ``<outdir>/../_work/benchmarks``,
    the layout of the workflow's results folder."""
    p = dict(params)
    if workdir is None:
        workdir = Path(outdir).parent / "_work" / "benchmarks"
        build(p, workdir)
    with StudyWriter(outdir, p, seed=p["seed"], claims=declared_claims(p)) as out:
        runs = run_all(p, workdir)
        errors = runs[runs["error"].notna()] if "error" in runs else runs.iloc[:0]
        for _, e in errors.iterrows():
            log.warning("failed: %s %s n=%s: %s", e["network"], e["engine"], e["n"], e["error"])
        best = best_of_rounds(runs)
        probe = _probe_costs()
        # the whole spike count (stats exclude a transient; events need every spike)
        best["n_spikes_total"] = best["rate_hz"] * np.where(best["network"] == "stdp", 1, best["n"]) \
            * best["duration_s"]
        best["floor_s"] = best.apply(hardware_floor_s, axis=1, args=(probe,))
        ref = best[best["engine"] == "brian2_cpp"].set_index(["series", "network", "n"])["cpu_s"]
        key = list(zip(best["series"], best["network"], best["n"]))
        best["vs_brian2_cpp"] = [ref.get(k, np.nan) / s for k, s in zip(key, best["cpu_s"])]
        best = best.merge(_ahead(Path(workdir)), how="left",
                          on=["network", "n", "duration_s", "engine"])
        cols = ["series", "network", "n", "duration_s", "label", "sim_s", "cpu_s", "cpu_s_median",
                "compile_s", "build_s", "ahead_s", "realtime_ratio", "peak_rss_mib", "rate_hz",
                "cv_isi", "vs_brian2_cpp", "floor_s", "rounds"]
        table = best[cols].rename(columns={"vs_brian2_cpp": "speedup_vs_brian2_cpp",
                                           "label": "engine"})
        main = table[table["series"] == "main"].drop(columns="series")
        out.table(main, "benchmarks", latex=True,
                  caption="Simulation wall and processor time (s; best and median over the "
                          "rounds), compile and build time in this job (s; Brian2: code "
                          "generation and the check that the code compiled ahead is up to "
                          "date), Brian2's code generation and compilation ahead of the job "
                          "(s, one make job), biological/wall ratio, peak memory, rate, CV of "
                          "ISIs, speed-up vs Brian2 cpp_standalone (processor time), hardware "
                          "floor (s)")
        out.table(table[table["series"] == "scaling"].drop(columns="series"), "scaling")
        runs.drop(columns=[c for c in ("w_final",) if c in runs]).to_csv(
            out.path / "tables" / "runs.csv", index=False)
        out.table(pd.DataFrame([dict(probe, state_variables=STATE_VARIABLES)]), "hardware_probe")
        if not errors.empty:
            out.table(errors[["network", "n", "engine", "threads", "error"]], "errors")
        seed_sd = (_stdp_seed_spread(p) if "core" in p["stdp_engines"]
                   and len(p["stdp_engines"]) > 1 else float("nan"))
        memory = _memory_table(best)
        out.table(memory, "memory", caption="Peak resident memory of the simulation (MiB): the core "
                  "(1 thread) and Brian2 cpp_standalone (the larger of its Python process and "
                  "its compiled binary; the compiler not counted)")
        _claims(out, best, p, errors, seed_sd)
        _memory_claim(out, memory)
        _figures(out, best)


def _ahead(workdir: Path) -> pd.DataFrame:
    """Per Brian2 case, the time ``build`` spent on it ahead of the job (``ahead_s``: code
    generation and compilation); empty when nothing was built there."""
    cols = ["network", "n", "duration_s", "engine", "ahead_s"]
    try:
        rows = json.loads((workdir / BUILD_FILE).read_text())
    except FileNotFoundError:
        return pd.DataFrame(columns=cols)
    built = pd.DataFrame([r for r in rows if "error" not in r], columns=cols[:4] + ["build_s", "compile_s"])
    built["ahead_s"] = built["build_s"] + built["compile_s"]
    return built[cols].astype({"n": int, "duration_s": float})


def _stdp_seed_spread(p) -> float:
    """S.d. of the STDP network's output rate over ``stdp_seed_runs`` seeds on the core: the
    run-to-run variability that two engines with independent Poisson inputs cannot beat."""
    rates = []
    for k in range(1, p["stdp_seed_runs"] + 1):
        job = dict(network="stdp", n=p["stdp_inputs"], duration_s=p["stdp_duration_s"],
                   engine="core", threads=1, seed=p["seed"] + k)
        row = runner.run_isolated(job, p["case_timeout_s"])
        if "rate_hz" in row:
            rates.append(row["rate_hz"])
    log.info("STDP output rate over %d seeds: %s", len(rates), rates)
    return float(np.std(rates, ddof=1)) if len(rates) > 1 else float("nan")


def _why_missing(errors: pd.DataFrame, network: str, engines_: list[str], threads: int = 1) -> str:
    """The reason a network's case on one of ``engines_`` has no result: its error row, or that
    the config does not run it."""
    if not errors.empty:
        e = errors[(errors["network"] == network) & errors["engine"].isin(engines_)
                   & (errors["threads"] == threads)]
        if not e.empty:
            return f"{e.iloc[0]['engine']}: {e.iloc[0]['error']}"
    if threads > 1:
        return f"this config does not run the core on {network} with {threads} threads"
    return f"{' / '.join(engines_)} is not among this config's engines for {network}"


def _claims(out, best, p, errors, stdp_seed_sd=float("nan")):
    main = best[best["series"] == "main"] if not best.empty else best
    label = {"cuba": "CUBA", "coba": "COBA", "stdp": "STDP"}
    for net in NETWORKS:
        rows = main[main["network"] == net] if not main.empty else main
        ref_rows = rows[rows["engine"] == p["stats_reference"]] if not rows.empty else rows
        if ref_rows.empty and not rows.empty:
            ref_rows = rows[(rows["engine"] == "core") & (rows["threads"] == 1)]
        # independent engines only: the core with other thread counts is checked separately
        others = (rows.drop(ref_rows.index[:1]) if not rows.empty else rows)
        if not others.empty:
            others = others[others["engine"] != "core"] if ref_rows.iloc[0]["engine"] == "core" \
                else others[(others["engine"] != "core") | (others["threads"] == 1)]
        rate_claim = f"{label[net]}: every engine fires at the same mean rate"
        cv_claim = f"{label[net]}: every engine has the same ISI irregularity"
        src = BRETTE if net != "stdp" else SONG
        if ref_rows.empty or others.empty:
            ran = sorted(set(rows["engine"])) if not rows.empty else []
            missing = [e for e in (p["stdp_engines"] if net == "stdp" else p["engines"])
                       if e not in ran]
            reason = (f"fewer than two independent engines ran for {net} (ran: {ran or 'none'}; "
                      f"{'; '.join(_why_missing(errors, net, [e]) for e in missing) or 'none other configured'})")
            out.claim(claim_not_run(f"{net}_rate_agree", rate_claim, "mean rate (worst engine)",
                                    reason=reason, unit="Hz", source=src))
            if net != "stdp":
                out.claim(claim_not_run(f"{net}_cv_agree", cv_claim,
                                        "mean CV of ISIs (worst engine)", reason=reason,
                                        source=src))
            continue
        ref = ref_rows.iloc[0]
        src = f"{ref['label']} run in the same job ({src})"
        dr = (others["rate_hz"] / ref["rate_hz"] - 1).abs().fillna(np.inf)
        worst = others.loc[dr.idxmax()]
        if net == "stdp":
            # independent Poisson inputs: engines can agree only up to the seed-to-seed spread
            if np.isfinite(stdp_seed_sd):
                tol = max(p["rate_rel_tol"] * ref["rate_hz"], 3 * stdp_seed_sd)
                note = (f"max(rate_rel_tol·ref, 3 × s.d. over {p['stdp_seed_runs']} core seeds "
                        f"= {stdp_seed_sd:.2f} Hz)")
            else:
                tol, note = p["rate_rel_tol"] * ref["rate_hz"], "rate_rel_tol·ref (no seed spread)"
            out.claim(claim_within(
                f"{net}_rate_agree", rate_claim, f"mean rate of {worst['label']} (worst engine)",
                ref["rate_hz"], worst["rate_hz"], abs_tol=tol, unit="Hz", source=src, note=note))
            continue
        out.claim(claim_within(
            f"{net}_rate_agree", rate_claim, f"mean rate of {worst['label']} (worst engine)",
            ref["rate_hz"], worst["rate_hz"], rel_tol=p["rate_rel_tol"], unit="Hz", source=src))
        dcv = (others["cv_isi"] - ref["cv_isi"]).abs().fillna(np.inf)
        worst = others.loc[dcv.idxmax()]
        out.claim(claim_within(
            f"{net}_cv_agree", cv_claim, f"mean CV of ISIs of {worst['label']} (worst engine)",
            ref["cv_isi"], worst["cv_isi"], abs_tol=p["cv_abs_tol"], unit="", source=src))
    targets = {"cuba": p["speedup_target"], "coba": p["coba_speedup_target"],
               "stdp": p["speedup_target"]}
    floor_max = {"cuba": p["floor_ratio_max"], "stdp": p["stdp_floor_ratio_max"]}
    for net in NETWORKS:
        rows = main[main["network"] == net] if not main.empty else main
        core = rows[(rows["engine"] == "core") & (rows["threads"] == 1)] if not rows.empty else rows
        b2 = rows[rows["engine"] == "brian2_cpp"] if not rows.empty else rows
        cid = f"{net}_speedup_vs_brian2_cpp"
        text = (f"{label[net]}: the core (1 thread) is at least {targets[net]:g}× faster than "
                "Brian2 cpp_standalone")
        qty = "Brian2 cpp_standalone / core processor time of the simulation"
        if core.empty or b2.empty:
            why = [_why_missing(errors, net, [e]) for e, r in (("core", core), ("brian2_cpp", b2))
                   if r.empty]
            out.claim(claim_not_run(cid, text, qty, reason="; ".join(why), reference=targets[net],
                                    tolerance=f"≥ {targets[net]:g}", unit="×", source=TARGET))
        else:
            c, b = core.iloc[0], b2.iloc[0]
            out.claim(claim_at_least(
                cid, f"{label[net]} {int(c['n'])} × {c['duration_s']:g} s: " + text[len(label[net]) + 2:],
                f"{qty} (best of {int(c['rounds'])} rounds)", targets[net], b["cpu_s"] / c["cpu_s"],
                unit="×", source=TARGET, note=_spread(c, b)))
        if net not in floor_max:
            continue
        cid = f"{net}_distance_to_floor"
        text = (f"{label[net]}: core time relative to the hardware floor (measured per-operation "
                "costs × operation counts)")
        src = (f"hardware probe in the same job: {STATE_VARIABLES} streamed read-modify-writes per "
               "neuron-step (one dependent update per step for a single neuron) + 1 random "
               "read-modify-write per synaptic event"
               + (" + per input spike 1 exponential draw and 1 random read-modify-write "
                  "(weight, trace), per output spike 1 streamed read-modify-write per plastic "
                  "weight" if net == "stdp" else ""))
        if core.empty:
            out.claim(claim_not_run(cid, text, "core processor time / floor",
                                    reason=_why_missing(errors, net, ["core"]),
                                    reference=floor_max[net], tolerance=f"≤ {floor_max[net]:g}",
                                    unit="×", source=src))
        else:
            c = core.iloc[0]
            out.claim(claim_at_most(cid, text, "core processor time / floor", floor_max[net],
                                    c["cpu_s"] / c["floor_s"], unit="×", source=src))
    for net in THREAD_NETWORKS:
        cid = f"{net}_threads_same_spikes"
        text = f"{label[net]}: 1 and 2 threads give the same spikes"
        rows = main[(main["network"] == net) & (main["engine"] == "core")] if not main.empty else main
        t = rows.set_index("threads") if not rows.empty else rows
        if {1, 2} <= set(t.index):
            out.claim(claim_within(
                cid, text, "spike count with 2 threads", t.loc[1, "n_spikes"], t.loc[2, "n_spikes"],
                abs_tol=0, unit="spikes", source="the core with 1 thread, same job"))
        else:
            out.claim(claim_not_run(
                cid, text, "spike count with 2 threads",
                reason=_why_missing(errors, net, ["core"], threads=2 if 1 in t.index else 1),
                unit="spikes", source="the core with 1 thread, same job"))


def _spread(core, brian2) -> str:
    """The rounds of the two engines in a claim's tolerance column: a best far below the
    median marks rounds taken in a slow spell of the host."""
    def one(name, r):
        return (f"{name} {r['cpu_s']:.3g} / {r.get('cpu_s_median', np.nan):.3g} / "
                f"{r.get('cpu_s_max', np.nan):.3g} s")
    return ("best / median / largest round: " + one("core", core) + ", "
            + one("Brian2 C++", brian2))


def _memory_table(best) -> pd.DataFrame:
    """Peak memory of the core (1 thread) and Brian2 cpp_standalone on each network both ran."""
    cols = ["series", "network", "n", "core_rss_mib", "brian2_cpp_rss_mib", "ratio"]
    if best.empty:
        return pd.DataFrame(columns=cols)
    keys = ["series", "network", "n"]
    core = best[(best["engine"] == "core") & (best["threads"] == 1)].set_index(keys)["peak_rss_mib"]
    b2 = best[best["engine"] == "brian2_cpp"].set_index(keys)["peak_rss_mib"]
    both = pd.concat([core.rename("core_rss_mib"), b2.rename("brian2_cpp_rss_mib")], axis=1,
                     join="inner").reset_index()
    both["ratio"] = both["core_rss_mib"] / both["brian2_cpp_rss_mib"]
    return both[cols]


def _memory_claim(out, memory):
    text = "On every network the core's peak memory is at most Brian2 cpp_standalone's"
    qty = "largest ratio core / Brian2 cpp_standalone peak resident memory over the networks"
    src = "Brian2 cpp_standalone run in the same job on the same networks (table memory)"
    if memory.empty:
        out.claim(claim_not_run("peak_rss_vs_brian2_cpp", text, qty, reference=1.0,
                                tolerance="≤ 1", reason="no network ran on both the core and "
                                "Brian2 cpp_standalone", unit="×", source=src))
        return
    worst = memory.loc[memory["ratio"].idxmax()]
    out.claim(claim_at_most(
        "peak_rss_vs_brian2_cpp", text, qty, 1.0, worst["ratio"], unit="×", source=src,
        note=f"worst: {worst['network']} {int(worst['n'])}, {worst['core_rss_mib']:.0f} vs "
             f"{worst['brian2_cpp_rss_mib']:.0f} MiB; {len(memory)} networks"))


def _figures(out, best):
    import matplotlib.pyplot as plt

    scal = best[best["series"] == "scaling"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for label, g in scal.groupby("label"):
        g = g.sort_values("n")
        axes[0].loglog(g["n"], g["cpu_s"], "o-", label=label)
        axes[1].semilogx(g["n"], g["realtime_ratio"], "o-", label=label)
    if not scal.empty:
        core1 = scal[(scal["engine"] == "core") & (scal["threads"] == 1)].sort_values("n")
        axes[0].loglog(core1["n"], core1["floor_s"], "k--", label="hardware floor (probe)")
    axes[0].set_xlabel("neurons N (fixed in-degree)")
    axes[0].set_ylabel("simulation processor time (s)")
    axes[1].set_xlabel("neurons N")
    axes[1].set_ylabel("biological time / wall time")
    axes[0].legend(fontsize=8)
    axes[0].set_title("CUBA scaling")
    out.figure(fig, "scaling")
    main = best[best["series"] == "main"]
    fig, ax = plt.subplots(figsize=(8, 4))
    nets = list(dict.fromkeys(main["network"]))
    labels = list(dict.fromkeys(main["label"]))
    width = 0.8 / max(1, len(labels))
    for k, lab in enumerate(labels):
        g = main[main["label"] == lab].set_index("network")
        x = [nets.index(nm) + k * width for nm in g.index]
        ax.bar(x, g["cpu_s"], width, label=lab)
    ax.set_yscale("log")
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(nets))], [nm.upper() for nm in nets])
    ax.set_ylabel("simulation processor time (s)")
    ax.legend(fontsize=8)
    out.figure(fig, "engines")

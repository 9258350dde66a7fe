"""Speed of the DYNAP-SE1 emulator on a full board, with rockpool's DynapSim side by side.

Workload: the whole SE1 board, 4 chips × 1024 neurons, every neuron with all 64 CAM entries in
use (48 AMPA + 16 GABA_A from random neurons of its own chip, so each source needs one SRAM
entry), a DC input per core set so that the mean rate is about 20 Hz, mismatch on (cv 0.1),
``chip_s`` seconds of chip time. Measured, as the best of ``repeats`` runs of the same seed (the
machine may be shared: the claim uses CPU time, the smallest of the runs): the real-time factor
chip time / CPU time of ``Board.run`` (one core: the kernel is a single-threaded ``nogil`` loop)
and chip time / wall time, the CPU time per neuron-step, the mean rate, the synaptic events
delivered per second, and the kernel's counters: the share of neuron-steps held refractory, the
share of integrated steps split into sub-steps (the membrane's error bound, ``Board.err_tol``)
and the membrane sub-steps per integrated step, and where the CPU time goes: ns per neuron per
ms of chip time in each phase of the kernel's step (``Board.kernel_phase_cpu_s``: input, DPI
circuits, the membrane's single-step vector pass, its split steps in vector rounds and its
scalar path, spike delivery; 10× real time on the 4096-neuron board allows 24.4 ns per neuron
per ms of chip time in all). The repeated runs also check that one seed gives the same spikes
every time. A spike reaches its CAM targets one step after the step it is emitted in: the routing
latency of the emulator is the step, ``dt_us`` (column ``routing_latency_us``).

Runs at two steps: the study step (``dt_us``, the step whose spike times the ``dynapse`` study
checks against a 10× finer one; ``chip_s`` = 10 s) and, for context, a coarse step
(``coarse_dt_us``, 1 ms, rockpool's default; ``coarse_chip_s``); and the study step again on two
threads (``Board.threads``: two chips per thread, the chips being independent in this
workload), reported as the wall-time factor of the second core: the kernel's CPU time on one
thread over the larger CPU time of the two threads (``Board.kernel_thread_cpu_s``), which is the
wall-time factor on an idle machine and does not depend on what else the machine runs.

rockpool (PyPI ``rockpool``, JAX; ``rockpool.devices.dynapse.DynapSim``) is run on a network of
the same size (4096 neurons, a dense 4096 × 4096 recurrent weight matrix with 64 inputs per
neuron, its own default currents, dt = 1 ms) for ``rockpool_chip_s`` of chip time after one
warm-up call that compiles it. Its outputs are not those of the emulator (other currents, other
input), so the comparison is a speed ratio at the same size (a design target of the suite, not
an independent check); where rockpool is not installed or does not run, those rows are NOT_RUN
with the reason.

Outputs (``results/dynapse_benchmark/``): ``tables/dynapse_benchmark.{csv,md}`` (one row per
simulator and step), ``comparison.csv`` (the speed target and the context rows), provenance.
"""

from __future__ import annotations

import hashlib
import logging
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from neurobench.dynapse import BiasSet, Board, MismatchConfig
from neurobench.dynapse.board import KERNEL_PHASES
from neurobench.report import StudyWriter, claim_at_least, claim_info, claim_within

log = logging.getLogger("neurobench")

TARGET = "the suite's emulator speed target: ≥ 10× faster than real time on one core"
ROCKPOOL_CLAIMS = {"study_dt": "study dt", "same_dt": "1 ms, the same step"}


def declared_claims(params: dict) -> dict[str, str]:
    """The claims of this study and their kinds (``neurobench.report.claims``)."""
    claims = {"realtime_factor": "design_target", "realtime_factor_coarse": "design_target",
              "wall_factor_two_threads": "design_target", "mean_rate": "design_target",
              "deterministic_per_seed": "verification"}
    claims.update({f"speedup_vs_rockpool_{k}": "design_target" for k in ROCKPOOL_CLAIMS})
    return claims


def build_board(p, dt_us):
    """The benchmark board: 4096 neurons × 64 CAM entries, DC per core, mismatch on."""
    b = Board(n_chips=4, dt_us=dt_us, seed=p["seed"],
              mismatch=MismatchConfig(cv_circuit=p["cv_circuit"], seed=p["seed"]))
    bs = BiasSet.default().replace(IF_DC_P=tuple(p["dc"]),
                                   PS_WEIGHT_EXC_F_N=tuple(p["weight_exc"]),
                                   PS_WEIGHT_INH_F_N=tuple(p["weight_inh"]))
    b.set_biases(bs)
    rng = np.random.default_rng(p["seed"])
    n = b.n_neurons
    post = np.repeat(np.arange(n), 64)
    src = (post // 1024) * 1024 + rng.integers(0, 1024, post.size)
    exc = np.tile(np.arange(64) < p["n_exc"], n)
    b.connect(src[exc], post[exc], "AMPA")
    b.connect(src[~exc], post[~exc], "GABA_A")
    return b


def spike_digest(events) -> str:
    """SHA-1 of the spike train (ids and times), to compare runs bit for bit."""
    return hashlib.sha1(events.gid.tobytes() + events.t_us.tobytes()).hexdigest()


def time_emulator(p, dt_us, chip_s, repeats, threads=1):
    """Best of ``repeats`` runs of ``chip_s`` seconds (CPU and wall time taken separately)."""
    b = build_board(p, dt_us)
    assert int(b.cam_usage().min()) == 64
    b.threads = threads
    b.run(10.0)                                   # routing compiled, caches warm
    cpus, walls, paths, digests, phases = [], [], [], [], []
    for _ in range(repeats):
        b.reset()
        t0, c0 = time.perf_counter(), time.process_time()
        b.run(chip_s * 1e3, progress=False)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        phases.append(b.kernel_phase_cpu_s.copy())
        paths.append(float(b.kernel_thread_cpu_s.max()))
        digests.append(spike_digest(b.events()))
    wall, cpu = min(walls), min(cpus)
    ev = b.events()
    rate = len(ev) / b.n_neurons / chip_s
    fanout = np.diff(b._compiled.src_ptr)[: b.n_neurons]
    syn_events = float(fanout[ev.gid].sum())
    integrated, held, sub, split = (int(x) for x in b.kernel_stats)
    neuron_steps = integrated + held
    # the phases of the run with the smallest CPU time, per neuron and ms of chip time
    per_ms = phases[int(np.argmin(cpus))] / (b.n_neurons * chip_s * 1e3) * 1e9
    breakdown = {f"ns_per_neuron_ms_{k}": float(v) for k, v in zip(KERNEL_PHASES, per_ms)}
    return {"simulator": "neurobench.dynapse", "dt_us": dt_us, "threads": threads,
            "neurons": b.n_neurons, "cam_entries_per_neuron": 64, "chip_time_s": chip_s,
            "repeats": repeats,
            "wall_s": wall, "cpu_s": cpu, "cpu_s_worst": max(cpus),
            "critical_path_cpu_s": min(paths),
            "realtime_factor": chip_s / wall, "realtime_factor_cpu": chip_s / cpu,
            "ns_per_neuron_step_cpu": cpu / neuron_steps * 1e9,
            "ns_per_neuron_ms_cpu": cpu / (b.n_neurons * chip_s * 1e3) * 1e9, **breakdown,
            "routing_latency_us": dt_us,
            "mean_rate_hz": rate, "synaptic_events_per_s": syn_events / wall,
            "refractory_share": held / neuron_steps, "split_share": split / max(integrated, 1),
            "substeps_per_step": sub / max(integrated, 1),
            "substeps_per_neuron_ms": sub / (b.n_neurons * chip_s * 1e3),
            "identical_runs": len(set(digests)) == 1, "digest": digests[0], "note": ""}


def time_rockpool(p):
    """rockpool DynapSim on 4096 neurons (dense recurrent weights), or why it could not run."""
    row = {"simulator": "rockpool DynapSim", "dt_us": 1000.0, "neurons": 4096,
           "cam_entries_per_neuron": 64, "chip_time_s": p["rockpool_chip_s"]}
    if p["rockpool_chip_s"] <= 0:
        return dict(row, note="not run: rockpool_chip_s = 0 in this config")
    try:
        import warnings
        from importlib.metadata import version
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from rockpool.devices.dynapse import DynapSim
        ver = version("rockpool")
    except ImportError as exc:
        return dict(row, note=f"not run: rockpool not importable ({type(exc).__name__}: {exc})")
    n, steps = 4096, int(round(p["rockpool_chip_s"] / 1e-3))
    rng = np.random.default_rng(p["seed"])
    w = np.zeros((n, n), np.float32)
    for i in range(n):
        np.add.at(w[:, i], rng.integers(0, n, 64), 1.0)
    mod = DynapSim((n, n), has_rec=True, w_rec=w, dt=1e-3)
    x = (rng.random((steps, n)) < 20.0 * 1e-3).astype(np.float32)
    t0 = time.perf_counter()
    mod(x[: min(steps, 20)], record=False)                  # compile
    compile_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    out, _, _ = mod(x, record=False)
    out = np.asarray(out)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    chip = p["rockpool_chip_s"]
    return dict(row, wall_s=wall, cpu_s=cpu, realtime_factor=chip / wall,
                realtime_factor_cpu=chip / cpu, mean_rate_hz=float(out.sum()) / n / chip,
                synaptic_events_per_s=np.nan,
                note=f"rockpool {ver} (JAX, CPU; may use several threads); one synapse gate, "
                     f"dense weights, 20 Hz Poisson input; compile {compile_s:.1f} s excluded")


def run(params: dict, outdir: Path) -> None:
    p = dict(params)
    repeats = int(p["repeats"])
    with StudyWriter(outdir, params, seed=p["seed"], claims=declared_claims(p)) as out:
        rows = []
        for dt, chip_s in ((p["dt_us"], p["chip_s"]), (p["coarse_dt_us"], p["coarse_chip_s"])):
            log.info("dynapse_benchmark: emulator, dt %g µs, %g s of chip time, best of %d",
                     dt, chip_s, repeats)
            rows.append(time_emulator(p, dt, chip_s, repeats))
            log.info("  %.2f s CPU, %.2f× real time (CPU), %.2f ns/neuron-step, %.1f Hz",
                     rows[-1]["cpu_s"], rows[-1]["realtime_factor_cpu"],
                     rows[-1]["ns_per_neuron_step_cpu"], rows[-1]["mean_rate_hz"])
        log.info("dynapse_benchmark: emulator on two threads (two chips each), dt %g µs",
                 p["dt_us"])
        rows.append(time_emulator(p, p["dt_us"], p["chip_s"], repeats, threads=2))
        log.info("dynapse_benchmark: rockpool DynapSim")
        rows.append(time_rockpool(p))
        df = pd.DataFrame(rows)
        df["cpu"] = platform.processor() or platform.machine()
        out.table(df, "dynapse_benchmark")

        main, coarse, two, rp = rows
        need = p["dt_us"] * 1e3 / 10.0 / main["neurons"]
        parts = ", ".join(f"{k} {main[f'ns_per_neuron_ms_{k}']:.1f}" for k in KERNEL_PHASES)
        need_ms = 1e6 / 10.0 / main["neurons"]
        out.claim(claim_at_least(
            "realtime_factor", f"full board (4096 neurons × 64 CAM entries, ~20 Hz) runs ≥ 10× "
            f"faster than real time at the study step ({p['dt_us']:g} µs)",
            "chip time / CPU time of the run", 10.0, main["realtime_factor_cpu"], source=TARGET,
            note=f"one core; CPU time, best of {repeats}, as the machine may be shared (wall "
                 f"time in the table); {main['ns_per_neuron_step_cpu']:.1f} ns per neuron-step, "
                 f"where 10× real time needs ≤ {need:.2f} ns; "
                 f"{100 * main['split_share']:.1f} % of membrane steps split, "
                 f"{main['substeps_per_neuron_ms']:.2f} membrane sub-steps per neuron-ms; CPU "
                 f"ns per neuron per ms of chip time by phase (10× needs ≤ {need_ms:.1f} in all): {parts}; "
                 f"routing latency one step ({p['dt_us']:g} µs)"))
        out.claim(claim_info(
            "realtime_factor_coarse", f"the same at dt = {p['coarse_dt_us']:g} µs (context: spike "
            "times there are not within 0.1 ms of a 10× finer step, see the dynapse study)",
            "chip time / CPU time of the run", np.nan, coarse["realtime_factor_cpu"],
            source="this benchmark"))
        out.claim(claim_info("mean_rate", "mean rate of the benchmark network (workload: ~20 Hz)",
                             "mean rate", 20.0, main["mean_rate_hz"], unit="Hz",
                             source="the benchmark workload (DC and weights set for ~20 Hz)"))
        out.claim(claim_info(
            "wall_factor_two_threads", "the second core: the wall-time factor of two threads "
            f"(two chips each) at the study step ({p['dt_us']:g} µs) on an otherwise idle "
            "machine", "kernel CPU time on one thread / the larger CPU time of the two threads",
            np.nan, main["critical_path_cpu_s"] / two["critical_path_cpu_s"],
            source=f"this benchmark, best of {repeats}; thread CPU times, as the machine may be "
                   f"shared (measured wall-time factor here: "
                   f"{main['wall_s'] / two['wall_s']:.2f})"))
        differ = sum(not r["identical_runs"] for r in (main, coarse, two))
        differ += two["digest"] != main["digest"]
        out.claim(claim_within(
            "deterministic_per_seed", f"{repeats} runs of one seed give bit-identical spike "
            "trains (both steps), and two threads the same as one",
            "sets of runs whose spikes differ", 0.0, float(differ), abs_tol=0.0,
            source="the suite's determinism rule: one seed, one result"))
        for key, label in ROCKPOOL_CLAIMS.items():
            cid = f"speedup_vs_rockpool_{key}"
            claim = f"emulator ({label}) vs rockpool DynapSim (1 ms), same network size"
            quantity = "ratio of real-time factors (CPU time)"
            if not np.isfinite(rp.get("realtime_factor_cpu", np.nan)):
                out.not_run(cid, claim, quantity, reason=rp["note"].removeprefix("not run: "),
                            source="rockpool DynapSim, the same network size")
                continue
            row = main if key == "study_dt" else coarse
            out.claim(claim_info(cid, claim, quantity, np.nan,
                                 row["realtime_factor_cpu"] / rp["realtime_factor_cpu"],
                                 source=rp["note"]))

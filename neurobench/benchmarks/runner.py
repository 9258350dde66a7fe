"""Run one benchmark case in a fresh Python process and gather the results.

A case is a dict ``{network: cuba|coba|stdp, n, duration_s, engine, threads, seed}``; the engine
is one of ``core``, ``brian2_cython``, ``brian2_cpp``, ``nest``. An optional ``brian2_dir``
names the directory of Brian2's C++ standalone project, kept between runs of the case so that
they reuse its compiled files (with ``rerun`` true, a repeat of the case that ran there only
runs its binary again: timings and memory, no spikes); ``cython_cache_dir`` the cache of
Brian2's cython extensions; with ``compile_only`` true a Brian2 case only generates and
compiles its code there (``make_jobs``: make's ``-j``) and runs nothing; an optional
``stats_window_s`` restricts the firing statistics to the first seconds (the window common to
all engines of a network). The child process builds the network (``networks``),
runs it (``engines``) and prints one JSON line: timings, the firing statistics computed here
for every engine alike, peak resident memory of the simulation (the process; for Brian2's C++
standalone mode the larger of the process and its compiled binary, the compiler excluded; the
process's own high-water mark, not its parent's), and
for STDP the final weights.

    python -m neurobench.benchmarks.runner '{"network": "cuba", "n": 4000, ...}'
"""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

from neurobench.benchmarks import engines, networks

log = logging.getLogger("neurobench")

CASE_KEYS = ("network", "n", "duration_s", "engine", "threads", "seed")


def validate_case(case: dict) -> dict:
    missing = [k for k in CASE_KEYS if k not in case]
    if missing:
        raise ValueError(f"benchmark case: missing keys {missing}")
    if case["network"] not in networks.KINDS:
        raise ValueError(f"benchmark case: network must be one of {networks.KINDS}, "
                         f"got {case['network']!r}")
    if case["engine"] not in engines.ENGINES:
        raise ValueError(f"benchmark case: engine must be one of {engines.ENGINES}, "
                         f"got {case['engine']!r}")
    if case.get("compile_only") and not case["engine"].startswith("brian2"):
        raise ValueError(f"benchmark case: only Brian2 compiles ahead, got {case['engine']!r}")
    if not (float(case["duration_s"]) > 0 and int(case["n"]) >= 1 and int(case["threads"]) >= 1):
        raise ValueError(f"benchmark case: duration_s, n and threads must be positive: {case}")
    return case


def build_network(case: dict):
    if case["network"] == "stdp":
        return networks.song(case["seed"], n_inputs=case["n"])
    return networks.brette(case["network"], case["n"], case["seed"])


def run_case(case: dict) -> dict:
    """Run one case in this process; returns the JSON-able result row."""
    case = validate_case(dict(case))
    net = build_network(case)
    duration_ms = float(case["duration_s"]) * 1e3
    engine = case["engine"]
    if engine == "core":
        res = engines.run_core(net, duration_ms, seed=case["seed"], n_threads=case["threads"])
    elif engine == "nest":
        res = engines.run_nest(net, duration_ms, seed=case["seed"], n_threads=case["threads"])
    else:
        kw = dict(seed=case["seed"], target=_brian2_target(engine),
                  cache_dir=case.get("cython_cache_dir"), make_jobs=case.get("make_jobs"),
                  compile_only=bool(case.get("compile_only")))
        if case.get("brian2_dir"):
            os.makedirs(case["brian2_dir"], exist_ok=True)
            if case.get("rerun"):
                res = engines.rerun_brian2_cpp(net, duration_ms, case["seed"], case["brian2_dir"])
                if res is not None:
                    return dict(case, **res, peak_rss_mib=res["binary_rss_mib"],
                                realtime_ratio=duration_ms * 1e-3 / res["sim_s"])
            res = engines.run_brian2(net, duration_ms, workdir=case["brian2_dir"], **kw)
        else:
            with tempfile.TemporaryDirectory(prefix="nb_brian2_") as work:
                res = engines.run_brian2(net, duration_ms, workdir=work, **kw)
        if kw["compile_only"]:
            return dict(case, **res)
    n = 1 if case["network"] == "stdp" else net.n
    # statistics after a 10 % transient (at most 1 s), the same for every engine, over the
    # common window of the network's cases (``stats_window_s``) where one engine runs shorter
    window_ms = min(duration_ms, float(case.get("stats_window_s") or np.inf) * 1e3)
    skip = min(0.1 * window_ms, 1000.0)
    t_ms, ids = np.asarray(res["t_ms"], float), np.asarray(res["i"])
    keep = t_ms < window_ms
    stats = networks.spike_statistics(t_ms[keep], ids[keep], n, window_ms, skip_ms=skip)
    row = dict(case, **stats, sim_s=res["sim_s"], cpu_s=res["cpu_s"], build_s=res["build_s"],
               compile_s=res["compile_s"],
               realtime_ratio=duration_ms * 1e-3 / res["sim_s"] if res["sim_s"] > 0 else np.nan,
               n_synapses=(net.n_inputs if case["network"] == "stdp" else net.n_synapses))
    if "binary_rebuilt" in res:        # Brian2 C++: whether make had to link the binary again
        row["binary_rebuilt"] = res["binary_rebuilt"]
    if "w" in res:
        w = np.asarray(res["w"], float)
        g_max = net.params["g_max"]
        row.update(w_final=w.tolist(), frac_w_low=float(np.mean(w < 0.1 * g_max)),
                   frac_w_high=float(np.mean(w > 0.9 * g_max)))
    # children (compilers) are not counted
    row["peak_rss_mib"] = max(peak_rss_mib(), res.get("binary_rss_mib", 0.0))
    return row


def peak_rss_mib() -> float:
    """Peak resident memory of this process (MiB): the high-water mark of its own address
    space (``VmHWM`` in /proc/self/status). ``ru_maxrss`` would count the parent's peak as well:
    Linux carries it into a child across fork and exec, so a case run from a large study
    process would report at least the study's size."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except FileNotFoundError:
        pass
    # not Linux (or no VmHWM): the resource usage figure (KiB on Linux, BSD)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _brian2_target(engine: str) -> str:
    return "cython" if engine == "brian2_cython" else "cpp_standalone"


def run_isolated(case: dict, timeout_s: float = 900.0) -> dict:
    """Run a case in a fresh interpreter; on failure the row carries the error message."""
    validate_case(case)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "neurobench.benchmarks.runner", json.dumps(case)],
                          capture_output=True, text=True, timeout=timeout_s)
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        msg = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        log.warning("benchmark case %s failed: %s", case, msg)
        return dict(case, error=msg[:300], process_s=wall)
    row = json.loads(lines[-1])
    row["process_s"] = wall
    return row


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        raise SystemExit("usage: python -m neurobench.benchmarks.runner '<case as JSON>'")
    row = run_case(json.loads(argv[0]))
    print(json.dumps(row, default=float))


if __name__ == "__main__":
    main()

"""Engine adapters: the same benchmark network on this core, Brian2 and NEST.

Each ``run_<engine>(network, duration_ms, ...)`` builds the network, runs it and returns a dict
with the recorded spikes (``t_ms``, ``i``; for the STDP network also the final weights ``w``)
and timings in seconds: ``sim_s`` (wall clock of the simulation proper), ``cpu_s`` (processor
time of the simulation), ``build_s`` (construction) and, for Brian2's C++ standalone mode,
``compile_s`` (code generation and compilation; for a project compiled beforehand in the same
directory, code generation and make's check that nothing changed). Wall clock is ``time.perf_counter`` around the
engine's own run call, processor time ``time.process_time`` (this process: the core, Brian2's
runtime, NEST). For cpp_standalone both are Brian2's own timer of the network run inside the
compiled binary, which is ``std::clock()``, i.e. processor time: on a machine shared with
other work, processor times are the comparable numbers.

Unit conversions (the core's current-based weights are the voltage jump R·I_syn in mV; its
conductances are in units of g_L):
  NEST iaf_psc_exp: I [pA] = w [mV] · C_m / τ_m;   NEST iaf_cond_exp: g [nS] = w [g_L] · g_L.
"""

from __future__ import annotations

import json
import os
import tempfile
import time

import numpy as np

from neurobench.benchmarks import peak_rss
from neurobench.benchmarks.networks import DT_MS, BrettNetwork, SongNetwork

ENGINES = ("core", "brian2_cython", "brian2_cpp", "nest")
NEST_C_PF = 250.0   # membrane capacitance used for NEST's current-based model (any value works)


# -- this core ------------------------------------------------------------------------------
def run_core(net: BrettNetwork | SongNetwork, duration_ms: float, seed: int = 0,
             n_threads: int = 1, weight_every_ms: float | None = None) -> dict:
    """``weight_every_ms`` (STDP network): also return the weights sampled at that interval
    (``w_t_ms``, ``w_trace`` [samples × synapses])."""
    from neurobench.core import STDP, LIFParameters, Network

    t0 = time.perf_counter()
    sim = Network(DT_MS, seed=seed, n_threads=n_threads)
    if isinstance(net, SongNetwork):
        p = net.params
        lif = LIFParameters(tau_m_ms=p["tau_m_ms"], v_rest_mV=p["v_rest_mV"], v_th_mV=p["v_th_mV"],
                            v_reset_mV=p["v_reset_mV"], t_ref_ms=0.0, r_mohm=0.0,
                            tau_e_ms=p["tau_e_ms"], e_e_mV=p["e_e_mV"])
        post = sim.add_lif(1, lif, synapse="conductance", name="post")
        inputs = sim.add_poisson(net.n_inputs, p["rate_hz"], name="inputs")
        a_plus = p["a_plus_rel"] * p["g_max"]
        rule = STDP(tau_plus_ms=p["tau_pre_ms"], tau_minus_ms=p["tau_post_ms"], a_plus=a_plus,
                    a_minus=p["depression_ratio"] * a_plus * p["tau_pre_ms"] / p["tau_post_ms"],
                    w_min=0.0, w_max=p["g_max"])
        proj = sim.connect(inputs, post, "exc", weight=net.w0, stdp=rule,
                           pre=np.arange(net.n_inputs), post=np.zeros(net.n_inputs, int))
        rec = sim.record_spikes(post)
        wmon = sim.record_weights(proj, every_ms=weight_every_ms) if weight_every_ms else None
    else:
        p = net.params
        cond = net.kind == "coba"
        if cond:
            g_l = p["g_l_nS"]
            lif = LIFParameters(tau_m_ms=p["c_pF"] / g_l, v_rest_mV=p["v_rest_mV"],
                                v_th_mV=p["v_th_mV"], v_reset_mV=p["v_reset_mV"],
                                t_ref_ms=p["t_ref_ms"], r_mohm=0.0, tau_e_ms=p["tau_e_ms"],
                                tau_i_ms=p["tau_i_ms"], e_e_mV=p["e_e_mV"], e_i_mV=p["e_i_mV"])
            w_e, w_i = p["w_e_nS"] / g_l, p["w_i_nS"] / g_l
            ge0, gi0 = net.ge0 / g_l, net.gi0 / g_l
        else:
            lif = LIFParameters(tau_m_ms=p["tau_m_ms"], v_rest_mV=p["v_rest_mV"],
                                v_th_mV=p["v_th_mV"], v_reset_mV=p["v_reset_mV"],
                                t_ref_ms=p["t_ref_ms"], r_mohm=0.0, tau_e_ms=p["tau_e_ms"],
                                tau_i_ms=p["tau_i_ms"])
            w_e, w_i = p["w_e_mV"], p["w_i_mV"]
            ge0, gi0 = net.ge0, net.gi0
        pop = sim.add_lif(net.n, lif, synapse="conductance" if cond else "current",
                          v_init_mV=net.v0_mV, ge_init=ge0, gi_init=gi0, name="P")
        sim.connect(pop, pop, "exc", weight=w_e, pre=net.pre_e, post=net.post_e)
        sim.connect(pop, pop, "inh", weight=w_i, pre=net.pre_i, post=net.post_i)
        rec = sim.record_spikes(pop)
        proj = None
    sim.run(0.0)                       # compiles the network (build time)
    build = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    sim.run(duration_ms)
    sim_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    out = dict(t_ms=rec.t(), i=rec.i(), sim_s=sim_s, cpu_s=cpu_s, build_s=build, compile_s=0.0)
    if proj is not None:
        out["w"] = proj.weights
        if wmon is not None:
            out.update(w_t_ms=wmon.t, w_trace=wmon.w)
    return out


# -- Brian2 ---------------------------------------------------------------------------------
def run_brian2(net: BrettNetwork | SongNetwork, duration_ms: float, seed: int = 0,
               target: str = "cython", workdir: str | None = None, cache_dir: str | None = None,
               compile_only: bool = False, make_jobs: int | None = None) -> dict:
    """Brian2 2.9 with the runtime target ``cython`` (or ``numpy``) or ``cpp_standalone``.

    cpp_standalone builds in ``workdir`` without cleaning it: Brian2 rewrites only the files
    whose contents changed and make recompiles only those, so a case whose project was built
    there before (``compile_only``, rule ``benchmarks_build``) reuses the compiled project:
    ``compile_s`` is then Brian2's code generation and make's check that the project is up to
    date, and ``binary_rebuilt`` says whether the binary had to be linked again. ``make_jobs``: make's ``-j`` (None: Brian2's
    default, no limit). Its ``binary_rss_mib`` is the peak memory of the compiled simulation
    alone (``neurobench.benchmarks.peak_rss``), without the compiler's.

    ``cache_dir``: the cython target's cache of compiled extensions (None: Brian2's own,
    ``~/.cython``); its key includes the Python interpreter's path, so a new environment
    compiles every extension once.

    ``compile_only``: generate and compile the code (cpp_standalone: the project in
    ``workdir``; cython: the extensions into the cache), run nothing; returns ``build_s`` and
    ``compile_s`` only."""
    import brian2 as b2

    standalone = target == "cpp_standalone"
    cython_cache = b2.prefs.codegen.runtime.cython.cache_dir
    make_args = b2.prefs.devices.cpp_standalone.extra_make_args_unix
    run_cmd_default = b2.prefs.devices.cpp_standalone.run_cmd_unix
    t0 = time.perf_counter()
    if standalone:
        b2.set_device("cpp_standalone", build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        if make_jobs is not None:
            b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{int(make_jobs)}"]
        if not compile_only:
            run_cmd, rss_file = peak_rss.wrap(["./main"])
            b2.prefs.devices.cpp_standalone.run_cmd_unix = run_cmd
    else:
        b2.prefs.codegen.target = target
        if cache_dir is not None:
            b2.prefs.codegen.runtime.cython.cache_dir = str(cache_dir)
    b2.start_scope()
    b2.defaultclock.dt = DT_MS * b2.ms
    b2.seed(seed)
    ms, mV = b2.ms, b2.mV
    objs = []
    if isinstance(net, SongNetwork):
        p = net.params
        eqs = """dv/dt = (ge * (Ee - v) + El - v) / taum : volt
                 dge/dt = -ge / taue : 1"""
        ns = dict(Ee=p["e_e_mV"] * mV, El=p["v_rest_mV"] * mV, taum=p["tau_m_ms"] * ms,
                  taue=p["tau_e_ms"] * ms, vt=p["v_th_mV"] * mV, vr=p["v_reset_mV"] * mV,
                  taupre=p["tau_pre_ms"] * ms, taupost=p["tau_post_ms"] * ms, gmax=p["g_max"],
                  dApre=p["a_plus_rel"] * p["g_max"],
                  dApost=-p["a_plus_rel"] * p["g_max"] * p["depression_ratio"]
                  * p["tau_pre_ms"] / p["tau_post_ms"])
        inputs = b2.PoissonGroup(net.n_inputs, rates=p["rate_hz"] * b2.Hz)
        post = b2.NeuronGroup(1, eqs, threshold="v > vt", reset="v = vr", method="euler",
                              namespace=ns)
        post.v = p["v_rest_mV"] * mV
        syn = b2.Synapses(inputs, post,
                          """w : 1
                             dApre/dt = -Apre / taupre : 1 (event-driven)
                             dApost/dt = -Apost / taupost : 1 (event-driven)""",
                          on_pre="""ge += w
                                    Apre += dApre
                                    w = clip(w + Apost, 0, gmax)""",
                          on_post="""Apost += dApost
                                     w = clip(w + Apre, 0, gmax)""",
                          namespace=ns)
        syn.connect()
        syn.w = net.w0
        syn.delay = DT_MS * ms
        mon = b2.SpikeMonitor(post)
        objs = [inputs, post, syn, mon]
        n = 1
    else:
        p = net.params
        if net.kind == "coba":
            eqs = """dv/dt = (gl * (El - v) + ge * (Ee - v) + gi * (Ei - v)) / C : volt (unless refractory)
                     dge/dt = -ge / taue : siemens
                     dgi/dt = -gi / taui : siemens"""
            ns = dict(gl=p["g_l_nS"] * b2.nS, El=p["v_rest_mV"] * mV, Ee=p["e_e_mV"] * mV,
                      Ei=p["e_i_mV"] * mV, C=p["c_pF"] * b2.pF, taue=p["tau_e_ms"] * ms,
                      taui=p["tau_i_ms"] * ms, Vt=p["v_th_mV"] * mV, Vr=p["v_reset_mV"] * mV,
                      we=p["w_e_nS"] * b2.nS, wi=p["w_i_nS"] * b2.nS)
            method = "exponential_euler"
        else:
            eqs = """dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
                     dge/dt = -ge / taue : volt
                     dgi/dt = -gi / taui : volt"""
            ns = dict(El=p["v_rest_mV"] * mV, taum=p["tau_m_ms"] * ms, taue=p["tau_e_ms"] * ms,
                      taui=p["tau_i_ms"] * ms, Vt=p["v_th_mV"] * mV, Vr=p["v_reset_mV"] * mV,
                      we=p["w_e_mV"] * mV, wi=p["w_i_mV"] * mV)
            method = "exact"
        P = b2.NeuronGroup(net.n, eqs, threshold="v > Vt", reset="v = Vr",
                           refractory=p["t_ref_ms"] * ms, method=method, namespace=ns)
        P.v = net.v0_mV * mV
        unit = b2.nS if net.kind == "coba" else mV
        P.ge = net.ge0 * unit
        P.gi = net.gi0 * unit
        Ce = b2.Synapses(P, P, on_pre="ge += we", delay=DT_MS * ms, namespace=ns)
        Ci = b2.Synapses(P, P, on_pre="gi += wi", delay=DT_MS * ms, namespace=ns)
        Ce.connect(i=net.pre_e, j=net.post_e)
        Ci.connect(i=net.pre_i, j=net.post_i)
        mon = b2.SpikeMonitor(P)
        objs = [P, Ce, Ci, mon]
        n = net.n
    network = b2.Network(*objs)
    out = {}
    if standalone:
        network.run(duration_ms * ms, namespace={})
        directory = workdir or tempfile.mkdtemp(prefix="brian2_cpp_")
        build = time.perf_counter() - t0
        binary = os.path.join(directory, "main")
        before = _mtime(binary)
        t0 = time.perf_counter()
        b2.device.build(directory=directory, compile=True, run=False, clean=False)
        compile_s = time.perf_counter() - t0
        out.update(build_s=build, compile_s=compile_s,
                   binary_rebuilt=before is None or _mtime(binary) != before)
        if not compile_only:
            t0 = time.perf_counter()
            b2.device.run(directory=directory, with_output=False)
            out.update(run_wall_s=time.perf_counter() - t0,
                       binary_rss_mib=peak_rss.read_mib(rss_file),
                       # std::clock(): processor time
                       sim_s=float(b2.device._last_run_time), cpu_s=float(b2.device._last_run_time))
            # how Brian2 ran this binary, for a later run of the same case (rerun_brian2_cpp)
            env = dict(b2.prefs["devices.cpp_standalone.run_environment_variables"],
                       **b2.device.run_environment_variables)
            with open(os.path.join(directory, RERUN_FILE), "w") as f:
                json.dump(dict(case=_brian2_case(net, duration_ms, seed), env=env,
                               args=["--results_dir", b2.device.results_dir]), f)
    else:
        network.run(0 * ms, namespace={})      # code generation and compilation
        out.update(build_s=time.perf_counter() - t0, compile_s=0.0)
        if not compile_only:
            t0, c0 = time.perf_counter(), time.process_time()
            network.run(duration_ms * ms, namespace={})
            out.update(sim_s=time.perf_counter() - t0, cpu_s=time.process_time() - c0)
    if not compile_only:
        out.update(t_ms=np.asarray(mon.t / ms), i=np.asarray(mon.i[:]), n=n)
        if isinstance(net, SongNetwork):
            out["w"] = np.asarray(syn.w[:])
    if standalone:                     # leave Brian2 usable in this process
        b2.device.reinit()
        b2.set_device("runtime")
        b2.prefs.devices.cpp_standalone.run_cmd_unix = run_cmd_default
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = make_args
    else:
        b2.prefs.codegen.runtime.cython.cache_dir = cython_cache
    return out


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return None


RERUN_FILE = "neurobench_rerun.json"


def _brian2_case(net, duration_ms, seed) -> dict:
    kind = "stdp" if isinstance(net, SongNetwork) else net.kind
    return dict(network=kind, n=net.n_inputs if kind == "stdp" else net.n,
                duration_ms=float(duration_ms), seed=int(seed))


def rerun_brian2_cpp(net: BrettNetwork | SongNetwork, duration_ms: float, seed: int,
                     workdir: str) -> dict | None:
    """Run Brian2's compiled C++ standalone binary in ``workdir`` once more, as Brian2 ran it
    (its command-line arguments and environment, saved by ``run_brian2``), without code
    generation or build: a repeat of the same case. Returns Brian2's timer of the run
    (``results/last_run_info.txt``, processor time) and the binary's peak memory, no spikes
    (the same binary with the same seed: the spikes of the run that built it); None when the
    directory holds no binary of this case that ran (none ran there yet, or another case)."""
    import subprocess

    try:
        with open(os.path.join(workdir, RERUN_FILE)) as f:
            saved = json.load(f)
    except FileNotFoundError:
        return None
    if saved["case"] != _brian2_case(net, duration_ms, seed):
        return None
    command, rss_file = peak_rss.wrap(["./main", *saved["args"]])
    t0 = time.perf_counter()
    subprocess.run(command, cwd=workdir, env=dict(os.environ, **saved["env"]),
                   stdout=subprocess.DEVNULL, check=True)
    run_wall = time.perf_counter() - t0
    with open(os.path.join(saved["args"][1], "last_run_info.txt")) as f:
        run_time, completed = (float(x) for x in f.read().split())
    binary_rss = peak_rss.read_mib(rss_file)
    if completed != 1.0:
        raise RuntimeError(f"Brian2's binary in {workdir} completed {completed:.0%} of its run")
    return dict(sim_s=run_time, cpu_s=run_time, build_s=0.0, compile_s=0.0, run_wall_s=run_wall,
                binary_rss_mib=binary_rss)


# -- NEST -----------------------------------------------------------------------------------
def nest_available() -> bool:
    try:
        import nest  # noqa: F401
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return False
    return True


def run_nest(net: BrettNetwork | SongNetwork, duration_ms: float, seed: int = 0,
             n_threads: int = 1) -> dict:
    """NEST 3.10: iaf_psc_exp (CUBA), iaf_cond_exp (COBA, Song), stdp_synapse (Song)."""
    import nest

    os.environ.setdefault("PYNEST_QUIET", "1")
    t0 = time.perf_counter()
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"resolution": DT_MS, "local_num_threads": n_threads,
                          "rng_seed": int(seed) % (2**31 - 1) + 1})
    if isinstance(net, SongNetwork):
        p = net.params
        c_m = NEST_C_PF
        g_l = c_m / p["tau_m_ms"]
        post = nest.Create("iaf_cond_exp", 1, params=dict(
            C_m=c_m, g_L=g_l, E_L=p["v_rest_mV"], V_th=p["v_th_mV"], V_reset=p["v_reset_mV"],
            t_ref=0.0, E_ex=p["e_e_mV"], tau_syn_ex=p["tau_e_ms"], V_m=p["v_rest_mV"],
            tau_minus=p["tau_post_ms"]))
        inputs = nest.Create("poisson_generator", params={"rate": p["rate_hz"]})
        parrots = nest.Create("parrot_neuron", net.n_inputs)
        nest.Connect(inputs, parrots, "all_to_all")
        w_max = p["g_max"] * g_l
        # NEST stdp_synapse, μ± = 0 (additive): Δw₊ = λ·W_max·x, Δw₋ = −α·λ·W_max·y
        nest.SetDefaults("stdp_synapse", {"Wmax": w_max, "alpha": p["depression_ratio"],
                                          "mu_plus": 0.0, "mu_minus": 0.0,
                                          "tau_plus": p["tau_pre_ms"],
                                          "lambda": p["a_plus_rel"]})
        m = net.n_inputs            # per-synapse initial weights: connect by arrays, one to one
        nest.Connect(np.asarray(parrots.tolist()), np.full(m, post.global_id), "one_to_one",
                     syn_spec=dict(synapse_model="stdp_synapse", weight=net.w0 * g_l,
                                   delay=np.full(m, DT_MS)))
        rec = nest.Create("spike_recorder")
        nest.Connect(post, rec)
        n = 1
    else:
        p = net.params
        if net.kind == "coba":
            pop = nest.Create("iaf_cond_exp", net.n, params=dict(
                C_m=p["c_pF"], g_L=p["g_l_nS"], E_L=p["v_rest_mV"], V_th=p["v_th_mV"],
                V_reset=p["v_reset_mV"], t_ref=p["t_ref_ms"], E_ex=p["e_e_mV"],
                E_in=p["e_i_mV"], tau_syn_ex=p["tau_e_ms"], tau_syn_in=p["tau_i_ms"]))
            pop.set(V_m=list(net.v0_mV), g_ex=list(net.ge0), g_in=list(net.gi0))
            w_e, w_i = p["w_e_nS"], -p["w_i_nS"]
        else:
            pop = nest.Create("iaf_psc_exp", net.n, params=dict(
                C_m=NEST_C_PF, tau_m=p["tau_m_ms"], E_L=p["v_rest_mV"], V_th=p["v_th_mV"],
                V_reset=p["v_reset_mV"], t_ref=p["t_ref_ms"], tau_syn_ex=p["tau_e_ms"],
                tau_syn_in=p["tau_i_ms"], I_e=0.0))
            pop.set(V_m=list(net.v0_mV))
            scale = NEST_C_PF / p["tau_m_ms"]
            w_e, w_i = p["w_e_mV"] * scale, p["w_i_mV"] * scale
        # NodeCollections are 1-based global ids in the order of creation
        first = pop[0].global_id
        for pre, post, w in ((net.pre_e, net.post_e, w_e), (net.pre_i, net.post_i, w_i)):
            nest.Connect(np.asarray(pre) + first, np.asarray(post) + first, "one_to_one",
                         syn_spec=dict(weight=np.full(len(pre), float(w)),
                                       delay=np.full(len(pre), DT_MS)))
        rec = nest.Create("spike_recorder")
        nest.Connect(pop, rec)
        n = net.n
        first_id = first
    nest.Prepare()
    build = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    nest.Run(duration_ms)
    sim_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    nest.Cleanup()
    ev = rec.get("events")
    ids = np.asarray(ev["senders"], np.int64)
    ids = ids - (first_id if n > 1 else ids.min(initial=0)) if ids.size else ids
    out = dict(t_ms=np.asarray(ev["times"], float), i=ids, sim_s=sim_s, cpu_s=cpu_s, build_s=build,
               compile_s=0.0, n=n)
    if isinstance(net, SongNetwork):
        conns = nest.GetConnections(parrots, post)
        src = np.asarray(conns.get("source"))
        w = np.asarray(conns.get("weight"), float) / g_l
        out["w"] = w[np.argsort(src, kind="stable")]
    return out

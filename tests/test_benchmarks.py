"""Benchmarks: network construction, statistics, engine agreement on a small network, workflow."""

import numpy as np
import pytest

from conftest import claims_of
from neurobench.benchmarks import engines, networks, runner


def test_brette_network_in_degree_and_split():
    net = networks.brette("cuba", 2000, seed=3)
    assert net.n_exc == 1600
    assert net.pre_e.max() < 1600 and net.pre_i.min() >= 1600
    in_degree = (net.pre_e.size + net.pre_i.size) / net.n
    assert in_degree == pytest.approx(80.0, rel=0.03)         # p = 0.02·4000/N → 80 inputs
    assert not np.any(net.pre_e == net.post_e)
    again = networks.brette("cuba", 2000, seed=3)
    np.testing.assert_array_equal(net.pre_i, again.pre_i)


def test_spike_statistics_by_hand():
    # neuron 0: ISIs 10, 10, 10 → CV 0; neuron 1: ISIs 10, 30 → CV 0.5; neuron 2 silent
    t = np.array([0, 10, 20, 30, 0, 10, 40.0])
    i = np.array([0, 0, 0, 0, 1, 1, 1])
    s = networks.spike_statistics(t, i, 3, 1000.0)
    assert s["rate_hz"] == pytest.approx(7 / 3)
    assert s["cv_isi"] == pytest.approx(0.25)


def test_core_matches_brian2_spike_for_spike_small_cuba():
    """Same connectivity, same initial state, exact integration: the same spikes (Brian2 numpy)."""
    net = networks.brette("cuba", 200, seed=2)
    core = engines.run_core(net, 40.0)
    b2 = engines.run_brian2(net, 40.0, target="numpy")
    assert core["t_ms"].size > 50
    np.testing.assert_allclose(np.sort(core["t_ms"]), np.sort(b2["t_ms"]), atol=1e-9)


def test_bad_case_names_the_key():
    with pytest.raises(ValueError, match="engine"):
        runner.validate_case(dict(network="cuba", n=10, duration_s=1, engine="gpu", threads=1, seed=0))
    with pytest.raises(ValueError, match="missing"):
        runner.validate_case(dict(network="cuba"))
    with pytest.raises(ValueError, match="kind"):
        networks.brette("hh", 100, 0)


@pytest.mark.slow
def test_benchmarks_workflow(quick_results):
    d = quick_results / "benchmarks"
    for f in ("comparison.csv", "provenance.json", "figures/scaling.png", "figures/engines.png",
              "tables/benchmarks.csv", "tables/benchmarks.tex", "tables/scaling.md",
              "tables/hardware_probe.csv"):
        assert (d / f).is_file(), f
    claims = claims_of(quick_results, "benchmarks").set_index("claim_id")
    if engines.nest_available():      # the quick run compares the core with NEST
        for cid in ("cuba_rate_agree", "cuba_cv_agree"):
            assert claims.loc[cid, "status"] == "PASS", (cid, claims.loc[cid].to_dict())


def _study_params(**over):
    from neurobench.config import load_config, study_params

    p = study_params(load_config("config/config.yaml"), "benchmarks")
    p.update(over)
    return p


def _row(network, engine, threads=1, **kw):
    base = dict(series="main", network=network, n=4000 if network != "stdp" else 1000,
                duration_s=10.0, engine=engine, threads=threads, rate_hz=20.0, cv_isi=0.9,
                cpu_s=1.0, n_spikes=1000, rounds=1, floor_s=0.5, peak_rss_mib=100.0,
                label=f"core ({threads} thr)" if engine == "core" else engine)
    base.update(kw)
    return base


class _Claims(list):
    def claim(self, c):
        self.append(c)


def test_claims_not_run_with_reasons_when_engines_or_cores_are_missing():
    """NEST not installed, the 2-thread case skipped on a busy machine, Brian2 C++ not run on
    STDP: every declared claim is still written, NOT_RUN with the reason, the others computed."""
    import pandas as pd

    from neurobench.studies import benchmarks as study

    p = _study_params()
    best = pd.DataFrame([
        _row("cuba", "core"), _row("cuba", "brian2_cpp", cpu_s=3.5, rate_hz=20.5, peak_rss_mib=150.0),
        _row("coba", "core", threads=1), _row("coba", "core", threads=2),
        _row("coba", "brian2_cpp", cpu_s=1.5, peak_rss_mib=90.0),
        _row("stdp", "core")])
    errors = pd.DataFrame([
        dict(network="cuba", n=4000, engine="core", threads=2,
             error="2 threads need 2 idle cores; the machine has 2, 0.3 idle after waiting 120 s"),
        dict(network="cuba", n=4000, engine="nest", threads=1, error="NEST (pynest) is not installed")])
    out = _Claims()
    study._claims(out, best, p, errors)
    study._memory_claim(out, study._memory_table(best))
    got = {c.claim_id: c for c in out}
    assert set(got) == set(study.declared_claims(p))
    status = {k: c.status for k, c in got.items()}
    assert status["cuba_speedup_vs_brian2_cpp"] == "PASS"          # 3.5 / 1.0 ≥ 3
    assert got["cuba_speedup_vs_brian2_cpp"].reproduced == pytest.approx(3.5)
    assert status["coba_speedup_vs_brian2_cpp"] == "FAIL"          # 1.5 < 2
    assert status["cuba_rate_agree"] == "PASS"
    assert status["cuba_threads_same_spikes"] == "NOT_RUN"
    assert "idle cores" in got["cuba_threads_same_spikes"].tolerance
    assert status["coba_threads_same_spikes"] == "PASS"
    assert status["stdp_speedup_vs_brian2_cpp"] == "NOT_RUN"
    assert "brian2_cpp" in got["stdp_speedup_vs_brian2_cpp"].tolerance
    assert status["stdp_rate_agree"] == "NOT_RUN"
    # memory: worst ratio over CUBA (100/150) and COBA (100/90)
    assert status["peak_rss_vs_brian2_cpp"] == "FAIL"
    assert got["peak_rss_vs_brian2_cpp"].reproduced == pytest.approx(100 / 90)
    kinds = study.declared_claims(p)
    assert kinds["cuba_rate_agree"] == "independent_simulator"
    assert kinds["coba_speedup_vs_brian2_cpp"] == "design_target"
    assert kinds["cuba_threads_same_spikes"] == "verification"


def test_missing_nest_case_is_recorded_not_dropped(monkeypatch):
    from neurobench.studies import benchmarks as study

    p = _study_params(engines=["core", "nest"], stdp_engines=["core"], scaling_engines=[],
                      scaling_n=[], core_threads=[1], repeats=1, cuba_repeats=1)
    monkeypatch.setattr(study.engines, "nest_available", lambda: False)
    monkeypatch.setattr(study.runner, "run_isolated",
                        lambda job, timeout: dict(job, rate_hz=1.0, cv_isi=0.5, cpu_s=0.1))
    runs = study.run_all(p)
    nest = runs[runs["engine"] == "nest"]
    assert len(nest) == 2 and nest["error"].str.contains("not installed").all()


def test_capped_nest_case_shares_its_statistics_window_with_every_engine():
    from neurobench.studies import benchmarks as study

    p = _study_params(nest_max_duration_s={"coba": 2.0})
    coba = [c for c in study._cases(p) if c["network"] == "coba" and c["series"] == "main"]
    assert {c["stats_window_s"] for c in coba} == {2.0}
    assert {c["duration_s"] for c in coba if c["engine"] == "nest"} == {2.0}
    assert {c["duration_s"] for c in coba if c["engine"] != "nest"} == {p["coba_duration_s"]}
    assert all("stats_window_s" not in c for c in study._cases(p) if c["network"] == "cuba")


def test_each_brian2_case_has_its_own_project_and_the_build_compiles_exactly_those(monkeypatch, tmp_path):
    """One C++ standalone project per case (network, size, duration), the cython cases share
    the extension cache, and ``build`` compiles every Brian2 case once, with one make job,
    into the folder the benchmark then reads."""
    import json

    from neurobench.studies import benchmarks as study

    p = _study_params(repeats=2)
    jobs = [study._job(c, "/tmp/x") for c in study._cases(p)]
    dirs = {(j["network"], j["n"], j["duration_s"]): j.get("brian2_dir")
            for j in jobs if j["engine"] == "brian2_cpp"}
    assert dirs[("cuba", 4000, 10.0)] == "/tmp/x/brian2_cpp/cuba_4000_10s"
    assert dirs[("cuba", 4000, 1.0)] == "/tmp/x/brian2_cpp/cuba_4000_1s"
    assert dirs[("stdp", 1000, 100.0)] == "/tmp/x/brian2_cpp/stdp_1000_100s"
    assert len(set(dirs.values())) == len(dirs) == 3 + len(p["scaling_n"])
    assert {j.get("cython_cache_dir") for j in jobs if j["engine"] == "brian2_cython"} == {"/tmp/x/cython"}
    assert all("brian2_dir" not in j and "cython_cache_dir" not in j
               for j in jobs if not j["engine"].startswith("brian2"))
    built = []
    monkeypatch.setattr(study.runner, "run_isolated",
                        lambda job, timeout: built.append(job) or dict(job, build_s=1.0, compile_s=2.0))
    rows = study.build(p, tmp_path)
    assert len(built) == len(dirs) + 2                 # + CUBA and COBA on the cython target
    assert all(j["compile_only"] and j["make_jobs"] == 1 for j in built)
    assert {j["brian2_dir"] for j in built if "brian2_dir" in j} == {
        d.replace("/tmp/x", str(tmp_path.resolve())) for d in dirs.values()}
    assert json.loads((tmp_path / study.BUILD_FILE).read_text()) == rows
    ahead = study._ahead(tmp_path)
    assert len(ahead) == len(built) and (ahead["ahead_s"] == 3.0).all()


def test_speed_target_rounds_are_spread_over_the_job_and_pair_the_engines():
    """Round 0 of every case first in its place; the further rounds of the speed-target cases
    (``cuba_repeats`` for CUBA, ``repeats`` for the others) interleaved with the remaining
    round-0 cases, each round the core and Brian2 C++ back to back, the same for both."""
    from neurobench.studies import benchmarks as study

    p = _study_params(repeats=3, cuba_repeats=6)
    cases = study._cases(p)
    schedule = study._schedule(cases, p)
    assert len(schedule) == len(cases) + 2 * (6 - 1) + 4 * (3 - 1)
    first = [c for c, r in schedule if r == 0]
    assert sorted(map(str, first)) == sorted(map(str, cases))
    n_threaded = (2 + len(p["scaling_n"])) * (len(p["core_threads"]) - 1)
    assert all(c["threads"] > 1 for c in first[-n_threaded:])
    for net, rounds in (("cuba", 6), ("coba", 3), ("stdp", 3)):
        pos = {e: [k for k, (c, r) in enumerate(schedule) if c["network"] == net
                   and c["series"] == "main" and study._is_target(c) and c["engine"] == e]
               for e in ("core", "brian2_cpp")}
        assert len(pos["core"]) == len(pos["brian2_cpp"]) == rounds
        # the engines alternate: each round is one core run and one Brian2 run back to back
        assert all(b == a + 1 for a, b in zip(pos["core"], pos["brian2_cpp"]))
    repeats = [k for k, (c, r) in enumerate(schedule) if r > 0]
    first_rest = min(k for k, (c, r) in enumerate(schedule) if r == 0 and c["series"] == "scaling")
    # spread: some repeats come before the scaling series is done, some after
    assert min(repeats) < first_rest + 8 < max(repeats)
    assert [r for c, r in schedule if c["network"] == "cuba" and c["engine"] == "core"
            and c["series"] == "main" and c["threads"] == 1] == list(range(6))


def test_threaded_cases_run_last_and_share_one_wait_for_idle_cores(monkeypatch):
    """On a busy machine the multi-threaded core cases cost one wait of ``idle_wait_s`` in
    all, not one per case; each is still written, with the reason."""
    from neurobench.studies import benchmarks as study

    p = _study_params(engines=["core"], stdp_engines=["core"], scaling_engines=["core"],
                      scaling_n=[1000, 2000], core_threads=[1, 2], repeats=1, cuba_repeats=1,
                      idle_wait_s=0.3)
    monkeypatch.setattr(study, "_idle_cores", lambda window_s=1.0: 0.0)
    monkeypatch.setattr(study.time, "sleep", lambda s: None)
    monkeypatch.setattr(study.runner, "run_isolated",
                        lambda job, timeout: dict(job, rate_hz=1.0, cv_isi=0.5, cpu_s=0.1))
    waits = []
    wait_for_idle = study._wait_for_idle
    monkeypatch.setattr(study, "_wait_for_idle",
                        lambda t, wait_s, group_s=None: waits.append(wait_s) or wait_for_idle(t, wait_s, group_s))
    runs = study.run_all(p)
    threaded = runs["threads"] == 2
    assert threaded.sum() == 4 and threaded.iloc[-4:].all()          # cuba, coba, 2 scaling
    assert list(runs["series"].iloc[-4:]) == ["main", "main", "scaling", "scaling"]
    assert runs.loc[threaded, "error"].str.contains("waited 0.3 s").all()
    assert runs.loc[~threaded, "error"].isna().all()
    assert len(waits) == 4 and waits[0] == pytest.approx(0.3, abs=0.05)
    assert sum(max(w, 0.0) for w in waits[1:]) < 0.05                 # one wait, not four


def test_hardware_floor_counts_each_operation_once():
    """The floor by hand: CUBA streams its state and scatters its events; the STDP network's
    single neuron pays one dependent update per step, and its inputs and plasticity add a draw
    and an update per input spike and a pass over the weights per output spike."""
    from neurobench.studies.benchmarks import hardware_floor_s

    probe = dict(stream_ns=0.1, chain_ns=2.0, scatter_ns=1.5, exponential_ns=5.0)
    cuba = dict(network="cuba", n=4000, duration_s=1.0, n_synapses=320_000, n_spikes_total=20_000)
    # 1e4 steps × 4000 neurons × 3 × 0.1 ns + 20 000 spikes × 80 synapses × 1.5 ns
    assert hardware_floor_s(cuba, probe) == pytest.approx(1e4 * 4000 * 3 * 0.1e-9 + 1.6e6 * 1.5e-9)
    stdp = dict(network="stdp", n=1000, duration_s=100.0, n_synapses=1000, n_spikes_total=2000)
    # 1e6 steps × 2 ns + 1.5e6 input spikes × (2 × 1.5 + 5) ns + 2000 × 1000 weights × 0.1 ns
    assert hardware_floor_s(stdp, probe) == pytest.approx(1e6 * 2e-9 + 1.5e6 * 8e-9 + 2e6 * 0.1e-9)


def test_repeat_that_reran_brians_binary_takes_the_first_rounds_statistics():
    """A repeat of Brian2 C++ that only ran its compiled binary again keeps its own timing and
    takes the spike statistics and the whole simulation's peak memory from the first round."""
    import pandas as pd

    from neurobench.studies import benchmarks as study

    key = dict(series="main", network="coba", n=4000, engine="brian2_cpp", threads=1)
    runs = pd.DataFrame([
        dict(key, round=0, sim_s=4.6, cpu_s=4.6, rate_hz=19.5, cv_isi=1.69, n_spikes=7000,
             peak_rss_mib=168.0),
        dict(key, round=1, sim_s=4.4, cpu_s=4.4, peak_rss_mib=40.0, binary_rss_mib=40.0),
        dict(key, engine="core", round=1, sim_s=2.0, cpu_s=2.0, rate_hz=19.5, cv_isi=1.69,
             n_spikes=7000, peak_rss_mib=55.0)])
    out = study._with_first_round(runs)
    assert out.loc[1, "cpu_s"] == 4.4 and out.loc[1, "rate_hz"] == 19.5
    assert out.loc[1, "peak_rss_mib"] == 168.0 and out.loc[1, "binary_rss_mib"] == 40.0
    assert out.loc[2, "peak_rss_mib"] == 55.0
    best = study.best_of_rounds(out.assign(error=None, compile_s=[0.4, 0.0, 0.0]))
    b2 = best.set_index("engine").loc["brian2_cpp"]
    assert b2["cpu_s"] == 4.4 and b2["rounds"] == 2 and b2["cpu_s_median"] == pytest.approx(4.5)
    assert b2["compile_s"] == 0.4               # the round that generated and checked the code


def test_peak_memory_of_a_case_is_its_own_not_its_parents():
    """Linux carries a parent's peak resident memory into a child's ru_maxrss across fork and
    exec; a small case run from a large process must still report its own peak."""
    parent = np.ones(256 * 2**20 // 8)          # this process: at least 256 MiB resident
    row = runner.run_isolated(dict(network="stdp", n=10, duration_s=0.1, engine="core", threads=1,
                                   seed=1))
    assert parent.sum() > 0
    assert 10 < row["peak_rss_mib"] < 200, row.get("error")


@pytest.mark.slow
def test_case_reuses_the_project_compiled_ahead_and_gives_the_same_spikes(tmp_path, monkeypatch):
    """``build`` compiles a Brian2 C++ case ahead; the case then only checks the project (make
    links nothing), and its binary fires exactly as one compiled in the case itself. Another
    size and duration of the same network starts from the first's compiled project."""
    pytest.importorskip("brian2")
    from neurobench.studies import benchmarks as study

    p = _study_params(engines=["brian2_cpp"], stdp_engines=[], scaling_engines=["brian2_cpp"],
                      scaling_n=[300], scaling_duration_s=0.05, cuba_n=200, cuba_duration_s=0.2,
                      coba_n=200, coba_duration_s=0.05, nest_max_duration_s={})
    cases = [c for c in study._cases(p) if c["network"] == "cuba"]
    monkeypatch.setattr(study, "_cases", lambda p: cases)
    rows = study.build(p, tmp_path / "work")
    assert len(rows) == 2 and all("error" not in r for r in rows), rows
    assert all(r["binary_rebuilt"] for r in rows)
    for job in (study._job(c, str((tmp_path / "work").resolve())) for c in cases):
        again = runner.run_isolated(job)
        assert again["binary_rebuilt"] is False and again["compile_s"] < 5.0, again
        fresh = runner.run_isolated({k: v for k, v in job.items() if k != "brian2_dir"})
        assert again["n_spikes"] == fresh["n_spikes"] > 0
        np.testing.assert_equal([again["rate_hz"], again["cv_isi"]], [fresh["rate_hz"], fresh["cv_isi"]])

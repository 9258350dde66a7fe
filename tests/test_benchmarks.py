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

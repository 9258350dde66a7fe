"""The talk's discrete LIF (torch module): exactness on the grid, Euler's first order, agreement
with the Cython core, and the temporal-order task."""

import math

import numpy as np
import pytest

from conftest import claims_of
from neurobench.studies import discrete_lif

P = dict(tau_m_ms=20.0, drive_rel=1.5, dt_sweep_ms=[0.4, 0.2, 0.1], dt_ms=0.1,
         crosscheck_neurons=5, crosscheck_steps=1500, seed=3, task_steps=30,
         task_margin_steps=5, task_noise_channels=2, task_noise_prob=0.05)


def test_exponential_scheme_is_exact_on_the_grid():
    u = discrete_lif.discrete_trace(1.5, 20.0, 0.5, 100, "exponential")
    t = np.arange(101) * 0.5
    np.testing.assert_allclose(u, 1.5 * (1 - np.exp(-t / 20.0)), atol=1e-13)


def test_euler_step_by_hand():
    u = discrete_lif.discrete_trace(2.0, 10.0, 1.0, 2, "euler")
    # u1 = 0.9·0 + 0.1·2 = 0.2; u2 = 0.9·0.2 + 0.2 = 0.38
    np.testing.assert_allclose(u, [0.0, 0.2, 0.38], atol=1e-15)


def test_spike_time_orders():
    eq = discrete_lif.equivalence(P)
    assert discrete_lif.order(eq, "euler") == pytest.approx(1.0, abs=0.1)
    ex = eq[eq["scheme"] == "exponential"]
    t_analytic = 20.0 * math.log(1.5 / 0.5)
    assert ex["t_analytic_ms"].iloc[0] == pytest.approx(t_analytic)
    assert np.all(ex["spike_time_error_ms"] <= ex["dt_ms"] ** 2 / (8 * 20.0))


def test_torch_module_matches_core():
    du, n_spikes, mismatch = discrete_lif.torch_vs_core(P, np.random.default_rng(0))
    assert n_spikes > 20 and mismatch == 0 and du < 1e-9


def test_order_task_counts_are_balanced():
    x, y = discrete_lif.order_task(200, P, np.random.default_rng(1))
    assert x.shape == (30, 200, 4)
    np.testing.assert_array_equal(x[:, :, 0].sum(0), 1)      # one A spike per sample
    np.testing.assert_array_equal(x[:, :, 1].sum(0), 1)      # one B spike per sample
    assert 0.35 < float(y.float().mean()) < 0.65


@pytest.mark.slow
def test_discrete_lif_workflow(quick_results):
    d = quick_results / "discrete_lif"
    for f in ("comparison.csv", "provenance.json", "figures/discrete_lif.png",
              "tables/equivalence.csv", "tables/training_loss.csv"):
        assert (d / f).is_file(), f
    claims = claims_of(quick_results, "discrete_lif")
    assert dict(zip(claims.claim_id, zip(claims.kind, claims.status))) == {
        "exponential_exact_on_grid": ("closed_form", "PASS"),
        "euler_first_order": ("verification", "PASS"),
        "exponential_interpolation_only": ("closed_form", "PASS"),
        "torch_matches_core": ("verification", "PASS"),
        "bptt_loss_falls": ("literature", "PASS"),
        "bptt_learns_order": ("literature", "PASS"),
        "counts_carry_no_order": ("verification", "PASS"),
    }

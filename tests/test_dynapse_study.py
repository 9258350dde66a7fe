"""The dynapse study: its helpers against closed forms, and its quick-workflow outputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import claims_of

from neurobench.dynapse import CircuitConstants
from neurobench.dynapse.circuits import membrane_steady_state, time_constant
from neurobench.studies.dynapse import (cv_sampling_error, fit_decay_tau, max_spike_shift,
                                        ode_period)


def test_fit_decay_tau_recovers_exponential():
    t = np.linspace(0, 0.1, 1001)
    i = np.stack([3e-12 * np.exp(-t / 0.01), 1e-12 * np.exp(-t / 0.025)], axis=1)
    np.testing.assert_allclose(fit_decay_tau(t, i, 0.001, 0.05), [0.01, 0.025], rtol=1e-9)


def test_ode_period_below_and_above_rheobase():
    c = CircuitConstants()
    leak = 5.87e-12
    neuron = {"leak_A": leak, "gain_A": 4 * leak}
    assert ode_period(neuron, c, 2 * leak, 2e-3) == math.inf      # fixed point below feedback
    fast, slow = ode_period(neuron, c, 800e-12, 2e-3), ode_period(neuron, c, 150e-12, 2e-3)
    assert 2e-3 < fast < slow < 1.0
    # far below the feedback onset the steady state is the closed-form fixed point
    assert membrane_steady_state(20e-12, leak, 4 * leak, c) == pytest.approx(
        4 * leak * (20e-12 - leak) / (leak - c.dark_current_A))
    assert time_constant(leak, c.c_mem_F, c) == pytest.approx(0.02, rel=0.01)


def test_max_spike_shift_and_cv_error():
    a = [np.array([1.0, 5.0]), np.array([2.0])]
    assert max_spike_shift(a, [np.array([1.5, 5.0]), np.array([2.25])]) == 0.5
    assert max_spike_shift(a, [np.array([1.0]), np.array([2.0])]) == math.inf
    assert cv_sampling_error(0.1, 1024) == pytest.approx(0.1 * math.sqrt(1.02 / 2048))


def test_dynapse_workflow(quick_results):
    d = quick_results / "dynapse"
    for f in ("comparison.csv", "provenance.json", "biases.yaml", "figures/datasheet.png",
              "figures/mismatch_nmda.png", "figures/aliasing.png", "figures/dt_convergence.png",
              "tables/psc.csv", "tables/fi_curve.md", "tables/mismatch.csv"):
        assert (d / f).exists(), f
    claims = claims_of(quick_results, "dynapse").set_index("claim_id")
    expected_pass = [
        "psc_ampa", "psc_nmda", "psc_gaba_a", "psc_gaba_b", "tau_inverse_bias",
        "tau_closed_form", "fi_curve_vs_ode", "fi_silent_below_rheobase",
        "adaptation_ahp_mean", "adaptation_slows_firing", "nmda_gate_blocks_at_rest",
        "nmda_gate_opens_depolarised", "steady_state_gaba_a_shunting",
        "steady_state_gaba_b_subtractive", "mismatch_cv_tau", "mismatch_cv_psc_peak",
        "aliasing_detected", "aliasing_reproduced", "temperature_tau_scaling", "dt_convergence"]
    for cid in expected_pass:
        assert claims.loc[cid, "status"] == "PASS", (cid, claims.loc[cid].to_dict())
